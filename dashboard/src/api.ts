// The admin API: typed calls, problem+json errors, bearer tokens when signed in.

export interface FieldError {
  field: string;
  message: string;
}

/** An API answer other than 2xx, from its problem+json body when it has one. */
export class ApiError extends Error {
  readonly status: number;
  readonly title: string;
  readonly detail: string | null;
  readonly errors: FieldError[];
  readonly body: Record<string, unknown>;

  constructor(status: number, body: Record<string, unknown>) {
    const title = typeof body.title === 'string' ? body.title : `HTTP ${status}`;
    const detail = typeof body.detail === 'string' ? body.detail : null;
    super(detail ? `${title}: ${detail}` : title);
    this.status = status;
    this.title = title;
    this.detail = detail;
    this.errors = Array.isArray(body.errors)
      ? (body.errors as unknown[]).filter(
          (e): e is FieldError =>
            typeof e === 'object' && e !== null && typeof (e as FieldError).field === 'string' && typeof (e as FieldError).message === 'string',
        )
      : [];
    this.body = body;
  }

  /** The message for `field` (or a nested one, e.g. "price" for "price"), if the API named it. */
  fieldMessage(field: string): string | undefined {
    return this.errors.find((e) => e.field === field || e.field.startsWith(`${field}.`) || e.field === `/${field}`)?.message;
  }
}

export interface Category {
  name: string;
  description: string | null;
  created_at: string;
  product_count?: number;
}

export type ProductStatus = 'active' | 'inactive';

export interface Product {
  id: number;
  name: string;
  description: string | null;
  price: string;
  image: string | null;
  category_name: string;
  status: ProductStatus;
  current_inventory: number;
  low_stock_alert_threshold: number;
  created_at: string;
  updated_at: string;
}

export interface LedgerEntry {
  at: string;
  change: number;
  quantity_after: number;
  reason: string;
  sale_id?: string | null;
}

export interface Sale {
  id: string;
  product_id: number;
  category_name: string;
  units_sold: number;
  unit_price: string;
  total_price: string;
  sold_at: string;
  units_returned?: number;
}

/** `GET /sales/{id}`: a sale with the units returned so far. */
export interface SaleWithReturns extends Sale {
  units_returned: number;
}

export interface Return {
  id: string;
  sale_id: string;
  product_id: number;
  category_name: string;
  units: number;
  refund: string;
  reason: string;
  note?: string | null;
  restocked: boolean;
  returned_at: string;
}

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

export interface Totals {
  total_units_sold: number;
  total_revenue: string;
  sales_count: number;
  /** Present once returns exist in the API. */
  total_units_returned?: number;
  total_refunded?: string;
  net_revenue?: string;
}

export interface SummaryRow extends Totals {
  product_id?: number;
  category_name?: string;
  period?: string;
  last_sold_at?: string | null;
}

export interface Summary {
  group_by: string;
  /** The store's currency (ISO 4217), once the API names it. */
  currency?: string;
  from: string | null;
  to: string | null;
  timezone: string;
  rows: SummaryRow[];
}

export interface CompareRow {
  product_id?: number;
  category_name?: string;
  current: Totals;
  previous: Totals;
  change: Totals;
  revenue_change_pct: number | null;
}

export interface Compare {
  period: string;
  current: string;
  previous: string;
  by: string;
  rows: CompareRow[];
}

export interface TopRow extends Totals {
  rank: number;
  product_id?: number;
  category_name?: string;
}

export interface Top {
  by: string;
  period: string;
  at: string;
  metric: string;
  rows: TopRow[];
}

export interface DayChange {
  current: Totals;
  previous: Totals;
  change: Totals;
  previous_date: string;
  revenue_change_pct: number | null;
}

export interface LowStockLine {
  id: number;
  name: string;
  category_name: string;
  current_inventory: number;
  low_stock_alert_threshold: number;
}

export interface DailyReport {
  date: string;
  timezone: string;
  generated_at: string;
  totals: Totals & { last_sold_at?: string | null };
  by_category: (Totals & { category_name: string })[];
  top_products: TopRow[];
  low_stock: LowStockLine[];
  change_vs_previous_day: DayChange;
  change_vs_same_weekday_last_week: DayChange;
}

export type Query = Record<string, string | number | null | undefined>;

type TokenSource = () => Promise<string | null>;

let apiBase = '';
let tokenSource: TokenSource = () => Promise.resolve(null);
let onUnauthorized: () => void = () => undefined;
let onCurrency: (code: string) => void = () => undefined;

