import { useEffect, useState } from 'preact/hooks';
import { api, type Summary, type Totals } from '../api';
import { CategoryBars, TimeChart, TopBars, type SeriesPoint, type TopMetric } from '../components/charts';
import { LowStockTable } from '../components/tables';
import { Banner, Link, Loaded, Loading } from '../components/ui';
import {
  calendarPeriod,
  daysInRange,
  formatDate,
  GRAINS,
  grainFor,
  isDate,
  periodLabel,
  periodRange,
  periodsBetween,
  PRESETS,
  previousRange,
  type Grain,
  type Range,
} from '../dates';
import { useAsync } from '../hooks';
import { changePct, chartNumber, divideCents, formatCount, formatMoney, formatPct, toCents } from '../money';
import { setParams, type Location } from '../router';
import { loadCatalogue, storeToday, useAppState } from '../store';

const MAX_POINTS = 5000;

/** The range the URL asks for: `from`/`to`, `range=all`, or the last 30 days. */
export function rangeFromParams(params: URLSearchParams, todayDate: string): Range | null {
  if (params.get('range') === 'all') return null;
  const from = params.get('from');
  const to = params.get('to');
  if (isDate(from) && isDate(to) && from <= to) return { from, to };
  if (isDate(from) && !to) return { from, to: todayDate > from ? todayDate : from };
  const preset = PRESETS.find((p) => p.id === params.get('range'));
  return (preset ?? PRESETS[1])?.range(todayDate) ?? null;
}

const ZERO: Totals = { total_revenue: '0.00', total_units_sold: 0, sales_count: 0 };

interface Kpis {
  current: Totals;
  previous: Totals | null;
  previousRange: Range | null;
}

async function loadKpis(range: Range | null, signal: AbortSignal): Promise<Kpis> {
  if (!range) {
    const s = await api.summary({ group_by: 'total' }, signal);
    return { current: s.rows[0] ?? ZERO, previous: null, previousRange: null };
  }
  const prev = previousRange(range);
  const cal = calendarPeriod(range);
  if (cal) {
    // A whole day, month or year: the API's own comparison of calendar periods.
    const c = await api.compare({ period: cal.period, current: cal.at, previous: cal.previous, by: 'total' }, signal);
    const row = c.rows[0];
    return { current: row?.current ?? ZERO, previous: row?.previous ?? ZERO, previousRange: periodRange(cal.previous) };
  }
  const [cur, before] = await Promise.all([
    api.summary({ group_by: 'total', from: range.from, to: range.to }, signal),
    api.summary({ group_by: 'total', from: prev.from, to: prev.to }, signal),
  ]);
  return { current: cur.rows[0] ?? ZERO, previous: before.rows[0] ?? ZERO, previousRange: prev };
}

interface Series {
  grain: Grain;
  points: SeriesPoint[];
  timezone: string;
}

async function loadSeries(range: Range | null, asked: Grain | null, signal: AbortSignal): Promise<Series> {
  let grain = asked;
  let first: string | undefined;
  let last: string | undefined;
  let summary: Summary | null = null;
  if (!range) {
    // All time: the years with sales bound the chart and choose its grain.
    const years = await api.summary({ group_by: 'year' }, signal);
    first = years.rows[0]?.period;
    last = years.rows[years.rows.length - 1]?.period;
    grain ??= grainFor(null, first && last ? Number(last) - Number(first) + 1 : 0);
    summary = grain === 'year' ? years : null;
  } else {
    grain ??= grainFor(range);
  }
  summary ??= await api.summary(range ? { group_by: grain, from: range.from, to: range.to } : { group_by: grain }, signal);
  const byPeriod = new Map(summary.rows.map((r) => [r.period ?? '', r]));
  let keys: string[];
  if (range) {
    keys = periodsBetween(grain, grain === 'hour' ? `${range.from}T00` : range.from, grain === 'hour' ? `${range.to}T23` : range.to, MAX_POINTS + 1);
  } else if (first && last) {
    const lo = summary.rows[0]?.period ?? first;
    const hi = summary.rows[summary.rows.length - 1]?.period ?? last;
    keys = periodsBetween(grain, lo, hi, MAX_POINTS + 1);
  } else {
    keys = [];
  }
  if (keys.length > MAX_POINTS) keys = summary.rows.map((r) => r.period ?? '');
  const points = keys.map((key) => {
    const r = byPeriod.get(key);
    return {
      key,
      label: periodLabel(key),
      revenue: r ? chartNumber(r.total_revenue) : 0,
      revenueText: r?.total_revenue ?? '0.00',
      units: r?.total_units_sold ?? 0,
    };
  });
  return { grain, points, timezone: summary.timezone };
}



