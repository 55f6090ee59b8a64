// Browser tests of the dashboard: playwright-core drives Debian's Chromium against a local runner
// of their own (a free port, its own table and embedded DynamoDB, the demo data), serving the
// built dashboard (dist/). Every wait is on an element or a response, never on a clock.
//
// Environment: RUNNER (the local-runner binary), CHROMIUM (name or path), SCREENSHOTS (folder),
// AWS_ENDPOINT_URL (optional: an existing local DynamoDB to use instead of an embedded one).
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const axeSource = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
const repo = resolve(here, '../..');
const runnerBin = resolve(process.env.RUNNER ?? join(repo, 'target/debug/local-runner'));
const shots = resolve(process.env.SCREENSHOTS ?? join(repo, 'target/dashboard-screenshots'));
const DESKTOP = { width: 1440, height: 900 };
const PHONE = { width: 390, height: 844 };

/** @type {import('node:child_process').ChildProcess | undefined} */
let runner;
/** @type {import('playwright-core').BrowserContext | undefined} */
let context;
/** @type {import('playwright-core').Page} */
let page;
let base = '';
let work = '';
/** @type {Record<string, string>} */
let runnerEnv = {};
let runnerLog = '';

/** @param {string} name */
function findExecutable(name) {
  if (name.includes('/')) return existsSync(name) ? name : null;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const p = join(dir, name);
    if (dir && existsSync(p)) return p;
  }
  return null;
}

function freePort() {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.on('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => ok(port));
    });
  });
}

/** Resolves when the runner answers /health (it prints its URLs once the table is ready). */
function waitForRunner() {
  return new Promise((ok, fail) => {
    /** @param {Buffer} chunk */
    const onData = (chunk) => {
      runnerLog += chunk.toString();
      if (runnerLog.includes('Dashboard: ')) ok(undefined);
    };
    runner?.stdout?.on('data', onData);
    runner?.stderr?.on('data', (/** @type {Buffer} */ c) => (runnerLog += c.toString()));
    runner?.on('error', fail);
    runner?.on('exit', (code) => fail(new Error(`local runner exited (${code}):\n${runnerLog}`)));
  });
}

/**
 * @param {string} path
 * @param {RequestInit} [init]
 * @returns {Promise<{ status: number, body: any }>}
 */
async function api(path, init) {
  const res = await fetch(`${base}${path}`, init);
  /** @type {any} */
  const body = res.status === 204 ? null : await res.json();
  return { status: res.status, body };
}

/** @param {string} name */
async function screenshot(name) {
  /** @type {[string, { width: number, height: number }][]} */
  const sizes = [
    ['desktop', DESKTOP],
    ['phone', PHONE],
  ];
  for (const [label, size] of sizes) {
    await page.setViewportSize(size);
    await page.waitForLoadState('networkidle');
    await page.screenshot({ path: join(shots, `${name}-${label}.png`), fullPage: true });
  }
  await page.setViewportSize(DESKTOP);
}

/** Opens a dashboard URL (relative to /dashboard/) and waits for the app's navigation. */
/** @param {string} path */
async function open(path) {
  await page.goto(`${base}/dashboard/${path}`);
  await page.locator('nav#nav').waitFor({ state: 'attached' });
}

