import {
  type Discipline,
  FIDELITY_PAGE_DEFAULT,
  type FidelityFigures,
  type FidelityGroup,
  type FidelityRow,
} from '@carryover/domain';
import {
  type Column,
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
import { Link } from 'react-router';
import { useViewer } from '../auth';
import { DisciplineFilter, PeriodFilter } from '../components/Filters';
import { MorePages } from '../components/MorePages';
import { userMessage } from '../lib/errors';
import { useDocumentTitle } from '../lib/useDocumentTitle';
import { useTRPC } from '../trpc';

// Service fidelity: mandated vs delivered minutes per student and service, per week and for
// the period, a page of students at a time (more load as the end of the list scrolls into view,
// or with "Load more"); coordinators see totals by school or by therapist, which the server
// adds up over the whole scope. Both views export as CSV.

type GroupBy = 'student' | 'school' | 'therapist';

interface TableRow {
  key: string;
  label: string;
  sub: string;
  studentId: string | null;
  figures: FidelityFigures;
  weeks: FidelityRow['weeks'];
  count: number;
}

const policyText = {
  never: 'Student absences are not owed as makeup',
  unexcused_only: 'Unexcused student absences are owed as makeup',
  always: 'Every student absence is owed as makeup',
} as const;

function studentRows(rows: FidelityRow[]): TableRow[] {
  return rows.map((r) => ({
    key: `${r.studentId}/${r.discipline}`,
    label: r.studentName,
    sub: `${r.discipline} · ${r.providerName}`,
    studentId: r.studentId,
    figures: r.figures,
    weeks: r.weeks,
    count: 1,
  }));
}

function groupRows(groups: FidelityGroup[]): TableRow[] {
  return groups.map((g) => ({
    key: g.key,
    label: g.label,
    sub: `${g.services} ${g.services === 1 ? 'service' : 'services'}`,
    studentId: null,
    figures: g.figures,
    weeks: [],
    count: g.services,
  }));
}

/** What the first column lists, by the "Group by" choice. */
const LABEL_HEADER: Record<GroupBy, string> = {
  student: 'Student / service',
  school: 'School',
  therapist: 'Therapist',
};

const columns: Column<TableRow>[] = [
  {
    id: 'label',
    header: LABEL_HEADER.student,
    cell: (r) => (
      <span className="stacked">
        {r.studentId ? (
          <Link to={`/students/${encodeURIComponent(r.studentId)}`}>{r.label}</Link>
        ) : (
          <span>{r.label}</span>
        )}
        <span className="muted small">{r.sub}</span>
        {r.weeks.length > 0 && <WeekDetails row={r} />}
      </span>
    ),
    sortValue: (r) => r.label,
  },
  {
    id: 'behind',
    header: 'Behind',
    cell: (r) =>
      r.figures.behind > 0 ? (
        <strong className="behind">{r.figures.behind} min</strong>
      ) : (
        <span className="on-pace">On pace</span>
      ),
    sortValue: (r) => r.figures.behind,
    align: 'end',
  },
  {
    id: 'mandated',
    header: 'Mandated',
    cell: (r) => (
      <span className="stacked">
        <span>{r.figures.mandated}</span>
        <span className="muted small nowrap">{r.figures.mandatedToDate} to date</span>
      </span>
    ),
    sortValue: (r) => r.figures.mandated,
    align: 'end',
  },
  {
    id: 'delivered',
    header: 'Delivered',
    cell: (r) => (
      <span className="stacked">
        <span>{r.figures.delivered + r.figures.makeupDelivered}</span>
        {r.figures.makeupDelivered > 0 && (
          <span className="muted small nowrap">incl. {r.figures.makeupDelivered} makeup</span>
        )}
      </span>
    ),
    sortValue: (r) => r.figures.delivered + r.figures.makeupDelivered,
    align: 'end',
  },
  {
    id: 'missed',
    header: 'Missed',
    cell: (r) => (
      <span className="stacked">
        <span>{r.figures.missedTotal}</span>
        {r.figures.missedTotal > 0 && (
          <span className="muted small nowrap">
            {r.figures.owed} owed · {r.figures.accounted} excused
          </span>
        )}
      </span>
    ),
    sortValue: (r) => r.figures.missedTotal,
    align: 'end',
  },
  {
    id: 'owed',
    header: 'Makeups owed',
    cell: (r) => r.figures.makeupsOwed,
    sortValue: (r) => r.figures.makeupsOwed,
    align: 'end',
  },
  {
    id: 'scheduled',
    header: 'Scheduled',
    cell: (r) => r.figures.scheduled,
    sortValue: (r) => r.figures.scheduled,
    align: 'end',
  },
  {
    id: 'remaining',
    header: 'Remaining',
    cell: (r) => r.figures.remaining,
    sortValue: (r) => r.figures.remaining,
    align: 'end',
  },
];

function WeekDetails({ row }: { row: TableRow }) {
  return (
    <details className="week-details">
      <summary>By week</summary>
      <table className="data-table data-table--compact">
        <caption className="visually-hidden">{row.label}, minutes by week</caption>
        <thead>
          <tr>
            <th scope="col">Week of</th>
            <th scope="col" className="num">
              Mandated
            </th>
            <th scope="col" className="num">
              Delivered
            </th>
            <th scope="col" className="num">
              Missed
            </th>
            <th scope="col" className="num">
              Behind
            </th>
          </tr>
        </thead>
        <tbody>
          {row.weeks.map((w) => (
            <tr key={w.weekStart}>
              <th scope="row">{formatDate(w.from)}</th>
              <td className="num">{w.mandated}</td>
              <td className="num">{w.delivered + w.makeupDelivered}</td>
              <td className="num">{w.missedTotal}</td>
              <td className="num">{w.behind}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </details>
  );
}

/**
 * The server's streamed export (GET /export/…, the session cookie signs it): the browser saves the
 * file as it arrives, so even a whole district's CSV is never held in memory on either side.
 */
function exportHref(file: 'fidelity.csv' | 'billing.csv', params: Record<string, unknown>) {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params))
    if (typeof value === 'string' && value !== '') query.set(key, value);
  return `/export/${file}?${query}`;
}

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
