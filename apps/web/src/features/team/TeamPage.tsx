import {
  Button,
  EmptyState,
  ErrorState,
  Field,
  formatDate,
  LoadingState,
  PageHeader,
} from '@carryover/ui';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { Link } from 'react-router';
import { useDistrictToday, useViewer } from '../../auth';
import { ConflictBanner, VersionedFormActions } from '../../components/ConflictBanner';
import { fieldErrors, userMessage } from '../../lib/errors';
import { useDocumentTitle } from '../../lib/useDocumentTitle';
import { useVersionedForm } from '../../lib/useVersionedForm';
import { useTRPC } from '../../trpc';

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

interface ItemDraft {
  ownerId: string;
  text: string;
  dueOn: string;
}

function TouchBaseForm({ onDone }: { onDone: () => void }) {
  const trpc = useTRPC();
  const me = useViewer();
  const queryClient = useQueryClient();
  const people = useQuery(trpc.team.people.queryOptions());
  const students = useQuery(trpc.team.students.queryOptions());
  const today = useDistrictToday();
  const [metOn, setMetOn] = useState(today);
  const [startTime, setStartTime] = useState('');
  const [participants, setParticipants] = useState<string[]>([]);
  const [studentIds, setStudentIds] = useState<string[]>([]);
  const [notes, setNotes] = useState('');
  const [items, setItems] = useState<ItemDraft[]>([]);
  const [anyway, setAnyway] = useState(false);
  const create = useMutation(
    trpc.team.create.mutationOptions({
      onSuccess: () => {
        void queryClient.invalidateQueries({ queryKey: trpc.team.list.queryKey() });
        void queryClient.invalidateQueries({ queryKey: trpc.home.get.queryKey() });
        onDone();
      },
    }),
  );
  const errors = fieldErrors(create.error);
  const conflict = errors.startTime?.some((m) => m.includes('in front of students'));
  const toggle = (list: string[], id: string) =>
    list.includes(id) ? list.filter((x) => x !== id) : [...list, id];
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate({
      metOn,
      startTime: startTime || undefined,
      participantIds: participants,
      studentIds,
      notes,
      actionItems: items.filter((i) => i.text.trim() !== ''),
      scheduleAnyway: anyway,
    });
  };
  const owners = [
    ...(me.data ? [{ id: me.data.id, name: `${me.data.name} (you)` }] : []),
    ...(people.data ?? []).filter((p) => participants.includes(p.id) && p.id !== me.data?.id),
  ];
  return (
    <form className="section-card stack touch-base-form" onSubmit={onSubmit} noValidate>
      <h2>New touch-base</h2>
      <div className="goal-form__row">
        <Field
          label="Date"
          type="date"
          value={metOn}
          onChange={(e) => setMetOn(e.target.value)}
          error={errors.metOn}
        />
        <Field
          label="Start time"
          type="time"
          value={startTime}
          hint="Checked against push-in times"
          onChange={(e) => {
            setStartTime(e.target.value);
            setAnyway(false);
          }}
          error={errors.startTime}
        />
      </div>
      {conflict && (
        <label className="checkbox">
          <input type="checkbox" checked={anyway} onChange={(e) => setAnyway(e.target.checked)} />{' '}
          Schedule it at this time anyway
        </label>
      )}
      <fieldset className="goal-form__fieldset">
        <legend>Participants</legend>
        {people.isPending && <p className="muted">Loading…</p>}
        <div className="checkbox-grid">
          {(people.data ?? [])
            .filter((p) => p.id !== me.data?.id)
            .map((p) => (
              <label key={p.id} className="checkbox">
                <input
                  type="checkbox"
                  checked={participants.includes(p.id)}
                  onChange={() => setParticipants(toggle(participants, p.id))}
                />{' '}
                {p.name} <span className="muted small">{p.discipline ?? p.role}</span>
              </label>
            ))}
        </div>
        {errors.participantIds && <p className="field__error">{errors.participantIds.join(' ')}</p>}
      </fieldset>
      <fieldset className="goal-form__fieldset">
        <legend>Students discussed</legend>
        <div className="checkbox-grid">
          {(students.data ?? []).map((s) => (
            <label key={s.id} className="checkbox">
              <input
                type="checkbox"
                checked={studentIds.includes(s.id)}
                onChange={() => setStudentIds(toggle(studentIds, s.id))}
              />{' '}
              {s.name}
            </label>
          ))}
        </div>
        {errors.studentIds && <p className="field__error">{errors.studentIds.join(' ')}</p>}
      </fieldset>
      <div className="select-field">
        <label htmlFor="tb-notes" className="field__label">
          Notes
        </label>
        <textarea id="tb-notes" rows={3} value={notes} onChange={(e) => setNotes(e.target.value)} />
      </div>
      <fieldset className="goal-form__fieldset">
        <legend>Action items</legend>
        {items.map((item, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: rows are edited in place
          <div key={i} className="goal-form__row">
            <Field
              label="To do"
              value={item.text}
              onChange={(e) =>
                setItems(items.map((x, j) => (j === i ? { ...x, text: e.target.value } : x)))
              }
            />
            <div className="select-field">
              <label className="field__label" htmlFor={`ai-owner-${i}`}>
                Owner
              </label>
              <select
                id={`ai-owner-${i}`}
                value={item.ownerId}
                onChange={(e) =>
                  setItems(items.map((x, j) => (j === i ? { ...x, ownerId: e.target.value } : x)))
                }
              >
                {owners.map((o) => (
                  <option key={o.id} value={o.id}>
                    {o.name}
                  </option>
                ))}
              </select>
            </div>
            <Field
              label="Due"
              type="date"
              value={item.dueOn}
              onChange={(e) =>
                setItems(items.map((x, j) => (j === i ? { ...x, dueOn: e.target.value } : x)))
              }
            />
          </div>
        ))}
        {errors.actionItems && <p className="field__error">{errors.actionItems.join(' ')}</p>}
        <Button
          variant="secondary"
          size="small"
          onClick={() =>
            setItems([...items, { ownerId: me.data?.id ?? '', text: '', dueOn: metOn }])
          }
        >
          Add an action item
        </Button>
      </fieldset>
      {create.isError && Object.keys(errors).length === 0 && (
        <p className="form-alert">{userMessage(create.error)}</p>
      )}
      <span className="recommendation__actions">
        <Button type="submit" busy={create.isPending}>
          Save touch-base
        </Button>
        <Button variant="ghost" onClick={onDone}>
          Cancel
        </Button>
      </span>
    </form>
  );
}

