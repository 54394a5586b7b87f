import type { CaseloadRow, GoalStatus } from '@carryover/domain';
import { formatDate, MinutesBar, SortIcon, StatusBadge } from '@carryover/ui';
import { flexRender, type useReactTable } from '@tanstack/react-table';
import { useWindowVirtualizer } from '@tanstack/react-virtual';
import { useId, useLayoutEffect, useRef, useState } from 'react';
import { Link } from 'react-router';
import { iepEventLabel } from './caseloadColumns';

// The caseload drawn a few rows at a time: cards on a phone, a table on a wider screen.

/**
 * A row's height before it is measured, from its goal lines (real rows are measured as drawn).
 * Close estimates keep the list's end where it was when rows near it are drawn: estimating every
 * row at one line let a long page's end run away from the reader (and from "Load more").
 */
function estimatedRowPx(row: CaseloadRow | undefined): number {
  return Math.max(64, 24 + 30 * (row?.goals.length ?? 1));
}

/** Where a list starts on the page, for the window virtualiser. */
function useScrollMargin(ref: React.RefObject<HTMLElement | null>): number {
  const [scrollMargin, setScrollMargin] = useState(0);
  useLayoutEffect(() => {
    const top = (ref.current?.getBoundingClientRect().top ?? 0) + window.scrollY;
    if (Math.abs(top - scrollMargin) > 1) setScrollMargin(top);
  });
  return scrollMargin;
}

/** One student as a card: name, grade and school, goal statuses, minutes, next IEP. */
function StudentCard({ row: r }: { row: CaseloadRow }) {
  const counts = new Map<GoalStatus, number>();
  for (const g of r.goals) counts.set(g.progress.status, (counts.get(g.progress.status) ?? 0) + 1);
  return (
    <article className="student-card" aria-labelledby={`student-${r.studentId}`}>
      <h2 className="student-card__name" id={`student-${r.studentId}`}>
        <Link to={`/students/${encodeURIComponent(r.studentId)}`}>{r.name}</Link>
      </h2>
      <p className="muted small student-card__where">
        Grade {r.grade} · {r.schoolName}
      </p>
      <div className="student-card__statuses">
        {r.goals.length === 0 ? (
          <span className="muted small">No goals</span>
        ) : (
          [...counts].map(([status, n]) => (
            <span key={status} className="student-card__status">
              <StatusBadge status={status} />
              {n > 1 && <span className="small"> ×{n}</span>}
            </span>
          ))
        )}
      </div>
      <dl className="student-card__facts">
        <div>
          <dt>Minutes this week</dt>
          <dd>
            <MinutesBar
              delivered={r.minutesDeliveredThisWeek}
              mandated={r.minutesMandatedThisWeek}
            />
            {r.minutesBehind > 0 && (
              <Link className="small behind" to="/fidelity">
                {r.minutesBehind} min behind this period
              </Link>
            )}
          </dd>
        </div>
        <div>
          <dt>Next IEP</dt>
          <dd>
            {r.nextIepDate ? (
              <>
                {formatDate(r.nextIepDate)}
                {r.nextIepEvent && (
                  <span className="muted small"> · {iepEventLabel[r.nextIepEvent]}</span>
                )}
              </>
            ) : (
              '—'
            )}
          </dd>
        </div>
      </dl>
    </article>
  );
}

/** The caseload on a phone: a list of cards, only those near the viewport in the DOM. */
export function VirtualCards({ rows, busy }: { rows: CaseloadRow[]; busy: boolean }) {
  const listRef = useRef<HTMLUListElement>(null);
  const scrollMargin = useScrollMargin(listRef);
  const virtualizer = useWindowVirtualizer({
    count: rows.length,
    estimateSize: () => 180,
    overscan: 4,
    scrollMargin,
    getItemKey: (i) => rows[i]?.studentId ?? i,
  });
  const items = virtualizer.getVirtualItems();
  const before = items.length > 0 ? items[0]!.start - scrollMargin : 0;
  const after =
    items.length > 0 ? virtualizer.getTotalSize() - (items.at(-1)!.end - scrollMargin) : 0;
  return (
    <ul
      ref={listRef}
      className="student-cards"
      aria-label="Students on your caseload"
      aria-busy={busy}
      style={{ paddingTop: before, paddingBottom: after }}
    >
      {items.map((item) => {
        const row = rows[item.index]!;
        return (
          <li key={row.studentId} data-index={item.index} ref={virtualizer.measureElement}>
            <StudentCard row={row} />
          </li>
        );
      })}
    </ul>
  );
}

