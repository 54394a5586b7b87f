import {
  type AttendanceOutcome,
  type CollaborationMode,
  finalisedPeriodOn,
  labels,
  missedReasons,
  type PromptLevel,
  promptLevels,
  recordDateProblem,
  type SessionFormContext,
  type SessionGoalChoice,
  SessionLogInput,
  type SessionModel,
  type SessionStudentChoice,
  type Setting,
} from '@carryover/domain';
import {
  Button,
  DurationTimer,
  Field,
  formatDate,
  SegmentedControl,
  Stepper,
  TrialCounter,
  UnsentBanner,
} from '@carryover/ui';
import { useMemo, useState } from 'react';
import { useSearchParams } from 'react-router';
import { useDistrictZone } from '../../auth';
import { useSharedOutbox } from '../../offline/OutboxProvider';
import { newIdempotencyKey } from '../../offline/queue';
import { RecentSessions } from './RecentSessions';
import {
  attendanceLabels,
  clockNow,
  collaborationLabels,
  emptyGoal,
  emptyStudent,
  type GoalEntry,
  goalData,
  plannedPrefill,
  promptLabels,
  routineLabel,
  type StudentEntry,
} from './sessionEntry';

// The session form: who was seen, how, and each goal's data, sent through the device's outbox.

export function SessionForm({
  context,
  userId,
}: {
  context: SessionFormContext;
  userId: string | null;
}) {
  // Sent from the app shell's outbox, which refreshes the recent sessions, students and caseload.
  const outbox = useSharedOutbox();

  // Opened from a planned session (Home's "Log"): its students, model, routine and time.
  const [params] = useSearchParams();
  const [planned] = useState(() => plannedPrefill(params, context));
  const [group, setGroup] = useState(true);
  const [date, setDate] = useState(context.today);
  const zone = useDistrictZone();
  const [startTime, setStartTime] = useState(() => planned.startTime ?? clockNow(zone, -30));
  const [endTime, setEndTime] = useState(() => planned.endTime ?? clockNow(zone));
  const [model, setModel] = useState<SessionModel>(planned.model ?? 'push_in');
  const [setting, setSetting] = useState<Setting>(
    planned.model === 'pull_out' ? 'therapy_room' : 'classroom',
  );
  const [routineId, setRoutineId] = useState(planned.routineId ?? '');
  const [collaboration, setCollaboration] = useState<CollaborationMode | null>(
    planned.model === 'pull_out' ? null : 'co_teach',
  );
  const [selected, setSelected] = useState<string[]>(planned.studentIds);
  const [entries, setEntries] = useState<Record<string, StudentEntry>>(() =>
    Object.fromEntries(planned.studentIds.map((id) => [id, emptyStudent()])),
  );
  const [oneAtATime, setOneAtATime] = useState(false);
  const [current, setCurrent] = useState(0);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [saved, setSaved] = useState<string | null>(null);
  const [lateReason, setLateReason] = useState('');
  const [classroom, setClassroom] = useState('');
  const classrooms = useMemo(() => {
    const map = new Map<string, string>();
    for (const s of context.students) if (s.homeroomId) map.set(s.homeroomId, s.homeroom ?? '');
    return [...map.entries()].sort((a, b) => a[1].localeCompare(b[1]));
  }, [context.students]);
  const pickable = context.students.filter(
    (s) => !classroom || s.homeroomId === classroom || selected.includes(s.id),
  );

  const students = useMemo(
    () => context.students.filter((s) => selected.includes(s.id)),
    [context.students, selected],
  );
  // A date inside a period whose report is final for a chosen student makes this a late entry.
  const latePeriod = finalisedPeriodOn(
    date,
    context.finalisedPeriods.filter((p) => selected.includes(p.studentId)),
  );
  const homerooms = new Set(students.map((s) => s.homeroomId).filter(Boolean));
  const routines = context.routines.filter(
    (r) => homerooms.size === 0 || homerooms.has(r.classroomId),
  );

  const toggleStudent = (id: string) => {
    setSaved(null);
    setSelected((list) =>
      group ? (list.includes(id) ? list.filter((x) => x !== id) : [...list, id]) : [id],
    );
    setEntries((e) => (e[id] ? e : { ...e, [id]: emptyStudent() }));
  };
  const patchStudent = (id: string, change: Partial<StudentEntry>) =>
    setEntries((e) => ({ ...e, [id]: { ...(e[id] ?? emptyStudent()), ...change } }));
  const patchGoal = (studentId: string, goalId: string, change: Partial<GoalEntry>) =>
    setEntries((e) => {
      const st = e[studentId] ?? emptyStudent();
      const g = st.goals[goalId] ?? emptyGoal();
      return {
        ...e,
        [studentId]: { ...st, goals: { ...st.goals, [goalId]: { ...g, ...change } } },
      };
    });

  const build = (sign: boolean): SessionLogInput => ({
    idempotencyKey: newIdempotencyKey(),
    date,
    startTime,
    endTime,
    model,
    setting,
    routineId: model === 'push_in' && routineId ? routineId : null,
    collaborationMode: model === 'push_in' ? collaboration : null,
    lateEntryReason: latePeriod ? lateReason : null,
    sign,
    students: students.map((s) => {
      const e = entries[s.id] ?? emptyStudent();
      const served = e.attendance === 'delivered' || e.attendance === 'makeup';
      return {
        studentId: s.id,
        attendance: e.attendance,
        note: e.note,
        goals: served ? s.goals.flatMap((g) => goalData(g, e.goals[g.id]) ?? []) : [],
      };
    }),
  });

  const submit = (sign: boolean) => {
    const input = build(sign);
    const parsed = SessionLogInput.safeParse(input);
    const errs: Record<string, string> = {};
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const key =
          issue.path[0] === 'students' && typeof issue.path[1] === 'number'
            ? `student:${students[issue.path[1]]?.id ?? ''}`
            : String(issue.path[0] ?? 'form');
        errs[key] ??= issue.message;
      }
    }
    // The server's date rules, said before the session waits in the outbox.
    const dateProblem = recordDateProblem(date, context.today, 'session');
    if (dateProblem) errs.date ??= dateProblem;
    if (latePeriod && lateReason.trim().length < 3)
      errs.lateEntryReason ??= `The report for ${latePeriod.name} is final: enter this as a late entry and say why`;
    if (Object.keys(errs).length > 0) {
      setErrors(errs);
      return;
    }
    setErrors({});
    const names = students.map((s) => s.name.split(' ')[0]).join(', ');
    outbox.add({
      kind: 'session',
      key: input.idempotencyKey,
      userId: userId ?? '',
      label: `${formatDate(date)}, ${startTime} · ${names}`,
      input,
    });
    setSaved(
      `${sign ? 'Saved and signed' : 'Saved'}: ${names}.${navigator.onLine ? '' : ' It will be sent when you are back online.'}`,
    );
    setEntries(Object.fromEntries(selected.map((id) => [id, emptyStudent()])));
    setCurrent(0);
  };

  const shown = oneAtATime ? students.slice(current, current + 1) : students;

  return (
    <div className="log-session">
      {/* What the server refused is listed under the navigation (NetworkStatus). */}
      <UnsentBanner
        count={outbox.entries.filter((e) => e.kind === 'session' && !e.rejected).length}
        online={outbox.online}
        sending={outbox.sending}
        onRetry={() => void outbox.flush()}
      />

      <form
        className="log-session__form"
        onSubmit={(e) => {
          e.preventDefault();
          submit(false);
        }}
        noValidate
      >
        <section className="card log-session__card" aria-labelledby="when-heading">
          <h2 id="when-heading">Session</h2>
          <SegmentedControl
            legend="Size"
            hideLegend
            options={[
              { value: 'group', label: 'Group' },
              { value: 'individual', label: 'Individual' },
            ]}
            value={group ? 'group' : 'individual'}
            onChange={(v) => {
              setGroup(v === 'group');
              if (v === 'individual') setSelected((l) => l.slice(0, 1));
            }}
          />
          <div className="log-session__times">
            <Field
              label="Date"
              type="date"
              value={date}
              max={context.today}
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
          {latePeriod && (
            <Field
              label="Late entry: why is it entered now?"
              hint={`The ${latePeriod.name} report is final. This session is saved as a late entry and marked as one on the goal graph and in the report's next version.`}
              value={lateReason}
              maxLength={500}
              onChange={(e) => setLateReason(e.target.value)}
              error={errors.lateEntryReason}
            />
          )}
          <SegmentedControl
            legend="Model"
            options={(['push_in', 'pull_out', 'consult'] as const).map((m) => ({
              value: m,
              label: labels.model[m],
            }))}
            value={model}
            onChange={(m) => {
              setModel(m);
              setSetting(
                m === 'push_in' ? 'classroom' : m === 'pull_out' ? 'therapy_room' : setting,
              );
              setCollaboration(m === 'push_in' ? (collaboration ?? 'co_teach') : null);
            }}
            columns={3}
          />
          {model !== 'push_in' && (
            <SegmentedControl
              legend="Setting"
              options={(['therapy_room', 'classroom', 'other'] as const).map((s) => ({
                value: s,
                label: labels.setting[s],
              }))}
              value={setting}
              onChange={setSetting}
              error={errors.setting}
              columns={3}
            />
          )}
          {model === 'push_in' && (
            <>
              <label className="select-field">
                <span className="field__label">Classroom routine</span>
                <select value={routineId} onChange={(e) => setRoutineId(e.target.value)}>
                  <option value="">Not at a set routine</option>
                  {routines.map((r) => (
                    <option key={r.id} value={r.id}>
                      {routineLabel(r.name)} · {r.classroom}
                    </option>
                  ))}
                </select>
              </label>
              <SegmentedControl
                legend="Working with the teacher"
                options={(Object.keys(collaborationLabels) as CollaborationMode[]).map((c) => ({
                  value: c,
                  label: collaborationLabels[c],
                }))}
                value={collaboration}
                onChange={setCollaboration}
                error={errors.collaborationMode}
                columns={2}
              />
            </>
          )}
        </section>

        <section className="card log-session__card" aria-labelledby="who-heading">
          <h2 id="who-heading">{group ? 'Students in the group' : 'Student'}</h2>
          {errors.students && <p className="field__error">{errors.students}</p>}
          {classrooms.length > 1 && (
            <label className="select-field">
              <span className="field__label">Classroom</span>
              <select value={classroom} onChange={(e) => setClassroom(e.target.value)}>
                <option value="">All classrooms ({context.students.length} students)</option>
                {classrooms.map(([id, name]) => (
                  <option key={id} value={id}>
                    {name}
                  </option>
                ))}
              </select>
            </label>
          )}
          <div className="student-picker">
            {pickable.map((s) => (
              <label key={s.id} className="student-picker__option">
                <input
                  type={group ? 'checkbox' : 'radio'}
                  name="student"
                  checked={selected.includes(s.id)}
                  onChange={() => toggleStudent(s.id)}
                />
                <span>
                  <span className="student-picker__name">{s.name}</span>
                  <span className="muted small">{s.homeroom ?? `Grade ${s.grade}`}</span>
                </span>
              </label>
            ))}
          </div>
        </section>

        {students.length > 1 && (
          <SegmentedControl
            legend="Show"
            hideLegend
            options={[
              { value: 'all', label: 'Whole group' },
              { value: 'one', label: 'One at a time' },
            ]}
            value={oneAtATime ? 'one' : 'all'}
            onChange={(v) => {
              setOneAtATime(v === 'one');
              setCurrent(0);
            }}
          />
        )}

        {shown.map((s) => (
          <StudentCard
            key={s.id}
            student={s}
            entry={entries[s.id] ?? emptyStudent()}
            error={errors[`student:${s.id}`]}
            onStudent={(change) => patchStudent(s.id, change)}
            onGoal={(goalId, change) => patchGoal(s.id, goalId, change)}
          />
        ))}
        {oneAtATime && students.length > 1 && (
          <div className="log-session__pager">
            <Button
              variant="secondary"
              disabled={current === 0}
              onClick={() => setCurrent((c) => c - 1)}
            >
              ← Previous
            </Button>
            <span aria-live="polite">
              {current + 1} of {students.length}
            </span>
            <Button
              variant="secondary"
              disabled={current >= students.length - 1}
              onClick={() => setCurrent((c) => c + 1)}
            >
              Next →
            </Button>
          </div>
        )}

        {errors.form && <p className="form-alert">{errors.form}</p>}
        {saved && (
          <p className="saved-note" role="status">
            {saved}
          </p>
        )}
        <div className="log-session__actions">
          <Button type="submit" variant="secondary" disabled={students.length === 0}>
            Save
          </Button>
          <Button onClick={() => submit(true)} disabled={students.length === 0}>
            Save and sign
          </Button>
        </div>
      </form>

      <RecentSessions />
    </div>
  );
}

