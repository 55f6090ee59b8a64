// What the overview shows, read from the API: its state from the URL, and one loader per panel
// (each panel loads on its own, all at once). Nothing is added up from raw sales.
import { api, type Summary, type SummaryRow, type Totals } from '../api';
import type { SeriesPoint, TopMetric, Trend } from '../components/charts';
import { alignedKey, compareQuery, comparedRange, isCompareMode, type CompareMode } from '../comparison';
import { isDate, type Range } from '../dates';
import { toCents, chartNumber, centsToDecimal } from '../money';
import { grainFor, isGrain, isPartialPeriod, periodKeys, periodLabel, periodRange, type Grain } from '../periods';
import { DEFAULT_PRESET, findPreset, type PresetId } from '../presets';

export const MAX_POINTS = 5000;

export interface OverviewState {
  /** null: all time. */
  range: Range | null;
  /** The preset the range is, when the URL names one. */
  preset: PresetId | null;
  mode: CompareMode;
  askedGrain: Grain | null;
  metric: TopMetric;
}

/** The overview's state from the URL: `from`/`to`, or a preset (`range=mtd`, `range=all`), `cmp`, `grain`, `top`. */
export function overviewState(params: URLSearchParams, todayDate: string): OverviewState {
  const from = params.get('from');
  const to = params.get('to');
  let range: Range | null;
  let preset: PresetId | null = null;
  if (isDate(from) && isDate(to) && from <= to) range = { from, to };
  else if (isDate(from) && !to) range = { from, to: todayDate > from ? todayDate : from };
  else {
    const p = findPreset(params.get('range')) ?? findPreset(DEFAULT_PRESET);
    preset = p?.id ?? null;
    range = p?.range(todayDate) ?? null;
  }
  const cmp = params.get('cmp');
  const grain = params.get('grain');
  return {
    range,
    preset,
    mode: isCompareMode(cmp) ? cmp : 'previous',
    askedGrain: isGrain(grain) ? grain : null,
    metric: params.get('top') === 'units' ? 'units' : 'revenue',
  };
}

/** The range a chart covers: the asked one, or for all time the first sales day to today. */
export function chartRange(range: Range | null, firstDay: string | null, todayDate: string): Range | null {
  if (range) return range;
  return firstDay ? { from: firstDay, to: todayDate > firstDay ? todayDate : firstDay } : null;
}

const ZERO: Totals = { total_revenue: '0.00', total_units_sold: 0, sales_count: 0 };

export interface Kpis {
  current: Totals;
  compared: Totals | null;
  comparedRange: Range | null;
}

export async function loadKpis(range: Range | null, mode: CompareMode, signal: AbortSignal): Promise<Kpis> {
  if (!range) {
    const s = await api.summary({ group_by: 'total' }, signal);
    return { current: s.rows[0] ?? ZERO, compared: null, comparedRange: null };
  }
  const other = comparedRange(range, mode);
  const q = compareQuery(range, other);
  if (q) {
    // Two whole calendar periods of one kind: the API's own comparison.
    const c = await api.compare({ ...q, by: 'total' }, signal);
    const row = c.rows[0];
    return { current: row?.current ?? ZERO, compared: row?.previous ?? ZERO, comparedRange: other };
  }
  const [cur, before] = await Promise.all([
    api.summary({ group_by: 'total', from: range.from, to: range.to }, signal),
    api.summary({ group_by: 'total', from: other.from, to: other.to }, signal),
  ]);
  return { current: cur.rows[0] ?? ZERO, compared: before.rows[0] ?? ZERO, comparedRange: other };
}

export interface Series {
  grain: Grain;
  points: SeriesPoint[];
  comparedRange: Range | null;
  /** The dates the chart covers. */
  range: Range;
}

export interface Clock {
  todayDate: string;
  nowHour: string;
  firstDay: string | null;
  timeZone: string;
}

function rowsByPeriod(s: Summary): Map<string, SummaryRow> {
  return new Map(s.rows.map((r) => [r.period ?? '', r]));
}

/** The keys of a grain over a range, or (past MAX_POINTS) the periods with sales only. */
function keysOf(grain: Grain, r: Range, s: Summary, timeZone: string): string[] {
  const keys = periodKeys(grain, r, timeZone, MAX_POINTS + 1);
  return keys.length > MAX_POINTS ? s.rows.map((row) => row.period ?? '') : keys;
}