before(async () => {
  assert.ok(existsSync(runnerBin), `the local runner is not built at ${runnerBin} (cargo build -p local-runner)`);
  assert.ok(existsSync(join(repo, 'dashboard/dist/index.html')), 'the dashboard is not built (npm run build)');
  const chrome = findExecutable(process.env.CHROMIUM ?? 'chromium') ?? findExecutable('chromium');
  assert.ok(chrome, 'no Chromium: install Debian\'s chromium or set CHROMIUM');
  mkdirSync(shots, { recursive: true });
  work = mkdtempSync(join(tmpdir(), 'dashboard-test-'));
  const port = await freePort();
  const endpoint = process.env.AWS_ENDPOINT_URL || `http://127.0.0.1:${await freePort()}`;
  runnerEnv = {
    ...process.env,
    PORT: String(port),
    AWS_ENDPOINT_URL: endpoint,
    TABLE_NAME: `dashboard-test-${process.pid}`,
    DYNAMODB_DATA: join(work, 'dynamodb.sqlite3'),
    STREAM_CHECKPOINT_DIR: join(work, 'checkpoints'),
    DASHBOARD_DIR: join(repo, 'dashboard/dist'),
    AUTH_MODE: 'off',
    AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID ?? 'test',
    AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY ?? 'test',
    AWS_REGION: process.env.AWS_REGION ?? 'us-east-1',
    AWS_EC2_METADATA_DISABLED: 'true',
    RUST_LOG: process.env.RUST_LOG ?? 'warn',
  };
  base = `http://127.0.0.1:${port}`;
  runner = spawn(runnerBin, ['serve'], { cwd: work, env: runnerEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  await waitForRunner();
  // The demo sales reach the summaries through the stream poller: wait until they all have.
  for (let i = 0; i < 1200; i++) {
    const s = await api('/sales/summary?group_by=total&from=2022-01-01&to=2023-12-31');
    if (s.body?.rows?.[0]?.total_revenue === '53500.00') break;
    await new Promise((ok) => setTimeout(ok, 100));
  }

  context = await chromium.launchPersistentContext(join(work, 'chromium-profile'), {
    executablePath: chrome,
    headless: true,
    viewport: DESKTOP,
    // Not the store's timezone (UTC), so that the switch to the browser's shows a difference.
    timezoneId: 'America/New_York',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-quic',
      '--no-first-run',
    ],
  });
  page = context.pages()[0] ?? (await context.newPage());
  page.on('pageerror', (e) => console.error('page error:', e.message));
});

after(async () => {
  await context?.close();
  if (runner && runner.exitCode === null) {
    const exited = new Promise((ok) => runner?.on('exit', ok));
    runner.kill('SIGINT');
    await exited;
  }
  if (work) rmSync(work, { recursive: true, force: true });
});

test('the runner serves the dashboard, its config and a redirect that keeps the range', async () => {
  const redirect = await fetch(`${base}/dashboard?from=2022-01-01&to=2023-12-31`, { redirect: 'manual' });
  assert.equal(redirect.status, 308);
  assert.equal(redirect.headers.get('location'), '/dashboard/?from=2022-01-01&to=2023-12-31');
  const index = await fetch(`${base}/dashboard/`);
  assert.equal(index.status, 200);
  assert.match(index.headers.get('content-type') ?? '', /^text\/html/);
  const html = await index.text();
  assert.doesNotMatch(html, /https?:\/\//, 'index.html loads nothing from another origin');
  const config = await api('/dashboard/config.json');
  assert.deepEqual(config.body, { apiBaseUrl: '', oidc: null });
  const script = /src="(\/dashboard\/assets\/[^"]+\.js)"/.exec(html)?.[1];
  assert.ok(script, 'index.html names its script');
  const js = await fetch(`${base}${script}`);
  assert.match(js.headers.get('content-type') ?? '', /javascript/);
  assert.equal((await fetch(`${base}/dashboard/assets/nope.js`)).status, 404);
});

test('the overview of 2022-2023 shows the demo data totals', async (t) => {
  await open('?from=2022-01-01&to=2023-12-31');
  await page.getByTestId('kpi-revenue').filter({ hasText: '53,500.00' }).waitFor();
  assert.equal(await page.getByTestId('kpi-orders').textContent(), '18');
  assert.equal(await page.getByTestId('kpi-units').textContent(), '34');
  const categories = page.getByTestId('categories');
  await categories.locator('li[data-key="electronics"]').filter({ hasText: '37,000.00' }).waitFor();
  await categories.locator('li[data-key="fashion"]').filter({ hasText: '16,500.00' }).waitFor();
  await page.locator('[data-testid="time-chart"][data-ready="true"]').waitFor();
  await page.getByTestId('top-products').getByText('Ophone 15 pro max').waitFor();

  // Time to first chart on this stack, from navigation start to the Performance mark the chart
  // sets: this first visit (empty cache), then a reload (assets cached). Printed, not asserted.
  const mark = () => page.evaluate(() => performance.getEntriesByName('dashboard:first-chart')[0]?.startTime ?? null);
  const cold = await mark();
  assert.notEqual(cold, null, 'the chart sets its Performance mark');
  await page.goto('about:blank');
  await open('?from=2022-01-01&to=2023-12-31');
  await page.locator('[data-testid="time-chart"][data-ready="true"]').waitFor();
  const warm = await mark();
  t.diagnostic(`time to first chart: ${Math.round(cold ?? 0)} ms on the first visit, ${Math.round(warm ?? 0)} ms with assets cached`);

  // The range is in the URL: a preset changes it, and the back button returns.
  await page.getByRole('button', { name: 'All time' }).click();
  await page.waitForURL(/range=all/);
  await page.getByTestId('kpi-revenue').filter({ hasText: '53,500.00' }).waitFor();
  await page.goBack();
  await page.waitForURL(/from=2022-01-01&to=2023-12-31/);
  await screenshot('overview');
});

