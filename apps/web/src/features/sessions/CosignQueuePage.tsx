import { labels } from '@carryover/domain';
import {
  Button,
  EmptyState,
  ErrorState,
  formatDate,
  LoadingState,
  PageHeader,
} from '@carryover/ui';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { userMessage } from '../../lib/errors';
import { useDocumentTitle } from '../../lib/useDocumentTitle';
import { useTRPC } from '../../trpc';

/**
 * The supervising therapist's co-sign queue: their assistants' signed sessions awaiting a
 * co-signature, oldest first, each with the data recorded; check them and co-sign at once.
 */
export function CosignQueuePage() {
  useDocumentTitle('Co-sign');
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const queue = useQuery(trpc.sessions.cosignQueue.queryOptions());
  const [checked, setChecked] = useState<Set<string>>(new Set());
  const [done, setDone] = useState<string | null>(null);
  const cosign = useMutation(
    trpc.sessions.cosignMany.mutationOptions({
      onSuccess: (r) => {
        setChecked(new Set());
        setDone(
          `Co-signed ${r.cosigned} session${r.cosigned === 1 ? '' : 's'}` +
            (r.alreadyCosigned.length > 0
              ? `; ${r.alreadyCosigned.length} had been co-signed already.`
              : '.'),
        );
      },
      onSettled: () => {
        void queryClient.invalidateQueries({ queryKey: trpc.sessions.cosignQueue.queryKey() });
        void queryClient.invalidateQueries({ queryKey: trpc.sessions.recent.queryKey() });
      },
    }),
  );
  const items = queue.data ?? [];
  const toggle = (id: string) =>
    setChecked((prev) => {
      const next = new Set(prev);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  const allChecked = items.length > 0 && items.every((i) => checked.has(i.sessionId));
  return (
    <>
      <PageHeader
        title="Co-sign"
        description="Your assistants’ signed sessions waiting for your co-signature, oldest first. Read the data, check the ones you vouch for, and co-sign them at once."
      />
      {done && (
        <p className="notice" role="status">
          {done}
        </p>
      )}
      {queue.isPending ? (
        <LoadingState label="Loading the sessions to co-sign" rows={4} />
      ) : queue.isError ? (
        <ErrorState message={userMessage(queue.error)} onRetry={() => void queue.refetch()} />
      ) : items.length === 0 ? (
        <EmptyState title="Nothing waits for your co-signature">
          <p>When an assistant you supervise signs a session, it shows here.</p>
        </EmptyState>
      ) : (
        <form
          className="cosign-queue"
          onSubmit={(e) => {
            e.preventDefault();
            setDone(null);
            cosign.mutate({ sessionIds: [...checked] });
          }}
        >
          <div className="cosign-queue__bar">
            <label className="checkbox">
              <input
                type="checkbox"
                checked={allChecked}
                onChange={() =>
                  setChecked(allChecked ? new Set() : new Set(items.map((i) => i.sessionId)))
                }
              />{' '}
              Check all {items.length}
            </label>
            <Button type="submit" busy={cosign.isPending} disabled={checked.size === 0}>
              Co-sign all checked ({checked.size})
            </Button>
          </div>
          {cosign.isError && (
            <p className="field__error" role="alert">
              {userMessage(cosign.error)}
            </p>
          )}
          <ul className="plain-list stack">
            {items.map((item) => (
              <li key={item.sessionId} className="card cosign-item">
                <label className="cosign-item__head">
                  <input
                    type="checkbox"
                    checked={checked.has(item.sessionId)}
                    onChange={() => toggle(item.sessionId)}
                    aria-label={`Co-sign ${item.assistant}’s session of ${formatDate(item.date)} at ${item.startTime}`}
                  />
                  <span>
                    <strong>
                      {formatDate(item.date)} · {item.startTime}–{item.endTime}
                    </strong>{' '}
                    <span className="muted">
                      {item.minutes} min · {labels.model[item.model]} · by {item.assistant}
                    </span>
                    {item.lateEntryReason && (
                      <span className="small muted"> · late entry: {item.lateEntryReason}</span>
                    )}
                  </span>
                </label>
                <ul className="recent-session__students">
                  {item.students.map((st) => (
                    <li key={st.studentId}>
                      <span className="recent-session__student">
                        {st.name}{' '}
                        <span className="muted small">· {labels.attendance[st.attendance]}</span>
                      </span>
                      {st.note && <span className="recent-session__note">“{st.note}”</span>}
                      {st.data.length > 0 ? (
                        <ul className="cosign-item__data small">
                          {st.data.map((d, i) => (
                            // biome-ignore lint/suspicious/noArrayIndexKey: data points in entry order, never reordered
                            <li key={i}>
                              {d.goal}: {d.value}
                            </li>
                          ))}
                        </ul>
                      ) : (
                        <span className="small muted">No data points recorded.</span>
                      )}
                      {!st.signedAt && <span className="small muted">Note not signed yet.</span>}
                    </li>
                  ))}
                </ul>
              </li>
            ))}
          </ul>
        </form>
      )}
    </>
  );
}