export async function loadSeries(range: Range | null, mode: CompareMode, asked: Grain | null, clock: Clock, signal: AbortSignal): Promise<Series | null> {
  const r = chartRange(range, clock.firstDay, clock.todayDate);
  if (!r) return null;
  const grain = asked ?? grainFor(r);
  const other = range ? comparedRange(range, mode) : null;
  const [cur, before] = await Promise.all([
    api.summary({ group_by: grain, from: r.from, to: r.to }, signal),
    other ? api.summary({ group_by: grain, from: other.from, to: other.to }, signal) : Promise.resolve(null),
  ]);
  const byPeriod = rowsByPeriod(cur);
  const keys = keysOf(grain, r, cur, clock.timeZone);
  const comparedRows = before ? rowsByPeriod(before) : null;
  const comparedKeys = before && other ? keysOf(grain, other, before, clock.timeZone) : [];
  const points = keys.map((key, i): SeriesPoint => {
    const row = byPeriod.get(key);
    const point: SeriesPoint = {
      key,
      label: periodLabel(key),
      revenue: chartNumber(row?.total_revenue),
      revenueText: row?.total_revenue ?? '0.00',
      units: row?.total_units_sold ?? 0,
      partial: false,
    };
    const ck = comparedRows ? alignedKey(key, i, keys.length, mode, comparedKeys) : undefined;
    if (comparedRows && ck) {
      const c = comparedRows.get(ck);
      point.compared = { key: ck, label: periodLabel(ck), revenue: chartNumber(c?.total_revenue), revenueText: c?.total_revenue ?? '0.00', units: c?.total_units_sold ?? 0 };
    }
    return point;
  });
  return { grain, points, comparedRange: other, range: r };
}

/**
 * The points with their partial periods marked: cut by the range, not over yet, or (once the first
 * sales day is known) before the first sale. Apart from the load, so that the chart need not wait for it.
 */
export function markPartial(s: Series, clock: Clock): SeriesPoint[] {
  return s.points.map((p) => ({ ...p, partial: isPartialPeriod(p.key, s.range, clock.todayDate, clock.nowHour, clock.firstDay) }));
}

export async function loadTop(range: Range | null, metric: TopMetric, signal: AbortSignal) {
  // The summary by product over the range, ranked by the chosen figure (GET /sales/top ranks one
  // calendar period only; this serves every range the same way).
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

export type TrendBy = 'category' | 'product';

/**
 * Revenue over time of each category or product (`group_by=category-<grain>` /
 * `product-<grain>`), the grain from the range; the `limit` largest, largest first.
 */
export async function loadTrends(
  range: Range | null,
  by: TrendBy,
  clock: Clock,
  name: (key: string) => string,
  link: (key: string, r: Range) => Trend['link'],
  signal: AbortSignal,
  limit = 8,
): Promise<{ grain: Grain; trends: Trend[] } | null> {
  const r = chartRange(range, clock.firstDay, clock.todayDate);
  if (!r) return null;
  // Small multiples read best with few bars: one grain coarser than the main chart's default past a week.
  let grain = grainFor(r);
  if (grain === 'day' && r.to > r.from && periodKeys('day', r, clock.timeZone).length > 31) grain = 'month';
  const s = await api.summary({ group_by: `${by}-${grain}`, from: r.from, to: r.to }, signal);
  const keys = periodKeys(grain, r, clock.timeZone, MAX_POINTS);
  const groups = new Map<string, SummaryRow[]>();
  for (const row of s.rows) {
    const k = by === 'category' ? (row.category_name ?? '') : String(row.product_id ?? '');
    groups.set(k, [...(groups.get(k) ?? []), row]);
  }
  const trends = [...groups.entries()].map(([k, rows]): Trend & { cents: bigint } => {
    const byPeriod = new Map(rows.map((row) => [row.period ?? '', row]));
    const cents = rows.reduce((sum, row) => sum + (toCents(row.total_revenue) ?? 0n), 0n);
    return {
      key: k,
      label: name(k),
      total: centsToDecimal(cents),
      cents,
      values: keys.map((key) => {
        const row = byPeriod.get(key);
        return {
          key,
          label: periodLabel(key),
          revenue: chartNumber(row?.total_revenue),
          revenueText: row?.total_revenue ?? '0.00',
          partial: isPartialPeriod(key, r, clock.todayDate, clock.nowHour, clock.firstDay),
        };
      }),
      link: link(k, r),
    };
  });
  trends.sort((a, b) => (b.cents > a.cents ? 1 : b.cents < a.cents ? -1 : a.label.localeCompare(b.label)));
  return { grain, trends: trends.slice(0, limit).map((t): Trend => ({ key: t.key, label: t.label, total: t.total, values: t.values, link: t.link })) };
}

/** The range a period key stands for, cut to `r`. */
export function periodWithin(key: string, r: Range): Range {
  const p = periodRange(key);
  return { from: p.from < r.from ? r.from : p.from, to: p.to > r.to ? r.to : p.to };
}
