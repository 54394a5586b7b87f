import type { Discipline, GoalStatus } from '@carryover/domain';
import { goalStatuses, labels } from '@carryover/domain';
import { Button, EmptyState, ErrorState, LoadingState, PageHeader } from '@carryover/ui';
import { keepPreviousData, useInfiniteQuery } from '@tanstack/react-query';
import { getCoreRowModel, type SortingState, useReactTable } from '@tanstack/react-table';
import { useDeferredValue, useMemo, useState } from 'react';
import { ColumnChooser, useRememberedColumns } from '../../components/ColumnChooser';
import { DisciplineFilter } from '../../components/Filters';
import { MorePages } from '../../components/MorePages';
import { OpenActionItems } from '../../components/OpenActionItems';
import { caseloadListInput, caseloadSummary, nextCaseloadCursor } from '../../lib/caseload';
import { userMessage } from '../../lib/errors';
import { useDocumentTitle } from '../../lib/useDocumentTitle';
import { usePhoneWidth } from '../../lib/usePhoneWidth';
import { AsOf } from '../../offline/AsOf';
import { useTRPC } from '../../trpc';
import { VirtualCards, VirtualTable } from './CaseloadLists';
import { columns, serverSorts } from './caseloadColumns';

// The caseload a page at a time: the server sorts, filters and pages (a district can hold tens
// of thousands of students); TanStack Table holds the sort state and the columns, and only the
// rows near the viewport are in the DOM. More pages load when the end of the list comes into
// view, or with "Load more".

/** Grades a filter can pick, as the district records them. */
const gradeOptions = ['PreK', 'K', '1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '11', '12'];

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