async function loadTop(range: Range | null, metric: TopMetric, signal: AbortSignal) {
  const cal = range ? calendarPeriod(range) : null;
  if (cal) {
    const top = await api.top({ by: 'product', period: cal.period, at: cal.at, metric, limit: 10 }, signal);
    return top.rows;
  }
  // Any other range: the summary by product over the range, ranked by the chosen figure.
  const s = await api.summary(range ? { group_by: 'product', from: range.from, to: range.to } : { group_by: 'product' }, signal);
  const key = (r: Totals) => (metric === 'revenue' ? (toCents(r.total_revenue) ?? 0n) : BigInt(r.total_units_sold));
  return [...s.rows]
    .sort((a, b) => {
      const d = key(b) - key(a);
      return d > 0n ? 1 : d < 0n ? -1 : (a.product_id ?? 0) - (b.product_id ?? 0);
    })
    .slice(0, 10)
    .map((r, i) => ({ ...r, rank: i + 1 }));
}

function rangeText(r: Range): string {
  return r.from === r.to ? formatDate(r.from) : `${formatDate(r.from)} – ${formatDate(r.to)}`;
}

export function Overview({ loc }: { loc: Location }) {
  const app = useAppState();
  const todayDate = storeToday();
  const range = rangeFromParams(loc.params, todayDate);
  const rangeKey = range ? `${range.from}..${range.to}` : 'all';
  const askedGrain = GRAINS.find((g) => g === loc.params.get('grain')) ?? null;
  const metric: TopMetric = loc.params.get('top') === 'units' ? 'units' : 'revenue';
  const activePreset = loc.params.get('range') === 'all' ? 'all' : PRESETS.find((p) => {
    const r = p.range(todayDate);
    return r !== null && r.from === range?.from && r.to === range.to;
  })?.id;

  const kpis = useAsync((s) => loadKpis(range, s), [rangeKey, app.storeTz]);
  const series = useAsync((s) => loadSeries(range, askedGrain, s), [rangeKey, askedGrain, app.storeTz]);
  const categories = useAsync(
    (s) => api.summary(range ? { group_by: 'category', from: range.from, to: range.to } : { group_by: 'category' }, s),
    [rangeKey, app.storeTz],
  );
  const top = useAsync((s) => loadTop(range, metric, s), [rangeKey, metric, app.storeTz]);
  const lowStock = useAsync((s) => api.lowStock(s), []);
  useEffect(() => void loadCatalogue().catch(() => undefined), []);

  const [from, setFrom] = useState(range?.from ?? '');
  const [to, setTo] = useState(range?.to ?? '');
  useEffect(() => {
    setFrom(range?.from ?? '');
    setTo(range?.to ?? '');
  }, [rangeKey]);

  const grainOptions = GRAINS.filter((g) => {
    if (!range) return g === 'month' || g === 'year' || g === 'day';
    const n = daysInRange(range.from, range.to);
    return g === 'hour' ? n <= 31 : g === 'day' ? n <= 3660 : true;
  });
  const salesLink = (extra: Record<string, string>) => ({ ...(range ? { from: range.from, to: range.to } : {}), ...extra });

  return (
    <section aria-labelledby="overview-title">
      <div class="page-head">
        <h1 id="overview-title">Overview</h1>
        <p class="muted" data-testid="range-label">
          {range ? rangeText(range) : 'All time'} · store time ({app.storeTz})
        </p>
      </div>

      <div class="toolbar" role="group" aria-label="Date range">
        <div class="presets">
          {PRESETS.map((p) => (
            <button
              type="button"
              key={p.id}
              class="btn chip"
              aria-pressed={activePreset === p.id}
              onClick={() => {
                const r = p.range(todayDate);
                setParams(r ? { from: r.from, to: r.to, range: null, grain: null } : { from: null, to: null, range: 'all', grain: null });
              }}
            >
              {p.label}
            </button>
          ))}
        </div>
        <form
          class="range-form"
          onSubmit={(e) => {
            e.preventDefault();
            if (isDate(from) && isDate(to) && from <= to) setParams({ from, to, range: null, grain: null });
          }}
        >
          <label>
            From <input type="date" name="from" value={from} max={to || undefined} required onInput={(e) => setFrom(e.currentTarget.value)} />
          </label>
          <label>
            To <input type="date" name="to" value={to} min={from || undefined} required onInput={(e) => setTo(e.currentTarget.value)} />
          </label>
          <button type="submit" class="btn">
            Apply
          </button>
        </form>
      </div>

      <KpiCards kpis={kpis.data} loading={kpis.loading} error={kpis.error} onRetry={kpis.reload} />

      <div class="grid two">
        <article class="card wide" aria-labelledby="ts-title">
          <div class="card-head">
            <h2 id="ts-title">Revenue and units over time</h2>
            <label class="inline">
              Grain{' '}
              <select
                name="grain"
                value={series.data?.grain ?? askedGrain ?? ''}
                onChange={(e) => setParams({ grain: e.currentTarget.value })}
              >
                {grainOptions.map((g) => (
                  <option key={g} value={g}>
                    {g}
                  </option>
                ))}
              </select>
            </label>
          </div>
          <Loaded of={series} loading="Loading the chart…" has={(d) => d.points.length > 0 && d.points.some((p) => p.units > 0 || p.revenue > 0)} empty="No sales in this range.">
            {(d) => <TimeChart points={d.points} title="Revenue and units" />}
          </Loaded>
        </article>

        <article class="card" aria-labelledby="cat-title" data-testid="categories">
          <h2 id="cat-title">Revenue by category</h2>
          <Loaded of={categories} has={(d) => d.rows.length > 0} empty="No sales in this range.">
            {(d) => <CategoryBars rows={[...d.rows].sort((x, y) => chartNumber(y.total_revenue) - chartNumber(x.total_revenue))} />}
          </Loaded>
        </article>

        <article class="card" aria-labelledby="top-title" data-testid="top-products">
          <div class="card-head">
            <h2 id="top-title">Top products</h2>
            <div class="segmented" role="group" aria-label="Rank by">
              {(['revenue', 'units'] as const).map((m) => (
                <button type="button" key={m} class="btn chip" aria-pressed={metric === m} onClick={() => setParams({ top: m === 'revenue' ? null : m })}>
                  {m === 'revenue' ? 'Revenue' : 'Units'}
                </button>
              ))}
            </div>
          </div>
          <Loaded of={top} has={(d) => d.length > 0} empty="No sales in this range.">
            {(d) => <TopBars rows={d} metric={metric} />}
          </Loaded>
        </article>

        <article class="card wide" aria-labelledby="low-title">
          <h2 id="low-title">Low stock</h2>
          <Loaded of={lowStock} has={(d) => d.length > 0} empty="No product is low on stock.">
            {(d) => <LowStockTable label="Low-stock products" items={d} linked />}
          </Loaded>
        </article>
      </div>
      <p class="muted small">
        <Link to="/sales" params={salesLink({})}>
          See the sales of this range
        </Link>
      </p>
    </section>
  );
}

