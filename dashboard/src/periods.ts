// Grains and their period keys, written as the API writes them ("2023-10-08T13", "2023-10-08",
// "2023-10", "2023"). One table (GRAIN_SPECS) says everything the app needs of a grain, so a new
// one (the API's coming ISO week, "2023-W41") is one entry.
import { addDays, addMonths, daysInRange, formatDate, isDate, localParts, monthEnd, monthName, zonedMidnight, type Range } from './dates';

export type Grain = 'hour' | 'day' | 'month' | 'year';

export interface GrainSpec {
  id: Grain;
  /** Ranges up to this many days default to this grain (the first spec that fits wins). */
  defaultUpToDays: number;
  /** The grain is offered for ranges of at most this many days (keeps charts under ~5,000 points). */
  maxDays: number;
  /** The dates a period covers. */
  range(key: string): Range;
  /** The key of the period holding `date` (a calendar date). */
  keyOf(date: string): string;
  /** The next period's key. */
  next(key: string): string;
  /** A full label ("8 Oct 2023 13:00"). */
  label(key: string): string;
  /** An axis tick, short; `previous` is the tick before (the year or day is shown when it changes). */
  tick(key: string, previous: string | undefined): string[];
  /** Sensible tick steps, in periods. */
  steps: number[];
}

const MONTH_STEPS = [1, 2, 3, 6, 12, 24, 36, 60, 120];

export const GRAIN_SPECS: Record<Grain, GrainSpec> = {
  hour: {
    id: 'hour',
    defaultUpToDays: 2,
    maxDays: 31,
    range: (key) => ({ from: key.slice(0, 10), to: key.slice(0, 10) }),
    keyOf: (date) => `${date}T00`,
    next: (key) => {
      const h = Number(key.slice(11, 13)) + 1;
      return h === 24 ? `${addDays(key.slice(0, 10), 1)}T00` : `${key.slice(0, 10)}T${String(h).padStart(2, '0')}`;
    },
    label: (key) => `${formatDate(key.slice(0, 10))} ${key.slice(11, 13)}:00`,
    tick: (key, prev) => (prev?.slice(0, 10) === key.slice(0, 10) ? [`${key.slice(11, 13)}:00`] : [`${key.slice(11, 13)}:00`, shortDay(key.slice(0, 10))]),
    steps: [1, 2, 3, 4, 6, 12, 24, 48, 72, 168],
  },
  day: {
    id: 'day',
    defaultUpToDays: 92,
    maxDays: 3660,
    range: (key) => ({ from: key, to: key }),
    keyOf: (date) => date,
    next: (key) => addDays(key, 1),
    label: formatDate,
    tick: (key, prev) => (prev?.slice(0, 4) === key.slice(0, 4) ? [shortDay(key)] : [shortDay(key), key.slice(0, 4)]),
    steps: [1, 2, 7, 14, 28, 56, 91, 182, 364],
  },
  month: {
    id: 'month',
    defaultUpToDays: 366 * 3,
    maxDays: Number.POSITIVE_INFINITY,
    range: (key) => ({ from: `${key}-01`, to: monthEnd(`${key}-01`) }),
    keyOf: (date) => date.slice(0, 7),
    next: (key) => addMonths(`${key}-01`, 1).slice(0, 7),
    label: (key) => `${monthName(Number(key.slice(5, 7)))} ${key.slice(0, 4)}`,
    tick: (key, prev) => (prev?.slice(0, 4) === key.slice(0, 4) ? [monthName(Number(key.slice(5, 7)))] : [monthName(Number(key.slice(5, 7))), key.slice(0, 4)]),
    steps: MONTH_STEPS,
  },
  year: {
    id: 'year',
    defaultUpToDays: Number.POSITIVE_INFINITY,
    maxDays: Number.POSITIVE_INFINITY,
    range: (key) => ({ from: `${key}-01-01`, to: `${key}-12-31` }),
    keyOf: (date) => date.slice(0, 4),
    next: (key) => String(Number(key) + 1),
    label: (key) => key,
    tick: (key) => [key],
    steps: [1, 2, 5, 10, 20, 50],
  },
};

/** Every grain, finest first. */
export const GRAINS: Grain[] = ['hour', 'day', 'month', 'year'];

function shortDay(date: string): string {
  return `${Number(date.slice(8, 10))} ${monthName(Number(date.slice(5, 7)))}`;
}

export const isGrain = (s: string | null): s is Grain => GRAINS.some((g) => g === s);

/** The grain that fits a range: hour up to 2 days, day up to 92, month up to 3 years, else year. */
export function grainFor(r: Range): Grain {
  const n = daysInRange(r.from, r.to);
  return GRAINS.find((g) => n <= GRAIN_SPECS[g].defaultUpToDays) ?? 'year';
}

/** The grains offered for a range. */
export function grainsFor(r: Range): Grain[] {
  const n = daysInRange(r.from, r.to);
  return GRAINS.filter((g) => n <= GRAIN_SPECS[g].maxDays);
}

/**
 * Every period key of `grain` over a range of store days, in order. Hours are the store's real
 * hours: 23 on the day clocks go forward, the repeated hour once on the day they go back.
 */
export function periodKeys(grain: Grain, r: Range, timeZone: string, max = 5000): string[] {
  const out: string[] = [];
  if (grain === 'hour') {
    const end = zonedMidnight(addDays(r.to, 1), timeZone).getTime();
    for (let t = zonedMidnight(r.from, timeZone).getTime(); t < end && out.length < max; t += 3_600_000) {
      const key = localParts(new Date(t), timeZone).slice(0, 13);
      if (out[out.length - 1] !== key) out.push(key);
    }
    return out;
  }
  const spec = GRAIN_SPECS[grain];
  const last = spec.keyOf(r.to);
  for (let key = spec.keyOf(r.from); key <= last && out.length < max; key = spec.next(key)) out.push(key);
  return out;
}

/** The dates a period key covers ("2023", "2023-02", "2023-10-08", "2023-10-08T13"). */
export function periodRange(key: string): Range {
  return GRAIN_SPECS[grainOfKey(key)].range(key);
}

export function grainOfKey(key: string): Grain {
  if (/^\d{4}$/.test(key)) return 'year';
  if (/^\d{4}-\d{2}$/.test(key)) return 'month';
  if (isDate(key)) return 'day';
  return 'hour';
}

export function periodLabel(key: string): string {
  return GRAIN_SPECS[grainOfKey(key)].label(key);
}

/**
 * Whether a period is partial: cut by the range, not over yet (it holds `todayDate`, or the hour
 * `nowHour` for hours), or starting before the first day with data (`dataFrom`).
 */
export function isPartialPeriod(key: string, r: Range, todayDate: string, nowHour: string, dataFrom: string | null): boolean {
  if (grainOfKey(key) === 'hour') return key === nowHour;
  const p = periodRange(key);
  if (p.from < r.from || p.to > r.to) return true;
  if (p.from <= todayDate && todayDate <= p.to) return true;
  return dataFrom !== null && p.from < dataFrom && dataFrom <= p.to;
}
