/**
 * The one table of the lists: columns declared once, each cell labelled with its column so that
 * on a small screen (styles.css, max-width 640px) every row becomes a stacked card with the
 * column names beside the values, and nothing scrolls sideways.
 */
import type { HTMLAttributes, ReactNode } from 'react';

export interface Column<T> {
  key: string;
  header: ReactNode;
  /** The column's name as text (the stacked row's label), when `header` is not a string. */
  label?: string;
  cell: (row: T) => ReactNode;
  className?: string;
  /** The row's title: first and bold on a small screen, without a label. */
  primary?: boolean;
}

export function DataTable<T>({
  rows,
  columns,
  rowKey,
  label,
  rowProps,
  className,
  caption,
}: {
  rows: readonly T[];
  columns: readonly Column<T>[];
  rowKey: (row: T) => string | number;
  label: string;
  rowProps?: (row: T) => HTMLAttributes<HTMLTableRowElement> & Record<`data-${string}`, string | number | undefined>;
  className?: string;
  caption?: ReactNode;
}) {
  return (
    <table className={`table dt${className ? ` ${className}` : ''}`} aria-label={label}>
      {caption ? <caption className="sr-only">{caption}</caption> : null}
      <thead>
        <tr>
          {columns.map((c) => (
            <th key={c.key} scope="col" className={c.className}>
              {c.header}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={rowKey(r)} {...rowProps?.(r)}>
            {columns.map((c) => (
              <td key={c.key} className={[c.className, c.primary ? 'dt-primary' : ''].filter(Boolean).join(' ') || undefined} data-label={c.primary ? undefined : (c.label ?? (typeof c.header === 'string' ? c.header : undefined))}>
                {c.cell(r)}
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Previous / next for a list paged by offset: "51–100 of 904". */
export function Pager({ offset, limit, total, shown, onPage, label }: { offset: number; limit: number; total: number; shown: number; onPage: (offset: number) => void; label: string }) {
  if (total <= limit && offset === 0) return null;
  return (
    <nav className="pager" aria-label={label}>
      <button type="button" className="btn" disabled={offset === 0} onClick={() => onPage(Math.max(0, offset - limit))}>
        Previous
      </button>
      <span className="muted" data-testid="pager-range">
        {shown === 0 ? 0 : offset + 1}–{offset + shown} of {total.toLocaleString()}
      </span>
      <button type="button" className="btn" disabled={offset + shown >= total} onClick={() => onPage(offset + limit)}>
        Next
      </button>
    </nav>
  );
}
