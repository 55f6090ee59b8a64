// Date-range presets, as pure functions of "today" in the store's timezone. A preset is kept in
// the URL by its id (`range=mtd`), so a bookmark of "Month to date" stays month to date.
import { addDays, addMonths, isoWeekStart, monthEnd, monthStart, quarterStart, today, type Range } from './dates';

export type PresetId = 'today' | 'yesterday' | 'last-7' | 'last-week' | 'mtd' | 'last-month' | 'qtd' | 'last-quarter' | 'ytd' | 'last-year' | 'all';

export interface Preset {
  id: PresetId;
  label: string;
  /** The range on store day `todayDate`; null is all time. */
  range(todayDate: string): Range | null;
}

const yearOf = (d: string) => Number(d.slice(0, 4));

export const PRESETS: Preset[] = [
  { id: 'today', label: 'Today', range: (t) => ({ from: t, to: t }) },
  { id: 'yesterday', label: 'Yesterday', range: (t) => ({ from: addDays(t, -1), to: addDays(t, -1) }) },
  // Complete days only: today is not over.
  { id: 'last-7', label: 'Last 7 days', range: (t) => ({ from: addDays(t, -7), to: addDays(t, -1) }) },
  // The ISO week (Monday to Sunday) before this one.
  { id: 'last-week', label: 'Last week', range: (t) => ({ from: addDays(isoWeekStart(t), -7), to: addDays(isoWeekStart(t), -1) }) },
  { id: 'mtd', label: 'Month to date', range: (t) => ({ from: monthStart(t), to: t }) },
  { id: 'last-month', label: 'Last month', range: (t) => ({ from: addMonths(monthStart(t), -1), to: addDays(monthStart(t), -1) }) },
  { id: 'qtd', label: 'Quarter to date', range: (t) => ({ from: quarterStart(t), to: t }) },
  {
    id: 'last-quarter',
    label: 'Last quarter',
    range: (t) => ({ from: addMonths(quarterStart(t), -3), to: monthEnd(addMonths(quarterStart(t), -1)) }),
  },
  { id: 'ytd', label: 'Year to date', range: (t) => ({ from: `${yearOf(t)}-01-01`, to: t }) },
  { id: 'last-year', label: 'Last year', range: (t) => ({ from: `${yearOf(t) - 1}-01-01`, to: `${yearOf(t) - 1}-12-31` }) },
  { id: 'all', label: 'All time', range: () => null },
];

/** The preset opened when the URL names none. */
export const DEFAULT_PRESET: PresetId = 'mtd';

export function findPreset(id: string | null): Preset | undefined {
  return PRESETS.find((p) => p.id === id);
}

/** A preset's range at the instant `now`, in the store's `timeZone`. */
export function presetRange(id: PresetId, now: Date, timeZone: string): Range | null {
  return findPreset(id)?.range(today(timeZone, now)) ?? null;
}
