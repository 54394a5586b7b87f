import { z } from 'zod';
import { type CsvValue, csvRecords } from './csv';
import type { FidelityFigures } from './fidelity';
import {
  AttendanceOutcome,
  ClockTime,
  CollaborationMode,
  Discipline,
  ExpectedVersion,
  Id,
  IsoDate,
  type MeasurementType,
  type MissedReason,
  PromptLevel,
  SessionModel,
  Setting,
} from './model';

// Session logging (docs/domain.md "session", "observation"): the inputs the quick-entry screen and
// the API share, the data-entry rules that need no database, and the CSV exports.

/** Minutes between two `HH:MM` times of one day; negative when `end` is before `start`. */
export function minutesBetween(start: string, end: string): number {
  const toMin = (t: string) => Number(t.slice(0, 2)) * 60 + Number(t.slice(3, 5));
  return toMin(end) - toMin(start);
}

const count = (what: string) =>
  z
    .number({ error: `Enter the number of ${what}` })
    .int(`${what} must be a whole number`)
    .min(0, `${what} cannot be negative`)
    .max(10_000, `${what} is too large`);

/**
 * Trial data: `trials` presented, of which `correct` unprompted and `prompted` correct with a
 * prompt (at `promptLevel`); the rest were incorrect.
 */
export const TrialData = z
  .object({
    trials: count('Trials').min(1, 'Record at least one trial'),
    correct: count('Correct trials'),
    prompted: count('Prompted trials').default(0),
    promptLevel: PromptLevel.nullish(),
  })
  .superRefine((t, ctx) => {
    if (t.correct > t.trials) {
      ctx.addIssue({
        code: 'custom',
        path: ['correct'],
        message: 'Correct trials cannot exceed the trials presented',
      });
    } else if (t.correct + t.prompted > t.trials) {
      ctx.addIssue({
        code: 'custom',
        path: ['prompted'],
        message: 'Correct and prompted trials cannot exceed the trials presented',
      });
    }
  });
export type TrialData = z.input<typeof TrialData>;

/** One goal's data point; exactly the field of the goal's measurement type is set. */
export const GoalDataInput = z.object({
  goalId: Id,
  trials: TrialData.optional(),
  /** `prompt_level` goals: the least support the student needed. */
  promptLevel: PromptLevel.optional(),
  count: count('Count').optional(),
  seconds: count('Seconds').max(86_400, 'Seconds is too large').optional(),
  rubricScore: z.number().int('Rubric score must be a whole number').min(0).max(100).optional(),
});
export type GoalDataInput = z.input<typeof GoalDataInput>;

/** Which field of `GoalDataInput` each measurement type uses. */
export const measurementField = {
  percent: 'trials',
  prompt_level: 'promptLevel',
  frequency: 'count',
  duration: 'seconds',
  rubric: 'rubricScore',
} as const satisfies Record<MeasurementType, keyof GoalDataInput>;

/**
 * Why a data point does not fit its goal, or null when it does: the value must be in the goal's
 * measurement type (and within its rubric scale) and nothing else may be set.
 */
export function goalDataProblem(
  goal: { measurementType: MeasurementType; rubricMax: number | null },
  data: GoalDataInput,
): string | null {
  const field = measurementField[goal.measurementType];
  const set = (Object.keys(measurementField) as MeasurementType[])
    .map((m) => measurementField[m])
    .filter((f) => data[f] !== undefined);
  if (!set.includes(field)) return 'Enter data in this goal’s measurement';
  if (set.length > 1) return 'Enter only this goal’s measurement';
  if (field === 'rubricScore' && goal.rubricMax != null && (data.rubricScore ?? 0) > goal.rubricMax)
    return `Rubric score must be 0–${goal.rubricMax}`;
  return null;
}

export const SessionStudentInput = z
  .object({
    studentId: Id,
    attendance: AttendanceOutcome,
    note: z.string().trim().max(4000, 'Note is too long').default(''),
    goals: z.array(GoalDataInput).max(30, 'Too many goals').default([]),
  })
  .superRefine((s, ctx) => {
    if (s.attendance !== 'delivered' && s.attendance !== 'makeup' && s.goals.length > 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['goals'],
        message: 'A missed session has no goal data',
      });
    }
    const seen = new Set<string>();
    s.goals.forEach((g, i) => {
      if (seen.has(g.goalId))
        ctx.addIssue({
          code: 'custom',
          path: ['goals', i, 'goalId'],
          message: 'Goal listed twice',
        });
      seen.add(g.goalId);
    });
  });
