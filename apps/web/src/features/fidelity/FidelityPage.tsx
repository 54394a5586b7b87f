import { type Discipline, FIDELITY_PAGE_DEFAULT } from '@carryover/domain';
import {
  DataTable,
  EmptyState,
  ErrorState,
  formatDate,
  LoadingState,
  PageHeader,
  SegmentedControl,
} from '@carryover/ui';
import { keepPreviousData, useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { useViewer } from '../../auth';
import { DisciplineFilter, PeriodFilter } from '../../components/Filters';
import { MorePages } from '../../components/MorePages';
import { userMessage } from '../../lib/errors';
import { useDocumentTitle } from '../../lib/useDocumentTitle';
import { useTRPC } from '../../trpc';
import { BillingPanel, exportHref } from './BillingPanel';
import {
  columns,
  type GroupBy,
  groupRows,
  LABEL_HEADER,
  policyText,
  studentRows,
} from './fidelityTable';

// Service fidelity: mandated vs delivered minutes per student and service, per week and for
// the period, a page of students at a time (more load as the end of the list scrolls into view,
// or with "Load more"); coordinators see totals by school or by therapist, which the server
// adds up over the whole scope. Both views export as CSV.

export function FidelityPage() {
  useDocumentTitle('Fidelity');
  const trpc = useTRPC();
  const me = useViewer();
  const [periodId, setPeriodId] = useState('');
  const [discipline, setDiscipline] = useState<Discipline | '' | null>(null);
  // Therapists start at their own discipline; everyone can widen it.
  const shownDiscipline = discipline ?? me.data?.discipline ?? '';
  const input =
    periodId || shownDiscipline
      ? { periodId: periodId || undefined, discipline: shownDiscipline || undefined }
      : undefined;
  const report = useInfiniteQuery({
    ...trpc.fidelity.report.infiniteQueryOptions(
      { ...input, limit: FIDELITY_PAGE_DEFAULT },
      { getNextPageParam: (page) => page.nextCursor },
    ),
    // Another period or discipline keeps the old rows on screen until its first page arrives.
    placeholderData: keepPreviousData,
  });
  const wide = me.data?.role === 'coordinator' || me.data?.role === 'admin';
  const [groupBy, setGroupBy] = useState<GroupBy>('student');
  const grouped = groupBy !== 'student';
  const labelledColumns = useMemo(
    () => columns.map((c) => (c.id === 'label' ? { ...c, header: LABEL_HEADER[groupBy] } : c)),
    [groupBy],
  );
  const groups = useQuery({
    ...trpc.fidelity.groups.queryOptions({
      ...input,
      groupBy: groupBy === 'therapist' ? 'therapist' : 'school',
    }),
    enabled: grouped,
    placeholderData: keepPreviousData,
  });
  // Stable arrays: the table recomputes whenever `rows` is a new array.
  const rows = useMemo(
    () =>
      grouped
        ? groupRows(groups.data?.groups ?? [])
        : studentRows(report.data?.pages.flatMap((p) => p.rows) ?? []),
    [grouped, groups.data, report.data],
  );
  const shown = grouped ? groups : report;
  const v = report.data?.pages[0];

  return (
    <>
      <PageHeader
        title="Fidelity"
        description={
          v ? (
            <p>
              {v.periodName}: {formatDate(v.from)} – {formatDate(v.to)} · {policyText[v.policy]};
              provider absences always are.
            </p>
          ) : null
        }
        actions={
          v && v.rows.length > 0 ? (
            <>
              <a
                className="btn btn--secondary"
                href={exportHref('fidelity.csv', input ?? {})}
                download
              >
                Fidelity CSV
              </a>
              <a
                className="btn btn--secondary"
                href={exportHref('billing.csv', { from: v.from, to: v.to })}
                download
              >
                Session log CSV (billing)
              </a>
            </>
          ) : null
        }
      />
      {v && me.data && me.data.role !== 'teacher' && (
        <BillingPanel from={v.from} to={v.to} wide={wide} />
      )}
      <search className="filters" aria-label="Choose the period">
        <PeriodFilter periods={v?.periods} value={periodId} onChange={setPeriodId} />
        <DisciplineFilter value={shownDiscipline} onChange={setDiscipline} />
        {wide && (
          <SegmentedControl
            legend="Group by"
            options={[
              { value: 'student', label: 'Student' },
              { value: 'school', label: 'School' },
              { value: 'therapist', label: 'Therapist' },
            ]}
            value={groupBy}
            onChange={setGroupBy}
            columns={3}
          />
        )}
      </search>
      {shown.isPending ? (
        <LoadingState label="Loading service minutes" rows={8} />
      ) : shown.isError ? (
        <ErrorState
          title="Service minutes could not be loaded"
          message={userMessage(shown.error)}
          onRetry={() => void shown.refetch()}
          retrying={shown.isFetching}
        />
      ) : rows.length === 0 && (grouped || !report.hasNextPage) ? (
        <EmptyState title="No services in this period">
          <p>Minutes appear here for the IEP services of students you can see.</p>
        </EmptyState>
      ) : (
        <>
          {!grouped && report.hasNextPage && (
            <p className="muted small">
              Showing {rows.length} services so far; sorting applies to the rows loaded.
            </p>
          )}
          <DataTable
            caption={`Service minutes by ${groupBy}`}
            columns={labelledColumns}
            rows={rows}
            rowKey={(r) => r.key}
            initialSort={{ columnId: 'behind', direction: 'descending' }}
          />
          {!grouped && (
            <MorePages
              noun="students"
              hasNextPage={report.hasNextPage}
              fetching={report.isFetching}
              failed={report.isFetchNextPageError}
              onMore={() => void report.fetchNextPage({ cancelRefetch: false })}
            />
          )}
        </>
      )}
    </>
  );
}
