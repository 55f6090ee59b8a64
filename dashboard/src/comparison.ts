// What a range is compared with: the period before it, or the same period a year before, both
// aligned by the calendar (a month with a month, month to date with the month before to the same
// day, an ISO week with the same ISO week); and when the API's own comparison of two calendar
// periods (GET /sales/compare) answers it.
import {
  addDays,
  addMonths,
  daysInRange,
  isMonthEnd,
  isoWeek,
  isoWeekday,
  isoWeekMonday,
  monthEnd,
  type Range,
} from './dates';

export type CompareMode = 'previous' | 'year';

export const COMPARE_MODES: { id: CompareMode; label: string }[] = [
  { id: 'previous', label: 'Previous period' },
  { id: 'year', label: 'Year before' },
];

export const isCompareMode = (s: string | null): s is CompareMode => s === 'previous' || s === 'year';

const isMonthStart = (d: string) => d.endsWith('-01');
const monthIndex = (d: string) => Number(d.slice(0, 4)) * 12 + Number(d.slice(5, 7)) - 1;

/** Both bounds moved by whole months; a range of whole months stays whole months (to the month's end). */
function shiftMonths(r: Range, months: number): Range {
  const to = addMonths(r.to, months);
  return { from: addMonths(r.from, months), to: isMonthStart(r.from) && isMonthEnd(r.to) ? monthEnd(to) : to };
}

/** A range that is exactly one ISO week (Monday to Sunday). */
function isIsoWeek(r: Range): boolean {
  return isoWeekday(r.from) === 1 && daysInRange(r.from, r.to) === 7;
}

/**
 * The period before `r`: for a range starting on the first of a month, the same span of the month,
 * quarter or year before (month to date on the 15th: the month before to the 15th; a quarter: the
 * quarter before; several whole months: as many months before); otherwise the same number of days
 * just before.
 */
export function previousPeriod(r: Range): Range {
  if (isMonthStart(r.from)) {
    const span = monthIndex(r.to) - monthIndex(r.from) + 1;
    const m = Number(r.from.slice(5, 7));
    for (const block of [1, 3, 12]) {
      if (span <= block && (m - 1) % block === 0) return shiftMonths(r, -block);
    }
    if (isMonthEnd(r.to)) return shiftMonths(r, -span);
  }
  const n = daysInRange(r.from, r.to);
  return { from: addDays(r.from, -n), to: addDays(r.from, -1) };
}

/**
 * The same period a year before: an ISO week against the same ISO week, whole months against the
 * same months, any other range shifted by one year (29 Feb becomes 28 Feb).
 */
export function yearBefore(r: Range): Range {
  if (isIsoWeek(r)) {
    const w = isoWeek(r.from);
    const monday = isoWeekMonday(w.year - 1, w.week);
    return { from: monday, to: addDays(monday, 6) };
  }
  return shiftMonths(r, -12);
}

export function comparedRange(r: Range, mode: CompareMode): Range {
  return mode === 'year' ? yearBefore(r) : previousPeriod(r);
}

export interface CalendarPeriod {
  period: 'day' | 'month' | 'year';
  key: string;
}

/** The one calendar period (API spelling) a range is exactly, if any: a day, a month or a year. */
export function calendarPeriod(r: Range): CalendarPeriod | null {
  if (r.from === r.to) return { period: 'day', key: r.from };
  if (!isMonthStart(r.from) || !isMonthEnd(r.to)) return null;
  if (r.from.slice(0, 7) === r.to.slice(0, 7)) return { period: 'month', key: r.from.slice(0, 7) };
  if (r.from.endsWith('-01-01') && r.to === `${r.from.slice(0, 4)}-12-31`) return { period: 'year', key: r.from.slice(0, 4) };
  return null;
}

/** The `GET /sales/compare` query that compares `current` with `compared`, when both are calendar periods of one kind. */
export function compareQuery(current: Range, compared: Range): { period: string; current: string; previous: string } | null {
  const a = calendarPeriod(current);
  const b = calendarPeriod(compared);
  return a && a.period === b?.period ? { period: a.period, current: a.key, previous: b.key } : null;
}

/**
 * The period of the compared range that lines up with period `index` (key `key`) of the current
 * range of `count` periods: the one at the same place when both have as many periods; else (a
 * year before across 29 February, or a day of 23 or 25 hours) the same calendar period a year
 * earlier, or for the period before, the one at the same place.
 */
export function alignedKey(key: string, index: number, count: number, mode: CompareMode, comparedKeys: string[]): string | undefined {
  if (mode === 'previous' || comparedKeys.length === count) return comparedKeys[index];
  const y = String(Number(key.slice(0, 4)) - 1).padStart(4, '0');
  let shifted = `${y}${key.slice(4)}`;
  if (shifted.slice(5, 10) === '02-29') shifted = `${y}-02-28${shifted.slice(10)}`;
  return shifted;
}