test('a bad price shows the API\'s message at the price field', async () => {
  const expected = await api('/products', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'Bad price', price: '12.345', category_name: 'home' }),
  });
  assert.equal(expected.status, 422);
  const message = expected.body.errors.find((/** @type {{ field: string, message: string }} */ e) => e.field === 'price')?.message;
  assert.ok(message, 'the API names the price field');

  await open('#/catalogue');
  await page.getByRole('button', { name: 'New product' }).click();
  const form = page.getByTestId('product-form');
  await form.getByLabel('Name').fill('Bad price');
  await form.getByLabel('Price').fill('12.345');
  await form.getByRole('button', { name: 'Create product' }).click();
  const price = form.getByLabel('Price');
  await form.locator('.field.has-error .field-error').filter({ hasText: message }).waitFor();
  const describedBy = await price.getAttribute('aria-describedby');
  assert.ok(describedBy, 'the price input is described by its error');
  const errorText = await page.locator(`[id="${describedBy.split(' ')[0]}"]`).textContent();
  assert.equal(errorText, message);
  assert.equal(await price.getAttribute('aria-invalid'), 'true');
  await screenshot('catalogue-error');
});

test('a product registered and a sale recorded through the pages show up in the overview', async () => {
  const name = `Desk lamp ${process.pid}`;
  await open('#/catalogue');
  await page.getByRole('button', { name: 'New product' }).click();
  const form = page.getByTestId('product-form');
  await form.getByLabel('Name').fill(name);
  await form.getByLabel('Price').fill('19.99');
  await form.getByLabel('Category').selectOption('home');
  await form.getByLabel('Initial stock').fill('12');
  await form.getByRole('button', { name: 'Create product' }).click();
  // Created: the form closes on the new product's stock panel.
  await page.getByTestId('stock-panel').getByRole('heading', { name: `Stock of ${name}` }).waitFor();
  await page.getByTestId('products-table').getByText(name).waitFor();
  await page.getByTestId('ledger').getByText('initial').waitFor();
  await screenshot('catalogue');

  await open('#/sales');
  const sale = page.getByTestId('record-sale');
  const option = sale.locator('select[name="product_id"] option', { hasText: name });
  await option.waitFor({ state: 'attached' });
  await sale.getByLabel('Product').selectOption((await option.getAttribute('value')) ?? '');
  await sale.getByLabel('Units').fill('3');
  await sale.getByRole('button', { name: 'Record sale' }).click();
  await sale.getByRole('status').filter({ hasText: '59.97' }).waitFor();
  await page.getByTestId('sales-table').getByText(name).first().waitFor();
  await screenshot('sales');

  // The overview (default: the last 30 days) reads counters that the stream poller keeps: reload
  // until they include the sale.
  let shown = false;
  for (let i = 0; i < 120 && !shown; i++) {
    await open('');
    await page.getByTestId('categories').locator('li, p.empty').first().waitFor();
    shown = (await page.getByTestId('categories').locator('li[data-key="home"]').filter({ hasText: '59.97' }).count()) > 0;
    if (!shown) await page.waitForTimeout(250);
  }
  assert.ok(shown, 'the overview shows the sale in its category');
  await page.getByTestId('kpi-revenue').filter({ hasText: '59.97' }).waitFor();
  await page.getByTestId('top-products').getByText(name).waitFor();
});

