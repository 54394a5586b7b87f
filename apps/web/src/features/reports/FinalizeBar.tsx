import type { ReportLineEdit, ReportView } from '@carryover/domain';
import { Button } from '@carryover/ui';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { userMessage } from '../../lib/errors';
import { useTRPC } from '../../trpc';
import type { UnsavedEdits } from './ReportGoalCard';

export function FinalizeBar({ report, unsaved }: { report: ReportView; unsaved: UnsavedEdits }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [confirming, setConfirming] = useState(false);
  const finalize = useMutation(
    trpc.reports.finalize.mutationOptions({
      onSuccess: async () => {
        setConfirming(false);
        await queryClient.invalidateQueries({ queryKey: trpc.reports.get.queryKey() });
        await queryClient.invalidateQueries({ queryKey: trpc.reports.list.queryKey() });
      },
    }),
  );
  // Read when the bar renders (on opening the confirmation): the cards' unsaved edits.
  const edits = [...unsaved.current.values()].filter((e): e is ReportLineEdit => e !== null);
  return (
    <section className="section-card report-finalize" aria-label="Finalise report">
      {confirming ? (
        <>
          <p>
            <strong>Finalise {report.studentName}'s report?</strong> Once final, no goal's status,
            score or narrative can be changed.
          </p>
          {edits.length > 0 && (
            <p data-testid="unsaved-note">
              {edits.length === 1 ? 'One goal has' : `${edits.length} goals have`} unsaved edits:
              they are saved first. If one cannot be saved, nothing is finalised.
            </p>
          )}
          <div className="report-goal__actions">
            <Button
              busy={finalize.isPending}
              onClick={() =>
                finalize.mutate({
                  reportId: report.id,
                  edits: [...unsaved.current.values()].filter(
                    (e): e is ReportLineEdit => e !== null,
                  ),
                })
              }
            >
              {finalize.isPending ? 'Finalising…' : 'Yes, finalise'}
            </Button>
            <Button variant="secondary" onClick={() => setConfirming(false)}>
              Cancel
            </Button>
          </div>
        </>
      ) : (
        <div className="report-goal__actions">
          <Button onClick={() => setConfirming(true)}>Finalise report</Button>
          <span className="muted small">
            Unsaved edits are saved first; finalising locks the report.
          </span>
        </div>
      )}
      {finalize.isError && (
        <p className="form-alert" role="alert">
          {userMessage(finalize.error)}
        </p>
      )}
    </section>
  );
}
