import {
  type AttendanceOutcome,
  labels,
  missedReasons,
  type SessionSummary,
} from '@carryover/domain';
import { Button, EmptyState, ErrorState, Field, formatDate, LoadingState } from '@carryover/ui';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { DistrictDate } from '../../components/DistrictDate';
import { fieldErrors, userMessage } from '../../lib/errors';
import { useSharedOutbox } from '../../offline/OutboxProvider';
import { newIdempotencyKey } from '../../offline/queue';
import { useTRPC } from '../../trpc';
import { attendanceLabels } from './sessionEntry';

// The user's recent sessions, with the draft edit, void and amend forms that act on one.

export function RecentSessions() {
  const trpc = useTRPC();
  const recent = useQuery(trpc.sessions.recent.queryOptions());
  return (
    <section className="recent-sessions" aria-labelledby="recent-heading">
      <h2 id="recent-heading">Recent sessions</h2>
      {recent.isPending ? (
        <LoadingState label="Loading recent sessions" rows={3} />
      ) : recent.isError ? (
        <ErrorState
          title="Recent sessions could not be loaded"
          message={userMessage(recent.error)}
          onRetry={() => void recent.refetch()}
          retrying={recent.isFetching}
        />
      ) : recent.data.length === 0 ? (
        <EmptyState title="No sessions logged yet" />
      ) : (
        <ul className="recent-sessions__list">
          {recent.data.map((s) => (
            <RecentSession key={s.id} session={s} />
          ))}
        </ul>
      )}
    </section>
  );
}

function RecentSession({ session: s }: { session: SessionSummary }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const refresh = () =>
    queryClient.invalidateQueries({ queryKey: trpc.sessions.recent.queryKey() });
  // Signing and co-signing wait in the outbox like the session itself, so they work offline.
  const outbox = useSharedOutbox();
  const queued = (kind: 'sign' | 'cosign', studentId?: string) =>
    outbox.entries.some(
      (e) =>
        e.kind === kind &&
        e.input.sessionId === s.id &&
        (kind === 'cosign' || (e.kind === 'sign' && e.input.studentId === studentId)),
    );
  const when = `${formatDate(s.date)}, ${s.startTime}`;
  const cosign = () =>
    outbox.add({
      kind: 'cosign',
      key: newIdempotencyKey(),
      userId: outbox.userId,
      label: `the co-signature of ${when}`,
      input: { sessionId: s.id },
    });
  const sign = (studentId: string, name: string) =>
    outbox.add({
      kind: 'sign',
      key: newIdempotencyKey(),
      userId: outbox.userId,
      label: `the signature of ${name}'s note, ${when}`,
      input: { sessionId: s.id, studentId },
    });
  const signAll = useMutation(trpc.sessions.signAll.mutationOptions({ onSettled: refresh }));
  const [editing, setEditing] = useState(false);
  const voided = s.voidedAt !== null;
  const unsigned = s.students.filter((st) => !st.signedAt).length;
  const isDraft = !voided && unsigned === s.students.length;
  const canVoid = !voided && unsigned < s.students.length;
  if (editing)
    return (
      <li className="card recent-session">
        <DraftEditForm session={s} onDone={() => setEditing(false)} onSaved={refresh} />
      </li>
    );
  return (
    <li
      className={['card', 'recent-session', voided ? 'recent-session--voided' : '']
        .filter(Boolean)
        .join(' ')}
      aria-label={voided ? `Voided session of ${formatDate(s.date)}` : undefined}
    >
      {voided && (
        <p className="recent-session__void" role="note">
          <strong>Voided</strong> by {s.voidedBy} on <DistrictDate at={s.voidedAt} />:{' '}
          {s.voidReason}
          {/[.!?]$/.test(s.voidReason ?? '') ? '' : '.'} It stays on record and counts for neither
          fidelity nor billing.
        </p>
      )}
      <div className="recent-session__body">
        <p className="recent-session__head">
          <strong>
            {formatDate(s.date)} · {s.startTime}–{s.endTime}
          </strong>{' '}
          <span className="muted">
            {s.minutes} min · {labels.model[s.model]} · {labels.setting[s.setting]}
            {s.groupSize > 1 ? ` · group of ${s.groupSize}` : ''}
          </span>
          {s.lateEntryReason && (
            <span className="small muted"> · late entry: {s.lateEntryReason}</span>
          )}
        </p>
        {s.needsCosign && (
          <p className="small">
            Logged by {s.createdByName}.{' '}
            {s.cosignedAt ? (
              `Co-signed by ${s.cosignedBy}.`
            ) : queued('cosign') ? (
              <span className="muted">Co-signature waiting to send.</span>
            ) : s.canCosign ? (
              <Button size="small" onClick={cosign}>
                Co-sign
              </Button>
            ) : voided ? null : (
              `Waiting for ${s.providerName} to co-sign.`
            )}
          </p>
        )}
        <ul className="recent-session__students">
          {s.students.map((st) => (
            <li key={st.studentId}>
              <span className="recent-session__student">
                {st.name} <span className="muted small">· {attendanceLabels[st.attendance]}</span>
              </span>
              {st.note && <span className="recent-session__note">“{st.note}”</span>}
              {st.signedAt ? (
                <span className="small signed">
                  ✓ Signed by {st.signedBy} <DistrictDate at={st.signedAt} />
                </span>
              ) : voided ? null : queued('sign', st.studentId) ? (
                <span className="small muted">Signature waiting to send</span>
              ) : (
                <Button
                  size="small"
                  variant="secondary"
                  onClick={() => sign(st.studentId, st.name)}
                >
                  Sign note
                </Button>
              )}
              {st.amendments.map((a) => (
                <span key={a.id} className="small amendment">
                  Amendment by {a.author}, <DistrictDate at={a.at} />: {a.text}
                </span>
              ))}
              {st.signedAt && !voided && (
                <AmendForm sessionId={s.id} studentId={st.studentId} onDone={refresh} />
              )}
            </li>
          ))}
        </ul>
      </div>
      {!voided && (
        <div className="log-session__actions recent-session__actions">
          {isDraft && (
            <Button variant="secondary" size="small" onClick={() => setEditing(true)}>
              Edit draft
            </Button>
          )}
          {unsigned > 1 && (
            <Button
              size="small"
              busy={signAll.isPending}
              onClick={() => signAll.mutate({ sessionId: s.id })}
            >
              Sign all {unsigned} notes
            </Button>
          )}
          {canVoid && <VoidForm sessionId={s.id} onDone={refresh} />}
        </div>
      )}
      {signAll.isError && <p className="field__error">{userMessage(signAll.error)}</p>}
    </li>
  );
}