export type SessionStudentInput = z.input<typeof SessionStudentInput>;

/** Made by the client once per record; a retried submission stores it once. */
const IdempotencyKey = z
  .string()
  .regex(/^[A-Za-z0-9_-]{16,64}$/, 'Idempotency key must be 16–64 letters, digits, - or _');

export const SessionLogInput = z
  .object({
    /** Made by the client once per session; a retried submission stores one session. */
    idempotencyKey: IdempotencyKey,
    date: IsoDate,
    startTime: ClockTime,
    endTime: ClockTime,
    model: SessionModel,
    setting: Setting,
    routineId: Id.nullish(),
    collaborationMode: CollaborationMode.nullish(),
    students: z
      .array(SessionStudentInput)
      .min(1, 'Choose at least one student')
      .max(12, 'A group has at most 12 students'),
    /** Sign every student's note as it is saved. */
    sign: z.boolean().default(false),
    /** Why a session dated inside a finalised report's period is entered now (a late entry). */
    lateEntryReason: z.string().trim().max(500, 'Keep the reason under 500 characters').nullish(),
  })
  .superRefine((s, ctx) => {
    if (minutesBetween(s.startTime, s.endTime) <= 0) {
      ctx.addIssue({ code: 'custom', path: ['endTime'], message: 'End must be after begin' });
    }
    if (s.model === 'push_in' && s.setting !== 'classroom') {
      ctx.addIssue({
        code: 'custom',
        path: ['setting'],
        message: 'A push-in session is in the classroom',
      });
    }
    if (s.model === 'push_in' && !s.collaborationMode) {
      ctx.addIssue({
        code: 'custom',
        path: ['collaborationMode'],
        message: 'Choose how you worked with the teacher',
      });
    }
    if (s.model !== 'push_in' && (s.routineId || s.collaborationMode)) {
      ctx.addIssue({
        code: 'custom',
        path: ['routineId'],
        message: 'Routine and collaboration mode are for push-in sessions',
      });
    }
    const seen = new Set<string>();
    s.students.forEach((st, i) => {
      if (seen.has(st.studentId))
        ctx.addIssue({
          code: 'custom',
          path: ['students', i, 'studentId'],
          message: 'Student listed twice',
        });
      seen.add(st.studentId);
    });
  });
export type SessionLogInput = z.input<typeof SessionLogInput>;
export type SessionLogParsed = z.output<typeof SessionLogInput>;

export const SessionStudentRef = z.object({ sessionId: Id, studentId: Id });
export type SessionStudentRef = z.input<typeof SessionStudentRef>;

export const SessionNoteInput = SessionStudentRef.extend({
  note: z.string().trim().max(4000, 'Note is too long'),
});
export const SessionAmendInput = SessionStudentRef.extend({
  text: z.string().trim().min(1, 'Write the amendment').max(4000, 'Amendment is too long'),
});
export const SessionRefInput = z.object({ sessionId: Id });

/** An edit of a saved, unsigned draft, at the version its form loaded. */
export const SessionDraftInput = z
  .object({
    sessionId: Id,
    expectedVersion: ExpectedVersion,
    date: IsoDate,
    startTime: ClockTime,
    endTime: ClockTime,
    lateEntryReason: z.string().trim().max(500, 'Keep the reason under 500 characters').nullish(),
    students: z
      .array(
        z.object({
          studentId: Id,
          attendance: AttendanceOutcome,
          note: z.string().trim().max(4000, 'Note is too long').default(''),
        }),
      )
      .min(1, 'Choose at least one student')
      .max(12, 'A group has at most 12 students'),
  })
  .superRefine((s, ctx) => {
    if (minutesBetween(s.startTime, s.endTime) <= 0)
      ctx.addIssue({ code: 'custom', path: ['endTime'], message: 'End must be after begin' });
  });
export type SessionDraftInput = z.input<typeof SessionDraftInput>;

/** A teacher's quick classroom probe of one goal (generalisation data, no session). */
export const ClassroomProbeInput = z.object({
  /** Made by the browser once per probe (it waits in the outbox); a retry stores it once. */
  idempotencyKey: IdempotencyKey.optional(),
  studentId: Id,
  date: IsoDate,
  data: GoalDataInput,
});
export type ClassroomProbeInput = z.input<typeof ClassroomProbeInput>;

