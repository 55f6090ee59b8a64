// Unit tests of the pure helpers: money, calendar dates, grains and periods, presets, comparisons,
// signals (src/money.ts, dates.ts, periods.ts, presets.ts, comparison.ts, signal.ts), compiled with
// tsc into node_modules/.cache first (relative imports given their .js, as Node's ESM needs).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { before, test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'node_modules/.cache/dashboard-unit');
const modules = ['money', 'dates', 'periods', 'presets', 'comparison', 'signal'];
/** @type {Record<string, any>} */
const m = {};

before(async () => {
  rmSync(out, { recursive: true, force: true });
  const tsc = spawnSync(
    process.execPath,
    [
      join(root, 'node_modules/typescript/bin/tsc'),
      ...modules.map((n) => `src/${n}.ts`),
      '--outDir', out, '--module', 'esnext', '--moduleResolution', 'bundler', '--target', 'es2022', '--lib', 'es2022,dom', '--strict', '--skipLibCheck', '--ignoreConfig',
    ],
    { cwd: root, encoding: 'utf8' },
  );
  assert.equal(tsc.status, 0, tsc.stdout + tsc.stderr);
  for (const f of readdirSync(out)) {
    const p = join(out, f);
    writeFileSync(p, readFileSync(p, 'utf8').replace(/from '(\.\/[\w-]+)'/g, "from '$1.js'"));
  }
  for (const n of modules) m[n] = await import(pathToFileURL(join(out, `${n}.js`)).href);
});

test('money is read from its digits and formatted exactly by Intl.NumberFormat in the given currency', () => {
  const { money } = m;
  assert.equal(money.toCents('2000.00'), 200000n);
  assert.equal(money.toCents('-12.5'), -1250n);
  assert.equal(money.toCents('0.07'), 7n);
  assert.equal(money.toCents('12.345'), null);
  assert.equal(money.toCents('1e3'), null);
  const en = { locale: 'en-US' };
  assert.equal(money.formatMoney('53500.00', 'USD', en), '$53,500.00');
  // Past 2^53: the digits are kept (no float on the way).
  assert.equal(money.formatMoney('1234567890123456789.99', 'USD', en), '$1,234,567,890,123,456,789.99');
  assert.equal(money.formatMoney('-3500.00', 'USD', en), '-$3,500.00');
  assert.equal(money.formatMoney('0.00', 'EUR', en), '€0.00');
  assert.equal(money.formatMoney(5n, 'USD', en), '$0.05');
  assert.equal(money.formatMoney('1500.00', 'EUR', { locale: 'de-DE' }), '1.500,00\u00a0€');
  assert.equal(money.formatMoney('1500', 'JPY', en), '¥1,500');
  assert.equal(money.formatMoney('53500.00', 'USD', { locale: 'en-US', compact: true }), '$53.5K');
  assert.equal(money.formatMoney(null), '–');
  assert.equal(money.centsToDecimal(-1250n), '-12.50');
});

