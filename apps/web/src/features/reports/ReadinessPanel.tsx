import type { ReportView } from '@carryover/domain';
import { Button } from '@carryover/ui';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { DistrictDate } from '../../components/DistrictDate';
import { userMessage } from '../../lib/errors';
import { useTRPC } from '../../trpc';

/** Each discipline marks its lines ready; the report is finalised once all have. */
export function ReadinessPanel({ report }: { report: ReportView }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const mark = useMutation(
    trpc.reports.markReady.mutationOptions({
      onSuccess: async () => {
        await queryClient.invalidateQueries({ queryKey: trpc.reports.get.queryKey() });
      },
    }),
  );
  return (
    <section className="section-card report-readiness" aria-label="Ready to finalise">
      <h2 className="report-goal__title">Ready to finalise?</h2>
      <ul>
        {report.readiness.map((r) => (
          <li key={r.discipline}>
            <strong>{r.discipline}</strong>
            <span>
              {r.ready ? (
                r.markedBy ? (
                  <>
                    ready ({r.markedBy}, <DistrictDate at={r.markedAt ?? null} />)
                  </>
                ) : (
                  'ready'
                )
              ) : (
                'not marked ready yet'
              )}
            </span>
            {report.canMarkReady.includes(r.discipline) && (
              <Button
                variant="secondary"
                size="small"
                busy={mark.isPending}
                onClick={() =>
                  mark.mutate({ reportId: report.id, discipline: r.discipline, ready: !r.ready })
                }
              >
                {r.ready ? `Take back ${r.discipline} ready` : `Mark ${r.discipline} lines ready`}
              </Button>
            )}
          </li>
        ))}
      </ul>
      {report.waitingFor.length > 0 && (
        <p className="muted small" role="status">
          Waiting for {report.waitingFor.join(', ')} to mark their lines ready before the report can
          be finalised. Changing a goal's line takes its discipline's mark back.
        </p>
      )}
      {mark.isError && (
        <p className="form-alert" role="alert">
          {userMessage(mark.error)}
        </p>
      )}
    </section>
  );
}
