import { Button, Field } from '@carryover/ui';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { useDistrictToday, useViewer } from '../../auth';
import { fieldErrors, userMessage } from '../../lib/errors';
import { useTRPC } from '../../trpc';

// Recording a touch-base meeting with its notes and action items.

interface ItemDraft {
  ownerId: string;
  text: string;
  dueOn: string;
}

export function TouchBaseForm({ onDone }: { onDone: () => void }) {
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
