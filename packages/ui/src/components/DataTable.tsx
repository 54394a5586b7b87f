import { type ReactNode, useId, useMemo, useState } from 'react';
import { nextSort, type SortDirection, type SortValue, sortRows } from '../sort';

export interface Column<T> {
  id: string;
  header: ReactNode;
  cell: (row: T) => ReactNode;
  /** Makes the column sortable. */
  sortValue?: (row: T) => SortValue;
  align?: 'start' | 'end';
  /** Renders the cell as a row header (`<th scope="row">`); the first column by default. */
  rowHeader?: boolean;
}

export interface DataTableProps<T> {
  columns: Column<T>[];
  rows: readonly T[];
  rowKey: (row: T) => string;
  /** Names the table for assistive tech; hidden unless `showCaption`. */
  caption: string;
  showCaption?: boolean;
  initialSort?: { columnId: string; direction: SortDirection };
  /** Shown in place of the body when there are no rows. */
  empty?: ReactNode;
  compact?: boolean;
}

/** The up/down arrows of a sortable column header; the active direction is solid. */
export function SortIcon({ direction }: { direction: SortDirection | null }) {
  return (
    <svg className="sort-icon" viewBox="0 0 10 14" width="10" height="14" aria-hidden="true">
      <path d="M5 1 9 6H1Z" opacity={direction === 'ascending' ? 1 : 0.3} fill="currentColor" />
      <path d="M5 13 1 8h8Z" opacity={direction === 'descending' ? 1 : 0.3} fill="currentColor" />
    </svg>
  );
}

export function DataTable<T>({
  columns,
  rows,
  rowKey,
  caption,
  showCaption = false,
  initialSort,
  empty,
  compact = false,
}: DataTableProps<T>) {
  const [sort, setSort] = useState(initialSort ?? null);
  const captionId = useId();

  const sorted = useMemo(() => {
    const column = sort && columns.find((c) => c.id === sort.columnId);
    if (!sort || !column?.sortValue) return rows;
    return sortRows(rows, column.sortValue, sort.direction);
  }, [rows, columns, sort]);

  return (
    // A focusable, labelled region lets keyboard users scroll a table wider than the screen.
    // biome-ignore lint/a11y/noNoninteractiveTabindex: scroll container must be reachable by keyboard
    <section className="table-scroll" aria-labelledby={captionId} tabIndex={0}>
      <table className={`data-table${compact ? ' data-table--compact' : ''}`}>
        <caption id={captionId} className={showCaption ? 'data-table__caption' : 'visually-hidden'}>
          {caption}
        </caption>
        <thead>
          <tr>
            {columns.map((col) => {
              const active = sort?.columnId === col.id ? sort.direction : null;
              return (
                <th
                  key={col.id}
                  scope="col"
                  aria-sort={col.sortValue ? (active ?? 'none') : undefined}
                  className={col.align === 'end' ? 'num' : undefined}
                >
                  {col.sortValue ? (
                    <button
                      type="button"
                      className="sort-button"
                      onClick={() => setSort((s) => nextSort(s, col.id))}
                    >
                      {col.header}
                      <SortIcon direction={active} />
                    </button>
                  ) : (
                    col.header
                  )}
                </th>
              );
            })}
          </tr>
        </thead>
        <tbody>
          {sorted.length === 0 && empty ? (
            <tr>
              <td colSpan={columns.length} className="data-table__empty">
                {empty}
              </td>
            </tr>
          ) : (
            sorted.map((row) => (
              <tr key={rowKey(row)}>
                {columns.map((col, i) => {
                  const className = col.align === 'end' ? 'num' : undefined;
                  return (col.rowHeader ?? i === 0) ? (
                    <th key={col.id} scope="row" className={className}>
                      {col.cell(row)}
                    </th>
                  ) : (
                    <td key={col.id} className={className}>
                      {col.cell(row)}
                    </td>
                  );
                })}
              </tr>
            ))
          )}
        </tbody>
      </table>
    </section>
  );
}
