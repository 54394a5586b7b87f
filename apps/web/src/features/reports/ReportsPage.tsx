import type { ReportingPeriodView, ReportListRow } from '@carryover/domain';
import {
  Button,
  type Column,
  DataTable,
  EmptyState,
  ErrorState,
  formatDate,
  LoadingState,
  PageHeader,
} from '@carryover/ui';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { useViewer } from '../../auth';
import { DistrictDate } from '../../components/DistrictDate';
import { httpStatus, retryAfterSeconds, userMessage } from '../../lib/errors';
import { useDocumentTitle } from '../../lib/useDocumentTitle';
import { useTRPC } from '../../trpc';

const WRITERS = new Set(['therapist', 'coordinator', 'admin']);

export function reportStateLabel(report: ReportListRow['report']): string {
  if (!report) return 'Not started';
  return report.status === 'final' ? 'Final' : 'Draft';
}

/** Progress reports: pick a reporting period, then open or start each student's report. */
export function ReportsPage() {
  useDocumentTitle('Reports');
  const trpc = useTRPC();
  const periods = useQuery(trpc.reports.periods.queryOptions());
  const [params, setParams] = useSearchParams();
  const chosen = params.get('period');
  const period =
    periods.data?.find((p) => p.id === chosen) ??
    periods.data?.find((p) => p.current) ??
    periods.data?.[0];

  return (
    <>
      <PageHeader
        title="Reports"
        description="IEP progress reports for each reporting period, drafted from the data."
      />
      {periods.isPending ? (
        <LoadingState label="Loading reporting periods" rows={3} />
      ) : periods.isError ? (
        <ErrorState
          title="Reporting periods could not be loaded"
          message={userMessage(periods.error)}
          onRetry={() => void periods.refetch()}
          retrying={periods.isFetching}
        />
      ) : !period ? (
        <EmptyState title="No reporting periods yet">
          <p>Your district has not set its reporting periods. Ask an administrator to add them.</p>
        </EmptyState>
      ) : (
        <div className="stack">
          <div className="filters">
            <label>
              Reporting period
              <select
                value={period.id}
                onChange={(e) => setParams({ period: e.target.value }, { replace: true })}
              >
                {periods.data.map((p) => (
                  <option key={p.id} value={p.id}>
                    {p.name}
                    {p.current ? ' (current)' : ''}
                  </option>
                ))}
              </select>
            </label>
          </div>
          <PeriodReports period={period} />
        </div>
      )}
    </>
  );
}

function PeriodReports({ period }: { period: ReportingPeriodView }) {
  const trpc = useTRPC();
  const me = useViewer();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const list = useQuery(trpc.reports.list.queryOptions({ periodId: period.id }));
  const [pending, setPending] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const canWrite = me.data ? WRITERS.has(me.data.role) : false;
  const generate = useMutation(
    trpc.reports.generate.mutationOptions({
      onSuccess: async ({ id }) => {
        await queryClient.invalidateQueries({ queryKey: trpc.reports.list.queryKey() });
        navigate(`/reports/${encodeURIComponent(id)}`);
      },
      onError: (e) => setError(userMessage(e)),
      onSettled: () => setPending(null),
    }),
  );

  const columns: Column<ReportListRow>[] = [
    {
      id: 'name',
      header: 'Student',
      cell: (r) => <Link to={`/students/${encodeURIComponent(r.studentId)}`}>{r.name}</Link>,
      sortValue: (r) => r.name,
    },
    {
      id: 'state',
      header: 'Report',
      // The action sits under the state, in the second column, so it shows whole on a phone.
      cell: (r) => (
        <span className="stacked report-state-cell">
          <span className={`report-state report-state--${r.report?.status ?? 'none'}`}>
            {reportStateLabel(r.report)}
            {r.report?.finalizedAt && (
              <span className="muted small">
                {' '}
                · <DistrictDate at={r.report.finalizedAt} />
              </span>
            )}
            {r.report && r.report.version > 1 && (
              <span className="muted small"> · version {r.report.version}</span>
            )}
          </span>
          {r.report ? (
            <Link
              className="btn btn--secondary btn--small"
              to={`/reports/${encodeURIComponent(r.report.id)}`}
              aria-label={`${r.report.status === 'final' ? 'View' : 'Open draft of'} ${r.name}'s report`}
            >
              {r.report.status === 'final' ? 'View' : 'Open draft'}
            </Link>
          ) : canWrite && r.goalCount > 0 ? (
            <Button
              size="small"
              busy={pending === r.studentId}
              aria-label={`Generate report for ${r.name}`}
              onClick={() => {
                setError(null);
                setPending(r.studentId);
                generate.mutate({ studentId: r.studentId, periodId: period.id });
              }}
            >
              {pending === r.studentId ? 'Drafting…' : 'Generate report'}
            </Button>
          ) : r.goalCount === 0 ? (
            <span className="muted small">No goals</span>
          ) : null}
        </span>
      ),
      sortValue: (r) => reportStateLabel(r.report),
    },
    { id: 'grade', header: 'Grade', cell: (r) => r.grade, sortValue: (r) => r.grade },
    { id: 'school', header: 'School', cell: (r) => r.schoolName, sortValue: (r) => r.schoolName },
    {
      id: 'goals',
      header: 'Goals',
      cell: (r) => r.goalCount,
      sortValue: (r) => r.goalCount,
      align: 'end',
    },
  ];

  if (list.isPending) return <LoadingState label="Loading reports" rows={6} />;
  if (list.isError) {
    return (
      <ErrorState
        title="Reports could not be loaded"
        message={userMessage(list.error)}
        onRetry={() => void list.refetch()}
        retrying={list.isFetching}
      />
    );
  }
  const done = list.data.filter((r) => r.report?.status === 'final').length;
  return (
    <section aria-labelledby="period-heading" className="stack">
      <h2 id="period-heading">
        {period.name}{' '}
        <span className="muted small">
          {formatDate(period.startsOn)} – {formatDate(period.endsOn)} · {done} of {list.data.length}{' '}
          final
        </span>
      </h2>
      {error && (
        <p className="form-alert" role="alert">
          {error}
        </p>
      )}
      {list.data.length > 0 && (
        <BulkReports period={period} rows={list.data} canWrite={canWrite} finals={done} />
      )}
      {list.data.length === 0 ? (
        <EmptyState title="No students on your caseload" />
      ) : (
        <DataTable
          caption={`Progress reports for ${period.name}`}
          columns={columns}
          rows={list.data}
          rowKey={(r) => r.studentId}
          compact
        />
      )}
    </section>
  );
}

