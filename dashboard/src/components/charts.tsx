// Charts: uPlot for revenue and units over time (canvas, ~50 KB min), plain HTML bars for the
// categorical ones (categories, top products), which stay readable, selectable and accessible,
// and small SVG bar sparklines for trends by category or product.
import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { Totals } from '../api';
import { chartNumber, formatCount, toCents, centsToDecimal } from '../money';
import { GRAIN_SPECS, type Grain } from '../periods';
import { money, productName } from '../store';
import { DataTable } from './tables';
import { Link } from './ui';

export interface SeriesPoint {
  key: string;
  label: string;
  revenue: number; // chart height only; the exact figure is `revenueText`
  revenueText: string;
  units: number;
  /** The period is not whole: cut by the range, not over yet, or before the first sales. */
  partial: boolean;
  /** The compared range's period at the same place, when there is a comparison. */
  compared?: { key: string; label: string; revenue: number; revenueText: string; units: number };
}

export interface TimeChartProps {
  points: SeriesPoint[];
  grain: Grain;
  title: string;
  /** "1 – 31 Oct 2022": the compared range, named in the legend. */
  comparedLabel?: string | undefined;
  /** Where a period's sales are listed (a click on its bar, or its row in the data table). */
  periodLink: (key: string) => { to: string; params: Record<string, string> };
  onOpenPeriod: (key: string) => void;
}

let firstChartMarked = false;

const sumCents = (xs: string[]) => centsToDecimal(xs.reduce((s, x) => s + (toCents(x) ?? 0n), 0n));

