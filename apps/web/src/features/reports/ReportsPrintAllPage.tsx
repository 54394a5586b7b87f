import { EmptyState, ErrorState, LoadingState } from '@carryover/ui';
import { useQuery } from '@tanstack/react-query';
import { Link, useSearchParams } from 'react-router';
import { userMessage } from '../../lib/errors';
import { useDocumentTitle } from '../../lib/useDocumentTitle';
import { useTRPC } from '../../trpc';
import { FullReport } from './ReportPrintPage';

/**
 * Every final report of a period for the viewer's caseload as ONE document: printed (or saved
 * as PDF) once, each report starting on a new page. Drafts are left out: only what was
 * finalised goes home.
 */
export function ReportsPrintAllPage() {
  const [params] = useSearchParams();
  const periodId = params.get('period') ?? '';
  const trpc = useTRPC();
  const reports = useQuery({
    ...trpc.reports.printAll.queryOptions({ periodId }),
    enabled: periodId !== '',
  });
  const periodName = reports.data?.[0]?.period.name;
  useDocumentTitle(
    periodName ? `Final progress reports — ${periodName}` : 'Final progress reports',
  );
  const back = `/reports${periodId ? `?period=${encodeURIComponent(periodId)}` : ''}`;

  if (!periodId) {
    return (
      <EmptyState title="Choose a reporting period">
        <p>
          <Link to="/reports">Open Reports</Link> and choose the period to print.
        </p>
      </EmptyState>
    );
  }
  if (reports.isPending) return <LoadingState label="Loading final reports" rows={8} />;
  if (reports.isError) {
    return (
      <ErrorState
        title="The reports could not be loaded"
        message={userMessage(reports.error)}
        onRetry={() => void reports.refetch()}
        retrying={reports.isFetching}
      />
    );
  }
  const all = reports.data;
  return (
    <>
      <div className="print-toolbar">
        <Link to={back}>← Back to Reports</Link>
        <div className="print-toolbar__actions">
          <p className="muted small" data-testid="print-all-count">
            {all.length === 1 ? '1 final report' : `${all.length} final reports`}, each on its own
            pages
          </p>
          <button
            type="button"
            className="btn btn--primary"
            onClick={() => window.print()}
            disabled={all.length === 0}
          >
            Print or save as PDF
          </button>
        </div>
      </div>
      {all.length === 0 ? (
        <EmptyState title="No final reports for this period yet">
          <p>Finalise reports first; drafts are not printed here.</p>
        </EmptyState>
      ) : (
        all.map((r) => <FullReport key={r.id} report={r} />)
      )}
    </>
  );
}
