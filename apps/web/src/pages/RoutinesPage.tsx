import {
  type RoutineName,
  routineNames,
  routineWords,
  weekdayNames,
  weekdaysWords,
} from '@carryover/domain';
import { Button, EmptyState, ErrorState, Field, LoadingState, PageHeader } from '@carryover/ui';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { fieldErrors, userMessage } from '../lib/errors';
import { useDocumentTitle } from '../lib/useDocumentTitle';
import { useTRPC } from '../trpc';

interface RoutineRow {
  id: string;
  name: string;
  weekdays: number[];
  startTime: string;
  endTime: string;
}

/** Each classroom's routines with weekdays and times; push-in is scheduled at them. */
export function RoutinesPage() {
  useDocumentTitle('Routines');
  const trpc = useTRPC();
  const list = useQuery(trpc.routines.list.queryOptions());
  const [editing, setEditing] = useState<{
    classroomId: string;
    routine: RoutineRow | null;
  } | null>(null);
  if (list.isPending) return <LoadingState label="Loading routines" rows={5} />;
  if (list.isError)
    return <ErrorState message={userMessage(list.error)} onRetry={() => void list.refetch()} />;
  return (
    <>
      <PageHeader
        title="Classroom routines"
        description="Push-in belongs at the routine that matches the goal."
      />
      {list.data.length === 0 ? (
        <EmptyState title="No classrooms you can see" />
      ) : (
        <div className="stack">
          {list.data.map((c) => (
            <section key={c.id} className="section-card" aria-labelledby={`cls-${c.id}`}>
              <div className="section-heading">
                <h2 id={`cls-${c.id}`}>
                  {c.name}{' '}
                  <span className="muted small">
                    · Grade {c.grade} · {c.schoolName}
                    {c.teacherName ? ` · ${c.teacherName}` : ''}
                  </span>
                </h2>
                {c.canEdit && (
                  <Button
                    variant="secondary"
                    size="small"
                    onClick={() => setEditing({ classroomId: c.id, routine: null })}
                  >
                    Add a routine
                  </Button>
                )}
              </div>
              {editing?.classroomId === c.id && (
                <RoutineForm
                  classroomId={c.id}
                  routine={editing.routine}
                  onDone={() => setEditing(null)}
                />
              )}
              {c.routines.length === 0 ? (
                <p className="muted">No routines yet.</p>
              ) : (
                <ul className="routine-list">
                  {c.routines.map((r) => (
                    <li key={r.id} className="routine-list__row">
                      <span className="num">
                        {r.startTime}–{r.endTime}
                      </span>
                      <strong>{routineWords(r.name)}</strong>
                      <span className="muted">{weekdaysWords(r.weekdays)}</span>
                      {c.canEdit && (
                        <Button
                          variant="ghost"
                          size="small"
                          aria-label={`Edit ${routineWords(r.name)}`}
                          onClick={() => setEditing({ classroomId: c.id, routine: r })}
                        >
                          Edit
                        </Button>
                      )}
                    </li>
                  ))}
                </ul>
              )}
            </section>
          ))}
        </div>
      )}
    </>
  );
}

function RoutineForm({
  classroomId,
  routine,
  onDone,
}: {
  classroomId: string;
  routine: RoutineRow | null;
  onDone: () => void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [days, setDays] = useState<number[]>(routine?.weekdays ?? [1, 2, 3, 4, 5]);
  const save = useMutation(
    trpc.routines.save.mutationOptions({
      onSuccess: () => {
        void queryClient.invalidateQueries({ queryKey: trpc.routines.list.queryKey() });
        onDone();
      },
    }),
  );
  const errors = fieldErrors(save.error);
  const onSubmit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    save.mutate({
      classroomId,
      routineId: routine?.id,
      name: String(f.get('name')) as RoutineName,
      weekdays: days,
      startTime: String(f.get('startTime') ?? ''),
      endTime: String(f.get('endTime') ?? ''),
    });
  };
  return (
    <form className="stack routine-form" onSubmit={onSubmit} noValidate>
      <div className="select-field">
        <label className="field__label" htmlFor="rt-name">
          Routine
        </label>
        <select id="rt-name" name="name" defaultValue={routine?.name ?? 'arrival'}>
          {routineNames.map((n) => (
            <option key={n} value={n}>
              {routineWords(n)}
            </option>
          ))}
        </select>
      </div>
      <fieldset className="goal-form__fieldset">
        <legend>Weekdays</legend>
        {weekdayNames.slice(0, 5).map((d, i) => (
          <label key={d} className="checkbox">
            <input
              type="checkbox"
              checked={days.includes(i + 1)}
              onChange={() =>
                setDays(days.includes(i + 1) ? days.filter((x) => x !== i + 1) : [...days, i + 1])
              }
            />{' '}
            {d}
          </label>
        ))}
        {errors.weekdays && <p className="field__error">{errors.weekdays.join(' ')}</p>}
      </fieldset>
      <div className="goal-form__row">
        <Field
          label="Starts"
          name="startTime"
          type="time"
          defaultValue={routine?.startTime ?? '08:00'}
          error={errors.startTime}
        />
        <Field
          label="Ends"
          name="endTime"
          type="time"
          defaultValue={routine?.endTime ?? '08:20'}
          error={errors.endTime}
        />
      </div>
      {save.isError && Object.keys(errors).length === 0 && (
        <p className="form-alert">{userMessage(save.error)}</p>
      )}
      <span className="recommendation__actions">
        <Button type="submit" size="small" busy={save.isPending}>
          Save routine
        </Button>
        <Button variant="ghost" size="small" onClick={onDone}>
          Cancel
        </Button>
      </span>
    </form>
  );
}