/** Revenue (bars, left axis), units (line, right axis) and the compared revenue (dashed) per period. */
export function TimeChart({ points, grain, title, comparedLabel, periodLink, onOpenPeriod }: TimeChartProps) {
  const host = useRef<HTMLDivElement>(null);
  const hasCompared = points.some((p) => p.compared);
  const totals = {
    revenue: sumCents(points.map((p) => p.revenueText)),
    units: points.reduce((s, p) => s + p.units, 0),
    compared: hasCompared ? sumCents(points.map((p) => p.compared?.revenueText ?? '0')) : null,
  };
  const partial = points.filter((p) => p.partial);
  const open = useRef(onOpenPeriod);
  open.current = onOpenPeriod;

  useEffect(() => {
    const el = host.current;
    if (!el || points.length === 0) return;
    const spec = GRAIN_SPECS[grain];
    const xs = points.map((_, i) => i);
    const ticks = points.map((p, i) => spec.tick(p.key, points[i - 1]?.key));
    // Room for the widest label, so that ticks never run together.
    const widest = Math.max(...ticks.map((t) => Math.max(...t.map((line) => line.length)))) * 7 + 18;
    const width = Math.max(280, el.clientWidth);
    const height = width < 500 ? 220 : 280;
    const bars = uPlot.paths.bars?.({ size: [0.7, 48], align: 0 });
    const partialIdx = points.flatMap((p, i) => (p.partial ? [i] : []));
    const series: uPlot.Series[] = [
      { label: 'Period', value: (_u, v: number | null) => (v === null ? 'Total' : (points[v]?.label ?? '')) },
      {
        label: 'Revenue (gross)',
        scale: '$',
        stroke: '#1f5fbf',
        fill: 'rgba(31,95,191,0.55)',
        paths: bars,
        points: { show: false },
        value: (_u, _v, _s, idx) => money(idx === null ? totals.revenue : points[idx]?.revenueText),
      },
    ];
    if (hasCompared) {
      series.push({
        label: `Revenue, ${comparedLabel ?? 'compared'}`,
        scale: '$',
        stroke: '#6b7280',
        width: 2,
        dash: [6, 4],
        points: { show: false },
        value: (_u, _v, _s, idx) => money(idx === null ? totals.compared : points[idx]?.compared?.revenueText),
      });
    }
    series.push({
      label: 'Units',
      scale: 'units',
      stroke: '#b45309',
      width: 2,
      points: { show: points.length < 60, size: 5, fill: '#b45309' },
      value: (_u, v: number | null, _s, idx) => formatCount(idx === null ? totals.units : v),
    });
    const data: uPlot.AlignedData = [
      xs,
      points.map((p) => p.revenue),
      ...(hasCompared ? [points.map((p) => p.compared?.revenue ?? null)] : []),
      points.map((p) => p.units),
    ];
    const opts: uPlot.Options = {
      width,
      height,
      padding: [12, 8, 0, 8],
      cursor: { drag: { x: false, y: false }, points: { size: 7 } },
      legend: { live: true },
      scales: {
        x: { time: false, range: (_u, min, max) => [min - 0.5, max + 0.5] },
        units: { range: (_u, _min, max) => [0, Math.max(1, max) * 1.1] },
        $: { range: (_u, _min, max) => [0, Math.max(1, max) * 1.1] },
      },
      axes: [
        {
          stroke: '#555',
          grid: { show: false },
          incrs: spec.steps,
          space: widest,
          size: 48,
          values: (_u, splits) => splits.map((v) => (Number.isInteger(v) ? (ticks[v]?.join('\n') ?? '') : '')),
        },
        { scale: '$', stroke: '#1f5fbf', values: (_u, splits) => splits.map((v) => money(BigInt(Math.round(v * 100)), true)), size: 64, grid: { stroke: '#eee' } },
        // uPlot's Side is a const enum, which isolated modules cannot name: 1 is Side.Right.
        // eslint-disable-next-line @typescript-eslint/no-unsafe-enum-assignment
        { scale: 'units', side: 1, stroke: '#b45309', grid: { show: false }, size: 44, values: (_u, splits) => splits.map((v) => (Number.isInteger(v) ? formatCount(v) : '')) },
      ],
      series,
      hooks: {
        // Partial periods: hatched over their whole column.
        drawAxes: [
          (u) => {
            if (partialIdx.length === 0) return;
            const ctx = u.ctx;
            const stripes = stripePattern(ctx);
            if (!stripes) return;
            ctx.save();
            ctx.fillStyle = stripes;
            for (const i of partialIdx) {
              const x0 = u.valToPos(i - 0.5, 'x', true);
              const x1 = u.valToPos(i + 0.5, 'x', true);
              ctx.fillRect(x0, u.bbox.top, x1 - x0, u.bbox.height);
            }
            ctx.restore();
          },
        ],
        ready: [
          (u) => {
            u.over.addEventListener('click', () => {
              const idx = u.cursor.idx;
              const p = idx === null || idx === undefined ? undefined : points[idx];
              if (p) open.current(p.key);
            });
          },
        ],
      },
    };
    const plot = new uPlot(opts, data, el);
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
  }, [points, grain, comparedLabel]);

  return (
    <figure class="chart">
      <div
        ref={host}
        class="chart-canvas"
        role="img"
        aria-label={`${title}: ${points.length} periods, revenue ${money(totals.revenue)}, ${formatCount(totals.units)} units`}
        data-testid="time-chart"
      />
      {partial.length > 0 && (
        <figcaption class="muted small" data-testid="partial-note">
          <span class="swatch-partial" aria-hidden="true" /> Partial: {partial.map((p) => p.label).join(', ')} (not a whole period, or not over yet)
        </figcaption>
      )}
      <details class="chart-data">
        <summary>Data table</summary>
        <DataTable
          label={`${title} data`}
          cardsOnPhone={false}
          rows={points}
          rowKey={(p) => p.key}
          columns={[
            {
              label: 'Period',
              cell: (p) => (
                <Link {...periodLink(p.key)}>
                  {p.label}
                  {p.partial ? ' (partial)' : ''}
                </Link>
              ),
            },
            { label: 'Revenue (gross)', num: true, cell: (p) => money(p.revenueText) },
            ...(hasCompared
              ? [{ label: `Revenue, ${comparedLabel ?? 'compared'}`, num: true, cell: (p: SeriesPoint) => (p.compared ? `${money(p.compared.revenueText)} (${p.compared.label})` : '–') }]
              : []),
            { label: 'Units', num: true, cell: (p) => formatCount(p.units) },
          ]}
        />
      </details>
    </figure>
  );
}

const patterns = new WeakMap<CanvasRenderingContext2D, CanvasPattern | null>();

function stripePattern(ctx: CanvasRenderingContext2D): CanvasPattern | null {
  if (patterns.has(ctx)) return patterns.get(ctx) ?? null;
  const tile = document.createElement('canvas');
  tile.width = 8;
  tile.height = 8;
  const t = tile.getContext('2d');
  if (!t) return null;
  t.strokeStyle = 'rgba(107,114,128,0.35)';
  t.lineWidth = 2;
  t.beginPath();
  t.moveTo(0, 8);
  t.lineTo(8, 0);
  t.stroke();
  const p = ctx.createPattern(tile, 'repeat');
  patterns.set(ctx, p);
  return p;
}

