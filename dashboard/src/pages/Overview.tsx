import type { ComponentChildren } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { api } from '../api';
import { CategoryBars, SmallMultiples, TimeChart, TopBars } from '../components/charts';
import { KpiCards } from '../components/kpis';
import { LowStockTable } from '../components/tables';
import { DateInput, Loaded, onSubmitted, Segmented } from '../components/ui';
import { COMPARE_MODES, comparedRange as compareWith } from '../comparison';
import { formatDate, formatRange, isDate, type Range } from '../dates';
import { useAsync, type Async } from '../hooks';
import { chartNumber } from '../money';
import { grainsFor, GRAIN_SPECS } from '../periods';
import { PRESETS } from '../presets';
import { href, navigate, setParams, type Location } from '../router';
import { firstSalesDay, loadCatalogue, productName, storeHour, storeToday, useAppState } from '../store';
import { chartRange, loadKpis, loadSeries, loadTop, loadTrends, markPartial, overviewState, periodWithin, type Clock, type TrendBy } from './overviewData';

const TOP_METRICS = [
  { id: 'revenue', label: 'Gross revenue' },
  { id: 'units', label: 'Units' },
] as const;

const TRENDS_BY = [
  { id: 'category', label: 'Category' },
  { id: 'product', label: 'Product' },
] as const;

/** The sales list of a range, and optionally one category or product: where a click on a figure goes. */
export function salesOf(r: Range | null, extra: Record<string, string> = {}) {
  return { to: '/sales', params: { ...(r ? { from: r.from, to: r.to } : {}), ...extra } };
}

