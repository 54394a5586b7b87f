import { SortIcon } from '@carryover/ui';
import { flexRender, type RowData, type Table } from '@tanstack/react-table';
import { useId } from 'react';

declare module '@tanstack/react-table' {
  // biome-ignore lint/correctness/noUnusedVariables: the interface's shape is TanStack's
  interface ColumnMeta<TData extends RowData, TValue> {
    /** Right-aligns the column's figures. */
    align?: 'end';
  }
}

/**
 * A TanStack table drawn as Carryover's data table: a keyboard-scrollable region, sortable
 * headers as buttons with `aria-sort`, the first cell of each row as its header. The caller owns
 * the table (sorting, column visibility); this only draws it.
 */
export function SortableTable<T>({
  table,
  caption,
  className,
}: {
  table: Table<T>;
  caption: string;
  /** Added to the table's classes, for a table's own layout. */
  className?: string;
}) {
  const captionId = useId();
  return (
    // A focusable, labelled region lets keyboard users scroll a table wider than the screen.
    // biome-ignore lint/a11y/noNoninteractiveTabindex: scroll container must be reachable by keyboard
    <section className="table-scroll" aria-labelledby={captionId} tabIndex={0}>
      <table className={className ? `data-table ${className}` : 'data-table'}>
        <caption id={captionId} className="visually-hidden">
          {caption}
        </caption>
        <thead>
          {table.getHeaderGroups().map((group) => (
            <tr key={group.id}>
              {group.headers.map((header) => {
                const column = header.column;
                const sorted = column.getIsSorted();
                const direction =
                  sorted === 'asc' ? 'ascending' : sorted === 'desc' ? 'descending' : null;
                const label = flexRender(column.columnDef.header, header.getContext());
                return (
                  <th
                    key={header.id}
                    scope="col"
                    aria-sort={column.getCanSort() ? (direction ?? 'none') : undefined}
                    className={column.columnDef.meta?.align === 'end' ? 'num' : undefined}
                  >
                    {column.getCanSort() ? (
                      <button
                        type="button"
                        className="sort-button"
                        onClick={column.getToggleSortingHandler()}
                      >
                        {label}
                        <SortIcon direction={direction} />
                      </button>
                    ) : (
                      label
                    )}
                  </th>
                );
              })}
            </tr>
          ))}
        </thead>
        <tbody>
          {table.getRowModel().rows.map((row) => (
            <tr key={row.id}>
              {row.getVisibleCells().map((cell, i) => {
                const className = cell.column.columnDef.meta?.align === 'end' ? 'num' : undefined;
                const content = flexRender(cell.column.columnDef.cell, cell.getContext());
                return i === 0 ? (
                  <th key={cell.id} scope="row" className={className}>
                    {content}
                  </th>
                ) : (
                  <td key={cell.id} className={className}>
                    {content}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