test('catalogue: edit a product, adjust its stock with its ledger, deactivate it', async () => {
  await open('?category=home#/catalogue');
  const row = page.locator('[data-testid="products-table"] tr', { hasText: 'comfortable chair' });
  await row.getByRole('button', { name: 'Edit comfortable chair' }).click();
  const form = page.getByTestId('product-form');
  await form.getByLabel('Price').fill('1300');
  await form.getByRole('button', { name: 'Save changes' }).click();
  await row.locator('td[data-label="Price"]', { hasText: '1,300.00' }).waitFor();

  await row.getByRole('button', { name: 'Stock of comfortable chair' }).click();
  const panel = page.getByTestId('stock-panel');
  await panel.getByLabel('Units (+ or -)').fill('5');
  await panel.getByLabel('Reason').selectOption('restock');
  await panel.getByRole('button', { name: 'Apply' }).click();
  await panel.getByTestId('ledger').locator('tr', { hasText: 'restock' }).filter({ hasText: '+5' }).waitFor();
  await panel.getByTestId('stock-now').filter({ hasText: '15' }).waitFor();
  // Below zero: the API's 422 is shown, nothing changes.
  await panel.getByLabel('Units (+ or -)').fill('-100');
  await panel.getByRole('button', { name: 'Apply' }).click();
  await panel.getByRole('alert').filter({ hasText: 'Insufficient stock' }).waitFor();
  assert.equal(await panel.getByTestId('stock-now').textContent(), '15');

  // Deactivating asks first; Escape-free "Keep active" leaves it as it was.
  await row.getByRole('button', { name: 'Deactivate comfortable chair' }).click();
  await row.getByRole('button', { name: 'Keep active' }).click();
  assert.equal((await api('/products/8')).body.status, 'active');
  await row.getByRole('button', { name: 'Deactivate comfortable chair' }).click();
  await row.getByRole('button', { name: 'Yes, deactivate comfortable chair' }).click();
  await row.locator('.badge', { hasText: 'inactive' }).waitFor();
  const product = await api('/products/8');
  assert.equal(product.body.status, 'inactive');
  assert.equal(product.body.price, '1300.00');
  assert.equal(product.body.current_inventory, 15);
  // Undo puts it back.
  await page.getByTestId('undo').getByRole('button', { name: 'Undo' }).click();
  await row.locator('.badge', { hasText: 'active' }).filter({ hasNotText: 'inactive' }).waitFor();
  assert.equal((await api('/products/8')).body.status, 'active');
});

test('the sales list filters by category and range, and exports what is filtered as CSV', async () => {
  await open('?from=2022-01-01&to=2023-12-31#/sales');
  await page.getByTestId('sales-table').waitFor();
  await page.getByLabel('Category').first().selectOption('fashion');
  await page.getByRole('button', { name: 'Apply' }).click();
  await page.waitForURL(/category_name=fashion/);
  // The table says which filter its rows are for: wait for the fashion ones.
  const table = page.locator('[data-testid="sales-table"][data-filter*="category_name=fashion"]');
  await table.waitFor();
  const rows = table.locator('tbody tr');
  assert.equal(await rows.count(), 5);
  assert.deepEqual(new Set(await rows.locator('td[data-label="Category"]').allTextContents()), new Set(['fashion']));
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export CSV' }).click()]);
  const file = await download.path();
  const lines = readFileSync(file, 'utf8').trim().split(/\r\n/);
  assert.equal(lines[0], 'id,sold_at,product_id,product_name,category_name,units_sold,unit_price,total_price');
  assert.equal(lines.length, 6);
  // The export is the API's sales items: their totals add up to the category's summary.
  const cents = lines.slice(1).reduce((sum, l) => sum + Math.round(Number(l.split(',')[7]) * 100), 0);
  assert.equal(cents, 1_650_000);
});

test('dates are shown in the store timezone, or in the browser\'s with the switch', async () => {
  await open('?from=2023-10-08&to=2023-10-08&product_id=3#/sales');
  const first = page.locator('[data-testid="sales-table"][data-filter*="product_id=3"] tbody tr').first();
  await first.locator('td[data-label="Sold at"]', { hasText: '8 Oct 2023, 13:30:51' }).waitFor();
  await page.getByLabel('Times in').selectOption('browser');
  // New York was on daylight time (UTC-4): the same sale, the dates read in that zone.
  await page.locator('[data-testid="sales-table"][data-filter*="tz=America%2FNew_York"]').waitFor();
  await first.locator('td[data-label="Sold at"]', { hasText: '8 Oct 2023, 09:30:51' }).waitFor();
  await page.getByLabel('Times in').selectOption('store');
  await first.locator('td[data-label="Sold at"]', { hasText: '8 Oct 2023, 13:30:51' }).waitFor();
});

test('daily reports: the list and one report', async () => {
  const built = spawnSync(runnerBin, ['report', '2023-10-08'], { cwd: work, env: runnerEnv, encoding: 'utf8' });
  assert.equal(built.status, 0, built.stderr);
  await open('#/reports');
  await page.getByTestId('reports-table').getByRole('link', { name: '8 Oct 2023' }).click();
  await page.getByTestId('report-revenue').filter({ hasText: '25,000.00' }).waitFor();
  await screenshot('report');
  await open('#/reports');
  await page.getByTestId('reports-table').waitFor();
  await screenshot('reports');
});