export function Overview({ loc }: { loc: Location }) {
  const app = useAppState();
  const todayDate = storeToday();
  const st = overviewState(loc.params, todayDate);
  const { range, mode, askedGrain, metric } = st;
  const rangeKey = range ? `${range.from}..${range.to}` : 'all';
  const trendBy: TrendBy = loc.params.get('trend') === 'product' ? 'product' : 'category';

  const first = useAsync(() => firstSalesDay(), [app.storeTz]);
  const firstDay = first.data ?? null;
  const clock: Clock = { todayDate, nowHour: storeHour(), firstDay, timeZone: app.storeTz };
  // All time needs the first sales day for its bounds; any other range loads at once.
  const ready = range !== null || !first.loading || first.data !== undefined;
  const clockKey = `${app.storeTz}|${range ? '' : (firstDay ?? '')}|${ready}`;

  // Every panel loads on its own, all at once; a panel keeps its last figures, dimmed, while the next load.
  const kpis = useAsync((s) => loadKpis(range, mode, s), [rangeKey, mode, app.storeTz]);
  const series = useAsync((s) => (ready ? loadSeries(range, mode, askedGrain, clock, s) : new Promise<never>(() => undefined)), [rangeKey, mode, askedGrain, clockKey]);
  const categories = useAsync(
    (s) => api.summary(range ? { group_by: 'category', from: range.from, to: range.to } : { group_by: 'category' }, s),
    [rangeKey, app.storeTz],
  );
  const top = useAsync((s) => loadTop(range, metric, s), [rangeKey, metric, app.storeTz]);
  const trends = useAsync(
    (s) =>
      ready
        ? loadTrends(
            range,
            trendBy,
            clock,
            (k) => (trendBy === 'category' ? k : productName(Number(k))),
            (k, r) => salesOf(r, trendBy === 'category' ? { category_name: k } : { product_id: k }),
            s,
          )
        : new Promise<never>(() => undefined),
    [rangeKey, trendBy, clockKey, app.products === null],
  );
  const lowStock = useAsync((s) => api.lowStock(s), []);
  useEffect(() => void loadCatalogue().catch(() => undefined), []);

  const chartR = chartRange(range, firstDay, todayDate);
  const points = useMemo(() => (series.data ? markPartial(series.data, clock) : []), [series.data, firstDay, todayDate]);
  const comparedRange = range ? compareWith(range, mode) : null;
  const comparedText = comparedRange ? formatRange(comparedRange) : undefined;

  return (
    <section aria-labelledby="overview-title">
      <div class="page-head">
        <h1 id="overview-title">Overview</h1>
        <p class="muted" data-testid="range-label">
          {range ? formatRange(range) : 'All time'} · store time ({app.storeTz})
        </p>
      </div>

      <RangeToolbar st={st} todayDate={todayDate} />
      <PeriodNotes range={range} compared={comparedRange} todayDate={todayDate} firstDay={firstDay} />

      <KpiCards kpis={kpis} comparedText={comparedText} />

      <div class="grid two">
        <Panel id="ts" title="Gross revenue and units over time" of={series} wide
          tools={
            chartR && (
              <label class="inline">
                Grain{' '}
                <select name="grain" value={series.data?.grain ?? askedGrain ?? ''} onChange={(e) => setParams({ grain: e.currentTarget.value })}>
                  {grainsFor(chartR).map((g) => (
                    <option key={g} value={g}>
                      {GRAIN_SPECS[g].id}
                    </option>
                  ))}
                </select>
              </label>
            )
          }
        >
          <Loaded of={series} loading="Loading the chart…" has={(d) => Boolean(d?.points.some((p) => p.units > 0 || p.revenue > 0 || (p.compared?.revenue ?? 0) > 0))} empty="No sales in this range.">
            {(d) =>
              d && (
                <TimeChart
                  points={points}
                  grain={d.grain}
                  title="Gross revenue and units"
                  comparedLabel={d.comparedRange ? formatRange(d.comparedRange) : undefined}
                  periodLink={(key) => salesOf(chartR ? periodWithin(key, chartR) : null)}
                  onOpenPeriod={(key) => {
                    const l = salesOf(chartR ? periodWithin(key, chartR) : null);
                    navigate(href(l.to, l.params));
                  }}
                />
              )
            }
          </Loaded>
        </Panel>

        <Panel id="cat" title="Gross revenue by category" of={categories} testId="categories">
          <Loaded of={categories} has={(d) => d.rows.length > 0} empty="No sales in this range.">
            {(d) => (
              <CategoryBars
                rows={[...d.rows].sort((x, y) => chartNumber(y.total_revenue) - chartNumber(x.total_revenue))}
                link={(c) => salesOf(range, { category_name: c })}
              />
            )}
          </Loaded>
        </Panel>

        <Panel
          id="top"
          title="Top products"
          of={top}
          testId="top-products"
          tools={
            <Segmented label="Rank by" options={TOP_METRICS} value={metric} onPick={(m) => setParams({ top: m === 'revenue' ? null : m })} />
          }
        >
          <Loaded of={top} has={(d) => d.length > 0} empty="No sales in this range.">
            {(d) => <TopBars rows={d} metric={metric} link={(id) => salesOf(range, { product_id: String(id) })} />}
          </Loaded>
        </Panel>

        <Panel
          id="trend"
          title={`Trends by ${trendBy}`}
          of={trends}
          wide
          testId="trends"
          tools={
            <Segmented label="Trends by" options={TRENDS_BY} value={trendBy} onPick={(b) => setParams({ trend: b === 'category' ? null : b })} />
          }
        >
          <Loaded of={trends} has={(d) => Boolean(d?.trends.length)} empty="No sales in this range.">
            {(d) =>
              d && (
                <>
                  <p class="muted small">
                    Gross revenue per {d.grain}, one scale for all{trendBy === 'product' ? '; the 8 largest products' : ''}. Hatched: partial periods.
                  </p>
                  <SmallMultiples trends={d.trends} label={`Gross revenue by ${trendBy} over time`} />
                </>
              )
            }
          </Loaded>
        </Panel>

        <Panel id="low" title="Low stock" of={lowStock} wide>
          <Loaded of={lowStock} has={(d) => d.length > 0} empty="No product is low on stock.">
            {(d) => <LowStockTable label="Low-stock products" items={d} linked />}
          </Loaded>
        </Panel>
      </div>
    </section>
  );
}

