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
import { Link } from 'react-router';
import { useViewer } from '../../auth';
import { userMessage } from '../../lib/errors';
import { useDocumentTitle } from '../../lib/useDocumentTitle';
import { useTRPC } from '../../trpc';
import { ActionItemForm, NotesForm } from './MeetingForms';
import { TouchBaseForm } from './TouchBaseForm';

/** Team: touch-base meetings outside push-in time, with notes and action items. */
export function TeamPage() {
  useDocumentTitle('Team');
  const trpc = useTRPC();
  const me = useViewer();
  const queryClient = useQueryClient();
  const list = useQuery(trpc.team.list.queryOptions());
  const [creating, setCreating] = useState(false);
  // Which meeting's notes or which action item is open for editing (by id, so the form follows
  // the list when a newer version loads).
  const [editing, setEditing] = useState<string | null>(null);
  const done = useMutation(
    trpc.team.setActionItemDone.mutationOptions({
      onSuccess: () => {
        void queryClient.invalidateQueries({ queryKey: trpc.team.list.queryKey() });
        void queryClient.invalidateQueries({ queryKey: trpc.home.get.queryKey() });
      },
    }),
  );
  return (
    <>
      <PageHeader
        title="Team"
        description="Touch-base meetings: progress is discussed here, outside push-in time, not in front of students."
        actions={
          !creating && <Button onClick={() => setCreating(true)}>Record a touch-base</Button>
        }
      />
      <div className="stack">
        {creating && <TouchBaseForm onDone={() => setCreating(false)} />}
        {list.isPending ? (
          <LoadingState label="Loading meetings" rows={5} />
        ) : list.isError ? (
          <ErrorState message={userMessage(list.error)} onRetry={() => void list.refetch()} />
        ) : list.data.length === 0 ? (
          !creating && (
            <EmptyState
              title="No touch-base meetings yet"
              action={<Button onClick={() => setCreating(true)}>Record the first one</Button>}
            >
              <p>
                Meet briefly with the teacher outside push-in, note what you agreed and who does
                what by when.
              </p>
            </EmptyState>
          )
        ) : (
          <ul className="stack plain-list">
            {list.data.map((m) => {
              const mine = m.participants.some((p) => p.id === me.data?.id);
              return (
                <li key={m.id} className="section-card touch-base">
                  <h2 className="plan-card__title">
                    {formatDate(m.metOn)}
                    {m.startTime ? ` · ${m.startTime}` : ''}
                    {m.upcoming && <span className="muted"> · upcoming</span>}
                  </h2>
                  <p className="small">
                    <span className="muted">With</span>{' '}
                    {m.participants.map((p) => p.name).join(', ')}
                    {' · '}
                    <span className="muted">About</span>{' '}
                    {m.students.map((s, i) => (
                      <span key={s.id}>
                        {i > 0 && ', '}
                        <Link to={`/students/${encodeURIComponent(s.id)}`}>{s.name}</Link>
                      </span>
                    ))}
                  </p>
                  {editing === m.id ? (
                    <NotesForm meeting={m} onDone={() => setEditing(null)} />
                  ) : (
                    <>
                      {m.notes && <p className="touch-base__notes">{m.notes}</p>}
                      {mine && (
                        <Button
                          variant="ghost"
                          size="small"
                          onClick={() => setEditing(m.id)}
                          aria-label={`Edit notes of ${formatDate(m.metOn)}`}
                        >
                          Edit notes
                        </Button>
                      )}
                    </>
                  )}
                  {m.actionItems.length > 0 && (
                    <ul className="action-items">
                      {m.actionItems.map((a) =>
                        editing === a.id ? (
                          <li key={a.id} className="action-item">
                            <ActionItemForm item={a} onDone={() => setEditing(null)} />
                          </li>
                        ) : (
                          <li key={a.id} className="action-item">
                            <label className="checkbox">
                              <input
                                type="checkbox"
                                checked={a.doneOn !== null}
                                disabled={done.isPending}
                                onChange={(e) =>
                                  done.mutate({ actionItemId: a.id, done: e.target.checked })
                                }
                              />{' '}
                              {a.text}
                            </label>
                            <span className="muted small">
                              {a.ownerId === me.data?.id ? 'You' : a.ownerName} · due{' '}
                              {formatDate(a.dueOn)}
                              {a.doneOn ? ` · done ${formatDate(a.doneOn)}` : ''}
                            </span>
                            {(mine || a.ownerId === me.data?.id) && (
                              <Button
                                variant="ghost"
                                size="small"
                                onClick={() => setEditing(a.id)}
                                aria-label={`Edit the action item ${a.text}`}
                              >
                                Edit
                              </Button>
                            )}
                          </li>
                        ),
                      )}
                    </ul>
                  )}
                </li>
              );
            })}
          </ul>
        )}
        {done.isError && <p className="form-alert">{userMessage(done.error)}</p>}
      </div>
    </>
  );
}
