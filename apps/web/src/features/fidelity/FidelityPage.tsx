import {
  type Discipline,
  FIDELITY_PAGE_DEFAULT,
  type FidelityFigures,
  type FidelityGroup,
  type FidelityRow,
  unitRuleLabels,
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
import {
  keepPreviousData,
  useInfiniteQuery,
  useQuery,
  useQueryClient,
} from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { Link } from 'react-router';
import { useViewer } from '../../auth';
import { DistrictDate } from '../../components/DistrictDate';
import { DisciplineFilter, PeriodFilter } from '../../components/Filters';
import { MorePages } from '../../components/MorePages';
import { userMessage } from '../../lib/errors';
import { useDocumentTitle } from '../../lib/useDocumentTitle';
import { useTRPC } from '../../trpc';

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

/**
 * Medicaid billing: a preview of the billing file for the period (every row says whether it
 * bills and why not), narrowed to a school or therapist; coordinators and admins record an
 * export, which enters the history so nothing is billed twice.
 */
function BillingPanel(props: { from: string; to: string; wide: boolean }) {
  // Folded until asked for: the fidelity table's own requests go first.
  const [open, setOpen] = useState(false);
  return (
    <details
      className="section-card billing-panel"
      open={open}
      onToggle={(e) => setOpen(e.currentTarget.open)}
    >
      <summary>
        <h2 id="billing-heading">Medicaid billing</h2>
      </summary>
      {open && <BillingDetails {...props} />}
    </details>
  );
}

function BillingDetails({ from, to, wide }: { from: string; to: string; wide: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [schoolId, setSchoolId] = useState('');
  const [therapistId, setTherapistId] = useState('');
  const options = useQuery({ ...trpc.billing.providers.queryOptions(), enabled: wide });
  const history = useQuery(trpc.billing.exports.queryOptions());
  const settings = useQuery(trpc.billing.settings.queryOptions());
  const isAdmin = useViewer().data?.role === 'admin';
  const params = { from, to, schoolId, therapistId };
  return (
    <section aria-labelledby="billing-heading">
      <p className="small muted">
        Signed, delivered sessions (co-signed when an assistant logged them) with the student’s
        Medicaid ID, birth date and ICD-10 diagnosis and the provider’s NPI bill; every other row
        says “not billable” and why.
        {settings.data
          ? ` Units: ${unitRuleLabels[settings.data.unitRule]} for timed codes, one per session for untimed ones.`
          : ''}
      </p>
      {isAdmin && (
        <p className="small">
          <Link to="/admin/billing">Billing codes and units rule</Link>
        </p>
      )}
      {wide && (
        <div className="filters">
          <label className="select-field">
            <span className="field__label">School</span>
            <select value={schoolId} onChange={(e) => setSchoolId(e.target.value)}>
              <option value="">All schools</option>
              {options.data?.schools.map((s) => (
                <option key={s.id} value={s.id}>
                  {s.name}
                </option>
              ))}
            </select>
          </label>
          <label className="select-field">
            <span className="field__label">Therapist</span>
            <select value={therapistId} onChange={(e) => setTherapistId(e.target.value)}>
              <option value="">All therapists</option>
              {options.data?.providers.map((p) => (
                <option key={p.id} value={p.id}>
                  {p.name} ({p.discipline ?? p.role})
                </option>
              ))}
            </select>
          </label>
        </div>
      )}
      <div className="log-session__actions">
        <a className="btn btn--secondary" href={exportHref('billing.csv', params)} download>
          Billing preview CSV
        </a>
        {wide && (
          <a
            className="btn btn--primary"
            href={exportHref('billing.csv', { ...params, record: '1' })}
            download
            onClick={() => {
              // The file downloads on its own; the history shows it once it is recorded.
              window.setTimeout(
                () =>
                  void queryClient.invalidateQueries({
                    queryKey: trpc.billing.exports.queryKey(),
                  }),
                1500,
              );
            }}
          >
            Record billing export
          </a>
        )}
      </div>
      <h3>Export history</h3>
      {history.isPending ? (
        <LoadingState label="Loading the export history" rows={2} />
      ) : history.isError ? (
        <ErrorState message={userMessage(history.error)} onRetry={() => void history.refetch()} />
      ) : history.data.length === 0 ? (
        <p className="small muted">No billing export recorded yet.</p>
      ) : (
        <div className="table-scroll">
          <table className="data-table billing-history">
            <caption className="visually-hidden">Recorded billing exports</caption>
            <thead>
              <tr>
                <th scope="col">Recorded</th>
                <th scope="col">Period</th>
                <th scope="col">By</th>
                <th scope="col" className="num">
                  Billed
                </th>
                <th scope="col" className="num">
                  Re-billed
                </th>
                <th scope="col" className="num">
                  Reversed
                </th>
                <th scope="col" className="num">
                  Units
                </th>
              </tr>
            </thead>
            <tbody>
              {history.data.map((h) => (
                <tr key={h.id}>
                  <td>
                    <DistrictDate at={h.createdAt} />
                  </td>
                  <td>
                    {formatDate(h.filters.from)} – {formatDate(h.filters.to)}
                    {h.filters.schoolId || h.filters.therapistId || h.filters.studentId
                      ? ' (filtered)'
                      : ''}
                  </td>
                  <td>{h.createdBy}</td>
                  <td className="num">{h.billed}</td>
                  <td className="num">{h.rebilled}</td>
                  <td className="num">{h.reversed}</td>
                  <td className="num">{h.units}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
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
