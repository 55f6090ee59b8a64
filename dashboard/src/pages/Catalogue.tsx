import { useEffect, useRef, useState } from 'preact/hooks';
import { api, type Category, type Product } from '../api';
import { DataTable, outOfStock, type Column } from '../components/tables';
import { Banner, CategoryOptions, Field, FormActions, Link, Loading, onSubmitted, splitErrors } from '../components/ui';
import { formatInstant } from '../dates';
import { useAsync, usePaged, useSubmit } from '../hooks';
import { formatCount, toCents } from '../money';
import { setParams, type Location } from '../router';
import { displayTz, loadCatalogue, money, useAppState } from '../store';

export function Catalogue({ loc }: { loc: Location }) {
  const app = useAppState();
  const [error, setError] = useState<unknown>(null);
  const [reloading, setReloading] = useState(false);
  const categoryFilter = loc.params.get('category') ?? '';
  const statusFilter = loc.params.get('status') ?? '';
  const selectedId = Number(loc.params.get('product') ?? '') || null;
  const editing = loc.params.get('edit'); // "new" or a product id
  const search = loc.params.get('q') ?? '';
  const sort = SORTS.find((x) => x.id === loc.params.get('sort')) ?? SORTS[0];
  const [undo, setUndo] = useState<Product | null>(null);
  // Units sold per product, all time: one summary by product.
  const sold = useAsync(async (signal) => new Map((await api.summary({ group_by: 'product' }, signal)).rows.map((r) => [r.product_id ?? 0, r.total_units_sold])), []);

  const reload = () => {
    setReloading(true);
    loadCatalogue(true).then(
      () => setError(null),
      (e: unknown) => setError(e),
    ).finally(() => setReloading(false));
  };
  useEffect(() => {
    loadCatalogue().catch((e: unknown) => setError(e));
  }, []);

  const needle = search.trim().toLowerCase();
  const unitsSold = sold.data ?? null;
  const products = (app.products ?? [])
    .filter(
      (p) =>
        (!categoryFilter || p.category_name === categoryFilter) &&
        (!statusFilter || p.status === statusFilter) &&
        (!needle || p.name.toLowerCase().includes(needle) || String(p.id) === needle || (p.description ?? '').toLowerCase().includes(needle)),
    )
    .sort((a, b) => (sort?.compare(a, b, unitsSold) ?? 0) || a.id - b.id);
  const selected = app.products?.find((p) => p.id === selectedId) ?? null;
  const editProduct = editing && editing !== 'new' ? (app.products?.find((p) => String(p.id) === editing) ?? null) : null;

  return (
    <section aria-labelledby="cat-page-title" class={`stack${selected ? ' with-drawer' : ''}`}>
      <div class="page-head">
        <h1 id="cat-page-title">Catalogue</h1>
        <p class="muted">Categories, products and stock</p>
      </div>
      <Banner error={error} onRetry={reload} />

      <div class="card">
        <div class="card-head">
          <h2>Products</h2>
          <button type="button" class="btn primary" onClick={() => setParams({ edit: 'new', product: null })}>
            New product
          </button>
        </div>
        <div class="filters" role="group" aria-label="Filter products">
          <Field label="Category">
            {(id) => (
              <select id={id} name="category" value={categoryFilter} onChange={(e) => setParams({ category: e.currentTarget.value }, { replace: true })}>
                <option value="">All categories</option>
                <CategoryOptions categories={app.categories ?? []} />
              </select>
            )}
          </Field>
          <Field label="Search">
            {(id) => (
              <input id={id} type="search" name="q" value={search} placeholder="Name, id or description" autocomplete="off" onInput={(e) => setParams({ q: e.currentTarget.value }, { replace: true })} />
            )}
          </Field>
          <Field label="Sort by">
            {(id) => (
              <select id={id} name="sort" value={sort?.id} onChange={(e) => setParams({ sort: e.currentTarget.value === 'name' ? null : e.currentTarget.value }, { replace: true })}>
                {SORTS.map((x) => (
                  <option key={x.id} value={x.id}>
                    {x.label}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label="Status">
            {(id) => (
              <select id={id} name="status" value={statusFilter} onChange={(e) => setParams({ status: e.currentTarget.value }, { replace: true })}>
                <option value="">Any status</option>
                <option value="active">Active</option>
                <option value="inactive">Inactive</option>
              </select>
            )}
          </Field>
        </div>

        {editing && (editing === 'new' || editProduct) && (
          <ProductForm
            key={editing}
            product={editProduct}
            categories={app.categories ?? []}
            defaultCategory={categoryFilter}
            onDone={(p) => {
              reload();
              // A new product opens on its stock and ledger; an edit just closes the form.
              setParams(p && editing === 'new' ? { edit: null, product: String(p.id) } : { edit: null });
            }}
          />
        )}

        <DataTable
          label="Products"
          data-testid="products-table"
          rows={app.products === null ? null : products}
          pending={reloading || !error ? <Loading label="Loading products…" /> : null}
          empty="No products match these filters."
          rowKey={(p) => p.id}
          rowAttributes={(p) => ({ class: p.id === selectedId ? 'selected' : '', 'data-product-id': p.id })}
          columns={productColumns(selectedId, unitsSold, reload, setError, setUndo)}
        />
        {undo && (
          <p class="notice" role="status" data-testid="undo">
            {undo.name} is deactivated: it can no longer be sold.{' '}
            <button
              type="button"
              class="btn small"
              onClick={() => {
                const p = undo;
                setUndo(null);
                api.updateProduct(p.id, { status: 'active' }).then(reload, setError);
              }}
            >
              Undo
            </button>
          </p>
        )}
      </div>

      {selected && <StockPanel key={selected.id} product={selected} onChanged={reload} />}

      <Categories categories={app.categories} onChanged={reload} />
    </section>
  );
}

/** Stock value: stock x price, exact. */
const stockValue = (p: Product) => (toCents(p.price) ?? 0n) * BigInt(p.current_inventory);

const byBigint = (x: bigint, y: bigint) => (x > y ? -1 : x < y ? 1 : 0);

const SORTS: { id: string; label: string; compare: (a: Product, b: Product, sold: Map<number, number> | null) => number }[] = [
  { id: 'name', label: 'Name', compare: (a, b) => a.name.localeCompare(b.name) },
  { id: 'price', label: 'Price, highest first', compare: (a, b) => byBigint(toCents(a.price) ?? 0n, toCents(b.price) ?? 0n) },
  { id: 'stock', label: 'Stock, lowest first', compare: (a, b) => a.current_inventory - b.current_inventory },
  { id: 'value', label: 'Stock value, highest first', compare: (a, b) => byBigint(stockValue(a), stockValue(b)) },
  { id: 'sold', label: 'Units sold, most first', compare: (a, b, sold) => (sold?.get(b.id) ?? 0) - (sold?.get(a.id) ?? 0) },
];

function productColumns(
  selectedId: number | null,
  unitsSold: Map<number, number> | null,
  onChanged: () => void,
  onError: (e: unknown) => void,
  onDeactivated: (p: Product) => void,
): Column<Product>[] {
  return [
    {
      label: 'Product',
      cell: (p) => (
        <span>
          <strong>{p.name}</strong> <span class="muted small">#{p.id}</span>
        </span>
      ),
    },
    { label: 'Category', cell: (p) => p.category_name },
    { label: 'Price', num: true, cell: (p) => money(p.price) },
    {
      label: 'Stock',
      num: true,
      cellClass: (p) => outOfStock(p.current_inventory),
      cell: (p) => (
        <span>
          {formatCount(p.current_inventory)}
          {p.current_inventory <= p.low_stock_alert_threshold && p.status === 'active' && <span class="muted small"> (low)</span>}
        </span>
      ),
    },
    { label: 'Stock value', num: true, cell: (p) => money(stockValue(p)) },
    {
      label: 'Units sold',
      num: true,
      cell: (p) =>
        unitsSold === null ? (
          '…'
        ) : (
          <Link to="/sales" params={{ product_id: String(p.id) }} aria-label={`${formatCount(unitsSold.get(p.id) ?? 0)} units sold of ${p.name}: its sales`}>
            {formatCount(unitsSold.get(p.id) ?? 0)}
          </Link>
        ),
    },
    { label: 'Status', cell: (p) => <span class={`badge ${p.status}`}>{p.status}</span> },
    {
      label: 'Actions',
      hideLabel: true,
      cell: (p) => <ProductActions product={p} selected={p.id === selectedId} onChanged={onChanged} onError={onError} onDeactivated={onDeactivated} />,
    },
  ];
}

function ProductActions(props: { product: Product; selected: boolean; onChanged: () => void; onError: (e: unknown) => void; onDeactivated: (p: Product) => void }) {
  const { product: p, selected, onChanged, onError, onDeactivated } = props;
  const [busy, setBusy] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const confirmRef = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (confirming) confirmRef.current?.focus();
  }, [confirming]);
  const setStatus = async (status: 'active' | 'inactive') => {
    setBusy(true);
    try {
      await api.updateProduct(p.id, { status });
      setConfirming(false);
      if (status === 'inactive') onDeactivated(p);
      onChanged();
    } catch (e) {
      onError(e);
    } finally {
      setBusy(false);
    }
  };
  if (confirming) {
    return (
      <div class="row-actions confirm" role="group" aria-label={`Deactivate ${p.name}?`}>
        <span class="small">Deactivate? It can no longer be sold.</span>
        <button ref={confirmRef} type="button" class="btn small danger" disabled={busy} onClick={() => void setStatus('inactive')}>
          Yes, deactivate {p.name}
        </button>
        <button type="button" class="btn small" onClick={() => setConfirming(false)} onKeyDown={(e) => e.key === 'Escape' && setConfirming(false)}>
          Keep active
        </button>
      </div>
    );
  }
  return (
    <div class="row-actions">
      <button type="button" class="btn small" aria-label={`Edit ${p.name}`} onClick={() => setParams({ edit: String(p.id), product: null })}>
        Edit
      </button>
      <button
        type="button"
        class="btn small"
        aria-label={`Stock of ${p.name}`}
        aria-pressed={selected}
        aria-controls={selected ? 'stock-drawer' : undefined}
        onClick={() => setParams({ product: selected ? null : String(p.id), edit: null })}
      >
        Stock
      </button>
      {p.status === 'active' ? (
        <button type="button" class="btn small danger" disabled={busy} aria-label={`Deactivate ${p.name}`} onClick={() => setConfirming(true)}>
          Deactivate
        </button>
      ) : (
        <button type="button" class="btn small" disabled={busy} aria-label={`Activate ${p.name}`} onClick={() => void setStatus('active')}>
          Activate
        </button>
      )}
    </div>
  );
}

const PRODUCT_FIELDS = ['name', 'description', 'price', 'image', 'category_name', 'current_inventory', 'low_stock_alert_threshold', 'status'];

function ProductForm(props: { product: Product | null; categories: Category[]; defaultCategory: string; onDone: (p: Product | null) => void }) {
  const p = props.product;
  const [form, setForm] = useState({
    name: p?.name ?? '',
    description: p?.description ?? '',
    price: p?.price ?? '',
    image: p?.image ?? '',
    category_name: p?.category_name ?? (props.defaultCategory || (props.categories[0]?.name ?? '')),
    current_inventory: '0',
    low_stock_alert_threshold: String(p?.low_stock_alert_threshold ?? 10),
  });
  const { busy, error, submit } = useSubmit(async () => {
    const body: Record<string, unknown> = {
      name: form.name,
      price: form.price.trim(),
      category_name: form.category_name,
      low_stock_alert_threshold: num(form.low_stock_alert_threshold),
    };
    if (form.description || p) body.description = form.description;
    if (form.image || p?.image) body.image = form.image || null;
    const saved = p ? await api.updateProduct(p.id, body) : await api.createProduct({ ...body, current_inventory: num(form.current_inventory) });
    props.onDone(saved);
  });
  const { byField, rest } = splitErrors(error, PRODUCT_FIELDS);
  const formRef = useRef<HTMLFormElement>(null);
  useEffect(() => {
    formRef.current?.scrollIntoView({ block: 'nearest' });
    formRef.current?.querySelector('input')?.focus({ preventScroll: true });
  }, []);
  const set = (k: keyof typeof form) => (e: Event) => setForm({ ...form, [k]: (e.currentTarget as HTMLInputElement).value });
  // Numbers go to the API as typed (the API validates and names the field that is wrong).
  const num = (v: string): number | string => (/^-?\d+$/.test(v.trim()) ? Number(v) : v);

  const input = (k: keyof typeof form, label: string, attrs: Record<string, string | boolean> = {}, hint?: string) => (
    <Field label={label} error={byField[k]} hint={hint}>
      {(id, d) => <input id={id} name={k} value={form[k]} onInput={set(k)} aria-describedby={d} aria-invalid={Boolean(byField[k])} {...attrs} />}
    </Field>
  );

  return (
    <form ref={formRef} class="card subform" aria-labelledby="product-form-title" onSubmit={(e) => void submit(e)} data-testid="product-form">
      <h3 id="product-form-title">{p ? `Edit ${p.name}` : 'New product'}</h3>
      <div class="form-grid">
        {input('name', 'Name', { required: true, autocomplete: 'off' })}
        {input('price', 'Price', { required: true, inputmode: 'decimal', autocomplete: 'off' }, 'e.g. 19.99')}
        <Field label="Category" error={byField.category_name}>
          {(id, d) => (
            <select id={id} name="category_name" value={form.category_name} onChange={set('category_name')} aria-describedby={d} aria-invalid={Boolean(byField.category_name)}>
              <CategoryOptions categories={props.categories} />
            </select>
          )}
        </Field>
        {!p && input('current_inventory', 'Initial stock', { type: 'number', step: '1', min: '0' })}
        {input('low_stock_alert_threshold', 'Low-stock alert at', { type: 'number', step: '1', min: '0' })}
        {input('image', 'Image URL', { type: 'url' })}
        <Field label="Description" error={byField.description}>
          {(id, d) => <textarea id={id} name="description" rows={2} value={form.description} onInput={set('description')} aria-describedby={d} />}
        </Field>
      </div>
      <Banner error={rest} />
      <FormActions label={p ? 'Save changes' : 'Create product'} busy={busy} busyLabel="Saving…">
        <button type="button" class="btn" onClick={() => props.onDone(null)}>
          Cancel
        </button>
      </FormActions>
    </form>
  );
}

function StockPanel({ product, onChanged }: { product: Product; onChanged: () => void }) {
  const [mode, setMode] = useState<'change' | 'set'>('change');
  const [amount, setAmount] = useState('');
  const [reason, setReason] = useState('');
  const ledger = usePaged(String(product.id), (cursor, signal) => api.ledger(product.id, cursor, signal));
  const { busy, error, submit } = useSubmit(async () => {
    const n = /^-?\d+$/.test(amount.trim()) ? Number(amount) : Number.NaN;
    const body: { change?: number; set?: number; reason?: string } = mode === 'change' ? { change: n } : { set: n };
    if (Number.isNaN(n)) throw new Error('Enter a whole number.');
    if (reason) body.reason = reason;
    await api.adjustStock(product.id, body);
    setAmount('');
    ledger.reload();
    onChanged();
  });
  const { byField, rest } = splitErrors(error, ['change', 'set', 'reason']);
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    heading.current?.focus({ preventScroll: true });
    // Escape closes the drawer, and focus goes back to the row's Stock button.
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') close();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, []);
  const close = () => {
    setParams({ product: null });
    requestAnimationFrame(() => document.querySelector<HTMLButtonElement>(`tr[data-product-id="${product.id}"] button[aria-pressed]`)?.focus());
  };

  const tz = displayTz();
  return (
    <div class="card drawer" id="stock-drawer" role="dialog" aria-modal="false" aria-labelledby="stock-title" data-testid="stock-panel">
      <div class="card-head">
        <h2 id="stock-title" ref={heading} tabIndex={-1}>
          Stock of {product.name}
        </h2>
        <button type="button" class="btn small" onClick={close} aria-label="Close the stock panel">
          Close
        </button>
      </div>
      <dl class="facts">
        <dt>In stock</dt>
        <dd data-testid="stock-now">{formatCount(product.current_inventory)}</dd>
        <dt>Low-stock alert at</dt>
        <dd>{formatCount(product.low_stock_alert_threshold)}</dd>
      </dl>
      <form class="filters" onSubmit={(e) => void submit(e)} aria-label="Adjust stock">
        <Field label="Adjustment">
          {(id) => (
            <select id={id} name="mode" value={mode} onChange={(e) => setMode(e.currentTarget.value === 'set' ? 'set' : 'change')}>
              <option value="change">Change by (+/-)</option>
              <option value="set">Set to</option>
            </select>
          )}
        </Field>
        <Field label={mode === 'change' ? 'Units (+ or -)' : 'New stock'} error={byField[mode]}>
          {(id, d) => <input id={id} name="amount" type="number" step="1" required value={amount} aria-describedby={d} aria-invalid={Boolean(byField[mode])} onInput={(e) => setAmount(e.currentTarget.value)} />}
        </Field>
        <Field label="Reason" error={byField.reason}>
          {(id, d) => (
            <select id={id} name="reason" value={reason} aria-describedby={d} onChange={(e) => setReason(e.currentTarget.value)}>
              <option value="">Default</option>
              <option value="restock">restock</option>
              <option value="adjustment">adjustment</option>
              <option value="return">return</option>
            </select>
          )}
        </Field>
        <FormActions label="Apply" busy={busy} busyLabel="Saving…" />
      </form>
      <Banner error={rest} />
      <h3>History</h3>
      <Banner error={ledger.error} onRetry={ledger.reload} />
      <DataTable
        label="Stock history"
        data-testid="ledger"
        rows={ledger.items}
        pending={ledger.error ? null : <Loading label="Loading the history…" />}
        empty="No stock movements yet."
        rowKey={(e, i) => `${e.at}-${i}`}
        columns={[
          { label: 'When', cell: (e) => formatInstant(e.at, tz) },
          {
            label: 'Reason',
            cell: (e) => (
              <span>
                {e.reason}
                {e.sale_id && (
                  <span class="muted small">
                    {' '}
                    · sale{' '}
                    <Link to={`/sales/${e.sale_id}`} title={e.sale_id}>
                      <code class="sale-id">{e.sale_id}</code>
                    </Link>
                  </span>
                )}
              </span>
            ),
          },
          { label: 'Change', num: true, cell: (e) => (e.change > 0 ? `+${e.change}` : e.change) },
          { label: 'Stock after', num: true, cell: (e) => formatCount(e.quantity_after) },
        ]}
      />
      {ledger.cursor && (
        <div class="pager">
          <button type="button" class="btn" onClick={() => void ledger.more()}>
            Load more
          </button>
        </div>
      )}
    </div>
  );
}

function Categories({ categories, onChanged }: { categories: Category[] | null; onChanged: () => void }) {
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [editing, setEditing] = useState<string | null>(null);
  const [editText, setEditText] = useState('');
  const [editError, setEditError] = useState<unknown>(null);
  const { busy, error, submit: create } = useSubmit(async () => {
    await api.createCategory(description ? { name, description } : { name });
    setName('');
    setDescription('');
    onChanged();
  });
  const { byField, rest } = splitErrors(error, ['name', 'description']);

  const save = async (cat: string) => {
    try {
      await api.updateCategory(cat, { description: editText });
      setEditing(null);
      onChanged();
    } catch (err) {
      setEditError(err);
    }
  };

  return (
    <div class="card" aria-labelledby="categories-title">
      <h2 id="categories-title">Categories</h2>
      <DataTable
        label="Categories"
        data-testid="categories-table"
        rows={categories}
        pending={<Loading />}
        empty="No categories yet: create the first one below."
        rowKey={(c) => c.name}
        columns={[
          {
            label: 'Name',
            cell: (c) => (
              <Link to="/catalogue" params={{ category: c.name }}>
                {c.name}
              </Link>
            ),
          },
          {
            label: 'Description',
            cell: (c) =>
              editing === c.name ? (
                <form
                  class="filters"
                  onSubmit={onSubmitted(() => void save(c.name))}
                >
                  <Field label={`Description of ${c.name}`} error={splitErrors(editError, ['description']).byField.description}>
                    {(id, d) => <input id={id} value={editText} aria-describedby={d} onInput={(e) => setEditText(e.currentTarget.value)} />}
                  </Field>
                  <button type="submit" class="btn small primary">
                    Save
                  </button>
                  <button type="button" class="btn small" onClick={() => setEditing(null)}>
                    Cancel
                  </button>
                </form>
              ) : (
                (c.description ?? '')
              ),
          },
          { label: 'Products', num: true, cell: (c) => (c.product_count === undefined ? '–' : formatCount(c.product_count)) },
          {
            label: 'Actions',
            hideLabel: true,
            cell: (c) =>
              editing !== c.name && (
                <button
                  type="button"
                  class="btn small"
                  aria-label={`Edit description of ${c.name}`}
                  onClick={() => {
                    setEditing(c.name);
                    setEditText(c.description ?? '');
                    setEditError(null);
                  }}
                >
                  Edit
                </button>
              ),
          },
        ]}
      />
      <form class="subform" onSubmit={(e) => void create(e)} aria-labelledby="new-cat-title">
        <h3 id="new-cat-title">New category</h3>
        <div class="form-grid">
          <Field label="Name" error={byField.name} hint="lower case: a-z, 0-9, - and _">
            {(id, d) => <input id={id} name="category-name" required value={name} aria-describedby={d} aria-invalid={Boolean(byField.name)} onInput={(e) => setName(e.currentTarget.value)} />}
          </Field>
          <Field label="Description" error={byField.description}>
            {(id, d) => <input id={id} name="category-description" value={description} aria-describedby={d} onInput={(e) => setDescription(e.currentTarget.value)} />}
          </Field>
        </div>
        <Banner error={rest} />
        <FormActions label="Create category" busy={busy} busyLabel="Creating…" />
      </form>
    </div>
  );
}