/** Edits a saved, unsigned draft at the version it was loaded at. */
function DraftEditForm({
  session: s,
  onDone,
  onSaved,
}: {
  session: SessionSummary;
  onDone: () => void;
  onSaved: () => void;
}) {
  const trpc = useTRPC();
  const [date, setDate] = useState(s.date);
  const [startTime, setStartTime] = useState(s.startTime);
  const [endTime, setEndTime] = useState(s.endTime);
  const [lateEntryReason, setLateEntryReason] = useState(s.lateEntryReason ?? '');
  const [students, setStudents] = useState(
    s.students.map((st) => ({ studentId: st.studentId, attendance: st.attendance, note: st.note })),
  );
  const save = useMutation(
    trpc.sessions.editDraft.mutationOptions({
      onSuccess: () => {
        onSaved();
        onDone();
      },
    }),
  );
  const errors = save.isError ? fieldErrors(save.error) : {};
  return (
    <form
      className="draft-form"
      aria-label="Edit draft session"
      onSubmit={(e) => {
        e.preventDefault();
        save.mutate({
          sessionId: s.id,
          expectedVersion: s.version,
          date,
          startTime,
          endTime,
          lateEntryReason: lateEntryReason.trim() || null,
          students,
        });
      }}
    >
      <h3>Edit draft</h3>
      <div className="draft-form__times">
        <Field
          label="Date"
          type="date"
          value={date}
          onChange={(e) => setDate(e.target.value)}
          error={errors.date}
        />
        <Field
          label="Begin"
          type="time"
          value={startTime}
          onChange={(e) => setStartTime(e.target.value)}
          error={errors.startTime}
        />
        <Field
          label="End"
          type="time"
          value={endTime}
          onChange={(e) => setEndTime(e.target.value)}
          error={errors.endTime}
        />
      </div>
      {(s.lateEntryReason || errors.lateEntryReason) && (
        <Field
          label="Why is this entered late?"
          value={lateEntryReason}
          onChange={(e) => setLateEntryReason(e.target.value)}
          error={errors.lateEntryReason}
        />
      )}
      {s.students.map((st, i) => (
        <fieldset key={st.studentId} className="draft-form__student">
          <legend>{st.name}</legend>
          <label className="select-field">
            <span className="field__label">Attendance</span>
            <select
              value={students[i]!.attendance}
              onChange={(e) =>
                setStudents((all) =>
                  all.map((x, j) =>
                    j === i ? { ...x, attendance: e.target.value as AttendanceOutcome } : x,
                  ),
                )
              }
            >
              {(['delivered', 'makeup', ...missedReasons] as AttendanceOutcome[]).map((a) => (
                <option key={a} value={a}>
                  {attendanceLabels[a]}
                </option>
              ))}
            </select>
          </label>
          <label className="select-field">
            <span className="field__label">Note</span>
            <textarea
              rows={2}
              value={students[i]!.note}
              onChange={(e) =>
                setStudents((all) =>
                  all.map((x, j) => (j === i ? { ...x, note: e.target.value } : x)),
                )
              }
            />
          </label>
        </fieldset>
      ))}
      {save.isError && Object.keys(errors).length === 0 && (
        <p className="field__error" role="alert">
          {userMessage(save.error)}
        </p>
      )}
      <div className="log-session__actions">
        <Button variant="ghost" size="small" onClick={onDone}>
          Cancel
        </Button>
        <Button type="submit" size="small" busy={save.isPending}>
          Save draft
        </Button>
      </div>
    </form>
  );
}

