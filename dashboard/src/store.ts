// App-wide state: the store's timezone (from the API), the timezone dates are shown in, and the
// catalogue (products and categories, used to name ids on every page).
import { useEffect, useState } from 'preact/hooks';
import { api, watchCurrency, type Category, type Product } from './api';
import { browserTimeZone, localParts, monthEnd, today } from './dates';
import { DEFAULT_CURRENCY, formatMoney } from './money';

type Listener = () => void;
const listeners = new Set<Listener>();
const emit = () => listeners.forEach((l) => l());

export type TzMode = 'store' | 'browser';

interface State {
  storeTz: string;
  /** The store's currency: the API's `currency` once an answer carries it. */
  currency: string;
  tzMode: TzMode;
  products: Product[] | null;
  categories: Category[] | null;
  userName: string | null;
  signOut: (() => void) | null;
}

const TZ_KEY = 'dashboard.tzMode';

function savedMode(): TzMode {
  try {
    return window.localStorage.getItem(TZ_KEY) === 'browser' ? 'browser' : 'store';
  } catch {
    return 'store';
  }
}

export const state: State = {
  storeTz: 'UTC',
  currency: DEFAULT_CURRENCY,
  tzMode: savedMode(),
  products: null,
  categories: null,
  userName: null,
  signOut: null,
};

export function setState(patch: Partial<State>): void {
  Object.assign(state, patch);
  emit();
}

export function setTzMode(mode: TzMode): void {
  try {
    window.localStorage.setItem(TZ_KEY, mode);
  } catch {
    // private mode: the choice lasts for this page only
  }
  setState({ tzMode: mode });
}

/** The timezone dates are shown in. */
export function displayTz(): string {
  return state.tzMode === 'browser' ? browserTimeZone() : state.storeTz;
}

watchCurrency((code) => {
  if (code !== state.currency) setState({ currency: code });
});

/** An amount in the store's currency (every amount the dashboard shows goes through here). */
export function money(amount: string | bigint | null | undefined, compact = false): string {
  return formatMoney(amount, state.currency, { compact });
}

/** Today in the store's timezone (ranges are store calendar days, as the API reads them). */
export function storeToday(): string {
  return today(state.storeTz);
}

/** The store hour now ("2023-10-08T13"), the period key of the hour not over yet. */
export function storeHour(): string {
  return localParts(new Date(), state.storeTz).slice(0, 13);
}

let firstDay: Promise<string | null> | null = null;

/**
 * The first store day with sales (two summaries: months, then that month's days), so that a
 * first period holding it is marked partial. Read once.
 */
export function firstSalesDay(): Promise<string | null> {
  firstDay ??= (async () => {
    const months = await api.summary({ group_by: 'month' });
    const first = months.rows[0]?.period;
    if (!first) return null;
    const days = await api.summary({ group_by: 'day', from: `${first}-01`, to: monthEnd(`${first}-01`) });
    return days.rows[0]?.period ?? `${first}-01`;
  })().catch((e: unknown) => {
    firstDay = null;
    throw e;
  });
  return firstDay;
}

/** Re-renders the caller when the app state changes. */
export function useAppState(): State {
  const [, setTick] = useState(0);
  useEffect(() => {
    const l = () => setTick((t) => t + 1);
    listeners.add(l);
    return () => void listeners.delete(l);
  }, []);
  return state;
}

/** The store's timezone, as every summary tells it. */
export async function loadStoreTimezone(): Promise<void> {
  const s = await api.summary({ group_by: 'total', from: today('UTC'), to: today('UTC') });
  setState({ storeTz: s.timezone || 'UTC' });
}

let catalogueLoad: Promise<void> | null = null;

/** Loads (once, or again after `refresh`) every product and category. */
export function loadCatalogue(refresh = false): Promise<void> {
  if (!catalogueLoad || refresh) {
    catalogueLoad = Promise.all([api.products(), api.categories()]).then(
      ([products, categories]) => setState({ products, categories }),
      (e: unknown) => {
        catalogueLoad = null;
        throw e;
      },
    );
  }
  return catalogueLoad;
}

export function productName(id: number | undefined): string {
  if (id === undefined) return '–';
  const p = state.products?.find((x) => x.id === id);
  return p ? p.name : `#${id}`;
}