test('on a phone the navigation collapses and the page does not overflow', async () => {
  await page.setViewportSize(PHONE);
  await open('?from=2022-01-01&to=2023-12-31');
  await page.getByTestId('kpi-revenue').filter({ hasText: '53,500.00' }).waitFor();
  const nav = page.getByRole('navigation', { name: 'Main' });
  assert.equal(await nav.isVisible(), false);
  const menu = page.getByRole('button', { name: 'Menu' });
  await menu.focus();
  await page.keyboard.press('Enter');
  await nav.getByRole('link', { name: 'Sales' }).waitFor();
  assert.equal(await menu.getAttribute('aria-expanded'), 'true');
  await nav.getByRole('link', { name: 'Sales' }).click();
  await page.getByRole('heading', { name: 'Sales', level: 1 }).waitFor();
  await page.getByTestId('sales-table').waitFor();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `no horizontal scrolling of the page (${overflow}px)`);
  await page.setViewportSize(DESKTOP);
});

test('with an OpenID Connect issuer configured it signs in with code + PKCE and sends the access token', async () => {
  assert.ok(context);
  const idp = `${base}/fake-idp`;
  const tab = await context.newPage();
  const b64 = (/** @type {object} */ o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const idToken = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ iss: idp, aud: 'dashboard-client', sub: 'manager-1', email: 'manager@example.com', iat: now, exp: now + 3600 })}.`;
  /** @type {URL | null} */
  let authorize = null;
  /** @type {URLSearchParams | null} */
  let tokenRequest = null;
  await tab.route(`${base}/dashboard/config.json`, (route) =>
    route.fulfill({ json: { apiBaseUrl: '', oidc: { authority: idp, clientId: 'dashboard-client', scope: 'openid email' } } }),
  );
  await tab.route(`${idp}/**`, async (route) => {
    const url = new URL(route.request().url());
    if (url.pathname.endsWith('/.well-known/openid-configuration')) {
      return route.fulfill({
        json: { issuer: idp, authorization_endpoint: `${idp}/authorize`, token_endpoint: `${idp}/token`, end_session_endpoint: `${idp}/logout`, jwks_uri: `${idp}/jwks` },
      });
    }
    if (url.pathname.endsWith('/authorize')) {
      authorize = url;
      const back = new URL(url.searchParams.get('redirect_uri') ?? '');
      back.searchParams.set('code', 'the-code');
      back.searchParams.set('state', url.searchParams.get('state') ?? '');
      return route.fulfill({ status: 302, headers: { location: back.toString() } });
    }
    if (url.pathname.endsWith('/token')) {
      tokenRequest = new URLSearchParams(route.request().postData() ?? '');
      return route.fulfill({ json: { access_token: 'the-access-token', id_token: idToken, token_type: 'Bearer', expires_in: 3600 } });
    }
    return route.fulfill({ status: 404, body: '' });
  });
  const authorized = tab.waitForRequest((r) => new URL(r.url()).pathname === '/sales/summary' && r.headers().authorization === 'Bearer the-access-token');
  await tab.goto(`${base}/dashboard/?from=2022-01-01&to=2023-12-31`);
  await authorized;
  await tab.getByTestId('kpi-revenue').filter({ hasText: '53,500.00' }).waitFor();
  await tab.getByRole('button', { name: /Sign out/ }).waitFor({ state: 'attached' });
  // Back on the range it was opened with, without the code in the URL.
  assert.match(tab.url(), /\/dashboard\/\?from=2022-01-01&to=2023-12-31$/);
  const a = /** @type {URL | null} */ (authorize);
  assert.ok(a, 'the app went to the authorization endpoint');
  assert.equal(a.searchParams.get('response_type'), 'code');
  assert.equal(a.searchParams.get('code_challenge_method'), 'S256');
  assert.ok(a.searchParams.get('code_challenge'));
  assert.equal(a.searchParams.get('redirect_uri'), `${base}/dashboard/`);
  const tr = /** @type {URLSearchParams | null} */ (tokenRequest);
  assert.ok(tr, 'the app redeemed the code');
  assert.equal(tr.get('grant_type'), 'authorization_code');
  assert.equal(tr.get('code'), 'the-code');
  assert.ok(tr.get('code_verifier'), 'with the PKCE verifier');
  await tab.close();
});

