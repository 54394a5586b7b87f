import type { RouterOutputs } from '@carryover/api';
import { EmptyState, ErrorState, formatDate, LoadingState, PageHeader } from '@carryover/ui';
import { useQuery } from '@tanstack/react-query';
import {
  type ColumnDef,
  getCoreRowModel,
  getSortedRowModel,
  type SortingState,
  useReactTable,
} from '@tanstack/react-table';
import { useMemo, useState } from 'react';
import { ColumnChooser, useRememberedColumns } from '../../components/ColumnChooser';
import { PeriodFilter } from '../../components/Filters';
import { SortableTable } from '../../components/SortableTable';
import { userMessage } from '../../lib/errors';
import { useDocumentTitle } from '../../lib/useDocumentTitle';
import { useTRPC } from '../../trpc';

// Per therapist: students, open goals, minutes mandated and delivered this period (the fidelity
// report's figures), sessions per week — each beside the team median. TanStack Table sorts the
// rows and holds which columns the user chose to see (remembered on this device).

type Team = RouterOutputs['workload']['team'];
type Row = Team['rows'][number];
type Metric = keyof Team['median'];

function vsMedian(value: number, median: number | null, unit = '') {
  if (median === null) return <span>{value}</span>;
  const diff = Math.round((value - median) * 10) / 10;
  const far = median > 0 && Math.abs(value - median) / median >= 0.25;
  return (
    <span className="stacked">
      <span className={far ? 'workload-above' : undefined}>
        {value}
        {unit}
      </span>
      <span className="muted small">
        {diff === 0 ? 'at median' : `${diff > 0 ? '+' : ''}${diff} vs median ${median}`}
      </span>
    </span>
  );
}

function columns(median: Team['median']): ColumnDef<Row>[] {
  const metric = (id: Metric, header: string, unit = ''): ColumnDef<Row> => ({
    id,
    header,
    accessorFn: (r) => r[id],
    cell: ({ row }) => vsMedian(row.original[id], median[id], unit),
    sortDescFirst: true,
    meta: { align: 'end' },
  });
  return [
    {
      id: 'name',
      header: 'Therapist',
      accessorFn: (r) => r.name,
      cell: ({ row: { original: r } }) => (
        <span className="stacked">
          <span>{r.name}</span>
          <span className="muted small">{r.discipline ?? ''}</span>
        </span>
      ),
      sortingFn: (a, b) => a.original.name.localeCompare(b.original.name),
      // The row's name: always shown.
      enableHiding: false,
    },
    metric('students', 'Students'),
    metric('goals', 'Open goals'),
    metric('mandated', 'Minutes mandated'),
    metric('delivered', 'Minutes delivered'),
    metric('behind', 'Minutes behind'),
    metric('sessionsPerWeek', 'Sessions / week'),
  ];
}

/** The team's table: sortable by any column, with the columns the user chose. */
function WorkloadTable({ team }: { team: Team }) {
  const [sorting, setSorting] = useState<SortingState>([{ id: 'students', desc: true }]);
  const [columnVisibility, setColumnVisibility] = useRememberedColumns('workload');
  const tableColumns = useMemo(() => columns(team.median), [team.median]);
  const table = useReactTable({
    data: team.rows,
    columns: tableColumns,
    getRowId: (r) => r.providerId,
    getCoreRowModel: getCoreRowModel(),
    getSortedRowModel: getSortedRowModel(),
    enableSortingRemoval: false,
    state: { sorting, columnVisibility },
    onSortingChange: setSorting,
    onColumnVisibilityChange: setColumnVisibility,
  });
  return (
    <>
      <div className="table-tools">
        <ColumnChooser table={table} />
      </div>
      <SortableTable table={table} caption="Workload per therapist" className="workload-table" />
    </>
  );
}

export function WorkloadPage() {
  useDocumentTitle('Workload');
  const trpc = useTRPC();
  const [periodId, setPeriodId] = useState('');
  const team = useQuery(trpc.workload.team.queryOptions(periodId ? { periodId } : undefined));
  const v = team.data;
  return (
    <>
      <PageHeader
        title="Workload"
        description={
          v ? (
            <p>
              {v.periodName}: {formatDate(v.from)} – {formatDate(v.to)} · sessions per week over{' '}
              {v.weeks} weeks so far · each figure beside the team median.
            </p>
          ) : null
        }
      />
      <search className="filters" aria-label="Choose the period">
        <PeriodFilter periods={v?.periods} value={periodId} onChange={setPeriodId} />
      </search>
      {team.isPending ? (
        <LoadingState label="Loading the team's workload" rows={6} />
      ) : team.isError ? (
        <ErrorState
          title="Workload could not be loaded"
          message={userMessage(team.error)}
          onRetry={() => void team.refetch()}
          retrying={team.isFetching}
        />
      ) : team.data.rows.length === 0 ? (
        <EmptyState title="No therapists serve your schools in this period">
          <p>Therapists appear here once they hold a service for a student in your schools.</p>
        </EmptyState>
      ) : (
        <WorkloadTable team={team.data} />
      )}
    </>
  );
}
