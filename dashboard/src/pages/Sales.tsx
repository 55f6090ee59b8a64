import { useEffect, useState } from 'preact/hooks';
import { api, type Query, type Sale } from '../api';
import { DataTable } from '../components/tables';
import { Banner, CategoryOptions, Empty, Field, FormActions, Loading, splitErrors } from '../components/ui';
import { browserTimeZone, formatInstant, isDate } from '../dates';
import { usePaged, useSubmit } from '../hooks';
import { formatCount } from '../money';
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

export function Sales({ loc }: { loc: Location }) {
  const app = useAppState();
  const filter = filterFrom(loc.params, displayTz());
  const key = JSON.stringify(filter);
  const [draft, setDraft] = useState(filter);
  const [exporting, setExporting] = useState<string | null>(null);
  // `shownFor`: the filter the shown items are for (the table says so, for tests and assistive tech).
  const list = usePaged(filterText(filter), (cursor, signal) => api.sales({ ...query(filter), limit: 25, cursor }, signal));
  const { loading, error, setError } = list;
  const items = list.items ?? [];

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
        onSubmit={(e) => {
          e.preventDefault();
          setParams({ ...draft, tz: draft.tz === displayTz() ? null : draft.tz });
        }}
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
          {(id) => <input id={id} type="date" name="from" value={draft.from} onInput={(e) => setDraft({ ...draft, from: e.currentTarget.value })} />}
        </Field>
        <Field label="To">
          {(id) => <input id={id} type="date" name="to" value={draft.to} onInput={(e) => setDraft({ ...draft, to: e.currentTarget.value })} />}
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

      <div class="card">
        <div class="card-head">
          <h2>{filtered ? 'Filtered sales' : 'All sales'}</h2>
          <div class="row-actions">
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
            label="Sales"
            data-testid="sales-table"
            data-filter={list.shownFor ?? ''}
            aria-busy={loading}
            rows={items}
            rowKey={(s) => s.id}
            columns={[
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
              { label: 'Total', num: true, cell: (s) => money(s.total_price) },
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
    const at = localInputToRfc3339(soldAt);
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
        <Field label="Sold at (optional)" error={byField.sold_at} hint={`Your time (${browserTimeZone()}); empty: now`}>
          {(id, d) => (
            <input id={id} name="sold_at" type="datetime-local" step="1" value={soldAt} aria-describedby={d} aria-invalid={Boolean(byField.sold_at)} onInput={(e) => setSoldAt(e.currentTarget.value)} />
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