export interface Bar {
  key: string;
  label: string;
  /** The figure shown, already formatted. */
  text: string;
  /** Bar length (chart use only). */
  value: number;
  sub?: ComponentChildren;
  /** Where a click on the bar goes (its sales). */
  link?: { to: string; params: Record<string, string> };
}

/** Horizontal bars, largest first as given; a bar with a link opens it. */
export function BarList({ bars, label }: { bars: Bar[]; label: string }) {
  const max = Math.max(0, ...bars.map((b) => b.value));
  return (
    <ol class="bars" aria-label={label}>
      {bars.map((b) => {
        const body = (
          <>
            <div class="bar-head">
              <span class="bar-label">{b.label}</span>
              <span class="bar-value">{b.text}</span>
            </div>
            <div class="bar-track" aria-hidden="true">
              <div class="bar-fill" style={{ width: `${max > 0 ? Math.max(1, (b.value / max) * 100) : 0}%` }} />
            </div>
          </>
        );
        return (
          <li key={b.key} data-key={b.key}>
            {b.link ? (
              <Link class="bar-link" {...b.link}>
                {body}
              </Link>
            ) : (
              body
            )}
            {b.sub && <small class="bar-sub">{b.sub}</small>}
          </li>
        );
      })}
    </ol>
  );
}

/** Revenue by category, as given (largest first). */
export function CategoryBars({ rows, link }: { rows: (Totals & { category_name?: string })[]; link?: (category: string) => { to: string; params: Record<string, string> } }) {
  return (
    <BarList
      label="Gross revenue by category"
      bars={rows.map((r) => ({
        key: r.category_name ?? '',
        label: r.category_name ?? '',
        text: money(r.total_revenue),
        value: chartNumber(r.total_revenue),
        sub: `${formatCount(r.total_units_sold)} units · ${formatCount(r.sales_count)} orders`,
        ...(link ? { link: link(r.category_name ?? '') } : {}),
      }))}
    />
  );
}

export type TopMetric = 'revenue' | 'units';

/** Products ranked by revenue or units, with the other figure under each. */
export function TopBars({
  rows,
  metric,
  label = `Top products by ${metric === 'revenue' ? 'gross revenue' : metric}`,
  link,
}: {
  rows: (Totals & { rank: number; product_id?: number })[];
  metric: TopMetric;
  label?: string;
  link?: (productId: number) => { to: string; params: Record<string, string> };
}) {
  return (
    <BarList
      label={label}
      bars={rows.map((r) => ({
        key: String(r.product_id),
        label: `${r.rank}. ${productName(r.product_id)}`,
        text: metric === 'revenue' ? money(r.total_revenue) : `${formatCount(r.total_units_sold)} units`,
        value: metric === 'revenue' ? chartNumber(r.total_revenue) : r.total_units_sold,
        sub: metric === 'revenue' ? `${formatCount(r.total_units_sold)} units` : money(r.total_revenue),
        ...(link && r.product_id !== undefined ? { link: link(r.product_id) } : {}),
      }))}
    />
  );
}

export interface Trend {
  key: string;
  label: string;
  total: string;
  values: { key: string; label: string; revenue: number; revenueText: string; partial: boolean }[];
  link: { to: string; params: Record<string, string> };
}

/** Small multiples: one bar sparkline per category or product, on a shared scale, its total beside it. */
export function SmallMultiples({ trends, label }: { trends: Trend[]; label: string }) {
  const max = Math.max(0, ...trends.flatMap((t) => t.values.map((v) => v.revenue)));
  return (
    <ul class="multiples" aria-label={label}>
      {trends.map((t) => {
        const n = Math.max(1, t.values.length);
        const w = 100 / n;
        return (
          <li key={t.key} data-key={t.key}>
            <Link class="multiple" {...t.link}>
              <span class="multiple-head">
                <span class="bar-label">{t.label}</span>
                <span class="bar-value">{money(t.total)}</span>
              </span>
              <svg viewBox="0 0 100 30" preserveAspectRatio="none" role="img" aria-label={`${t.label}: ${money(t.total)} over ${t.values.length} periods`}>
                {t.values.map((v, i) => {
                  const h = max > 0 ? (v.revenue / max) * 30 : 0;
                  return (
                    <rect key={v.key} x={i * w + w * 0.1} width={w * 0.8} y={30 - h} height={h} class={v.partial ? 'partial' : undefined}>
                      <title>{`${v.label}: ${money(v.revenueText)}${v.partial ? ' (partial)' : ''}`}</title>
                    </rect>
                  );
                })}
              </svg>
            </Link>
          </li>
        );
      })}
    </ul>
  );
}