type CaseloadTable = ReturnType<typeof useReactTable<CaseloadRow>>;

/** The table with only the rows near the viewport in the DOM (spacer rows keep the height). */
export function VirtualTable({ table, busy }: { table: CaseloadTable; busy: boolean }) {
  const captionId = useId();
  const bodyRef = useRef<HTMLTableSectionElement>(null);
  const { rows } = table.getRowModel();
  // The window scrolls; the virtualiser needs where the body starts on the page.
  const scrollMargin = useScrollMargin(bodyRef);
  const virtualizer = useWindowVirtualizer({
    count: rows.length,
    estimateSize: (i) => estimatedRowPx(rows[i]?.original),
    overscan: 6,
    scrollMargin,
    getItemKey: (i) => rows[i]?.id ?? i,
  });
  const items = virtualizer.getVirtualItems();
  const before = items.length > 0 ? items[0]!.start - scrollMargin : 0;
  const after =
    items.length > 0 ? virtualizer.getTotalSize() - (items.at(-1)!.end - scrollMargin) : 0;
  const columnCount = table.getVisibleLeafColumns().length;

  return (
    // A focusable, labelled region lets keyboard users scroll a table wider than the screen.
    // biome-ignore lint/a11y/noNoninteractiveTabindex: scroll container must be reachable by keyboard
    <section className="table-scroll" aria-labelledby={captionId} tabIndex={0} aria-busy={busy}>
      {/* Fixed column widths: rows come and go as the list scrolls, and an automatic layout
          would resize the columns each time. */}
      <table
        className="data-table data-table--fixed"
        style={{ minWidth: table.getTotalSize() }}
        aria-rowcount={rows.length + 1}
      >
        <caption id={captionId} className="visually-hidden">
          Students on your caseload
        </caption>
        <colgroup>
          {table.getVisibleLeafColumns().map((column) => (
            <col key={column.id} style={{ width: column.getSize() }} />
          ))}
        </colgroup>
        <thead>
          {table.getHeaderGroups().map((group) => (
            <tr key={group.id}>
              {group.headers.map((header) => {
                const column = header.column;
                const active = column.getIsSorted();
                const direction =
                  active === 'asc' ? 'ascending' : active === 'desc' ? 'descending' : null;
                return (
                  <th
                    key={header.id}
                    scope="col"
                    aria-sort={column.getCanSort() ? (direction ?? 'none') : undefined}
                  >
                    {column.getCanSort() ? (
                      <button
                        type="button"
                        className="sort-button"
                        onClick={column.getToggleSortingHandler()}
                      >
                        {flexRender(column.columnDef.header, header.getContext())}
                        <SortIcon direction={direction} />
                      </button>
                    ) : (
                      flexRender(column.columnDef.header, header.getContext())
                    )}
                  </th>
                );
              })}
            </tr>
          ))}
        </thead>
        <tbody ref={bodyRef}>
          {before > 0 && (
            <tr className="virtual-spacer">
              <td colSpan={columnCount} style={{ height: before }} />
            </tr>
          )}
          {items.map((item) => {
            const row = rows[item.index]!;
            return (
              <tr
                key={row.id}
                data-index={item.index}
                aria-rowindex={item.index + 2}
                ref={virtualizer.measureElement}
              >
                {row.getVisibleCells().map((cell, i) =>
                  i === 0 ? (
                    <th key={cell.id} scope="row">
                      {flexRender(cell.column.columnDef.cell, cell.getContext())}
                    </th>
                  ) : (
                    <td key={cell.id}>
                      {flexRender(cell.column.columnDef.cell, cell.getContext())}
                    </td>
                  ),
                )}
              </tr>
            );
          })}
          {after > 0 && (
            <tr className="virtual-spacer">
              <td colSpan={columnCount} style={{ height: after }} />
            </tr>
          )}
        </tbody>
      </table>
    </section>
  );
}
