import type { ReportView } from '@carryover/domain';
import { Button } from '@carryover/ui';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { fieldErrors, userMessage } from '../../lib/errors';
import { useTRPC } from '../../trpc';

/** Reopens a final report as its next version; the reason is printed with it. */
export function AmendPanel({ report }: { report: ReportView }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const id = useId();
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState('');
  const amend = useMutation(
    trpc.reports.amend.mutationOptions({
      onSuccess: async () => {
        setOpen(false);
        setReason('');
        await queryClient.invalidateQueries({ queryKey: trpc.reports.get.queryKey() });
        await queryClient.invalidateQueries({ queryKey: trpc.reports.list.queryKey() });
      },
    }),
  );
  const errors = amend.isError ? fieldErrors(amend.error) : {};
  return (
    <section className="section-card report-finalize" aria-label="Amend report">
      {open ? (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            amend.mutate({ reportId: report.id, reason });
          }}
          noValidate
        >
          <div className={`field${errors.reason ? ' field--invalid' : ''}`}>
            <label className="field__label" htmlFor={`${id}-reason`}>
              Why is the report amended?
            </label>
            <textarea
              id={`${id}-reason`}
              rows={3}
              value={reason}
              onChange={(e) => setReason(e.target.value)}
              aria-invalid={errors.reason ? true : undefined}
              aria-describedby={errors.reason ? `${id}-reason-error` : undefined}
            />
            {errors.reason && (
              <p id={`${id}-reason-error`} className="field__error">
                {errors.reason.join(' ')}
              </p>
            )}
          </div>
          <div className="report-goal__actions">
            <Button type="submit" busy={amend.isPending}>
              {amend.isPending ? 'Reopening…' : `Reopen as version ${report.version + 1}`}
            </Button>
            <Button variant="secondary" onClick={() => setOpen(false)}>
              Cancel
            </Button>
          </div>
        </form>
      ) : (
        <div className="report-goal__actions">
          <Button variant="secondary" onClick={() => setOpen(true)}>
            Amend report
          </Button>
          <span className="muted small">
            Version {report.version} stays as it was finalised, and printable.
          </span>
        </div>
      )}
      {amend.isError && Object.keys(errors).length === 0 && (
        <p className="form-alert" role="alert">
          {userMessage(amend.error)}
        </p>
      )}
    </section>
  );
}
