import {
  type AttendanceOutcome,
  type CollaborationMode,
  finalisedPeriodOn,
  type GoalDataInput,
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
  type SessionSummary,
  type Setting,
  wallTimeIn,
} from '@carryover/domain';
import {
  Button,
  DurationTimer,
  type DurationValue,
  durationSeconds,
  EmptyState,
  ErrorState,
  Field,
  formatDate,
  LoadingState,
  PageHeader,
  SegmentedControl,
  Stepper,
  TrialCounter,
  type TrialCounts,
  UnsentBanner,
} from '@carryover/ui';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { useSearchParams } from 'react-router';
import { useDistrictZone, useViewer } from '../../auth';
import { DistrictDate } from '../../components/DistrictDate';
import { fieldErrors, userMessage } from '../../lib/errors';
import { useDocumentTitle } from '../../lib/useDocumentTitle';
import { useSharedOutbox } from '../../offline/OutboxProvider';
import { newIdempotencyKey } from '../../offline/queue';
import { useTRPC } from '../../trpc';

// The quick-entry screen: made for a phone in one hand during a push-in session. Every entry
// goes to the device's outbox first and is sent from there (see offline/queue.ts).

const attendanceLabels: Record<AttendanceOutcome, string> = {
  delivered: 'Delivered',
  makeup: 'Makeup',
  student_absent_excused: 'Student absent (excused)',
  student_absent_unexcused: 'Student absent (unexcused)',
  student_unavailable: 'Student unavailable',
  refused: 'Refused',
  provider_absent: 'Provider absent',
  school_closed: 'School closed',
  other: 'Other reason',
};

const collaborationLabels: Record<CollaborationMode, string> = {
  co_teach: 'Co-teach',
  therapist_leads: 'I lead',
  therapist_assists: 'I assist',
  observe_coach: 'Observe & coach',
};

const promptLabels: Record<PromptLevel, string> = {
  independent: 'Independent',
  gestural: 'Gestural',
  verbal: 'Verbal',
  visual: 'Visual',
  model: 'Model',
  partial_physical: 'Partial physical',
  full_physical: 'Full physical',
};

function routineLabel(name: string): string {
  const words = name.replace(/_/g, ' ').trim();
  return words === 'pe' ? 'PE' : words.charAt(0).toUpperCase() + words.slice(1);
}

/** The district's wall clock as "HH:MM", `offsetMinutes` from now (not the device's zone). */
function clockNow(timeZone: string, offsetMinutes = 0): string {
  const { minutes } = wallTimeIn(new Date(Date.now() + offsetMinutes * 60_000), timeZone);
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

interface GoalEntry {
  trials: TrialCounts & { promptLevel: PromptLevel | null };
  promptLevel: PromptLevel | null;
  count: number;
  duration: DurationValue;
  rubric: number | null;
}

const emptyGoal = (): GoalEntry => ({
  trials: { correct: 0, prompted: 0, incorrect: 0, promptLevel: null },
  promptLevel: null,
  count: 0,
  duration: { seconds: 0, runningSince: null },
  rubric: null,
});

interface StudentEntry {
  attendance: AttendanceOutcome;
  note: string;
  goals: Record<string, GoalEntry>;
}

const emptyStudent = (): StudentEntry => ({ attendance: 'delivered', note: '', goals: {} });

/** The goal's data in the API's shape, or null when nothing was recorded for it. */
export function goalData(goal: SessionGoalChoice, e: GoalEntry | undefined): GoalDataInput | null {
  if (!e) return null;
  switch (goal.measurementType) {
    case 'percent': {
      const t = e.trials;
      const total = t.correct + t.prompted + t.incorrect;
      if (total === 0) return null;
      return {
        goalId: goal.id,
        trials: {
          trials: total,
          correct: t.correct,
          prompted: t.prompted,
          promptLevel: t.prompted > 0 ? t.promptLevel : null,
        },
      };
    }
    case 'prompt_level':
      return e.promptLevel ? { goalId: goal.id, promptLevel: e.promptLevel } : null;
    case 'frequency':
      return e.count > 0 ? { goalId: goal.id, count: e.count } : null;
    case 'duration': {
      const seconds = durationSeconds(e.duration);
      return seconds > 0 ? { goalId: goal.id, seconds } : null;
    }
    case 'rubric':
      return e.rubric !== null ? { goalId: goal.id, rubricScore: e.rubric } : null;
  }
}

/**
 * What a planned session's "Log" link fills in: `?students=a,b&model=push_in&routine=r&start=08:05
 * &end=08:35` (ids only, never names, so nothing of the student is in the address). Students
 * and routines the device does not know are left out; a bad time is ignored.
 */
export function plannedPrefill(params: URLSearchParams, context: SessionFormContext) {
  const known = new Set(context.students.map((s) => s.id));
  const studentIds = (params.get('students') ?? '').split(',').filter((id) => id && known.has(id));
  const model = params.get('model');
  const routine = params.get('routine');
  const time = (v: string | null) => (v && /^\d{2}:\d{2}$/.test(v) ? v : null);
  return {
    studentIds: [...new Set(studentIds)],
    model: model === 'push_in' || model === 'pull_out' ? (model as SessionModel) : null,
    routineId: routine && context.routines.some((r) => r.id === routine) ? routine : null,
    startTime: time(params.get('start')),
    endTime: time(params.get('end')),
  };
}

export function LogSessionPage() {
  useDocumentTitle('Log session');
  const me = useViewer();
  const trpc = useTRPC();
  const context = useQuery(trpc.sessions.context.queryOptions());
  const isTeacher = me.data?.role === 'teacher';

  return (
    <>
      <PageHeader
        title="Log session"
        description={
          isTeacher
            ? 'Record a quick classroom probe for a student in your class.'
            : context.data?.supervisorName
              ? `Logged under your supervising therapist, ${context.data.supervisorName}, who co-signs.`
              : 'Tap in the data as you go. Entries are kept on this device until they are sent.'
        }
      />
      {context.isPending ? (
        <LoadingState label="Loading your students" rows={6} />
      ) : context.isError ? (
        <ErrorState
          title="Your students could not be loaded"
          message={userMessage(context.error)}
          onRetry={() => void context.refetch()}
          retrying={context.isFetching}
        />
      ) : context.data.students.length === 0 ? (
        <EmptyState title="No students to log for">
          <p>Students appear here once you serve them.</p>
        </EmptyState>
      ) : isTeacher ? (
        <ProbeForm context={context.data} />
      ) : (
        <SessionForm context={context.data} userId={me.data?.id ?? null} />
      )}
    </>
  );
}

function SessionForm({ context, userId }: { context: SessionFormContext; userId: string | null }) {
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

function GoalInput({
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

function RecentSessions() {
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

function ProbeForm({ context }: { context: SessionFormContext }) {
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
