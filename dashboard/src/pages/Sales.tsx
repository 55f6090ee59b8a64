import { useEffect, useState } from 'preact/hooks';
import { api, type Query, type Sale } from '../api';
import { DataTable } from '../components/tables';
import { Banner, CategoryOptions, DateInput, Empty, Field, FormActions, Link, Loaded, Loading, onSubmitted, splitErrors } from '../components/ui';
import { addDays, browserTimeZone, formatInstant, isDate, zonedMidnight } from '../dates';
import { useAsync, usePaged, useSubmit } from '../hooks';
import { formatCount, toCents } from '../money';
import { setParams, type Location } from '../router';
import { displayTz, loadCatalogue, money, productName, useAppState } from '../store';
import { download, localInputToRfc3339, newKey, toCsv } from '../util';

interface Filter {
  product_id: string;
  category_name: string;
  from: string;
  to: string;
  tz: string;
}

function filterFrom(params: URLSearchParams, defaultTz: string): Filter {
  const from = params.get('from') ?? '';
  const to = params.get('to') ?? '';
  return {
    product_id: /^\d+$/.test(params.get('product_id') ?? '') ? (params.get('product_id') ?? '') : '',
    category_name: params.get('category_name') ?? '',
    from: isDate(from) ? from : '',
    to: isDate(to) ? to : '',
    tz: params.get('tz') ?? defaultTz,
  };
}

/** The filter as a query string (`category_name=fashion&tz=UTC`). */
function filterText(f: Filter): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query(f))) if (typeof v === 'string' && v) q.set(k, v);
  return q.toString();
}

function query(f: Filter): Query {
  return { product_id: f.product_id, category_name: f.category_name, from: f.from, to: f.to, tz: f.tz };
}

const rfc3339 = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

/**
 * The summary query of the same sales: the list reads its dates in `tz`, a summary in the store's
 * zone, so in another zone the days go as their instants (local midnight to the next one's last second).
 */
export function totalsQuery(f: Filter, storeTz: string): Query {
  const q: Query = { group_by: 'total', product_id: f.product_id, category_name: f.category_name };
  if (f.tz === storeTz) return { ...q, from: f.from, to: f.to };
  return {
    ...q,
    from: f.from ? rfc3339(zonedMidnight(f.from, f.tz)) : '',
    to: f.to ? rfc3339(new Date(zonedMidnight(addDays(f.to, 1), f.tz).getTime() - 1000)) : '',
  };
}

type SortKey = 'newest' | 'oldest' | 'total' | 'units';
const SORTS: { id: SortKey; label: string; compare: (a: Sale, b: Sale) => number }[] = [
  { id: 'newest', label: 'Newest first', compare: () => 0 },
  { id: 'oldest', label: 'Oldest first', compare: (a, b) => a.sold_at.localeCompare(b.sold_at) || a.id.localeCompare(b.id) },
  { id: 'total', label: 'Largest total first', compare: (a, b) => (toCents(b.total_price) ?? 0n) > (toCents(a.total_price) ?? 0n) ? 1 : (toCents(b.total_price) ?? 0n) < (toCents(a.total_price) ?? 0n) ? -1 : 0 },
  { id: 'units', label: 'Most units first', compare: (a, b) => b.units_sold - a.units_sold },
];

export function Sales({ loc }: { loc: Location }) {
  const saleId = loc.path.split('/')[2];
  return saleId ? <SaleDetail id={decodeURIComponent(saleId)} /> : <SalesList loc={loc} />;
}

