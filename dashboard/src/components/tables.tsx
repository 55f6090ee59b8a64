// Tables: one header and one cell per column, so the cards a table becomes on a phone label each
// figure with its column's header.
import type { ComponentChildren, JSX } from 'preact';
import type { LowStockLine } from '../api';
import { formatCount } from '../money';
import { Empty, Link, TableWrap } from './ui';

export interface Column<T> {
  /** The header, and the cell's label when the table becomes cards on a phone. */
  label: string;
  /** A figure (right-aligned). */
  num?: boolean;
  /** The header is for screen readers only (a column of buttons). */
  hideLabel?: boolean;
  /** A class for a row's cell besides `num`. */
  cellClass?: (row: T) => string | undefined;
  cell: (row: T) => ComponentChildren;
}

type RowAttributes = JSX.IntrinsicElements['tr'] & Partial<Record<`data-${string}`, string | number>>;

type TableProps<T> = {
  /** The scrollable region's name. */
  label: string;
  columns: Column<T>[];
  /** The rows; null while they are being read (`pending` shows instead). */
  rows: T[] | null;
  /** What shows while `rows` is null. */
  pending?: ComponentChildren;
  /** What shows when there are no rows. */
  empty?: ComponentChildren;
  rowKey: (row: T, index: number) => string | number;
  rowAttributes?: (row: T) => RowAttributes;
  /** One card per row on a phone (the default), each cell labelled with its header. */
  cardsOnPhone?: boolean;
} & Omit<JSX.IntrinsicElements['table'], 'label' | 'rows'>;

export function DataTable<T>({ label, columns, rows, pending, empty, rowKey, rowAttributes, cardsOnPhone = true, ...table }: TableProps<T>) {
  if (rows === null) return <>{pending}</>;
  if (rows.length === 0 && empty !== undefined) return <Empty>{empty}</Empty>;
  return (
    <TableWrap label={label}>
      <table class={cardsOnPhone ? 'cards-on-phone' : undefined} {...table}>
        <thead>
          <tr>
            {columns.map((c) => (
              <th key={c.label} scope="col" class={c.num ? 'num' : undefined}>
                {c.hideLabel ? <span class="sr-only">{c.label}</span> : c.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row, i) => (
            <tr key={rowKey(row, i)} {...rowAttributes?.(row)}>
              {columns.map((c) => (
                <td key={c.label} data-label={cardsOnPhone ? c.label : undefined} class={[c.num && 'num', c.cellClass?.(row)].filter(Boolean).join(' ') || undefined}>
                  {c.cell(row)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </TableWrap>
  );
}

/** A stock figure's cell class: `out` when none is left. */
export const outOfStock = (n: number) => (n === 0 ? 'out' : undefined);

/** Products at or below their low-stock alert, linked to their stock in the catalogue or not. */
export function LowStockTable({ label, items, linked = false }: { label: string; items: LowStockLine[]; linked?: boolean }) {
  return (
    <DataTable
      label={label}
      rows={items}
      rowKey={(l) => l.id}
      columns={[
        {
          label: 'Product',
          cell: (l) =>
            linked ? (
              <Link to="/catalogue" params={{ product: String(l.id) }}>
                {l.name}
              </Link>
            ) : (
              l.name
            ),
        },
        { label: 'Category', cell: (l) => l.category_name },
        { label: 'In stock', num: true, cellClass: (l) => outOfStock(l.current_inventory), cell: (l) => formatCount(l.current_inventory) },
        { label: 'Alert at', num: true, cell: (l) => formatCount(l.low_stock_alert_threshold) },
      ]}
    />
  );
}