/** Voids a signed session with a reason. */
function VoidForm({ sessionId, onDone }: { sessionId: string; onDone: () => void }) {
  const trpc = useTRPC();
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState('');
  const voiding = useMutation(
    trpc.sessions.void.mutationOptions({
      onSuccess: () => {
        setOpen(false);
        setReason('');
        onDone();
      },
    }),
  );
  if (!open)
    return (
      <Button variant="ghost" size="small" onClick={() => setOpen(true)}>
        Void session
      </Button>
    );
  const error = voiding.isError
    ? (fieldErrors(voiding.error).reason?.join(' ') ?? userMessage(voiding.error))
    : null;
  return (
    <form
      className="void-form"
      onSubmit={(e) => {
        e.preventDefault();
        voiding.mutate({ sessionId, reason });
      }}
    >
      <label className="select-field">
        <span className="field__label">Why void this session?</span>
        <textarea
          rows={2}
          value={reason}
          aria-invalid={error ? true : undefined}
          onChange={(e) => setReason(e.target.value)}
        />
      </label>
      <p className="small muted">
        A voided session stays on record, struck through, and leaves fidelity and billing.
      </p>
      {error && <p className="field__error">{error}</p>}
      <div className="log-session__actions">
        <Button variant="ghost" size="small" onClick={() => setOpen(false)}>
          Cancel
        </Button>
        <Button type="submit" size="small" className="btn--danger" busy={voiding.isPending}>
          Void session
        </Button>
      </div>
    </form>
  );
}

function AmendForm({
  sessionId,
  studentId,
  onDone,
}: {
  sessionId: string;
  studentId: string;
  onDone: () => void;
}) {
  const trpc = useTRPC();
  const [open, setOpen] = useState(false);
  const [text, setText] = useState('');
  const amend = useMutation(
    trpc.sessions.amend.mutationOptions({
      onSuccess: () => {
        setOpen(false);
        setText('');
        onDone();
      },
    }),
  );
  if (!open)
    return (
      <Button variant="ghost" size="small" onClick={() => setOpen(true)}>
        Add amendment
      </Button>
    );
  return (
    <form
      className="amend-form"
      onSubmit={(e) => {
        e.preventDefault();
        amend.mutate({ sessionId, studentId, text });
      }}
    >
      <label className="select-field">
        <span className="field__label">Amendment</span>
        <textarea rows={2} value={text} onChange={(e) => setText(e.target.value)} />
      </label>
      {amend.isError && (
        <p className="field__error">
          {fieldErrors(amend.error).text?.join(' ') ?? userMessage(amend.error)}
        </p>
      )}
      <div className="log-session__actions">
        <Button variant="ghost" size="small" onClick={() => setOpen(false)}>
          Cancel
        </Button>
        <Button type="submit" size="small" busy={amend.isPending}>
          Save amendment
        </Button>
      </div>
    </form>
  );
}
