import { labels, type SessionFormContext } from '@carryover/domain';
import { Button, formatDate } from '@carryover/ui';
import { useState } from 'react';
import { useSharedOutbox } from '../../offline/OutboxProvider';
import { newIdempotencyKey } from '../../offline/queue';
import { GoalInput } from './SessionForm';
import { emptyGoal, type GoalEntry, goalData } from './sessionEntry';

// A teacher's quick classroom probe for one student, sent through the outbox like a session.

export function ProbeForm({ context }: { context: SessionFormContext }) {
  // A probe waits in the outbox like a session: made offline, it is sent when there is signal.
  const outbox = useSharedOutbox();
  const [studentId, setStudentId] = useState(context.students[0]?.id ?? '');
  const student = context.students.find((s) => s.id === studentId);
  const [goalId, setGoalId] = useState('');
  const goal = student?.goals.find((g) => g.id === goalId) ?? student?.goals[0];
  const [entry, setEntry] = useState<GoalEntry>(emptyGoal);
  const [done, setDone] = useState<string | null>(null);
  const data = goal ? goalData(goal, entry) : null;
  const waiting = outbox.entries.filter((e) => e.kind === 'probe' && !e.rejected).length;
  return (
    <form
      className="card log-session__card"
      onSubmit={(e) => {
        e.preventDefault();
        if (!data || !student) return;
        const key = newIdempotencyKey();
        outbox.add({
          kind: 'probe',
          key,
          userId: outbox.userId,
          label: `a classroom probe for ${student.name}, ${formatDate(context.today)}`,
          input: { idempotencyKey: key, studentId, date: context.today, data },
        });
        setDone(
          `Saved a classroom probe for ${student.name}.${navigator.onLine ? '' : ' It will be sent when you are back online.'}`,
        );
        setEntry(emptyGoal());
      }}
    >
      <h2>Classroom probe</h2>
      <label className="select-field">
        <span className="field__label">Student</span>
        <select
          value={studentId}
          onChange={(e) => {
            setStudentId(e.target.value);
            setGoalId('');
            setEntry(emptyGoal());
          }}
        >
          {context.students.map((s) => (
            <option key={s.id} value={s.id}>
              {s.name}
            </option>
          ))}
        </select>
      </label>
      {student && student.goals.length > 0 ? (
        <>
          <label className="select-field">
            <span className="field__label">Goal</span>
            <select value={goal?.id ?? ''} onChange={(e) => setGoalId(e.target.value)}>
              {student.goals.map((g) => (
                <option key={g.id} value={g.id}>
                  {labels.domain[g.domain as keyof typeof labels.domain] ?? g.domain} (
                  {g.discipline})
                </option>
              ))}
            </select>
          </label>
          {goal && (
            <GoalInput
              goal={goal}
              studentName={student.name}
              entry={entry}
              onChange={(c) => setEntry((e) => ({ ...e, ...c }))}
            />
          )}
        </>
      ) : (
        <p className="muted">This student has no goals yet.</p>
      )}
      {done && (
        <p className="saved-note" role="status">
          {done}
          {waiting > 0 && ` ${waiting} waiting to send.`}
        </p>
      )}
      <div className="log-session__actions">
        <Button type="submit" disabled={!data}>
          Save probe
        </Button>
      </div>
    </form>
  );
}