function StudentCard({
  student,
  entry,
  error,
  onStudent,
  onGoal,
}: {
  student: SessionStudentChoice;
  entry: StudentEntry;
  error?: string;
  onStudent: (change: Partial<StudentEntry>) => void;
  onGoal: (goalId: string, change: Partial<GoalEntry>) => void;
}) {
  const served = entry.attendance === 'delivered' || entry.attendance === 'makeup';
  const missed = !served;
  const headingId = `student-${student.id}`;
  return (
    <section className="card log-session__card student-card" aria-labelledby={headingId}>
      <h2 id={headingId} className="student-card__name">
        {student.name}
      </h2>
      {error && <p className="field__error">{error}</p>}
      <SegmentedControl
        legend={`Attendance for ${student.name}`}
        hideLegend
        options={[
          { value: 'delivered', label: 'Delivered' },
          { value: 'makeup', label: 'Makeup' },
          { value: 'missed', label: 'Missed…' },
        ]}
        value={missed ? 'missed' : (entry.attendance as 'delivered' | 'makeup')}
        onChange={(v) => onStudent({ attendance: v === 'missed' ? 'student_absent_excused' : v })}
        columns={3}
      />
      {missed && (
        <label className="select-field">
          <span className="field__label">Reason missed</span>
          <select
            value={entry.attendance}
            onChange={(e) => onStudent({ attendance: e.target.value as AttendanceOutcome })}
          >
            {missedReasons.map((r) => (
              <option key={r} value={r}>
                {attendanceLabels[r]}
              </option>
            ))}
          </select>
        </label>
      )}
      {served &&
        (student.goals.length === 0 ? (
          <p className="muted">No goals in your discipline for this student.</p>
        ) : (
          student.goals.map((g) => (
            <GoalInput
              key={g.id}
              goal={g}
              studentName={student.name}
              entry={entry.goals[g.id] ?? emptyGoal()}
              onChange={(change) => onGoal(g.id, change)}
            />
          ))
        ))}
      <label className="select-field">
        <span className="field__label">Note</span>
        <textarea
          rows={2}
          value={entry.note}
          onChange={(e) => onStudent({ note: e.target.value })}
          placeholder="Optional; signed with the session"
        />
      </label>
    </section>
  );
}

