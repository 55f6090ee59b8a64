import { useEffect, useState } from 'preact/hooks';
import { ApiError, api, type DailyReport, type DayChange } from '../api';
import { BarList } from '../components/charts';
import { Banner, Empty, Link, Loading, TableWrap } from '../components/ui';
import { formatDate, formatInstant, isDate } from '../dates';
import { useAsync } from '../hooks';
import { chartNumber, divideCents, formatCount, formatMoney, formatPct, toCents } from '../money';
import { navigate, href, type Location } from '../router';
import { displayTz, loadCatalogue, productName, useAppState } from '../store';

export function Reports({ loc }: { loc: Location }) {
  const date = loc.path.split('/')[2];
  return date ? <OneReport date={decodeURIComponent(date)} /> : <ReportList />;
}

function ReportList() {
  const [items, setItems] = useState<DailyReport[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  const [jump, setJump] = useState('');

  useEffect(() => {
    const ctrl = new AbortController();
    setLoading(true);
    setError(null);
    api.reports(null, ctrl.signal).then(
      (page) => {
        setItems(page.items);
        setCursor(page.next_cursor);
        setLoading(false);
      },
      (e: unknown) => {
        if (ctrl.signal.aborted) return;
        setError(e);
        setLoading(false);
      },
    );
    return () => ctrl.abort();
  }, [tick]);

  const more = async () => {
    setLoading(true);
    try {
      const page = await api.reports(cursor);
      setItems((old) => [...(old ?? []), ...page.items]);
      setCursor(page.next_cursor);
    } catch (e) {
      setError(e);
    } finally {
      setLoading(false);
    }
  };

  return (
    <section aria-labelledby="reports-title" class="stack">
      <div class="page-head">
        <h1 id="reports-title">Daily reports</h1>
        <p class="muted">Built every day at 00:15 store time for the day before</p>
      </div>
      <form
        class="filters"
        onSubmit={(e) => {
          e.preventDefault();
          if (isDate(jump)) navigate(href(`/reports/${jump}`));
        }}
      >
        <label class="inline">
          Open the report of <input type="date" name="date" required value={jump} onInput={(e) => setJump(e.currentTarget.value)} />
        </label>
        <button type="submit" class="btn">
          Open
        </button>
      </form>
      <div class="card">
        <Banner error={error} onRetry={() => setTick((t) => t + 1)} />
        {items === null ? (
          loading ? <Loading label="Loading reports…" /> : null
        ) : items.length === 0 ? (
          <Empty>No daily reports yet. The first one is written at 00:15 store time (locally also: local-runner report YYYY-MM-DD).</Empty>
        ) : (
          <TableWrap label="Daily reports">
            <table class="cards-on-phone" data-testid="reports-table">
              <thead>
                <tr>
                  <th scope="col">Day</th>
                  <th scope="col" class="num">
                    Revenue
                  </th>
                  <th scope="col" class="num">
                    Units
                  </th>
                  <th scope="col" class="num">
                    Orders
                  </th>
                  <th scope="col" class="num">
                    vs day before
                  </th>
                  <th scope="col" class="num">
                    vs week before
                  </th>
                </tr>
              </thead>
              <tbody>
                {items.map((r) => (
                  <tr key={r.date}>
                    <td data-label="Day">
                      <Link to={`/reports/${r.date}`}>{formatDate(r.date)}</Link>
                    </td>
                    <td data-label="Revenue" class="num">
                      {formatMoney(r.totals.total_revenue)}
                    </td>
                    <td data-label="Units" class="num">
                      {formatCount(r.totals.total_units_sold)}
                    </td>
                    <td data-label="Orders" class="num">
                      {formatCount(r.totals.sales_count)}
                    </td>
                    <td data-label="vs day before" class="num">
                      {formatPct(r.change_vs_previous_day.revenue_change_pct)}
                    </td>
                    <td data-label="vs week before" class="num">
                      {formatPct(r.change_vs_same_weekday_last_week.revenue_change_pct)}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableWrap>
        )}
        {items !== null && loading && <Loading />}
        {cursor && (
          <div class="pager">
            <button type="button" class="btn" onClick={() => void more()} disabled={loading}>
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
      <p class="kpi-value">{formatMoney(c.previous.total_revenue)}</p>
      <p class={`kpi-change ${dir}`}>
        {c.revenue_change_pct === null ? 'no sales that day to compare with' : `revenue ${formatPct(c.revenue_change_pct)} since`} · orders{' '}
        {c.change.sales_count >= 0 ? '+' : ''}
        {formatCount(c.change.sales_count)}
      </p>
    </div>
  );
}

function OneReport({ date }: { date: string }) {
  const app = useAppState();
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
                {formatMoney(r.totals.total_revenue)}
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
              <p class="kpi-value">{formatMoney(divideCents(toCents(r.totals.total_revenue) ?? 0n, r.totals.sales_count))}</p>
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
                <BarList
                  label="Revenue by category"
                  bars={r.by_category.map((c) => ({
                    key: c.category_name,
                    label: c.category_name,
                    text: formatMoney(c.total_revenue),
                    value: chartNumber(c.total_revenue),
                    sub: `${formatCount(c.total_units_sold)} units · ${formatCount(c.sales_count)} orders`,
                  }))}
                />
              )}
            </article>
            <article class="card">
              <h2>Top products</h2>
              {r.top_products.length === 0 ? (
                <Empty>No sales that day.</Empty>
              ) : (
                <BarList
                  label="Top products"
                  bars={r.top_products.map((t) => ({
                    key: String(t.product_id),
                    label: `${t.rank}. ${app.products ? productName(t.product_id) : `#${t.product_id}`}`,
                    text: formatMoney(t.total_revenue),
                    value: chartNumber(t.total_revenue),
                    sub: `${formatCount(t.total_units_sold)} units`,
                  }))}
                />
              )}
            </article>
            <article class="card wide">
              <h2>Low stock at the time</h2>
              {r.low_stock.length === 0 ? (
                <Empty>No product was low on stock.</Empty>
              ) : (
                <TableWrap label="Low stock">
                  <table class="cards-on-phone">
                    <thead>
                      <tr>
                        <th scope="col">Product</th>
                        <th scope="col">Category</th>
                        <th scope="col" class="num">
                          In stock
                        </th>
                        <th scope="col" class="num">
                          Alert at
                        </th>
                      </tr>
                    </thead>
                    <tbody>
                      {r.low_stock.map((l) => (
                        <tr key={l.id}>
                          <td data-label="Product">{l.name}</td>
                          <td data-label="Category">{l.category_name}</td>
                          <td data-label="In stock" class={`num${l.current_inventory === 0 ? ' out' : ''}`}>
                            {formatCount(l.current_inventory)}
                          </td>
                          <td data-label="Alert at" class="num">
                            {formatCount(l.low_stock_alert_threshold)}
                          </td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </TableWrap>
              )}
            </article>
          </div>
        </>
      ) : null}
    </section>
  );
}