/** Told the store's currency whenever an answer carries `currency`. */
export function watchCurrency(listener: (code: string) => void): void {
  onCurrency = listener;
}

export function configureApi(base: string, tokens: TokenSource | null, unauthorized: () => void): void {
  apiBase = base;
  tokenSource = tokens ?? (() => Promise.resolve(null));
  onUnauthorized = unauthorized;
}

function url(path: string, query?: Query): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) {
    if (v !== null && v !== undefined && v !== '') q.set(k, String(v));
  }
  const s = q.toString();
  return `${apiBase}${path}${s ? `?${s}` : ''}`;
}

export async function request<T>(
  method: string,
  path: string,
  opts: { query?: Query; body?: unknown; headers?: Record<string, string>; signal?: AbortSignal } = {},
): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json', ...opts.headers };
  const token = await tokenSource();
  if (token) headers.authorization = `Bearer ${token}`;
  let body: string | undefined;
  if (opts.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(opts.body);
  }
  const res = await fetch(url(path, opts.query), { method, headers, body, signal: opts.signal ?? null });
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = { title: `HTTP ${res.status}`, detail: text.slice(0, 200) };
  }
  if (!res.ok) {
    if (res.status === 401) onUnauthorized();
    throw new ApiError(res.status, typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {});
  }
  if (typeof parsed === 'object' && parsed !== null && typeof (parsed as { currency?: unknown }).currency === 'string') {
    onCurrency((parsed as { currency: string }).currency);
  }
  return parsed as T;
}

export const get = <T>(path: string, query?: Query, signal?: AbortSignal) => request<T>('GET', path, { query, signal });

/** Every page of a list (limit 100 a page). */
export async function getAll<T>(path: string, query: Query = {}, signal?: AbortSignal): Promise<T[]> {
  const out: T[] = [];
  let cursor: string | null = null;
  do {
    const page: Page<T> = await get<Page<T>>(path, { ...query, limit: 100, cursor }, signal);
    out.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor);
  return out;
}

export const api = {
  categories: (signal?: AbortSignal) => getAll<Category>('/categories', {}, signal),
  createCategory: (body: { name: string; description?: string }) => request<Category>('POST', '/categories', { body }),
  updateCategory: (name: string, body: { description: string }) =>
    request<Category>('PATCH', `/categories/${encodeURIComponent(name)}`, { body }),
  products: (query: Query = {}, signal?: AbortSignal) => getAll<Product>('/products', query, signal),
  createProduct: (body: Record<string, unknown>) => request<Product>('POST', '/products', { body }),
  updateProduct: (id: number, body: Record<string, unknown>) => request<Product>('PATCH', `/products/${id}`, { body }),
  adjustStock: (id: number, body: { change?: number; set?: number; reason?: string }) =>
    request<LedgerEntry>('POST', `/products/${id}/inventory`, { body }),
  ledger: (id: number, cursor: string | null, signal?: AbortSignal) =>
    get<Page<LedgerEntry>>(`/products/${id}/inventory`, { limit: 20, cursor }, signal),
  lowStock: (signal?: AbortSignal) => getAll<Product>('/inventory/low-stock', {}, signal),
  sales: (query: Query, signal?: AbortSignal) => get<Page<Sale>>('/sales', query, signal),
  sale: (id: string, tz: string, signal?: AbortSignal) => get<SaleWithReturns>(`/sales/${encodeURIComponent(id)}`, { tz }, signal),
  saleReturns: (id: string, tz: string, signal?: AbortSignal) => getAll<Return>(`/sales/${encodeURIComponent(id)}/returns`, { tz }, signal),
  recordSale: (body: { product_id: number; units_sold: number; sold_at?: string }, idempotencyKey: string) =>
    request<Sale>('POST', '/sales', { body, headers: { 'idempotency-key': idempotencyKey } }),
  summary: (query: Query, signal?: AbortSignal) => get<Summary>('/sales/summary', query, signal),
  compare: (query: Query, signal?: AbortSignal) => get<Compare>('/sales/compare', query, signal),
  top: (query: Query, signal?: AbortSignal) => get<Top>('/sales/top', query, signal),
  reports: (cursor: string | null, signal?: AbortSignal) => get<Page<DailyReport>>('/reports/daily', { limit: 30, cursor }, signal),
  report: (date: string, signal?: AbortSignal) => get<DailyReport>(`/reports/daily/${encodeURIComponent(date)}`, {}, signal),
};