interface Skipped {
  studentId: string;
  name: string;
  reason: string;
}

/** Why a student gets no new draft from "Generate all drafts", or null when they get one. */
export function skipReason(row: ReportListRow): string | null {
  if (row.report?.status === 'final') return 'Already has a final report';
  if (row.report) return 'Already has a draft';
  if (row.goalCount === 0) return 'No goals to report on';
  return null;
}

/**
 * One draft; a large caseload can outrun the per-user write limit, so a rate-limited call waits
 * the seconds the server asks (up to a minute) and tries again rather than skipping the student.
 */
async function draftWaitingOutRateLimit<T>(call: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await call();
    } catch (e) {
      const wait = httpStatus(e) === 429 ? retryAfterSeconds(e) : null;
      if (wait === null || wait > 60 || attempt >= 3) throw e;
      await new Promise((resolve) => setTimeout(resolve, wait * 1000));
    }
  }
}

/**
 * The whole caseload at once: draft every report not yet started (one at a time through the
 * same scoped, audited `generate` as a single report, so running it twice adds nothing), with
 * progress and what was skipped and why; and print every final report as one document.
 */
function BulkReports({
  period,
  rows,
  canWrite,
  finals,
}: {
  period: ReportingPeriodView;
  rows: ReportListRow[];
  canWrite: boolean;
  finals: number;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const generate = useMutation(trpc.reports.generate.mutationOptions());
  const [run, setRun] = useState<{
    done: number;
    total: number;
    created: number;
    skipped: Skipped[];
    finished: boolean;
  } | null>(null);
  const running = run !== null && !run.finished;

  async function generateAll() {
    const skipped: Skipped[] = [];
    const todo: ReportListRow[] = [];
    for (const row of rows) {
      const reason = skipReason(row);
      if (reason) skipped.push({ studentId: row.studentId, name: row.name, reason });
      else todo.push(row);
    }
    let created = 0;
    setRun({ done: 0, total: todo.length, created, skipped: [...skipped], finished: false });
    for (const [i, row] of todo.entries()) {
      try {
        const result = await draftWaitingOutRateLimit(() =>
          generate.mutateAsync({ studentId: row.studentId, periodId: period.id }),
        );
        if (result.created) created += 1;
        else
          skipped.push({
            studentId: row.studentId,
            name: row.name,
            reason: 'Someone else started this report meanwhile',
          });
      } catch (e) {
        skipped.push({ studentId: row.studentId, name: row.name, reason: userMessage(e) });
      }
      setRun({ done: i + 1, total: todo.length, created, skipped: [...skipped], finished: false });
    }
    setRun({ done: todo.length, total: todo.length, created, skipped, finished: true });
    await queryClient.invalidateQueries({ queryKey: trpc.reports.list.queryKey() });
  }

  return (
    <section className="bulk-reports" aria-label="Whole caseload">
      <div className="bulk-reports__actions">
        {canWrite && (
          <Button busy={running} onClick={() => void generateAll()} disabled={running}>
            {running ? 'Drafting…' : 'Generate all drafts for this period'}
          </Button>
        )}
        {finals > 0 ? (
          <Link
            className="btn btn--secondary"
            to={`/reports/print-all?period=${encodeURIComponent(period.id)}`}
          >
            Print all final reports ({finals})
          </Link>
        ) : (
          <span className="muted small">No final reports to print yet</span>
        )}
      </div>
      {run && (
        <div className="bulk-reports__progress" role="status" aria-live="polite">
          <progress
            value={run.finished ? Math.max(run.total, 1) : run.done}
            max={Math.max(run.total, 1)}
            aria-label="Drafts generated"
          />
          <p>
            {run.finished
              ? `Done: ${run.created} ${run.created === 1 ? 'draft' : 'drafts'} generated, ${run.skipped.length} skipped.`
              : `Drafting ${Math.min(run.done + 1, run.total)} of ${run.total}…`}
          </p>
        </div>
      )}
      {run?.finished && run.skipped.length > 0 && (
        <details className="bulk-reports__skipped" open={run.created === 0}>
          <summary>Skipped ({run.skipped.length}) and why</summary>
          <ul>
            {run.skipped.map((s) => (
              <li key={s.studentId}>
                <strong>{s.name}</strong>: {s.reason}
              </li>
            ))}
          </ul>
        </details>
      )}
    </section>
  );
}