type Meeting = {
  id: string;
  notes: string;
  version: number;
};

/** A meeting's notes, saved at the version the form loaded. */
function NotesForm({ meeting, onDone }: { meeting: Meeting; onDone: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const form = useVersionedForm({ notes: meeting.notes }, meeting.version);
  const save = useMutation(
    trpc.team.updateTouchBase.mutationOptions({
      onSuccess: () => {
        void queryClient.invalidateQueries({ queryKey: trpc.team.list.queryKey() });
        onDone();
      },
      onError: (e) => {
        // A newer version: reload it, the banner shows it and offers to reapply.
        if (form.catchConflict(e))
          void queryClient.invalidateQueries({ queryKey: trpc.team.list.queryKey() });
      },
    }),
  );
  const errors = fieldErrors(save.error);
  const submit = (d: { notes: string }, version: number) =>
    save.mutate({ touchBaseId: meeting.id, expectedVersion: version, notes: d.notes });
  return (
    <form
      className="stack"
      onSubmit={(e) => {
        e.preventDefault();
        submit(form.draft, form.version);
      }}
      noValidate
    >
      <ConflictBanner
        form={form}
        labels={{ notes: 'Notes' }}
        onReapply={submit}
        busy={save.isPending}
      />
      <div className={`select-field${errors.notes ? ' field--invalid' : ''}`}>
        <label htmlFor={`tb-notes-${meeting.id}`} className="field__label">
          Notes
        </label>
        <textarea
          id={`tb-notes-${meeting.id}`}
          rows={3}
          value={form.draft.notes}
          onChange={(e) => form.setDraft({ notes: e.target.value })}
        />
        {errors.notes && <p className="field__error">{errors.notes.join(' ')}</p>}
      </div>
      <VersionedFormActions
        save={save}
        hasFieldErrors={Object.keys(errors).length > 0}
        conflict={form.conflict}
        saveLabel="Save notes"
        onCancel={onDone}
      />
    </form>
  );
}

type Item = { id: string; text: string; dueOn: string; version: number };

/** An action item's wording and due date, saved at the version the form loaded. */
function ActionItemForm({ item, onDone }: { item: Item; onDone: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const form = useVersionedForm({ text: item.text, dueOn: item.dueOn }, item.version);
  const save = useMutation(
    trpc.team.updateActionItem.mutationOptions({
      onSuccess: () => {
        void queryClient.invalidateQueries({ queryKey: trpc.team.list.queryKey() });
        void queryClient.invalidateQueries({ queryKey: trpc.home.get.queryKey() });
        onDone();
      },
      onError: (e) => {
        // A newer version: reload it, the banner shows it and offers to reapply.
        if (form.catchConflict(e))
          void queryClient.invalidateQueries({ queryKey: trpc.team.list.queryKey() });
      },
    }),
  );
  const errors = fieldErrors(save.error);
  const submit = (d: { text: string; dueOn: string }, version: number) =>
    save.mutate({ actionItemId: item.id, expectedVersion: version, ...d });
  return (
    <form
      className="stack"
      onSubmit={(e) => {
        e.preventDefault();
        submit(form.draft, form.version);
      }}
      noValidate
    >
      <ConflictBanner
        form={form}
        labels={{ text: 'To do', dueOn: 'Due' }}
        show={(value, key) => (key === 'dueOn' ? formatDate(String(value)) : String(value))}
        onReapply={submit}
        busy={save.isPending}
      />
      <div className="goal-form__row">
        <Field
          label="To do"
          value={form.draft.text}
          onChange={(e) => form.setDraft((d) => ({ ...d, text: e.target.value }))}
          error={errors.text}
        />
        <Field
          label="Due"
          type="date"
          value={form.draft.dueOn}
          onChange={(e) => form.setDraft((d) => ({ ...d, dueOn: e.target.value }))}
          error={errors.dueOn}
        />
      </div>
      <VersionedFormActions
        save={save}
        hasFieldErrors={Object.keys(errors).length > 0}
        conflict={form.conflict}
        saveLabel="Save item"
        onCancel={onDone}
      />
    </form>
  );
}