export function GoalInput({
  goal,
  studentName,
  entry,
  onChange,
}: {
  goal: SessionGoalChoice;
  studentName: string;
  entry: GoalEntry;
  onChange: (change: Partial<GoalEntry>) => void;
}) {
  const domain = labels.domain[goal.domain as keyof typeof labels.domain] ?? goal.domain;
  const label = `${domain} (${studentName})`;
  return (
    <div className="goal-input">
      <h3 className="goal-input__title">
        {domain} <span className="muted small">· {goal.text}</span>
      </h3>
      {goal.measurementType === 'percent' && (
        <>
          <TrialCounter
            label={label}
            value={entry.trials}
            onChange={(t) => onChange({ trials: { ...entry.trials, ...t } })}
          />
          {entry.trials.prompted > 0 && (
            <label className="select-field">
              <span className="field__label">Prompt level</span>
              <select
                value={entry.trials.promptLevel ?? ''}
                onChange={(e) =>
                  onChange({
                    trials: {
                      ...entry.trials,
                      promptLevel: (e.target.value || null) as PromptLevel | null,
                    },
                  })
                }
              >
                <option value="">Not recorded</option>
                {promptLevels
                  .filter((p) => p !== 'independent')
                  .map((p) => (
                    <option key={p} value={p}>
                      {promptLabels[p]}
                    </option>
                  ))}
              </select>
            </label>
          )}
        </>
      )}
      {goal.measurementType === 'prompt_level' && (
        <SegmentedControl
          legend={`Least support needed, ${label}`}
          hideLegend
          options={promptLevels.map((p) => ({ value: p, label: promptLabels[p] }))}
          value={entry.promptLevel}
          onChange={(p) => onChange({ promptLevel: p })}
          columns={2}
        />
      )}
      {goal.measurementType === 'frequency' && (
        <Stepper
          label={`Count, ${label}`}
          value={entry.count}
          onChange={(count) => onChange({ count })}
        />
      )}
      {goal.measurementType === 'duration' && (
        <DurationTimer
          label={label}
          value={entry.duration}
          onChange={(duration) => onChange({ duration })}
        />
      )}
      {goal.measurementType === 'rubric' && (
        <SegmentedControl
          legend={`Rubric score, ${label}`}
          hideLegend
          options={Array.from({ length: (goal.rubricMax ?? 4) + 1 }, (_, i) => ({
            value: String(i),
            label: String(i),
          }))}
          value={entry.rubric === null ? null : String(entry.rubric)}
          onChange={(v) => onChange({ rubric: Number(v) })}
        />
      )}
    </div>
  );
}
