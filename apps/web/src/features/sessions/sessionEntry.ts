import {
  type AttendanceOutcome,
  type CollaborationMode,
  type GoalDataInput,
  type PromptLevel,
  type SessionFormContext,
  type SessionGoalChoice,
  type SessionModel,
  wallTimeIn,
} from '@carryover/domain';
import { type DurationValue, durationSeconds, type TrialCounts } from '@carryover/ui';

// What the session form holds per student and goal, and how it becomes the API's input.

export const attendanceLabels: Record<AttendanceOutcome, string> = {
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

export const collaborationLabels: Record<CollaborationMode, string> = {
  co_teach: 'Co-teach',
  therapist_leads: 'I lead',
  therapist_assists: 'I assist',
  observe_coach: 'Observe & coach',
};

export const promptLabels: Record<PromptLevel, string> = {
  independent: 'Independent',
  gestural: 'Gestural',
  verbal: 'Verbal',
  visual: 'Visual',
  model: 'Model',
  partial_physical: 'Partial physical',
  full_physical: 'Full physical',
};

export function routineLabel(name: string): string {
  const words = name.replace(/_/g, ' ').trim();
  return words === 'pe' ? 'PE' : words.charAt(0).toUpperCase() + words.slice(1);
}

/** The district's wall clock as "HH:MM", `offsetMinutes` from now (not the device's zone). */
export function clockNow(timeZone: string, offsetMinutes = 0): string {
  const { minutes } = wallTimeIn(new Date(Date.now() + offsetMinutes * 60_000), timeZone);
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

export interface GoalEntry {
  trials: TrialCounts & { promptLevel: PromptLevel | null };
  promptLevel: PromptLevel | null;
  count: number;
  duration: DurationValue;
  rubric: number | null;
}

export const emptyGoal = (): GoalEntry => ({
  trials: { correct: 0, prompted: 0, incorrect: 0, promptLevel: null },
  promptLevel: null,
  count: 0,
  duration: { seconds: 0, runningSince: null },
  rubric: null,
});

export interface StudentEntry {
  attendance: AttendanceOutcome;
  note: string;
  goals: Record<string, GoalEntry>;
}

export const emptyStudent = (): StudentEntry => ({ attendance: 'delivered', note: '', goals: {} });

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
