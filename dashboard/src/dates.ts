// Calendar dates ("YYYY-MM-DD") as plain values: arithmetic in UTC so no local offset leaks in;
// instants are formatted in the chosen timezone (the store's, or the browser's). Pure: "now" is
// always a parameter where it matters, so that every rule can be tested at any moment.

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

export interface Range {
  from: string;
  to: string;
}

export function isDate(s: string | null | undefined): s is string {
  if (!s || !DATE_RE.test(s)) return false;
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}

function toUtc(date: string): Date {
  return new Date(`${date}T00:00:00Z`);
}

function fromUtc(d: Date): string {
  return d.toISOString().slice(0, 10);
}

const pad2 = (n: number) => String(n).padStart(2, '0');

export function ymd(y: number, m: number, d: number): string {
  return `${String(y).padStart(4, '0')}-${pad2(m)}-${pad2(d)}`;
}

export function addDays(date: string, days: number): string {
  const d = toUtc(date);
  d.setUTCDate(d.getUTCDate() + days);
  return fromUtc(d);
}

/** Days from `from` to `to`, both included. */
export function daysInRange(from: string, to: string): number {
  return Math.round((toUtc(to).getTime() - toUtc(from).getTime()) / 86_400_000) + 1;
}

const year = (date: string) => Number(date.slice(0, 4));
const month = (date: string) => Number(date.slice(5, 7));
const day = (date: string) => Number(date.slice(8, 10));

export function daysInMonth(y: number, m: number): number {
  return new Date(Date.UTC(y, m, 0)).getUTCDate();
}

export function monthStart(date: string): string {
  return `${date.slice(0, 7)}-01`;
}

export function monthEnd(date: string): string {
  return ymd(year(date), month(date), daysInMonth(year(date), month(date)));
}

export const isMonthEnd = (date: string) => date === monthEnd(date);

/** `date` moved by whole months, its day kept or clamped to the month's last (31 Mar - 1 month = 28/29 Feb). */
export function addMonths(date: string, months: number): string {
  const index = year(date) * 12 + month(date) - 1 + months;
  const y = Math.floor(index / 12);
  const m = index - y * 12 + 1;
  return ymd(y, m, Math.min(day(date), daysInMonth(y, m)));
}

/** The first day of the quarter `date` is in. */
export function quarterStart(date: string): string {
  return ymd(year(date), Math.floor((month(date) - 1) / 3) * 3 + 1, 1);
}

/** ISO weekday: 1 Monday .. 7 Sunday. */
export function isoWeekday(date: string): number {
  return ((toUtc(date).getUTCDay() + 6) % 7) + 1;
}

/** The Monday of the ISO week `date` is in. */
export function isoWeekStart(date: string): string {
  return addDays(date, 1 - isoWeekday(date));
}

/** The ISO week of a date: its week-numbering year and number ("2023-W41" is { year: 2023, week: 41 }). */
export function isoWeek(date: string): { year: number; week: number } {
  const thursday = addDays(date, 4 - isoWeekday(date));
  const y = year(thursday);
  return { year: y, week: Math.floor((daysInRange(`${y}-01-01`, thursday) - 1) / 7) + 1 };
}

/** The Monday of ISO week `week` of `y`; the last week of `y` when it has fewer. */
export function isoWeekMonday(y: number, week: number): string {
  const week1 = isoWeekStart(`${y}-01-04`);
  const weeksInYear = isoWeek(`${y}-12-28`).week;
  return addDays(week1, (Math.min(week, weeksInYear) - 1) * 7);
}

/** The calendar date of `now` in `timeZone`. */
export function today(timeZone: string, now: Date = new Date()): string {
  return localParts(now, timeZone).slice(0, 10);
}

/** A formatter of the date in `style` and the time to the second (24 h) in `timeZone`, built once per zone into `cache` (building one is slow). */
function zonedFormatter(cache: Map<string, Intl.DateTimeFormat>, locale: string, style: Intl.DateTimeFormatOptions, timeZone: string): Intl.DateTimeFormat {
  let f = cache.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat(locale, { ...style, timeZone, hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
    cache.set(timeZone, f);
  }
  return f;
}

const partsFormatters = new Map<string, Intl.DateTimeFormat>();

/** `instant` as "YYYY-MM-DDTHH:mm:ss" on the wall clock of `timeZone`. */
export function localParts(instant: Date, timeZone: string): string {
  const f = zonedFormatter(partsFormatters, 'en-CA', { year: 'numeric', month: '2-digit', day: '2-digit' }, timeZone);
  const parts = f.formatToParts(instant);
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '00';
  return `${get('year')}-${get('month')}-${get('day')}T${get('hour')}:${get('minute')}:${get('second')}`;
}

/** The instant local midnight of `date` is in `timeZone` (the first instant of that day, DST-correct). */
export function zonedMidnight(date: string, timeZone: string): Date {
  // Start from midnight UTC and correct by the zone's offset, twice (the offset can change in between).
  let t = toUtc(date).getTime();
  for (let i = 0; i < 3; i++) {
    const wall = new Date(`${localParts(new Date(t), timeZone)}Z`).getTime();
    const target = toUtc(date).getTime();
    if (wall === target) break;
    t += target - wall;
  }
  // A day that starts at 01:00 (DST at midnight): the first instant whose local date is `date`.
  while (localParts(new Date(t), timeZone).slice(0, 10) < date) t += 3_600_000;
  return new Date(t);
}

export function browserTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

export const monthName = (m: number) => MONTHS[m - 1] ?? '';

/** "8 Oct 2023": never an ambiguous 08/10. */
export function formatDate(date: string): string {
  return isDate(date) ? `${day(date)} ${monthName(month(date))} ${year(date)}` : date;
}

/** "8 Oct 2023", "1 – 31 Oct 2023", "1 Jan 2023 – 15 Mar 2024". */
export function formatRange(r: Range): string {
  if (r.from === r.to) return formatDate(r.from);
  if (r.from.slice(0, 4) !== r.to.slice(0, 4)) return `${formatDate(r.from)} – ${formatDate(r.to)}`;
  if (r.from.slice(0, 7) !== r.to.slice(0, 7)) return `${day(r.from)} ${monthName(month(r.from))} – ${formatDate(r.to)}`;
  return `${day(r.from)} – ${formatDate(r.to)}`;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** An RFC 3339 instant in `timeZone`: "8 Oct 2023, 13:30:51". */
export function formatInstant(instant: string | null | undefined, timeZone: string): string {
  if (!instant) return '–';
  const d = new Date(instant);
  if (Number.isNaN(d.getTime())) return instant;
  return zonedFormatter(formatters, 'en-GB', { year: 'numeric', month: 'short', day: 'numeric' }, timeZone).format(d);
}
