// Charts: uPlot for revenue and units over time (canvas, ~50 KB min), plain HTML bars for the
// categorical ones (categories, top products), which stay readable, selectable and accessible.
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { Totals } from '../api';
import { chartNumber, formatCount, formatMoney } from '../money';
import { productName } from '../store';
import { DataTable } from './tables';

export interface SeriesPoint {
  key: string;
  label: string;
  revenue: number; // chart height only; the exact figure is `revenueText`
  revenueText: string;
  units: number;
}

let firstChartMarked = false;

/** Revenue (bars, left axis) and units (line, right axis) per period. */
export function TimeChart({ points, title }: { points: SeriesPoint[]; title: string }) {
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = host.current;
    if (!el || points.length === 0) return;
    const xs = points.map((_, i) => i);
    const labels = points.map((p) => p.label);
    const width = Math.max(280, el.clientWidth);
    const height = width < 500 ? 220 : 280;
    const bars = uPlot.paths.bars?.({ size: [0.7, 48], align: 0 });
    const opts: uPlot.Options = {
      width,
      height,
      padding: [12, 8, 0, 8],
      cursor: { drag: { x: false, y: false }, points: { size: 7 } },
      legend: { live: true },
      scales: { x: { time: false, range: (_u, min, max) => [min - 0.5, max + 0.5] }, units: { range: (_u, _min, max) => [0, Math.max(1, max) * 1.1] }, $: { range: (_u, _min, max) => [0, Math.max(1, max) * 1.1] } },
      axes: [
        {
          stroke: '#555',
          grid: { show: false },
          values: (_u, splits) => splits.map((v) => (Number.isInteger(v) ? (labels[v] ?? '') : '')),
          space: 70,
        },
        { scale: '$', stroke: '#1f5fbf', values: (_u, splits) => splits.map((v) => shortMoney(v)), size: 60, grid: { stroke: '#eee' } },
        // uPlot's Side is a const enum, which isolated modules cannot name: 1 is Side.Right.
        // eslint-disable-next-line @typescript-eslint/no-unsafe-enum-assignment
        { scale: 'units', side: 1, stroke: '#b45309', grid: { show: false }, size: 40, values: (_u, splits) => splits.map((v) => (Number.isInteger(v) ? formatCount(v) : '')) },
      ],
      series: [
        { label: 'Period', value: (_u, v: number | null) => (v === null ? '' : (labels[v] ?? '')) },
        {
          label: 'Revenue',
          scale: '$',
          stroke: '#1f5fbf',
          fill: 'rgba(31,95,191,0.55)',
          paths: bars,
          points: { show: false },
          value: (_u, _v, _s, idx) => (idx === null ? '' : formatMoney(points[idx]?.revenueText)),
        },
        {
          label: 'Units',
          scale: 'units',
          stroke: '#b45309',
          width: 2,
          points: { show: points.length < 60, size: 5, fill: '#b45309' },
          value: (_u, v: number | null) => (v === null ? '' : formatCount(v)),
        },
      ],
    };
    const plot = new uPlot(opts, [xs, points.map((p) => p.revenue), points.map((p) => p.units)], el);
    if (!firstChartMarked) {
      firstChartMarked = true;
      performance.mark('dashboard:first-chart');
    }
    el.dataset.ready = 'true';
    const ro = new ResizeObserver(() => {
      const w = Math.max(280, el.clientWidth);
      if (Math.abs(w - plot.width) > 2) plot.setSize({ width: w, height: w < 500 ? 220 : 280 });
    });
    ro.observe(el);
    return () => {
      ro.disconnect();
      plot.destroy();
      delete el.dataset.ready;
    };
  }, [points]);

  return (
    <figure class="chart">
      <div ref={host} class="chart-canvas" role="img" aria-label={`${title}: ${points.length} periods`} data-testid="time-chart" />
      <details class="chart-data">
        <summary>Data table</summary>
        <DataTable
          label={`${title} data`}
          cardsOnPhone={false}
          rows={points}
          rowKey={(p) => p.key}
          columns={[
            { label: 'Period', cell: (p) => p.label },
            { label: 'Revenue', num: true, cell: (p) => formatMoney(p.revenueText) },
            { label: 'Units', num: true, cell: (p) => formatCount(p.units) },
          ]}
        />
      </details>
    </figure>
  );
}

function shortMoney(v: number): string {
  const abs = Math.abs(v);
  if (abs >= 1e9) return `${+(v / 1e9).toFixed(1)}B`;
  if (abs >= 1e6) return `${+(v / 1e6).toFixed(1)}M`;
  if (abs >= 1e3) return `${+(v / 1e3).toFixed(1)}k`;
  return String(+v.toFixed(2));
}

export interface Bar {
  key: string;
  label: string;
  /** The figure shown, already formatted. */
  text: string;
  /** Bar length (chart use only). */
  value: number;
  sub?: string;
}

/** Horizontal bars, largest first as given. */
export function BarList({ bars, label }: { bars: Bar[]; label: string }) {
  const max = Math.max(0, ...bars.map((b) => b.value));
  return (
    <ol class="bars" aria-label={label}>
      {bars.map((b) => (
        <li key={b.key} data-key={b.key}>
          <div class="bar-head">
            <span class="bar-label">{b.label}</span>
            <span class="bar-value">{b.text}</span>
          </div>
          <div class="bar-track" aria-hidden="true">
            <div class="bar-fill" style={{ width: `${max > 0 ? Math.max(1, (b.value / max) * 100) : 0}%` }} />
          </div>
          {b.sub && <small class="bar-sub">{b.sub}</small>}
        </li>
      ))}
    </ol>
  );
}

/** Revenue by category, as given (largest first). */
export function CategoryBars({ rows }: { rows: (Totals & { category_name?: string })[] }) {
  return (
    <BarList
      label="Revenue by category"
      bars={rows.map((r) => ({
        key: r.category_name ?? '',
        label: r.category_name ?? '',
        text: formatMoney(r.total_revenue),
        value: chartNumber(r.total_revenue),
        sub: `${formatCount(r.total_units_sold)} units · ${formatCount(r.sales_count)} orders`,
      }))}
    />
  );
}

export type TopMetric = 'revenue' | 'units';

/** Products ranked by revenue or units, with the other figure under each. */
export function TopBars({ rows, metric, label = `Top products by ${metric}` }: { rows: (Totals & { rank: number; product_id?: number })[]; metric: TopMetric; label?: string }) {
  return (
    <BarList
      label={label}
      bars={rows.map((r) => ({
        key: String(r.product_id),
        label: `${r.rank}. ${productName(r.product_id)}`,
        text: metric === 'revenue' ? formatMoney(r.total_revenue) : `${formatCount(r.total_units_sold)} units`,
        value: metric === 'revenue' ? chartNumber(r.total_revenue) : r.total_units_sold,
        sub: metric === 'revenue' ? `${formatCount(r.total_units_sold)} units` : formatMoney(r.total_revenue),
      }))}
    />
  );
}