// ---- The morning dashboard: comparisons, drill-down, signals, accessibility ----

/** @param {string} path @param {unknown} body @param {string} [key] */
const post = (path, body, key) =>
  api(path, { method: 'POST', headers: { 'content-type': 'application/json', ...(key ? { 'idempotency-key': key } : {}) }, body: JSON.stringify(body) });

/** Every sale GET /sales lists for a query (all pages). @param {string} query */
async function allSales(query) {
  /** @type {any[]} */
  const out = [];
  let cursor = '';
  do {
    const page = await api(`/sales?${query}&limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    assert.equal(page.status, 200);
    out.push(...page.body.items);
    cursor = page.body.next_cursor ?? '';
  } while (cursor);
  return out;
}

/** Cents of a decimal string. @param {string} s */
const cents = (s) => {
  const [w, f = ''] = s.replace('-', '').split('.');
  return (s.startsWith('-') ? -1 : 1) * (Number(w) * 100 + Number(f.padEnd(2, '0')));
};

/** A range's gross revenue, in cents, once the summary (counters) equals the fold of GET /sales. @param {string} from @param {string} to */
async function settledRevenue(from, to) {
  for (let i = 0; i < 300; i++) {
    const folded = (await allSales(`from=${from}&to=${to}`)).reduce((sum, s) => sum + cents(s.total_price), 0);
    const summary = await api(`/sales/summary?group_by=total&from=${from}&to=${to}`);
    const counted = cents(summary.body.rows[0]?.total_revenue ?? '0.00');
    if (counted === folded) return counted;
    await new Promise((ok) => setTimeout(ok, 100));
  }
  assert.fail(`the summary of ${from}..${to} never equalled the fold of its sales`);
}

/** Change in percent with one decimal, half away from zero, as the dashboard shows it. @param {number} cur @param {number} prev */
function pctText(cur, prev) {
  const tenths = Math.round((Math.abs(cur - prev) * 1000) / prev);
  const sign = cur > prev ? '+' : cur < prev ? '-' : '±';
  return `${sign}${(tenths / 10).toFixed(1)}%`;
}

/** Runs axe-core on the page: no serious or critical violation, and every landmark unique. @param {string} view */
async function checkAccessibility(view) {
  await page.addScriptTag({ path: axeSource });
  /** @type {{ id: string, impact: string, nodes: { target: string[] }[] }[]} */
  const violations = await page.evaluate(async () => {
    // @ts-ignore axe is the script just added
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((/** @type {any} */ v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((/** @type {any} */ n) => ({ target: n.target })) }));
  });
  const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical' || v.id === 'landmark-unique');
  assert.deepEqual(
    bad.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`),
    [],
    `axe on ${view}`,
  );
}