test('average order value and change are exact and rounded half away from zero', () => {
  const { money } = m;
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

test('calendar arithmetic: months clamp, ISO weeks, store-local midnight across DST', () => {
  const { dates } = m;
  assert.equal(dates.addMonths('2024-03-31', -1), '2024-02-29');
  assert.equal(dates.addMonths('2023-03-31', -1), '2023-02-28');
  assert.equal(dates.addMonths('2024-01-15', -1), '2023-12-15');
  assert.equal(dates.addMonths('2024-02-29', -12), '2023-02-28');
  assert.equal(dates.quarterStart('2024-11-30'), '2024-10-01');
  assert.deepEqual(dates.isoWeek('2021-01-03'), { year: 2020, week: 53 }); // a Sunday of 2020's week 53
  assert.deepEqual(dates.isoWeek('2024-12-30'), { year: 2025, week: 1 });
  assert.equal(dates.isoWeekMonday(2025, 1), '2024-12-30');
  assert.equal(dates.isoWeekMonday(2021, 53), '2021-12-27'); // 2021 has 52 weeks: its last
  assert.equal(dates.isoWeekStart('2023-10-08'), '2023-10-02');
  // Local midnight: New York on the day clocks go forward (EST) and the day after (EDT).
  assert.equal(dates.zonedMidnight('2024-03-10', 'America/New_York').toISOString(), '2024-03-10T05:00:00.000Z');
  assert.equal(dates.zonedMidnight('2024-03-11', 'America/New_York').toISOString(), '2024-03-11T04:00:00.000Z');
  assert.equal(dates.zonedMidnight('2024-01-01', 'Asia/Kolkata').toISOString(), '2023-12-31T18:30:00.000Z');
  assert.equal(dates.today('America/Los_Angeles', new Date('2024-01-01T07:59:59Z')), '2023-12-31');
  assert.equal(dates.today('America/Los_Angeles', new Date('2024-01-01T08:00:00Z')), '2024-01-01');
  assert.equal(dates.formatRange({ from: '2023-10-01', to: '2023-10-31' }), '1 – 31 Oct 2023');
  assert.equal(dates.formatRange({ from: '2023-01-01', to: '2023-03-15' }), '1 Jan – 15 Mar 2023');
  assert.equal(dates.formatRange({ from: '2022-12-26', to: '2023-01-01' }), '26 Dec 2022 – 1 Jan 2023');
  assert.equal(dates.isDate('2023-02-29'), false);
  assert.equal(dates.isDate('2024-02-29'), true);
});

test('presets are store days at a given instant, across year ends and DST changes', () => {
  const { presets } = m;
  const at = (/** @type {string} */ instant, /** @type {string} */ tz) =>
    Object.fromEntries(presets.PRESETS.map((/** @type {any} */ p) => [p.id, presets.presetRange(p.id, new Date(instant), tz)]));
  // 1 Jan 2024, 00:30 in New York (05:30 UTC): a Monday, the first day of a year and quarter.
  const ny = at('2024-01-01T05:30:00Z', 'America/New_York');
  assert.deepEqual(ny.today, { from: '2024-01-01', to: '2024-01-01' });
  assert.deepEqual(ny.yesterday, { from: '2023-12-31', to: '2023-12-31' });
  assert.deepEqual(ny['last-7'], { from: '2023-12-25', to: '2023-12-31' });
  assert.deepEqual(ny['last-week'], { from: '2023-12-25', to: '2023-12-31' });
  assert.deepEqual(ny.mtd, { from: '2024-01-01', to: '2024-01-01' });
  assert.deepEqual(ny['last-month'], { from: '2023-12-01', to: '2023-12-31' });
  assert.deepEqual(ny.qtd, { from: '2024-01-01', to: '2024-01-01' });
  assert.deepEqual(ny['last-quarter'], { from: '2023-10-01', to: '2023-12-31' });
  assert.deepEqual(ny.ytd, { from: '2024-01-01', to: '2024-01-01' });
  assert.deepEqual(ny['last-year'], { from: '2023-01-01', to: '2023-12-31' });
  assert.equal(ny.all, null);
  // The same instant in UTC is still... 1 Jan; in Los Angeles it is 31 Dec 2023 (a Sunday).
  const la = at('2024-01-01T05:30:00Z', 'America/Los_Angeles');
  assert.deepEqual(la.today, { from: '2023-12-31', to: '2023-12-31' });
  assert.deepEqual(la['last-week'], { from: '2023-12-18', to: '2023-12-24' });
  assert.deepEqual(la.ytd, { from: '2023-01-01', to: '2023-12-31' });
  assert.deepEqual(la['last-year'], { from: '2022-01-01', to: '2022-12-31' });
  assert.deepEqual(la.qtd, { from: '2023-10-01', to: '2023-12-31' });
  // The day New York's clocks go forward (10 Mar 2024, 23 hours) and the one they go back (3 Nov 2024).
  const spring = at('2024-03-10T04:30:00Z', 'America/New_York'); // 9 Mar, 23:30 EST
  assert.deepEqual(spring.today, { from: '2024-03-09', to: '2024-03-09' });
  const spring2 = at('2024-03-10T05:00:00Z', 'America/New_York'); // 10 Mar, 00:00 EST
  assert.deepEqual(spring2.today, { from: '2024-03-10', to: '2024-03-10' });
  assert.deepEqual(spring2['last-7'], { from: '2024-03-03', to: '2024-03-09' });
  const fall = at('2024-11-04T04:59:59Z', 'America/New_York'); // 3 Nov, 23:59:59 EST
  assert.deepEqual(fall.today, { from: '2024-11-03', to: '2024-11-03' });
  assert.deepEqual(fall['last-week'], { from: '2024-10-21', to: '2024-10-27' });
  // A leap year's February, and a quarter's last day.
  const leap = at('2024-03-31T12:00:00Z', 'UTC');
  assert.deepEqual(leap['last-month'], { from: '2024-02-01', to: '2024-02-29' });
  assert.deepEqual(leap.qtd, { from: '2024-01-01', to: '2024-03-31' });
  assert.deepEqual(leap['last-quarter'], { from: '2023-10-01', to: '2023-12-31' });
});

test('grains: the default follows the range; hours are the store day\'s real hours', () => {
  const { periods } = m;
  assert.equal(periods.grainFor({ from: '2023-10-08', to: '2023-10-09' }), 'hour');
  assert.equal(periods.grainFor({ from: '2023-10-01', to: '2023-12-31' }), 'day');
  assert.equal(periods.grainFor({ from: '2023-01-01', to: '2023-04-30' }), 'month');
  assert.equal(periods.grainFor({ from: '2021-01-01', to: '2023-12-31' }), 'month');
  assert.equal(periods.grainFor({ from: '2019-01-01', to: '2023-12-31' }), 'year');
  assert.deepEqual(periods.grainsFor({ from: '2019-01-01', to: '2023-12-31' }), ['day', 'month', 'year']);
  assert.deepEqual(periods.periodKeys('month', { from: '2022-11-15', to: '2023-02-01' }, 'UTC'), ['2022-11', '2022-12', '2023-01', '2023-02']);
  assert.deepEqual(periods.periodKeys('year', { from: '2021-03-01', to: '2023-01-01' }, 'UTC'), ['2021', '2022', '2023']);
  assert.deepEqual(periods.periodKeys('day', { from: '2024-02-28', to: '2024-03-01' }, 'UTC'), ['2024-02-28', '2024-02-29', '2024-03-01']);
  const day = periods.periodKeys('hour', { from: '2023-10-08', to: '2023-10-09' }, 'UTC');
  assert.equal(day.length, 48);
  assert.equal(day[0], '2023-10-08T00');
  assert.equal(day[47], '2023-10-09T23');
  const spring = periods.periodKeys('hour', { from: '2024-03-10', to: '2024-03-10' }, 'America/New_York');
  assert.equal(spring.length, 23);
  assert.ok(!spring.includes('2024-03-10T02'), 'no 02:00 the day clocks go forward');
  const fall = periods.periodKeys('hour', { from: '2024-11-03', to: '2024-11-03' }, 'America/New_York');
  assert.equal(fall.length, 24, '01:00 twice, one period');
  assert.equal(periods.periodLabel('2023-10'), 'Oct 2023');
  assert.equal(periods.periodLabel('2023-10-08T13'), '8 Oct 2023 13:00');
  assert.deepEqual(periods.periodRange('2024-02'), { from: '2024-02-01', to: '2024-02-29' });
  // Ticks: the year (or day) only where it changes.
  assert.deepEqual(periods.GRAIN_SPECS.month.tick('2023-01', '2022-12'), ['Jan', '2023']);
  assert.deepEqual(periods.GRAIN_SPECS.month.tick('2023-02', '2023-01'), ['Feb']);
  assert.deepEqual(periods.GRAIN_SPECS.hour.tick('2023-10-09T00', '2023-10-08T23'), ['00:00', '9 Oct']);
});

test('partial periods: cut by the range, not over yet, or before the first sales', () => {
  const { periods } = m;
  const r = { from: '2024-01-15', to: '2024-03-10' };
  assert.equal(periods.isPartialPeriod('2024-01', r, '2024-03-10', '2024-03-10T09', null), true); // cut at the start
  assert.equal(periods.isPartialPeriod('2024-02', r, '2024-03-10', '2024-03-10T09', null), false);
  assert.equal(periods.isPartialPeriod('2024-03', r, '2024-03-10', '2024-03-10T09', null), true); // not over
  const whole = { from: '2022-01-01', to: '2023-12-31' };
  assert.equal(periods.isPartialPeriod('2022', whole, '2026-12-08', '', '2022-10-08'), true); // sales start in October
  assert.equal(periods.isPartialPeriod('2023', whole, '2026-12-08', '', '2022-10-08'), false);
  assert.equal(periods.isPartialPeriod('2024-03-10T09', r, '2024-03-10', '2024-03-10T09', null), true);
  assert.equal(periods.isPartialPeriod('2024-03-10T08', r, '2024-03-10', '2024-03-10T09', null), false);
});

test('comparisons: the period before and the year before, aligned by the calendar', () => {
  const { comparison: c } = m;
  // Year to date against last year to the same day.
  assert.deepEqual(c.yearBefore({ from: '2024-01-01', to: '2024-03-15' }), { from: '2023-01-01', to: '2023-03-15' });
  assert.deepEqual(c.yearBefore({ from: '2024-01-01', to: '2024-02-29' }), { from: '2023-01-01', to: '2023-02-28' });
  // A month against the same month; February's whole month in a leap year.
  assert.deepEqual(c.yearBefore({ from: '2023-02-01', to: '2023-02-28' }), { from: '2022-02-01', to: '2022-02-28' });
  assert.deepEqual(c.yearBefore({ from: '2025-02-01', to: '2025-02-28' }), { from: '2024-02-01', to: '2024-02-29' });
  // An ISO week against the same ISO week (Monday to Sunday), also where the year before has no week 53.
  assert.deepEqual(c.yearBefore({ from: '2024-03-04', to: '2024-03-10' }), { from: '2023-03-06', to: '2023-03-12' });
  assert.deepEqual(c.yearBefore({ from: '2020-12-28', to: '2021-01-03' }), { from: '2019-12-23', to: '2019-12-29' });
  // Any other range: shifted by one year.
  assert.deepEqual(c.yearBefore({ from: '2023-10-05', to: '2023-10-20' }), { from: '2022-10-05', to: '2022-10-20' });
  // The period before.
  assert.deepEqual(c.previousPeriod({ from: '2024-03-01', to: '2024-03-31' }), { from: '2024-02-01', to: '2024-02-29' });
  assert.deepEqual(c.previousPeriod({ from: '2024-03-01', to: '2024-03-30' }), { from: '2024-02-01', to: '2024-02-29' }); // month to date
  assert.deepEqual(c.previousPeriod({ from: '2024-10-01', to: '2024-11-15' }), { from: '2024-07-01', to: '2024-08-15' }); // quarter to date
  assert.deepEqual(c.previousPeriod({ from: '2024-01-01', to: '2024-12-31' }), { from: '2023-01-01', to: '2023-12-31' });
  assert.deepEqual(c.previousPeriod({ from: '2024-01-01', to: '2024-05-20' }), { from: '2023-01-01', to: '2023-05-20' }); // year to date
  assert.deepEqual(c.previousPeriod({ from: '2024-02-01', to: '2024-04-30' }), { from: '2023-11-01', to: '2024-01-31' }); // three whole months
  assert.deepEqual(c.previousPeriod({ from: '2024-03-04', to: '2024-03-10' }), { from: '2024-02-26', to: '2024-03-03' }); // a week
  assert.deepEqual(c.previousPeriod({ from: '2022-01-01', to: '2023-12-31' }), { from: '2020-01-01', to: '2021-12-31' });
  assert.deepEqual(c.previousPeriod({ from: '2023-10-05', to: '2023-10-20' }), { from: '2023-09-19', to: '2023-10-04' });
  // The API's comparison when both are one calendar period of one kind.
  assert.deepEqual(c.compareQuery({ from: '2023-01-01', to: '2023-12-31' }, { from: '2022-01-01', to: '2022-12-31' }), { period: 'year', current: '2023', previous: '2022' });
  assert.deepEqual(c.compareQuery({ from: '2023-10-01', to: '2023-10-31' }, { from: '2022-10-01', to: '2022-10-31' }), { period: 'month', current: '2023-10', previous: '2022-10' });
  assert.deepEqual(c.compareQuery({ from: '2023-10-08', to: '2023-10-08' }, { from: '2023-10-07', to: '2023-10-07' }), { period: 'day', current: '2023-10-08', previous: '2023-10-07' });
  assert.equal(c.compareQuery({ from: '2024-01-01', to: '2024-03-15' }, { from: '2023-01-01', to: '2023-03-15' }), null);
  // Aligned periods: by place, or (a year before, across 29 Feb) the same date a year earlier.
  assert.equal(c.alignedKey('2024-03-01', 60, 75, 'year', new Array(74).fill('x')), '2023-03-01');
  assert.equal(c.alignedKey('2024-02-29', 59, 75, 'year', new Array(74).fill('x')), '2023-02-28');
  assert.equal(c.alignedKey('2024-03', 2, 3, 'year', ['2023-01', '2023-02', '2023-03']), '2023-03');
  assert.equal(c.alignedKey('2024-03-06', 2, 7, 'year', ['2023-03-06', '2023-03-07', '2023-03-08', 'd', 'e', 'f', 'g']), '2023-03-08'); // ISO week: by weekday
});

test('signals: the arrow follows the sign, the colour whether it is good', () => {
  const { signal } = m;
  assert.deepEqual(
    [signal.signalOf(-20, false).arrow, signal.signalOf(-20, false).tone],
    ['▼', 'good'],
    'refunds falling: down arrow, good (green)',
  );
  assert.deepEqual([signal.signalOf(-20, true).arrow, signal.signalOf(-20, true).tone], ['▼', 'bad'], 'revenue falling: down, bad (red)');
  assert.deepEqual([signal.signalOf(5, true).arrow, signal.signalOf(5, true).tone], ['▲', 'good']);
  assert.deepEqual([signal.signalOf(5, false).arrow, signal.signalOf(5, false).tone], ['▲', 'bad'], 'refunds rising: up, bad');
  assert.equal(signal.signalOf(0, true).direction, 'flat');
  assert.equal(signal.signalOf(null, true).arrow, '');
});
