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
import { ConflictBanner, VersionedFormActions } from '../../components/ConflictBanner';
import { fieldErrors, userMessage } from '../../lib/errors';
import { useDocumentTitle } from '../../lib/useDocumentTitle';
import { useVersionedForm } from '../../lib/useVersionedForm';
import { useTRPC } from '../../trpc';

interface RoutineRow {
  id: string;
  name: string;
  weekdays: number[];
  startTime: string;
  endTime: string;
  version: number;
}

/** Each classroom's routines with weekdays and times; push-in is scheduled at them. */
export function RoutinesPage() {
  useDocumentTitle('Routines');
  const trpc = useTRPC();
  const list = useQuery(trpc.routines.list.queryOptions());
  // The routine's id, not a copy: the form follows the list when a newer version loads.
  const [editing, setEditing] = useState<{
    classroomId: string;
    routineId: string | null;
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
                    onClick={() => setEditing({ classroomId: c.id, routineId: null })}
                  >
                    Add a routine
                  </Button>
                )}
              </div>
              {editing?.classroomId === c.id && (
                <RoutineForm
                  key={editing.routineId ?? 'new'}
                  classroomId={c.id}
                  routine={c.routines.find((r) => r.id === editing.routineId) ?? null}
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
                          onClick={() => setEditing({ classroomId: c.id, routineId: r.id })}
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

interface RoutineDraft {
  name: RoutineName;
  weekdays: number[];
  startTime: string;
  endTime: string;
}

const routineLabels: Record<keyof RoutineDraft, string> = {
  name: 'Routine',
  weekdays: 'Weekdays',
  startTime: 'Starts',
  endTime: 'Ends',
};

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
  const form = useVersionedForm<RoutineDraft>(
    {
      name: (routine?.name ?? 'arrival') as RoutineName,
      weekdays: routine?.weekdays ?? [1, 2, 3, 4, 5],
      startTime: routine?.startTime ?? '08:00',
      endTime: routine?.endTime ?? '08:20',
    },
    routine?.version ?? 0,
  );
  const { name, weekdays: days, startTime, endTime } = form.draft;
  const set = <K extends keyof RoutineDraft>(key: K, value: RoutineDraft[K]) =>
    form.setDraft((d) => ({ ...d, [key]: value }));
  const save = useMutation(
    trpc.routines.save.mutationOptions({
      onSuccess: () => {
        void queryClient.invalidateQueries({ queryKey: trpc.routines.list.queryKey() });
        onDone();
      },
      onError: (e) => {
        // A newer version: reload it, the banner shows it and offers to reapply.
        if (form.catchConflict(e))
          void queryClient.invalidateQueries({ queryKey: trpc.routines.list.queryKey() });
      },
    }),
  );
  const errors = fieldErrors(save.error);
  const submit = (d: RoutineDraft, version: number) =>
    save.mutate({
      classroomId,
      routineId: routine?.id,
      expectedVersion: routine ? version : undefined,
      ...d,
    });
  const onSubmit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    submit(form.draft, form.version);
  };
  return (
    <form className="stack routine-form" onSubmit={onSubmit} noValidate>
      <ConflictBanner
        form={form}
        labels={routineLabels}
        show={(value, key) =>
          key === 'weekdays'
            ? weekdaysWords(value as number[])
            : key === 'name'
              ? routineWords(String(value))
              : String(value)
        }
        onReapply={submit}
        busy={save.isPending}
      />
      <div className="select-field">
        <label className="field__label" htmlFor="rt-name">
          Routine
        </label>
        <select
          id="rt-name"
          name="name"
          value={name}
          onChange={(e) => set('name', e.target.value as RoutineName)}
        >
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
                set(
                  'weekdays',
                  days.includes(i + 1) ? days.filter((x) => x !== i + 1) : [...days, i + 1],
                )
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
          value={startTime}
          onChange={(e) => set('startTime', e.target.value)}
          error={errors.startTime}
        />
        <Field
          label="Ends"
          name="endTime"
          type="time"
          value={endTime}
          onChange={(e) => set('endTime', e.target.value)}
          error={errors.endTime}
        />
      </div>
      <VersionedFormActions
        save={save}
        hasFieldErrors={Object.keys(errors).length > 0}
        conflict={form.conflict}
        saveLabel="Save routine"
        onCancel={onDone}
      />
    </form>
  );
}