test('year to date against the same dates a year before: the percentage of the API\'s figures', async () => {
  const now = new Date();
  const y = now.getUTCFullYear();
  const todayDate = now.toISOString().slice(0, 10);
  // The same day a year before (29 February: the 28th).
  const md = todayDate.slice(5) === '02-29' ? '02-28' : todayDate.slice(5);
  const lastYearSameDay = `${y - 1}-${md}`;
  const product = await post('/products', { name: `YTD widget ${process.pid}`, price: '12.50', category_name: 'toys', current_inventory: 500 });
  assert.equal(product.status, 201);
  const id = product.body.id;
  const minuteAgo = new Date(now.getTime() - 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  // This year: 7 units now. The year before: 3 units on 1 January (inside its year to date) and
  // 40 units on 31 December (outside it, unless today is 31 December: then both sides hold it).
  for (const [units, at, key] of /** @type {[number, string, string][]} */ ([
    [7, minuteAgo, 'ytd-now'],
    [3, `${y - 1}-01-01T12:00:00Z`, 'ytd-last-jan'],
    [40, `${y - 1}-12-31T12:00:00Z`, 'ytd-last-dec'],
  ])) {
    const sale = await post('/sales', { product_id: id, units_sold: units, sold_at: at }, `${key}-${process.pid}`);
    assert.equal(sale.status, 201, JSON.stringify(sale.body));
  }
  const current = await settledRevenue(`${y}-01-01`, todayDate);
  const previous = await settledRevenue(`${y - 1}-01-01`, lastYearSameDay);
  assert.ok(previous > 0, 'the year before has sales in its year to date');
  const expected = pctText(current, previous);

  await open('?range=ytd&cmp=year');
  await page.getByTestId('compared-range').filter({ hasText: String(y - 1) }).waitFor();
  const compared = await page.getByTestId('compared-range').textContent();
  assert.match(compared ?? '', new RegExp(`1 Jan – ${Number(md.slice(3))} \\w{3} ${y - 1}`));
  const change = page.getByTestId('kpi-revenue-change');
  await change.locator('.pct').filter({ hasText: expected }).waitFor();
  assert.equal(await change.getAttribute('data-direction'), current > previous ? 'up' : current < previous ? 'down' : 'flat');
  // The current year is not over: marked partial.
  await page.getByTestId('partial-badge').first().waitFor();
  // The chart holds the compared series, and its legend shows totals without hovering.
  await page.locator('[data-testid="time-chart"][data-ready="true"]').waitFor();
  const legend = (await page.locator('.u-legend').textContent()) ?? '';
  assert.match(legend, /Revenue \(gross\)/);
  assert.match(legend, new RegExp(`Revenue, 1 Jan`));
  // The switch to the period before is in the URL too.
  await page.getByRole('button', { name: 'Previous period' }).click();
  await page.waitForURL((u) => !u.search.includes('cmp='));
  await page.getByRole('button', { name: 'Year before' }).click();
  await page.waitForURL(/cmp=year/);
  await screenshot('overview-ytd');
});

test('a click on a category bar opens its sales for the range, with the filter\'s totals', async () => {
  await open('?from=2022-01-01&to=2023-12-31');
  await page.getByTestId('categories').locator('li[data-key="fashion"] a').click();
  await page.waitForURL(/#\/sales$/);
  const url = new URL(page.url());
  assert.equal(url.searchParams.get('category_name'), 'fashion');
  assert.equal(url.searchParams.get('from'), '2022-01-01');
  assert.equal(url.searchParams.get('to'), '2023-12-31');
  const table = page.locator('[data-testid="sales-table"][data-filter*="category_name=fashion"]');
  await table.waitFor();
  const expected = await allSales('category_name=fashion&from=2022-01-01&to=2023-12-31');
  assert.equal(await table.locator('tbody tr').count(), expected.length);
  // Totals from one summary with the same filters (not by reading every page).
  const totals = page.getByTestId('sales-totals');
  await totals.getByTestId('totals-count').filter({ hasText: String(expected.length) }).waitFor();
  const units = expected.reduce((n, s) => n + s.units_sold, 0);
  assert.equal(await totals.getByTestId('totals-units').textContent(), String(units));
  assert.match((await totals.getByTestId('totals-revenue').textContent()) ?? '', /16,500\.00/);
  // A top product opens its own sales.
  await open('?from=2022-01-01&to=2023-12-31');
  await page.getByTestId('top-products').locator('li[data-key="3"] a').click();
  await page.locator('[data-testid="sales-table"][data-filter*="product_id=3"]').waitFor();
  assert.equal(new URL(page.url()).searchParams.get('from'), '2022-01-01');
});

test('refunds falling against the period before show a green down arrow; a sale shows its returns', async () => {
  const fashion2022 = (await allSales('category_name=fashion&from=2022-01-01&to=2022-12-31')).find((s) => s.units_sold >= 2);
  const fashion2023 = (await allSales('category_name=fashion&from=2023-01-01&to=2023-12-31')).find((s) => s.units_sold >= 1);
  assert.ok(fashion2022 && fashion2023);
  const before = await post(`/sales/${fashion2022.id}/returns`, { units: 2, reason: 'damaged', restock: false, returned_at: '2022-12-01T10:00:00Z' }, `r22-${process.pid}`);
  assert.equal(before.status, 201, JSON.stringify(before.body));
  const after = await post(`/sales/${fashion2023.id}/returns`, { units: 1, reason: 'changed_mind', restock: false, returned_at: '2023-12-01T10:00:00Z' }, `r23-${process.pid}`);
  assert.equal(after.status, 201, JSON.stringify(after.body));
  // The counters take the returns from the stream: wait for the API's own comparison of 2023 with 2022.
  /** @type {any} */
  let row;
  for (let i = 0; i < 300; i++) {
    row = (await api('/sales/compare?period=year&current=2023&previous=2022&by=total')).body.rows[0];
    if (cents(row?.previous?.total_refunded ?? '0') >= cents(before.body.refund) && cents(row?.current?.total_refunded ?? '0') >= cents(after.body.refund)) break;
    await new Promise((ok) => setTimeout(ok, 100));
  }
  const cur = cents(row.current.total_refunded);
  const prev = cents(row.previous.total_refunded);
  assert.ok(cur < prev, 'refunds fell');

  await open('?from=2023-01-01&to=2023-12-31');
  const refunds = page.getByTestId('kpi-refunds-change');
  await refunds.locator('.pct').filter({ hasText: pctText(cur, prev) }).waitFor();
  assert.equal(await refunds.locator('.arrow').textContent(), '▼');
  assert.equal(await refunds.getAttribute('data-tone'), 'good');
  assert.equal(await refunds.evaluate((el) => getComputedStyle(el).color), 'rgb(19, 115, 51)');
  // Gross revenue fell too (25,000.00 against 28,500.00): a red down arrow.
  const revenue = page.getByTestId('kpi-revenue-change');
  assert.equal(await revenue.locator('.arrow').textContent(), '▼');
  assert.equal(await revenue.evaluate((el) => getComputedStyle(el).color), 'rgb(179, 38, 30)');

  // The sale's id links to its detail, with its return.
  await open(`?from=2023-01-01&to=2023-12-31&category_name=fashion#/sales`);
  await page.locator('[data-testid="sales-table"][data-filter*="category_name=fashion"]').getByRole('link', { name: `Sale ${fashion2023.id}` }).click();
  await page.getByTestId('sale-detail').getByTestId('sale-returned').filter({ hasText: '1' }).waitFor();
  await page.getByTestId('sale-returns').locator('tbody tr', { hasText: 'changed_mind' }).waitFor();
  await checkAccessibility('a sale');
});

test('a new range dims the panels (aria-busy) until its figures come', async () => {
  await open('?from=2022-01-01&to=2023-12-31');
  await page.getByTestId('categories').locator('li[data-key="electronics"]').waitFor();
  /** @type {() => void} */
  let release = () => undefined;
  const held = new Promise((ok) => (release = () => ok(undefined)));
  await page.route('**/sales/summary?*group_by=category&*', async (route) => {
    await held;
    await route.continue();
  });
  await page.getByRole('button', { name: 'Last year' }).click();
  const categories = page.locator('[data-testid="categories"][aria-busy="true"]');
  await categories.waitFor();
  // The old figures stay, dimmed, while the new ones load.
  assert.equal(await categories.locator('li[data-key="electronics"]').count(), 1);
  assert.equal(await categories.evaluate((el) => el.classList.contains('stale')), true);
  release();
  await page.locator('[data-testid="categories"][aria-busy="false"]').waitFor();
  await page.unroute('**/sales/summary?*group_by=category&*');
});

test('every view passes axe (no serious or critical violation, unique landmarks)', async () => {
  const views = [
    ['overview', '?from=2022-01-01&to=2023-12-31', '[data-testid="time-chart"][data-ready="true"]'],
    ['overview, all time', '?range=all', '[data-testid="time-chart"][data-ready="true"]'],
    ['sales', '?from=2022-01-01&to=2023-12-31#/sales', '[data-testid="sales-table"]'],
    ['catalogue', '#/catalogue', '[data-testid="products-table"]'],
    ['catalogue with the stock drawer', '?product=3#/catalogue', '[data-testid="ledger"]'],
    ['daily reports', '#/reports', '[data-testid="reports-table"]'],
    ['one report', '#/reports/2023-10-08', '[data-testid="report-revenue"]'],
  ];
  for (const [name, path, ready] of views) {
    for (const size of [DESKTOP, PHONE]) {
      await page.setViewportSize(size);
      await open(path);
      await page.locator(ready).first().waitFor();
      await page.waitForLoadState('networkidle');
      await checkAccessibility(`${name} at ${size.width}px`);
    }
  }
  await page.setViewportSize(DESKTOP);
  await open('?product=3#/catalogue');
  await page.getByTestId('ledger').waitFor();
  await screenshot('catalogue-drawer');
  // Escape closes the drawer and gives focus back to the row's Stock button.
  await page.keyboard.press('Escape');
  await page.getByTestId('stock-panel').waitFor({ state: 'detached' });
  await page.waitForFunction(() => document.activeElement?.getAttribute('aria-label')?.startsWith('Stock of'));
});
