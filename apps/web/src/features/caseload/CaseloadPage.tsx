import type { CaseloadRow, CaseloadSort, Discipline, GoalStatus } from '@carryover/domain';
import { goalStatuses, labels } from '@carryover/domain';
import {
  Button,
  EmptyState,
  ErrorState,
  formatDate,
  LoadingState,
  MinutesBar,
  PageHeader,
  SortIcon,
  StatusBadge,
} from '@carryover/ui';
import { keepPreviousData, useInfiniteQuery } from '@tanstack/react-query';
import {
  type ColumnDef,
  flexRender,
  getCoreRowModel,
  type SortingState,
  useReactTable,
} from '@tanstack/react-table';
import { useWindowVirtualizer } from '@tanstack/react-virtual';
import { useDeferredValue, useId, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { Link } from 'react-router';
import { ColumnChooser, useRememberedColumns } from '../../components/ColumnChooser';
import { DisciplineFilter } from '../../components/Filters';
import { MorePages } from '../../components/MorePages';
import { OpenActionItems } from '../../components/OpenActionItems';
import {
  caseloadListInput,
  caseloadSummary,
  lastDataDate,
  nextCaseloadCursor,
} from '../../lib/caseload';
import { userMessage } from '../../lib/errors';
import { useDocumentTitle } from '../../lib/useDocumentTitle';
import { usePhoneWidth } from '../../lib/usePhoneWidth';
import { AsOf } from '../../offline/AsOf';
import { useTRPC } from '../../trpc';

// The caseload a page at a time: the server sorts, filters and pages (a district can hold tens
// of thousands of students); TanStack Table holds the sort state and the columns, and only the
// rows near the viewport are in the DOM. More pages load when the end of the list comes into
// view, or with "Load more".

const iepEventLabel = { annual_review: 'Annual review', re_evaluation: 'Re-evaluation' } as const;

/** Grades a filter can pick, as the district records them. */
const gradeOptions = ['PreK', 'K', '1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '11', '12'];

/** Columns whose order the server keeps; the others are computed per student and not sortable. */
const serverSorts: Record<string, CaseloadSort> = {
  name: 'name',
  grade: 'grade',
  school: 'school',
  nextIep: 'nextIep',
};

const columns: ColumnDef<CaseloadRow>[] = [
  {
    id: 'name',
    header: 'Student',
    size: 150,
    // An accessor makes the column sortable; the rows arrive already sorted by the server.
    accessorFn: (r) => r.name,
    // The row's name: always shown.
    enableHiding: false,
    cell: ({ row: { original: r } }) => (
      <Link to={`/students/${encodeURIComponent(r.studentId)}`}>{r.name}</Link>
    ),
  },
  {
    id: 'grade',
    header: 'Grade',
    size: 90,
    accessorFn: (r) => r.grade,
    cell: ({ row }) => row.original.grade,
  },
  {
    id: 'school',
    header: 'School',
    size: 140,
    accessorFn: (r) => r.schoolName,
    cell: ({ row }) => row.original.schoolName,
  },
  {
    id: 'goals',
    header: 'Goals',
    size: 330,
    enableSorting: false,
    cell: ({ row: { original: r } }) =>
      r.goals.length === 0 ? (
        <span className="muted">No goals</span>
      ) : (
        <ul className="goal-list">
          {r.goals.map((g) => (
            <li key={g.id}>
              <StatusBadge status={g.progress.status} />
              <span>
                {labels.domain[g.domain]} <span className="muted">({g.discipline})</span>
                {g.alerts.map((a) => (
                  <span key={a.rule} className="goal-list__alert" title={a.explanation}>
                    {' '}
                    · {a.title}
                  </span>
                ))}
              </span>
            </li>
          ))}
        </ul>
      ),
  },
  {
    id: 'lastData',
    header: 'Last data',
    size: 110,
    enableSorting: false,
    cell: ({ row }) => formatDate(lastDataDate(row.original)),
  },
  {
    id: 'minutes',
    header: 'Minutes this week',
    size: 170,
    enableSorting: false,
    cell: ({ row: { original: r } }) => (
      <span className="stacked">
        <MinutesBar delivered={r.minutesDeliveredThisWeek} mandated={r.minutesMandatedThisWeek} />
        {r.minutesBehind > 0 && (
          <Link className="small behind" to="/fidelity">
            {r.minutesBehind} min behind this period
          </Link>
        )}
      </span>
    ),
  },
  {
    id: 'nextIep',
    header: 'Next IEP date',
    size: 150,
    accessorFn: (r) => r.nextIepDate,
    cell: ({ row: { original: r } }) =>
      r.nextIepDate ? (
        <span className="stacked">
          <span>{formatDate(r.nextIepDate)}</span>
          {r.nextIepEvent && <span className="muted small">{iepEventLabel[r.nextIepEvent]}</span>}
        </span>
      ) : (
        '—'
      ),
  },
];

/** How the phone's "Sort by" list names the server's sorts. */
const sortChoices: { value: string; label: string }[] = [
  { value: 'name:asc', label: 'Student (last name)' },
  { value: 'grade:asc', label: 'Grade' },
  { value: 'school:asc', label: 'School' },
  { value: 'nextIep:asc', label: 'Next IEP date, soonest first' },
  { value: 'nextIep:desc', label: 'Next IEP date, latest first' },
];

interface Filters {
  search: string;
  status: GoalStatus | '';
  discipline: Discipline | '';
  grade: string;
}
const emptyFilters: Filters = { search: '', status: '', discipline: '', grade: '' };

/** A row's height before it is measured (one goal line); real rows are measured as drawn. */
const ESTIMATED_ROW_PX = 64;

export function CaseloadPage() {
  useDocumentTitle('Caseload');
  const trpc = useTRPC();
  const [filters, setFilters] = useState<Filters>(emptyFilters);
  const [sorting, setSorting] = useState<SortingState>([{ id: 'name', desc: false }]);
  const [columnVisibility, setColumnVisibility] = useRememberedColumns('caseload');
  // Typing settles before a request goes out: the search is sent with the deferred value.
  const search = useDeferredValue(filters.search.trim());
  const sortBy = sorting[0];
  const caseload = useInfiniteQuery({
    ...trpc.caseload.list.infiniteQueryOptions(
      caseloadListInput({
        ...filters,
        search,
        sort: (sortBy && serverSorts[sortBy.id]) ?? 'name',
        order: sortBy?.desc ? 'desc' : 'asc',
      }),
      { getNextPageParam: nextCaseloadCursor },
    ),
    // A new sort or filter keeps the old rows on screen until the new first page arrives.
    placeholderData: keepPreviousData,
  });
  // A stable array: the table recomputes (and may reset state) whenever `data` is a new array.
  const rows = useMemo(() => caseload.data?.pages.flatMap((p) => p.items) ?? [], [caseload.data]);
  const total = caseload.data?.pages[0]?.total ?? null;
  const filtered = Object.values(filters).some((v) => v !== '');
  const phone = usePhoneWidth();

  const table = useReactTable({
    data: rows,
    columns,
    getCoreRowModel: getCoreRowModel(),
    getRowId: (r) => r.studentId,
    manualSorting: true,
    enableSortingRemoval: false,
    sortDescFirst: false,
    state: { sorting, columnVisibility },
    onSortingChange: setSorting,
    onColumnVisibilityChange: setColumnVisibility,
  });

  return (
    <>
      <PageHeader
        title="Caseload"
        description={
          caseload.data ? (
            <p role="status" className="caseload-count">
              {caseloadSummary(rows, total, caseload.hasNextPage)}
            </p>
          ) : null
        }
      />
      {caseload.data && <AsOf updatedAt={caseload.dataUpdatedAt} />}
      <OpenActionItems />
      <search className="filters" aria-label="Filter students">
        <label className="filters__search">
          Search
          <input
            type="search"
            placeholder="Student name"
            value={filters.search}
            onChange={(e) => setFilters((f) => ({ ...f, search: e.target.value }))}
          />
        </label>
        <label>
          Goal status
          <select
            value={filters.status}
            onChange={(e) =>
              setFilters((f) => ({ ...f, status: e.target.value as GoalStatus | '' }))
            }
          >
            <option value="">All statuses</option>
            {goalStatuses.map((s) => (
              <option key={s} value={s}>
                {labels.goalStatus[s]}
              </option>
            ))}
          </select>
        </label>
        <DisciplineFilter
          value={filters.discipline}
          onChange={(discipline) => setFilters((f) => ({ ...f, discipline }))}
        />
        <label>
          Grade
          <select
            value={filters.grade}
            onChange={(e) => setFilters((f) => ({ ...f, grade: e.target.value }))}
          >
            <option value="">All grades</option>
            {gradeOptions.map((g) => (
              <option key={g} value={g}>
                {g}
              </option>
            ))}
          </select>
        </label>
        {phone && (
          <label>
            Sort by
            <select
              value={`${sortBy?.id ?? 'name'}:${sortBy?.desc ? 'desc' : 'asc'}`}
              onChange={(e) => {
                const [id = 'name', order] = e.target.value.split(':');
                setSorting([{ id, desc: order === 'desc' }]);
              }}
            >
              {sortChoices.map((c) => (
                <option key={c.value} value={c.value}>
                  {c.label}
                </option>
              ))}
            </select>
          </label>
        )}
        {filtered && (
          <Button variant="ghost" onClick={() => setFilters(emptyFilters)}>
            Clear filters
          </Button>
        )}
      </search>

      {caseload.isPending ? (
        <LoadingState label="Loading caseload" rows={8} />
      ) : caseload.isError ? (
        <ErrorState
          title="The caseload could not be loaded"
          message={userMessage(caseload.error)}
          onRetry={() => void caseload.refetch()}
          retrying={caseload.isFetching}
        />
      ) : rows.length === 0 && !caseload.hasNextPage ? (
        filtered ? (
          <EmptyState
            title="No students match these filters"
            action={
              <Button variant="secondary" onClick={() => setFilters(emptyFilters)}>
                Clear filters
              </Button>
            }
          />
        ) : (
          <EmptyState title="No students yet">
            <p>Students appear here once you are assigned to serve them.</p>
          </EmptyState>
        )
      ) : (
        <>
          {phone ? (
            <VirtualCards rows={rows} busy={caseload.isFetching && !caseload.isFetchingNextPage} />
          ) : (
            <>
              <div className="table-tools">
                <p className="muted small caseload-sort-note">
                  Sort by student (last name), grade, school or next IEP date.
                </p>
                <ColumnChooser table={table} />
              </div>
              <VirtualTable
                table={table}
                busy={caseload.isFetching && !caseload.isFetchingNextPage}
              />
            </>
          )}
          <MorePages
            hasNextPage={caseload.hasNextPage}
            fetching={caseload.isFetching}
            failed={caseload.isFetchNextPageError}
            onMore={() => void caseload.fetchNextPage({ cancelRefetch: false })}
          />
        </>
      )}
    </>
  );
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
function VirtualCards({ rows, busy }: { rows: CaseloadRow[]; busy: boolean }) {
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
function VirtualTable({ table, busy }: { table: CaseloadTable; busy: boolean }) {
  const captionId = useId();
  const bodyRef = useRef<HTMLTableSectionElement>(null);
  const { rows } = table.getRowModel();
  // The window scrolls; the virtualiser needs where the body starts on the page.
  const scrollMargin = useScrollMargin(bodyRef);
  const virtualizer = useWindowVirtualizer({
    count: rows.length,
    estimateSize: () => ESTIMATED_ROW_PX,
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