/** A card of the overview: its title, tools, and its content dimmed (aria-busy) while it reloads. */
function Panel<T>(props: { id: string; title: string; of: Async<T>; wide?: boolean; testId?: string; tools?: ComponentChildren; children: ComponentChildren }) {
  const stale = props.of.loading && props.of.data !== undefined;
  return (
    <article class={`card${props.wide ? ' wide' : ''}${stale ? ' stale' : ''}`} aria-labelledby={`${props.id}-title`} aria-busy={props.of.loading} data-testid={props.testId}>
      <div class="card-head">
        <h2 id={`${props.id}-title`}>{props.title}</h2>
        {props.tools}
      </div>
      {props.children}
    </article>
  );
}

function RangeToolbar({ st, todayDate }: { st: ReturnType<typeof overviewState>; todayDate: string }) {
  const { range, preset, mode } = st;
  const [from, setFrom] = useState(range?.from ?? '');
  const [to, setTo] = useState(range?.to ?? '');
  const rangeKey = range ? `${range.from}..${range.to}` : 'all';
  useEffect(() => {
    setFrom(range?.from ?? '');
    setTo(range?.to ?? '');
  }, [rangeKey]);
  return (
    <div class="toolbar">
      <div class="presets" role="group" aria-label="Date range">
        {PRESETS.map((p) => {
          const r = p.range(todayDate);
          return (
            <button
              type="button"
              key={p.id}
              class="btn chip"
              aria-pressed={preset === p.id || (!preset && r !== null && r.from === range?.from && r.to === range.to)}
              title={r ? formatRange(r) : 'Every sale'}
              onClick={() => setParams({ range: p.id, from: null, to: null, grain: null })}
            >
              {p.label}
            </button>
          );
        })}
      </div>
      <form
        class="range-form"
        aria-label="Custom range"
        onSubmit={onSubmitted(() => {
          if (isDate(from) && isDate(to) && from <= to) setParams({ from, to, range: null, grain: null });
        })}
      >
        <label class="inline">
          From <DateInput name="from" value={from} required onInput={setFrom} />
        </label>
        <label class="inline">
          To <DateInput name="to" value={to} required onInput={setTo} />
        </label>
        <button type="submit" class="btn">
          Apply
        </button>
      </form>
      {range && (
        <Segmented label="Compare with" options={COMPARE_MODES} value={mode} onPick={(m) => setParams({ cmp: m === 'previous' ? null : m })}>
          <span class="muted small">Compare with</span>
        </Segmented>
      )}
    </div>
  );
}

/** The compared range written out, and which of the two is partial. */
function PeriodNotes({ range, compared, todayDate, firstDay }: { range: Range | null; compared: Range | null; todayDate: string; firstDay: string | null }) {
  if (!range) return null;
  const notes: string[] = [];
  if (range.to >= todayDate) notes.push(range.from === range.to && range.to === todayDate ? 'today is not over' : `partial: ${range.to > todayDate ? `ends after today (${formatDate(todayDate)})` : 'today is not over'}`);
  if (firstDay && range.from < firstDay && firstDay <= range.to) notes.push(`partial data: the first sale is on ${formatDate(firstDay)}`);
  if (compared && firstDay) {
    if (compared.to < firstDay) notes.push('no sales before then to compare with');
    else if (compared.from < firstDay) notes.push(`the compared period is partial: sales start on ${formatDate(firstDay)}`);
  }
  return (
    <p class="period-notes" data-testid="period-notes">
      {compared && (
        <span data-testid="compared-range">
          Compared with <strong>{formatRange(compared)}</strong>
        </span>
      )}
      {notes.map((n) => (
        <span key={n} class="badge partial" data-testid="partial-badge">
          {n}
        </span>
      ))}
    </p>
  );
}
