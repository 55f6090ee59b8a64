// Calendar dates ("YYYY-MM-DD") as plain values: arithmetic in UTC so no local offset leaks in;
// instants are formatted in the chosen timezone (the store's, or the browser's).

export type Grain = 'hour' | 'day' | 'month' | 'year';
export const GRAINS: Grain[] = ['hour', 'day', 'month', 'year'];

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

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

export function addDays(date: string, days: number): string {
  const d = toUtc(date);
  d.setUTCDate(d.getUTCDate() + days);
  return fromUtc(d);
}

/** Days from `from` to `to`, both included. */
export function daysInRange(from: string, to: string): number {
  return Math.round((toUtc(to).getTime() - toUtc(from).getTime()) / 86_400_000) + 1;
}

/** Today's date in `timeZone`. */
export function today(timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(new Date());
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')}`;
}

export function browserTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

export interface Range {
  from: string;
  to: string;
}

export interface Preset {
  id: string;
  label: string;
  range(todayDate: string): Range | null; // null: all time
}

export const PRESETS: Preset[] = [
  { id: '7d', label: '7 days', range: (t) => ({ from: addDays(t, -6), to: t }) },
  { id: '30d', label: '30 days', range: (t) => ({ from: addDays(t, -29), to: t }) },
  { id: '90d', label: '90 days', range: (t) => ({ from: addDays(t, -89), to: t }) },
  { id: 'ytd', label: 'This year', range: (t) => ({ from: `${t.slice(0, 4)}-01-01`, to: t }) },
  {
    id: 'last-year',
    label: 'Last year',
    range: (t) => {
      const y = Number(t.slice(0, 4)) - 1;
      return { from: `${y}-01-01`, to: `${y}-12-31` };
    },
  },
  { id: 'all', label: 'All time', range: () => null },
];

/** The range of the same length just before `r`. */
export function previousRange(r: Range): Range {
  const n = daysInRange(r.from, r.to);
  return { from: addDays(r.from, -n), to: addDays(r.from, -1) };
}

/** The grain that fits a range: hour up to 2 days, day up to 92, month up to 3 years, else year. */
export function grainFor(r: Range | null, years?: number): Grain {
  if (!r) return years !== undefined && years <= 3 ? 'month' : 'year';
  const n = daysInRange(r.from, r.to);
  if (n <= 2) return 'hour';
  if (n <= 92) return 'day';
  if (n <= 366 * 3) return 'month';
  return 'year';
}

/** The single calendar period (API spelling) a range is exactly, if any: a day, a month or a year. */
export function calendarPeriod(r: Range): { period: 'day' | 'month' | 'year'; at: string; previous: string } | null {
  if (r.from === r.to) return { period: 'day', at: r.from, previous: addDays(r.from, -1) };
  const [fy, fm, fd] = r.from.split('-');
  const next = addDays(r.to, 1);
  if (fd === '01' && next.slice(8) === '01') {
    if (fm === '01' && next.slice(5, 7) === '01' && next.slice(0, 4) === String(Number(fy) + 1)) {
      return { period: 'year', at: fy ?? '', previous: String(Number(fy) - 1) };
    }
    if (r.from.slice(0, 7) === r.to.slice(0, 7)) {
      const prev = addDays(r.from, -1).slice(0, 7);
      return { period: 'month', at: r.from.slice(0, 7), previous: prev };
    }
  }
  return null;
}

/** The dates a calendar period key covers ("2023", "2023-02", "2023-10-08"). */
export function periodRange(key: string): Range {
  if (key.length === 4) return { from: `${key}-01-01`, to: `${key}-12-31` };
  if (key.length === 7) {
    const y = Number(key.slice(0, 4));
    const m = Number(key.slice(5, 7));
    const next = m === 12 ? `${y + 1}-01-01` : `${y}-${String(m + 1).padStart(2, '0')}-01`;
    return { from: `${key}-01`, to: addDays(next, -1) };
  }
  return { from: key, to: key };
}

/** Every period key (API spelling) of `grain` from `first` to `last` (both period keys or dates). */
export function periodsBetween(grain: Grain, first: string, last: string, max = 5000): string[] {
  const out: string[] = [];
  if (grain === 'year') {
    for (let y = Number(first.slice(0, 4)); y <= Number(last.slice(0, 4)) && out.length < max; y++) out.push(String(y));
  } else if (grain === 'month') {
    let y = Number(first.slice(0, 4));
    let m = Number(first.slice(5, 7));
    const end = last.slice(0, 7);
    for (;;) {
      const key = `${y}-${String(m).padStart(2, '0')}`;
      if (key > end || out.length >= max) break;
      out.push(key);
      m += 1;
      if (m > 12) {
        m = 1;
        y += 1;
      }
    }
  } else if (grain === 'day') {
    for (let d = first.slice(0, 10); d <= last.slice(0, 10) && out.length < max; d = addDays(d, 1)) out.push(d);
  } else {
    const startHour = first.length > 10 ? Number(first.slice(11, 13)) : 0;
    const endHour = last.length > 10 ? Number(last.slice(11, 13)) : 23;
    for (let d = first.slice(0, 10); d <= last.slice(0, 10) && out.length < max; d = addDays(d, 1)) {
      for (let h = d === first.slice(0, 10) ? startHour : 0; h <= (d === last.slice(0, 10) ? endHour : 23); h++) {
        out.push(`${d}T${String(h).padStart(2, '0')}`);
      }
    }
  }
  return out;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** A short label of a period key: "2023", "Oct 2023", "8 Oct 2023", "8 Oct 13:00". */
export function periodLabel(key: string): string {
  if (/^\d{4}$/.test(key)) return key;
  const y = key.slice(0, 4);
  const m = MONTHS[Number(key.slice(5, 7)) - 1] ?? '';
  if (key.length === 7) return `${m} ${y}`;
  const d = String(Number(key.slice(8, 10)));
  if (key.length === 10) return `${d} ${m} ${y}`;
  return `${d} ${m} ${key.slice(11, 13)}:00`;
}

/** "8 Oct 2023" for a calendar date. */
export function formatDate(date: string): string {
  return isDate(date) ? periodLabel(date) : date;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** An RFC 3339 instant in `timeZone`: "8 Oct 2023, 13:30:51". */
export function formatInstant(instant: string | null | undefined, timeZone: string): string {
  if (!instant) return '–';
  const d = new Date(instant);
  if (Number.isNaN(d.getTime())) return instant;
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', {
      timeZone,
      year: 'numeric',
      month: 'short',
      day: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(timeZone, f);
  }
  return f.format(d);
}
