// The KPI cards: each figure, its change against the compared range, and that change's signal.
import type { Totals } from '../api';
import type { Async } from '../hooks';
import { changePct, divideCents, formatCount, formatPct, toCents } from '../money';
import type { Kpis } from '../pages/overviewData';
import { signalOf } from '../signal';
import { money } from '../store';
import { Banner, Loading } from './ui';

interface Kpi {
  id: string;
  label: string;
  value: string;
  /** The change in percent; null: nothing to compare with; undefined: no comparison. */
  change: number | null | undefined;
  /** An increase is good (revenue), or bad (refunds). */
  higherIsBetter: boolean;
}

const cents = (amount: string | undefined) => (amount === undefined ? null : toCents(amount));

function pct(current: bigint | null, compared: bigint | null | undefined): number | null | undefined {
  if (compared === undefined) return undefined;
  return current === null || compared === null ? null : changePct(current, compared);
}

export function kpisOf(c: Totals, p: Totals | null): Kpi[] {
  const cmp = <T,>(f: (t: Totals) => T): T | undefined => (p ? f(p) : undefined);
  const aov = (t: Totals) => divideCents(toCents(t.total_revenue) ?? 0n, t.sales_count);
  const cAov = aov(c);
  const cards: Kpi[] = [
    { id: 'revenue', label: 'Gross revenue', value: money(c.total_revenue), change: pct(cents(c.total_revenue), cmp((t) => cents(t.total_revenue))), higherIsBetter: true },
    { id: 'units', label: 'Units sold', value: formatCount(c.total_units_sold), change: pct(BigInt(c.total_units_sold), cmp((t) => BigInt(t.total_units_sold))), higherIsBetter: true },
    { id: 'orders', label: 'Orders', value: formatCount(c.sales_count), change: pct(BigInt(c.sales_count), cmp((t) => BigInt(t.sales_count))), higherIsBetter: true },
    { id: 'aov', label: 'Average order value', value: cAov === null ? '–' : money(cAov), change: pct(cAov, cmp(aov)), higherIsBetter: true },
  ];
  if (c.total_refunded !== undefined) {
    cards.push({ id: 'refunds', label: 'Refunds', value: money(c.total_refunded), change: pct(cents(c.total_refunded), cmp((t) => cents(t.total_refunded))), higherIsBetter: false });
  }
  if (c.net_revenue !== undefined) {
    cards.push({ id: 'net', label: 'Net revenue', value: money(c.net_revenue), change: pct(cents(c.net_revenue), cmp((t) => cents(t.net_revenue))), higherIsBetter: true });
  }
  return cards;
}

export function KpiCards({ kpis, comparedText }: { kpis: Async<Kpis>; comparedText: string | undefined }) {
  if (kpis.error) return <Banner error={kpis.error} onRetry={kpis.reload} />;
  if (!kpis.data) return <Loading label="Loading the totals…" />;
  const { current, compared } = kpis.data;
  const stale = kpis.loading;
  return (
    <div class={`kpis${stale ? ' stale' : ''}`} aria-busy={stale} data-testid="kpis">
      {kpisOf(current, compared).map((k) => {
        const s = signalOf(k.change, k.higherIsBetter);
        return (
          <div class="kpi card" key={k.id} data-kpi={k.id}>
            <h2 class="kpi-label">{k.label}</h2>
            <p class="kpi-value" data-testid={`kpi-${k.id}`}>
              {k.value}
            </p>
            {k.change !== undefined && (
              <p class={`kpi-change ${s.direction} ${s.tone}`} data-testid={`kpi-${k.id}-change`} data-direction={s.direction} data-tone={s.tone}>
                <span aria-hidden="true" class="arrow">
                  {s.arrow}
                </span>{' '}
                <span class="pct">{k.change === null ? 'nothing to compare with' : formatPct(k.change)}</span>
                {s.words && <span class="sr-only"> ({s.words})</span>} <span class="muted">vs {comparedText}</span>
              </p>
            )}
          </div>
        );
      })}
    </div>
  );
}