function SalesList({ loc }: { loc: Location }) {
  const app = useAppState();
  const filter = filterFrom(loc.params, displayTz());
  const key = JSON.stringify(filter);
  const [draft, setDraft] = useState(filter);
  const [exporting, setExporting] = useState<string | null>(null);
  // `shownFor`: the filter the shown items are for (the table says so, for tests and assistive tech).
  const list = usePaged(filterText(filter), (cursor, signal) => api.sales({ ...query(filter), limit: 25, cursor }, signal));
  const { loading, error, setError } = list;
  const sort = SORTS.find((x) => x.id === loc.params.get('sort')) ?? SORTS[0];
  // The API lists newest first; the other orders sort what is loaded (stable, so ties keep that order).
  const items = sort && sort.id !== 'newest' ? [...(list.items ?? [])].sort(sort.compare) : (list.items ?? []);
  const totals = useAsync((signal) => api.summary(totalsQuery(filter, app.storeTz), signal), [key, app.storeTz]);

  useEffect(() => void loadCatalogue().catch(() => undefined), []);
  useEffect(() => setDraft(filter), [key]);

  const exportCsv = async () => {
    setExporting('Exporting…');
    setError(null);
    try {
      const all: Sale[] = [];
      let c: string | null = null;
      do {
        const page = await api.sales({ ...query(filter), limit: 100, cursor: c });
        all.push(...page.items);
        c = page.next_cursor;
        setExporting(`Exporting… ${formatCount(all.length)} sales`);
      } while (c);
      const csv = toCsv(
        ['id', 'sold_at', 'product_id', 'product_name', 'category_name', 'units_sold', 'unit_price', 'total_price'],
        all.map((s) => [s.id, s.sold_at, s.product_id, productName(s.product_id), s.category_name, s.units_sold, s.unit_price, s.total_price]),
      );
      const parts = ['sales', filter.category_name, filter.product_id && `product-${filter.product_id}`, filter.from, filter.to].filter(Boolean);
      download(`${parts.join('_')}.csv`, csv);
      setExporting(`Exported ${formatCount(all.length)} sales.`);
    } catch (e) {
      setError(e);
      setExporting(null);
    }
  };

  const store = app.storeTz;
  const browser = browserTimeZone();
  const tzOptions = [...new Set([store, browser, 'UTC', filter.tz])];
  const categories = app.categories ?? [];
  const products = app.products ?? [];
  const filtered = Boolean(filter.product_id || filter.category_name || filter.from || filter.to);

  return (
    <section aria-labelledby="sales-title" class="stack">
      <div class="page-head">
        <h1 id="sales-title">Sales</h1>
        <p class="muted">Newest first · times in {filter.tz}</p>
      </div>

      <form
        class="card filters"
        aria-label="Filter sales"
        onSubmit={onSubmitted(() => setParams({ ...draft, tz: draft.tz === displayTz() ? null : draft.tz }))}
      >
        <Field label="Product">
          {(id) => (
            <select id={id} name="product_id" value={draft.product_id} onChange={(e) => setDraft({ ...draft, product_id: e.currentTarget.value })}>
              <option value="">All products</option>
              {products.map((p) => (
                <option key={p.id} value={String(p.id)}>
                  {p.name} (#{p.id})
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Category">
          {(id) => (
            <select id={id} name="category_name" value={draft.category_name} onChange={(e) => setDraft({ ...draft, category_name: e.currentTarget.value })}>
              <option value="">All categories</option>
              <CategoryOptions categories={categories} />
            </select>
          )}
        </Field>
        <Field label="From">
          {(id) => <DateInput id={id} name="from" value={draft.from} onInput={(v) => setDraft({ ...draft, from: v })} />}
        </Field>
        <Field label="To">
          {(id) => <DateInput id={id} name="to" value={draft.to} onInput={(v) => setDraft({ ...draft, to: v })} />}
        </Field>
        <Field label="Timezone">
          {(id) => (
            <select id={id} name="tz" value={draft.tz} onChange={(e) => setDraft({ ...draft, tz: e.currentTarget.value })}>
              {tzOptions.map((z) => (
                <option key={z} value={z}>
                  {z === store ? `${z} (store)` : z === browser ? `${z} (mine)` : z}
                </option>
              ))}
            </select>
          )}
        </Field>
        <FormActions label="Apply">
          {filtered && (
            <button type="button" class="btn" onClick={() => setParams({ product_id: null, category_name: null, from: null, to: null, tz: null })}>
              Clear
            </button>
          )}
        </FormActions>
      </form>

      <div class={`card${totals.loading && totals.data ? ' stale' : ''}`} aria-busy={totals.loading} data-testid="sales-totals">
        <h2>Totals {filtered ? 'of the filter' : 'of every sale'}</h2>
        <Loaded of={totals} loading="Adding up…" has={() => true} empty="">
          {(d) => {
            const t = d.rows[0];
            return (
              <dl class="facts inline-facts">
                <dt>Sales</dt>
                <dd data-testid="totals-count">{formatCount(t?.sales_count ?? 0)}</dd>
                <dt>Units</dt>
                <dd data-testid="totals-units">{formatCount(t?.total_units_sold ?? 0)}</dd>
                <dt>Gross revenue</dt>
                <dd data-testid="totals-revenue">{money(t?.total_revenue ?? '0.00')}</dd>
                {t?.total_refunded !== undefined && (
                  <>
                    <dt>Refunded</dt>
                    <dd>{money(t.total_refunded)}</dd>
                  </>
                )}
              </dl>
            );
          }}
        </Loaded>
      </div>

      <div class="card">
        <div class="card-head">
          <h2>{filtered ? 'Filtered sales' : 'All sales'}</h2>
          <div class="row-actions">
            <label class="inline">
              Sort{' '}
              <select name="sort" value={sort?.id} onChange={(e) => setParams({ sort: e.currentTarget.value === 'newest' ? null : e.currentTarget.value }, { replace: true })}>
                {SORTS.map((x) => (
                  <option key={x.id} value={x.id}>
                    {x.label}
                    {x.id === 'newest' ? '' : ' (of those loaded)'}
                  </option>
                ))}
              </select>
            </label>
            <button type="button" class="btn" onClick={() => void exportCsv()} disabled={exporting?.startsWith('Exporting') ?? false}>
              Export CSV
            </button>
          </div>
        </div>
        {exporting && (
          <p class="muted small" role="status">
            {exporting}
          </p>
        )}
        <Banner error={error} onRetry={list.reload} />
        {items.length > 0 ? (
          <DataTable
            label="Sales list"
            data-testid="sales-table"
            data-filter={list.shownFor ?? ''}
            aria-busy={loading}
            rows={items}
            rowKey={(s) => s.id}
            columns={[
              {
                label: 'Sale',
                cell: (s) => (
                  <Link to={`/sales/${s.id}`} title={s.id}>
                    <span class="sr-only">Sale </span>
                    <code class="sale-id">{s.id}</code>
                  </Link>
                ),
              },
              {
                label: 'Sold at',
                cell: (s) => (
                  <time dateTime={s.sold_at} title={`sale ${s.id}`}>
                    {formatInstant(s.sold_at, filter.tz)}
                  </time>
                ),
              },
              { label: 'Product', cell: (s) => productName(s.product_id) },
              { label: 'Category', cell: (s) => s.category_name },
              { label: 'Units', num: true, cell: (s) => formatCount(s.units_sold) },
              { label: 'Unit price', num: true, cell: (s) => money(s.unit_price) },
              { label: 'Total (gross)', num: true, cell: (s) => money(s.total_price) },
            ]}
          />
        ) : loading ? null : error ? null : (
          <Empty>No sales match these filters.</Empty>
        )}
        {loading && <Loading label="Loading sales…" />}
        <div class="pager">
          <span class="muted small">
            {formatCount(items.length)} shown{list.cursor ? ', more available' : ''}
          </span>
          {list.cursor && (
            <button type="button" class="btn" onClick={() => void list.more()} disabled={loading}>
              Load more
            </button>
          )}
        </div>
      </div>

      <RecordSale
        onRecorded={() => {
          list.reload();
          totals.reload();
          void loadCatalogue(true).catch(() => undefined);
        }}
      />
    </section>
  );
}

function RecordSale({ onRecorded }: { onRecorded: () => void }) {
  const app = useAppState();
  const [productId, setProductId] = useState('');
  const [units, setUnits] = useState('1');
  const [soldAt, setSoldAt] = useState('');
  const [done, setDone] = useState<Sale | null>(null);
  const active = (app.products ?? []).filter((p) => p.status === 'active');
  const { busy, error, submit } = useSubmit(async () => {
    setDone(null);
    const body: { product_id: number; units_sold: number; sold_at?: string } = {
      product_id: Number(productId),
      units_sold: Number(units),
    };
    const at = localInputToRfc3339(soldAt.trim().replace(' ', 'T'));
    if (at) body.sold_at = at;
    // One key per submission: a retried request of this submission is recorded once.
    const sale = await api.recordSale(body, newKey());
    setDone(sale);
    setUnits('1');
    setSoldAt('');
    onRecorded();
  });
  const { byField, rest } = splitErrors(error, ['product_id', 'units_sold', 'sold_at']);

  return (
    <form class="card" aria-labelledby="record-title" onSubmit={(e) => void submit(e)} data-testid="record-sale">
      <h2 id="record-title">Record a sale</h2>
      <div class="form-grid">
        <Field label="Product" error={byField.product_id}>
          {(id, d) => (
            <select id={id} name="product_id" required value={productId} aria-describedby={d} aria-invalid={Boolean(byField.product_id)} onChange={(e) => setProductId(e.currentTarget.value)}>
              <option value="">Choose a product</option>
              {active.map((p) => (
                <option key={p.id} value={String(p.id)}>
                  {p.name} · {money(p.price)} · {p.current_inventory} in stock
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Units" error={byField.units_sold}>
          {(id, d) => (
            <input id={id} name="units_sold" type="number" min="1" step="1" required value={units} aria-describedby={d} aria-invalid={Boolean(byField.units_sold)} onInput={(e) => setUnits(e.currentTarget.value)} />
          )}
        </Field>
        <Field label="Sold at (optional)" error={byField.sold_at} hint={`YYYY-MM-DD HH:MM, your time (${browserTimeZone()}); empty: now`}>
          {(id, d) => (
            <input
              id={id}
              name="sold_at"
              type="text"
              placeholder="YYYY-MM-DD HH:MM"
              pattern={'\\d{4}-\\d{2}-\\d{2}[ T]\\d{2}:\\d{2}(:\\d{2})?'}
              autocomplete="off"
              value={soldAt}
              aria-describedby={d}
              aria-invalid={Boolean(byField.sold_at)}
              onInput={(e) => setSoldAt(e.currentTarget.value)}
            />
          )}
        </Field>
      </div>
      <Banner error={rest} />
      {done && (
        <p class="notice" role="status">
          Recorded: {done.units_sold} × {productName(done.product_id)} = {money(done.total_price)} ({formatInstant(done.sold_at, displayTz())}).
        </p>
      )}
      <FormActions label="Record sale" busy={busy} busyLabel="Recording…" />
    </form>
  );
}

/** One sale (`GET /sales/{id}`) and its returns (`GET /sales/{id}/returns`). */
function SaleDetail({ id }: { id: string }) {
  useAppState(); // product names once the catalogue is in
  useEffect(() => void loadCatalogue().catch(() => undefined), []);
  const tz = displayTz();
  const sale = useAsync((signal) => api.sale(id, tz, signal), [id, tz]);
  const returns = useAsync((signal) => api.saleReturns(id, tz, signal), [id, tz]);
  return (
    <section aria-labelledby="sale-title" class="stack">
      <div class="page-head">
        <h1 id="sale-title">
          Sale <code>{id}</code>
        </h1>
        <Link to="/sales">All sales</Link>
      </div>
      <div class="card" data-testid="sale-detail">
        <Loaded of={sale} loading="Loading the sale…" has={() => true} empty="">
          {(s) => (
            <dl class="facts">
              <dt>Sold at</dt>
              <dd>{formatInstant(s.sold_at, tz)}</dd>
              <dt>Product</dt>
              <dd>
                <Link to="/catalogue" params={{ product: String(s.product_id) }}>
                  {productName(s.product_id)}
                </Link>{' '}
                · <Link to="/sales" params={{ product_id: String(s.product_id) }}>its sales</Link>
              </dd>
              <dt>Category</dt>
              <dd>{s.category_name}</dd>
              <dt>Units sold</dt>
              <dd data-testid="sale-units">{formatCount(s.units_sold)}</dd>
              <dt>Unit price</dt>
              <dd>{money(s.unit_price)}</dd>
              <dt>Total (gross)</dt>
              <dd data-testid="sale-total">{money(s.total_price)}</dd>
              <dt>Units returned</dt>
              <dd data-testid="sale-returned">{formatCount(s.units_returned)}</dd>
            </dl>
          )}
        </Loaded>
      </div>
      <div class="card">
        <h2>Returns</h2>
        <Loaded of={returns} loading="Loading the returns…" has={(r) => r.length > 0} empty="No returns of this sale.">
          {(rows) => (
            <DataTable
              label="Returns of this sale"
              data-testid="sale-returns"
              rows={rows}
              rowKey={(r) => r.id}
              columns={[
                { label: 'Returned at', cell: (r) => formatInstant(r.returned_at, tz) },
                { label: 'Units', num: true, cell: (r) => formatCount(r.units) },
                { label: 'Refund', num: true, cell: (r) => money(r.refund) },
                { label: 'Reason', cell: (r) => [r.reason, r.note].filter(Boolean).join(': ') },
                { label: 'Restocked', cell: (r) => (r.restocked ? 'yes' : 'no') },
              ]}
            />
          )}
        </Loaded>
      </div>
    </section>
  );
}
