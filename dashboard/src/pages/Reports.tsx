import { useEffect, useState } from 'preact/hooks';
import { ApiError, api, type DayChange } from '../api';
import { CategoryBars, TopBars } from '../components/charts';
import { DataTable, LowStockTable } from '../components/tables';
import { Banner, DateInput, Empty, Link, Loading, onSubmitted } from '../components/ui';
import { formatDate, formatInstant, isDate } from '../dates';
import { useAsync, usePaged } from '../hooks';
import { divideCents, formatCount, formatPct, toCents } from '../money';
import { navigate, href, type Location } from '../router';
import { displayTz, loadCatalogue, money, useAppState } from '../store';

export function Reports({ loc }: { loc: Location }) {
  const date = loc.path.split('/')[2];
  return date ? <OneReport date={decodeURIComponent(date)} /> : <ReportList />;
}

function ReportList() {
  const list = usePaged('', (cursor, signal) => api.reports(cursor, signal));
  const { items, loading } = list;
  const [jump, setJump] = useState('');

  return (
    <section aria-labelledby="reports-title" class="stack">
      <div class="page-head">
        <h1 id="reports-title">Daily reports</h1>
        <p class="muted">Built every day at 00:15 store time for the day before</p>
      </div>
      <form
        class="filters"
        onSubmit={onSubmitted(() => {
          if (isDate(jump)) navigate(href(`/reports/${jump}`));
        })}
      >
        <label class="inline">
          Open the report of <DateInput name="date" required value={jump} onInput={setJump} />
        </label>
        <button type="submit" class="btn">
          Open
        </button>
      </form>
      <div class="card">
        <Banner error={list.error} onRetry={list.reload} />
        <DataTable
          label="Report list"
          data-testid="reports-table"
          rows={items}
          pending={loading ? <Loading label="Loading reports…" /> : null}
          empty="No daily reports yet. The first one is written at 00:15 store time (locally also: local-runner report YYYY-MM-DD)."
          rowKey={(r) => r.date}
          columns={[
            { label: 'Day', cell: (r) => <Link to={`/reports/${r.date}`}>{formatDate(r.date)}</Link> },
            { label: 'Revenue', num: true, cell: (r) => money(r.totals.total_revenue) },
            { label: 'Units', num: true, cell: (r) => formatCount(r.totals.total_units_sold) },
            { label: 'Orders', num: true, cell: (r) => formatCount(r.totals.sales_count) },
            { label: 'vs day before', num: true, cell: (r) => formatPct(r.change_vs_previous_day.revenue_change_pct) },
            { label: 'vs week before', num: true, cell: (r) => formatPct(r.change_vs_same_weekday_last_week.revenue_change_pct) },
          ]}
        />
        {items !== null && loading && <Loading />}
        {list.cursor && (
          <div class="pager">
            <button type="button" class="btn" onClick={() => void list.more()} disabled={loading}>
              Load more
            </button>
          </div>
        )}
      </div>
    </section>
  );
}

function Change({ label, c }: { label: string; c: DayChange }) {
  const dir = c.revenue_change_pct === null || c.revenue_change_pct === 0 ? 'flat' : c.revenue_change_pct > 0 ? 'up' : 'down';
  return (
    <div class="kpi card">
      <h3 class="kpi-label">
        {label} ({formatDate(c.previous_date)})
      </h3>
      <p class="kpi-value">{money(c.previous.total_revenue)}</p>
      <p class={`kpi-change ${dir}`}>
        {c.revenue_change_pct === null ? 'no sales that day to compare with' : `revenue ${formatPct(c.revenue_change_pct)} since`} · orders{' '}
        {c.change.sales_count >= 0 ? '+' : ''}
        {formatCount(c.change.sales_count)}
      </p>
    </div>
  );
}

function OneReport({ date }: { date: string }) {
  useAppState(); // product names once the catalogue is in
  useEffect(() => void loadCatalogue().catch(() => undefined), []);
  const report = useAsync((s) => api.report(date, s), [date]);
  const r = report.data;
  const notFound = report.error instanceof ApiError && report.error.status === 404;
  return (
    <section aria-labelledby="report-title" class="stack">
      <div class="page-head">
        <h1 id="report-title">Report of {formatDate(date)}</h1>
        <Link to="/reports">All reports</Link>
      </div>
      {report.loading ? (
        <Loading label="Loading the report…" />
      ) : notFound ? (
        <Empty>There is no report for {formatDate(date)}.</Empty>
      ) : report.error ? (
        <Banner error={report.error} onRetry={report.reload} />
      ) : r ? (
        <>
          <p class="muted small">
            Store day in {r.timezone}; generated {formatInstant(r.generated_at, displayTz())}
          </p>
          <div class="kpis">
            <div class="kpi card">
              <h2 class="kpi-label">Revenue</h2>
              <p class="kpi-value" data-testid="report-revenue">
                {money(r.totals.total_revenue)}
              </p>
            </div>
            <div class="kpi card">
              <h2 class="kpi-label">Units sold</h2>
              <p class="kpi-value">{formatCount(r.totals.total_units_sold)}</p>
            </div>
            <div class="kpi card">
              <h2 class="kpi-label">Orders</h2>
              <p class="kpi-value">{formatCount(r.totals.sales_count)}</p>
            </div>
            <div class="kpi card">
              <h2 class="kpi-label">Average order value</h2>
              <p class="kpi-value">{money(divideCents(toCents(r.totals.total_revenue) ?? 0n, r.totals.sales_count))}</p>
            </div>
          </div>
          <div class="kpis">
            <Change label="Day before" c={r.change_vs_previous_day} />
            <Change label="Same weekday a week before" c={r.change_vs_same_weekday_last_week} />
          </div>
          <div class="grid two">
            <article class="card">
              <h2>By category</h2>
              {r.by_category.length === 0 ? (
                <Empty>No sales that day.</Empty>
              ) : (
                <CategoryBars rows={r.by_category} />
              )}
            </article>
            <article class="card">
              <h2>Top products</h2>
              {r.top_products.length === 0 ? (
                <Empty>No sales that day.</Empty>
              ) : (
                <TopBars rows={r.top_products} metric="revenue" label="Top products" />
              )}
            </article>
            <article class="card wide">
              <h2>Low stock at the time</h2>
              {r.low_stock.length === 0 ? (
                <Empty>No product was low on stock.</Empty>
              ) : (
                <LowStockTable label="Low stock" items={r.low_stock} />
              )}
            </article>
          </div>
        </>
      ) : null}
    </section>
  );
}