function KpiCards({ kpis, loading, error, onRetry }: { kpis: Kpis | undefined; loading: boolean; error: unknown; onRetry: () => void }) {
  if (error) return <Banner error={error} onRetry={onRetry} />;
  if (!kpis) return <Loading label="Loading the totals…" />;
  const { current: c, previous: p } = kpis;
  const cRev = toCents(c.total_revenue) ?? 0n;
  const pRev = p ? (toCents(p.total_revenue) ?? 0n) : null;
  const cAov = divideCents(cRev, c.sales_count);
  const pAov = p && pRev !== null ? divideCents(pRev, p.sales_count) : null;
  const cards: { id: string; label: string; value: string; change: number | null | undefined; invert?: boolean }[] = [
    { id: 'revenue', label: 'Revenue', value: formatMoney(c.total_revenue), change: pRev === null ? undefined : changePct(cRev, pRev) },
    { id: 'units', label: 'Units sold', value: formatCount(c.total_units_sold), change: p ? changePct(BigInt(c.total_units_sold), BigInt(p.total_units_sold)) : undefined },
    { id: 'orders', label: 'Orders', value: formatCount(c.sales_count), change: p ? changePct(BigInt(c.sales_count), BigInt(p.sales_count)) : undefined },
    {
      id: 'aov',
      label: 'Average order value',
      value: cAov === null ? '–' : formatMoney(cAov),
      change: p ? (cAov !== null && pAov !== null ? changePct(cAov, pAov) : null) : undefined,
    },
  ];
  if (c.total_refunded !== undefined) {
    const cRef = toCents(c.total_refunded) ?? 0n;
    const pRef = p?.total_refunded !== undefined ? toCents(p.total_refunded) : null;
    cards.push({ id: 'refunds', label: 'Refunds', value: formatMoney(c.total_refunded), change: p ? (pRef === null ? null : changePct(cRef, pRef)) : undefined, invert: true });
  }
  if (c.net_revenue !== undefined) {
    const cNet = toCents(c.net_revenue) ?? 0n;
    const pNet = p?.net_revenue !== undefined ? toCents(p.net_revenue) : null;
    cards.push({ id: 'net', label: 'Net revenue', value: formatMoney(c.net_revenue), change: p ? (pNet === null ? null : changePct(cNet, pNet)) : undefined });
  }
  const vs = kpis.previousRange ? `vs ${rangeText(kpis.previousRange)}` : '';
  return (
    <div class={`kpis${loading ? ' stale' : ''}`} aria-busy={loading}>
      {cards.map((k) => {
        const dir = k.change === null || k.change === undefined || k.change === 0 ? 'flat' : (k.change > 0) !== Boolean(k.invert) ? 'up' : 'down';
        return (
          <div class="kpi card" key={k.id} data-kpi={k.id}>
            <h2 class="kpi-label">{k.label}</h2>
            <p class="kpi-value" data-testid={`kpi-${k.id}`}>
              {k.value}
            </p>
            {k.change !== undefined && (
              <p class={`kpi-change ${dir}`} title={vs}>
                <span aria-hidden="true">{dir === 'up' ? '▲' : dir === 'down' ? '▼' : '•'} </span>
                {k.change === null ? 'none in the previous period' : formatPct(k.change)} <span class="muted">{vs}</span>
              </p>
            )}
          </div>
        );
      })}
    </div>
  );
}