/** The fields of a report period: a reporting period by id, or explicit dates. */
export const FidelityPeriodFields = z.object({
  periodId: Id.optional(),
  /** Only this discipline's services. */
  discipline: Discipline.optional(),
  from: IsoDate.optional(),
  to: IsoDate.optional(),
});

/** Both dates or neither, in order, at most about a school year. */
export function checkFidelityPeriod(
  p: { from?: string | undefined; to?: string | undefined },
  ctx: z.RefinementCtx,
): void {
  if ((p.from === undefined) !== (p.to === undefined)) {
    ctx.addIssue({ code: 'custom', path: ['to'], message: 'Give both dates or neither' });
  } else if (p.from && p.to && p.to < p.from) {
    ctx.addIssue({ code: 'custom', path: ['to'], message: 'The period ends before it starts' });
  } else if (p.from && p.to && Date.parse(p.to) - Date.parse(p.from) > 400 * 86_400_000) {
    ctx.addIssue({ code: 'custom', path: ['to'], message: 'Choose at most one school year' });
  }
}

/** A report period: a reporting period by id, or explicit dates (at most about a school year). */
export const FidelityPeriodInput = FidelityPeriodFields.superRefine(checkFidelityPeriod).optional();
export type FidelityPeriodInput = z.input<typeof FidelityPeriodInput>;

// ---------------------------------------------------------------------------------------------
// Views

export interface SessionGoalChoice {
  id: string;
  discipline: Discipline;
  domain: string;
  text: string;
  measurementType: MeasurementType;
  rubricMax: number | null;
}

export interface SessionStudentChoice {
  id: string;
  name: string;
  grade: string;
  homeroomId: string | null;
  homeroom: string | null;
  goals: SessionGoalChoice[];
}

export interface SessionFormContext {
  today: IsoDate;
  students: SessionStudentChoice[];
  routines: { id: string; name: string; classroomId: string; classroom: string }[];
  /** Set for an assistant: sessions are logged under this supervising therapist. */
  supervisorName: string | null;
  /** Periods with a finalised report, per student: a session dated inside one is a late entry. */
  finalisedPeriods: { studentId: string; name: string; startsOn: IsoDate; endsOn: IsoDate }[];
}

export interface SessionStudentRecord {
  studentId: string;
  name: string;
  attendance: AttendanceOutcome;
  note: string;
  signedAt: string | null;
  signedBy: string | null;
  amendments: { id: string; text: string; author: string; at: string }[];
  observations: number;
}

export interface SessionSummary {
  id: string;
  date: IsoDate;
  startTime: string;
  endTime: string;
  minutes: number;
  model: SessionModel;
  setting: Setting;
  groupSize: number;
  providerName: string;
  createdByName: string;
  /** Logged by an assistant: the supervising therapist co-signs. */
  needsCosign: boolean;
  cosignedAt: string | null;
  cosignedBy: string | null;
  /** Whether the viewer can co-sign it now. */
  canCosign: boolean;
  /** The session's version, for a draft edit. */
  version: number;
  lateEntryReason: string | null;
  /** A voided session stays listed, struck through, with who voided it and why. */
  voidedAt: string | null;
  voidedBy: string | null;
  voidReason: string | null;
  students: SessionStudentRecord[];
}

export interface FidelityRow {
  studentId: string;
  studentName: string;
  schoolName: string;
  discipline: Discipline;
  providerId: string;
  providerName: string;
  figures: FidelityFigures;
  weeks: ({ weekStart: IsoDate; from: IsoDate; to: IsoDate } & FidelityFigures)[];
}

export interface FidelityView {
  from: IsoDate;
  to: IsoDate;
  today: IsoDate;
  periodName: string;
  policy: 'never' | 'unexcused_only' | 'always';
  periods: { id: string; name: string; from: IsoDate; to: IsoDate }[];
  rows: FidelityRow[];
}

/**
 * What the report's page shows of a week (a row's week details): the week's days and four of its
 * figures. The page sends these instead of the whole `FidelityFigures` of every week, which were
 * nine tenths of a coordinator's 480 kB first page.
 */
