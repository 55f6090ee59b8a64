// Unit tests of the exact-money and calendar helpers (src/money.ts, src/dates.ts), compiled with
// tsc into node_modules/.cache first.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { before, test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'node_modules/.cache/dashboard-unit');
/** @type {any} */
let money;
/** @type {any} */
let dates;

before(async () => {
  const tsc = spawnSync(
    process.execPath,
    [join(root, 'node_modules/typescript/bin/tsc'), 'src/money.ts', 'src/dates.ts', '--outDir', out, '--module', 'esnext', '--moduleResolution', 'bundler', '--target', 'es2022', '--lib', 'es2022,dom', '--strict', '--skipLibCheck', '--ignoreConfig'],
    { cwd: root, encoding: 'utf8' },
  );
  assert.equal(tsc.status, 0, tsc.stdout + tsc.stderr);
  money = await import(pathToFileURL(join(out, 'money.js')).href);
  dates = await import(pathToFileURL(join(out, 'dates.js')).href);
});

test('money is read from its digits and formatted with grouping', () => {
  assert.equal(money.toCents('2000.00'), 200000n);
  assert.equal(money.toCents('-12.5'), -1250n);
  assert.equal(money.toCents('0.07'), 7n);
  assert.equal(money.toCents('12.345'), null);
  assert.equal(money.toCents('1e3'), null);
  assert.equal(money.formatMoney('53500.00'), '53,500.00');
  assert.equal(money.formatMoney('1234567890123456789.99'), '1,234,567,890,123,456,789.99');
  assert.equal(money.formatMoney('-3500.00'), '-3,500.00');
  assert.equal(money.formatMoney('0.00'), '0.00');
  assert.equal(money.formatMoney(5n), '0.05');
  assert.equal(money.formatMoney(null), '–');
});

test('average order value and change are exact and rounded half away from zero', () => {
  assert.equal(money.divideCents(5350000n, 18), 297222n); // 53500.00 / 18 = 2972.2222...
  assert.equal(money.divideCents(5n, 2), 3n);
  assert.equal(money.divideCents(-5n, 2), -3n);
  assert.equal(money.divideCents(100n, 0), null);
  assert.equal(money.changePct(2500000n, 2850000n), -12.3); // the compare endpoint's figure
  assert.equal(money.changePct(15n, 10n), 50);
  assert.equal(money.changePct(1n, 3n), -66.7);
  assert.equal(money.changePct(1n, 0n), null);
  assert.equal(money.formatPct(-12.3), '-12.3%');
  assert.equal(money.formatPct(0), '±0.0%');
  assert.equal(money.formatPct(null), '–');
});

test('ranges: previous range, grain, calendar periods', () => {
  assert.deepEqual(dates.previousRange({ from: '2022-01-01', to: '2023-12-31' }), { from: '2020-01-02', to: '2021-12-31' });
  assert.deepEqual(dates.previousRange({ from: '2024-03-01', to: '2024-03-07' }), { from: '2024-02-23', to: '2024-02-29' });
  assert.equal(dates.grainFor({ from: '2023-10-08', to: '2023-10-09' }), 'hour');
  assert.equal(dates.grainFor({ from: '2023-10-01', to: '2023-12-31' }), 'day');
  assert.equal(dates.grainFor({ from: '2023-01-01', to: '2023-04-30' }), 'month');
  assert.equal(dates.grainFor({ from: '2021-01-01', to: '2023-12-31' }), 'month');
  assert.equal(dates.grainFor({ from: '2019-01-01', to: '2023-12-31' }), 'year');
  assert.deepEqual(dates.calendarPeriod({ from: '2023-01-01', to: '2023-12-31' }), { period: 'year', at: '2023', previous: '2022' });
  assert.deepEqual(dates.calendarPeriod({ from: '2024-02-01', to: '2024-02-29' }), { period: 'month', at: '2024-02', previous: '2024-01' });
  assert.deepEqual(dates.calendarPeriod({ from: '2023-01-01', to: '2023-01-31' }), { period: 'month', at: '2023-01', previous: '2022-12' });
  assert.deepEqual(dates.calendarPeriod({ from: '2023-10-08', to: '2023-10-08' }), { period: 'day', at: '2023-10-08', previous: '2023-10-07' });
  assert.equal(dates.calendarPeriod({ from: '2023-01-01', to: '2023-01-30' }), null);
  assert.equal(dates.calendarPeriod({ from: '2022-01-01', to: '2023-12-31' }), null);
  assert.deepEqual(dates.periodRange('2024-02'), { from: '2024-02-01', to: '2024-02-29' });
  assert.deepEqual(dates.periodRange('2023-12'), { from: '2023-12-01', to: '2023-12-31' });
  assert.equal(dates.isDate('2023-02-29'), false);
  assert.equal(dates.isDate('2024-02-29'), true);
});

test('periods between two bounds, in the API spelling', () => {
  assert.deepEqual(dates.periodsBetween('month', '2022-11-15', '2023-02-01'), ['2022-11', '2022-12', '2023-01', '2023-02']);
  assert.deepEqual(dates.periodsBetween('year', '2021', '2023'), ['2021', '2022', '2023']);
  assert.deepEqual(dates.periodsBetween('day', '2024-02-28', '2024-03-01'), ['2024-02-28', '2024-02-29', '2024-03-01']);
  const hours = dates.periodsBetween('hour', '2023-10-08T00', '2023-10-09T23');
  assert.equal(hours.length, 48);
  assert.equal(hours[0], '2023-10-08T00');
  assert.equal(hours[47], '2023-10-09T23');
  assert.equal(dates.periodLabel('2023-10'), 'Oct 2023');
  assert.equal(dates.periodLabel('2023-10-08T13'), '8 Oct 13:00');
});
