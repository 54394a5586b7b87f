import type { ReportLineEdit } from '@carryover/domain';
import { GAS_RULE } from '@carryover/domain';
import { EmptyState, ErrorState, formatDate, LoadingState, PageHeader } from '@carryover/ui';
import { useQuery } from '@tanstack/react-query';
import { useRef } from 'react';
import { Link, useParams } from 'react-router';
import { DistrictDate } from '../../components/DistrictDate';
import { errorCode, userMessage } from '../../lib/errors';
import { useDocumentTitle } from '../../lib/useDocumentTitle';
import { useTRPC } from '../../trpc';
import { AmendPanel } from './AmendPanel';
import { FinalizeBar } from './FinalizeBar';
import { ReadinessPanel } from './ReadinessPanel';
import { ReportGoalCard } from './ReportGoalCard';
import { VersionList } from './VersionList';

/** One student's progress report for a period: review, edit each goal, finalise, print. */
export function ReportPage() {
  const { reportId = '' } = useParams();
  const trpc = useTRPC();
  const report = useQuery(trpc.reports.get.queryOptions({ reportId }));
  useDocumentTitle(
    report.data ? `${report.data.studentName} · ${report.data.period.name}` : 'Report',
  );
  const back = <Link to="/reports">← Reports</Link>;
  // Each goal card keeps here the edit it has not saved (null when saved): finalising sends them.
  const unsaved = useRef(new Map<string, ReportLineEdit | null>());

  if (report.isPending) {
    return (
      <>
        <PageHeader eyebrow={back} title="Loading report…" />
        <LoadingState label="Loading report" rows={8} />
      </>
    );
  }
  if (report.isError) {
    const code = errorCode(report.error);
    return (
      <>
        <PageHeader eyebrow={back} title="Report" />
        {code === 'NOT_FOUND' || code === 'BAD_REQUEST' ? (
          <EmptyState title="This report isn't one you can see">
            <p>The link may be old, or the student may be served by another team.</p>
          </EmptyState>
        ) : (
          <ErrorState
            title="The report could not be loaded"
            message={userMessage(report.error)}
            onRetry={() => void report.refetch()}
            retrying={report.isFetching}
          />
        )}
      </>
    );
  }
  const r = report.data;
  const final = r.status === 'final';
  return (
    <>
      <PageHeader
        eyebrow={back}
        title={`${r.studentName}: ${r.period.name} progress report`}
        description={
          <p className="report-meta">
            <span className={`report-state report-state--${r.status}`}>
              {final ? 'Final' : 'Draft'}
            </span>{' '}
            {formatDate(r.period.startsOn)} – {formatDate(r.period.endsOn)} · Grade {r.grade} ·{' '}
            {r.schoolName}
            {final && r.finalizedAt && (
              <>
                {' '}
                · Finalised <DistrictDate at={r.finalizedAt} />
                {r.finalizedBy ? ` by ${r.finalizedBy}` : ''}
              </>
            )}
            {r.version > 1 && (
              <>
                {' '}
                · Version {r.version}
                {r.amendReason ? ` (amended: ${r.amendReason})` : ''}
              </>
            )}
          </p>
        }
        actions={
          <>
            <Link className="btn btn--secondary" to={`/reports/${encodeURIComponent(r.id)}/print`}>
              Print report
            </Link>
            <Link
              className="btn btn--secondary"
              to={`/reports/${encodeURIComponent(r.id)}/print?version=parent`}
            >
              Parent version
            </Link>
          </>
        }
      />
      <div className="stack">
        {final ? (
          <p className="report-lock" role="note">
            This report is final and locked. It can be printed but not changed.
          </p>
        ) : (
          <p className="muted">
            Each goal's status, score and narrative were drafted from the data. Check and edit them,
            save each goal, then finalise.
          </p>
        )}
        {r.goals.length === 0 ? (
          <EmptyState title="No goals on this report">
            <p>The student had no goals that started by the end of this period.</p>
          </EmptyState>
        ) : (
          r.goals.map((g) => (
            <ReportGoalCard key={g.goalId} report={r} line={g} unsaved={unsaved} />
          ))
        )}
        <details className="report-rule">
          <summary>How the goal-attainment score is computed</summary>
          <p>{GAS_RULE}</p>
        </details>
        {!final && r.readiness.length > 0 && <ReadinessPanel report={r} />}
        {r.canFinalize && <FinalizeBar report={r} unsaved={unsaved} />}
        {r.canAmend && <AmendPanel report={r} />}
        {r.versions.length > 0 && <VersionList report={r} />}
      </div>
    </>
  );
}