export interface FidelityWeekLine {
  weekStart: IsoDate;
  from: IsoDate;
  to: IsoDate;
  mandated: number;
  delivered: number;
  makeupDelivered: number;
  missedTotal: number;
  behind: number;
}

export function fidelityWeekLine(w: FidelityRow['weeks'][number]): FidelityWeekLine {
  return {
    weekStart: w.weekStart,
    from: w.from,
    to: w.to,
    mandated: w.mandated,
    delivered: w.delivered,
    makeupDelivered: w.makeupDelivered,
    missedTotal: w.missedTotal,
    behind: w.behind,
  };
}

/** A row of the report's page: the period's figures whole, each week as its line. */
export type FidelityPageRow = Omit<FidelityRow, 'weeks'> & { weeks: FidelityWeekLine[] };

/** One page of the report: its students' rows in name order, and the cursor for the next. */
export interface FidelityPage extends Omit<FidelityView, 'rows'> {
  rows: FidelityPageRow[];
  nextCursor: string | null;
}

/** A school's or a therapist's (per discipline) totals over every service row in scope. */
export interface FidelityGroup {
  key: string;
  label: string;
  /** Student-and-discipline rows summed. */
  services: number;
  figures: FidelityFigures;
}

// ---------------------------------------------------------------------------------------------
// CSV (written by ./csv: every field quoted, formulas neutralised)

export const FIDELITY_CSV_HEADER = [
  'student',
  'school',
  'discipline',
  'provider',
  'from',
  'to',
  'mandated',
  'mandated_to_date',
  'scheduled',
  'delivered',
  'makeup_delivered',
  'missed_total',
  'missed_student_absent_excused',
  'missed_student_absent_unexcused',
  'missed_student_unavailable',
  'missed_refused',
  'missed_provider_absent',
  'missed_school_closed',
  'missed_other',
  'owed',
  'accounted',
  'makeups_owed',
  'unaccounted',
  'remaining',
  'behind',
] as const;

/**
 * The CSV records (no header) for some rows of a report: an export is written a batch of students
 * at a time, the header once first.
 */
export function fidelityCsvRecords(
  period: Pick<FidelityView, 'from' | 'to'>,
  rows: readonly Omit<FidelityRow, 'weeks'>[],
): CsvValue[][] {
  const view = period;
  const missed = (f: FidelityFigures, r: MissedReason) => f.missed[r];
  return rows.map((r) => {
    const f = r.figures;
    return [
      r.studentName,
      r.schoolName,
      r.discipline,
      r.providerName,
      view.from,
      view.to,
      f.mandated,
      f.mandatedToDate,
      f.scheduled,
      f.delivered,
      f.makeupDelivered,
      f.missedTotal,
      missed(f, 'student_absent_excused'),
      missed(f, 'student_absent_unexcused'),
      missed(f, 'student_unavailable'),
      missed(f, 'refused'),
      missed(f, 'provider_absent'),
      missed(f, 'school_closed'),
      missed(f, 'other'),
      f.owed,
      f.accounted,
      f.makeupsOwed,
      f.unaccounted,
      f.remaining,
      f.behind,
    ];
  });
}

/** CSV lines (each ending CRLF, no header) for some rows of a report. */
export function fidelityCsvLines(
  period: Pick<FidelityView, 'from' | 'to'>,
  rows: readonly Omit<FidelityRow, 'weeks'>[],
): string {
  return csvRecords(fidelityCsvRecords(period, rows));
}

export function fidelityCsv(view: FidelityView): string {
  return csvRecords([FIDELITY_CSV_HEADER]) + fidelityCsvLines(view, view.rows);
}

/**
 * Level of assistance for billing: the most support any of the session's goal data needed
 * (a prompt level, or "prompted" trials without a level), else independent; empty with no data.
 */
export function levelOfAssistance(
  data: readonly { promptLevel: string | null; prompted: number | null; correct: number | null }[],
  order: readonly string[],
): string {
  if (data.length === 0) return '';
  let worst = -1;
  let prompted = false;
  for (const d of data) {
    if (d.promptLevel) worst = Math.max(worst, order.indexOf(d.promptLevel));
    if ((d.prompted ?? 0) > 0) prompted = true;
  }
  if (worst >= 0) return order[worst] ?? '';
  return prompted ? 'prompted' : 'independent';
}
