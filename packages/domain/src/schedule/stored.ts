import { z } from 'zod';
import { addDays, dayNumber, isoWeekday, weekStart } from '../dates';
import type { MissedReason } from '../model';
import {
  ClockTime,
  ExpectedVersion,
  Id,
  type IsoDate,
  IsoDate as IsoDateSchema,
  missedReasons,
} from '../model';
import type { PlannedSession, Weekday } from './types';

// The stored weekly schedule (issue 17) as pure data: planned sessions that recur every week,
// with per-date exceptions (cancelled, moved) and school closures, expanded into the dated
// occurrences of any span. The API reads the rows, this file decides what happens on each day.

/** "08:05" → 485. */
export function clockToMinutes(time: string): number {
  const [h, m] = time.split(':');
  return Number(h) * 60 + Number(m);
}

/** 485 → "08:05". */
export function minutesToClock(minutes: number): string {
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`;
}

export interface StoredScheduleStudent {
  studentId: string;
  serviceId: string | null;
}

export interface StoredScheduleSession {
  id: string;
  providerId: string;
  schoolId: string;
  /** ISO weekday, 1 (Monday) … 5 (Friday). */
  weekday: number;
  startTime: string;
  minutes: number;
  model: 'push_in' | 'pull_out';
  classroomId: string | null;
  routineId: string | null;
  room: string | null;
  validFrom: IsoDate;
  validTo: IsoDate | null;
  students: StoredScheduleStudent[];
}

export interface StoredScheduleException {
  sessionId: string;
  onDate: IsoDate;
  kind: 'cancelled' | 'moved';
  reason: MissedReason | null;
  note: string | null;
  movedTo: IsoDate | null;
  startTime: string | null;
  minutes: number | null;
}

export interface SchoolClosure {
  /** Null: every school of the district. */
  schoolId: string | null;
  startsOn: IsoDate;
  endsOn: IsoDate;
  name: string;
}

export type OccurrenceStatus = 'planned' | 'moved' | 'cancelled' | 'closed';

export interface ScheduleOccurrence {
  session: StoredScheduleSession;
  /** The day it happens (a moved occurrence: its new day). */
  date: IsoDate;
  /** The day the weekly recurrence put it on. */
  originalDate: IsoDate;
  startTime: string;
  endTime: string;
  minutes: number;
  status: OccurrenceStatus;
  /** Cancelled: the missed reason and note. Closed: the closure's name in `note`. */
  reason: MissedReason | null;
  note: string | null;
}

/** The key of one occurrence: the session and the day the recurrence put it on. */
export function occurrenceKey(sessionId: string, originalDate: IsoDate): string {
  return `${sessionId}@${originalDate}`;
}

function closureOn(closures: readonly SchoolClosure[], schoolId: string, date: IsoDate) {
  return closures.find(
    (c) =>
      (c.schoolId === null || c.schoolId === schoolId) && c.startsOn <= date && date <= c.endsOn,
  );
}

/** Whether the series runs on `date` (its weekday, inside its dates). */
export function sessionRunsOn(s: StoredScheduleSession, date: IsoDate): boolean {
  return (
    isoWeekday(date) === s.weekday &&
    s.validFrom <= date &&
    (s.validTo === null || date <= s.validTo)
  );
}

/**
 * Every occurrence dated in [from, to]: each series on its weekday inside its dates, a moved
 * occurrence on its new day (from wherever it came), a cancelled one kept with its reason, and
 * one on a day its school is closed marked `closed`. Sorted by date, then start.
 */
export function occurrencesBetween(
  sessions: readonly StoredScheduleSession[],
  exceptions: readonly StoredScheduleException[],
  closures: readonly SchoolClosure[],
  from: IsoDate,
  to: IsoDate,
): ScheduleOccurrence[] {
  const bySession = new Map<string, Map<IsoDate, StoredScheduleException>>();
  for (const e of exceptions) {
    const m = bySession.get(e.sessionId) ?? new Map();
    m.set(e.onDate, e);
    bySession.set(e.sessionId, m);
  }
  const out: ScheduleOccurrence[] = [];
  const make = (
    session: StoredScheduleSession,
    date: IsoDate,
    originalDate: IsoDate,
    start: string,
    minutes: number,
    status: OccurrenceStatus,
    reason: MissedReason | null,
    note: string | null,
  ): ScheduleOccurrence => {
    const closed = status !== 'cancelled' ? closureOn(closures, session.schoolId, date) : undefined;
    return {
      session,
      date,
      originalDate,
      startTime: start,
      endTime: minutesToClock(clockToMinutes(start) + minutes),
      minutes,
      status: closed ? 'closed' : status,
      reason: closed ? 'school_closed' : reason,
      note: closed ? closed.name : note,
    };
  };
  const first = dayNumber(from);
  const last = dayNumber(to);
  for (const s of sessions) {
    const own = bySession.get(s.id);
    // The first day on or after `from` with the series' weekday.
    const shift = (s.weekday - isoWeekday(from) + 7) % 7;
    for (let date = addDays(from, shift); dayNumber(date) <= last; date = addDays(date, 7)) {
      if (!sessionRunsOn(s, date)) continue;
      const e = own?.get(date);
      if (e?.kind === 'moved') continue;
      if (e?.kind === 'cancelled') {
        out.push(make(s, date, date, s.startTime, s.minutes, 'cancelled', e.reason, e.note));
      } else out.push(make(s, date, date, s.startTime, s.minutes, 'planned', null, null));
    }
    for (const e of own?.values() ?? []) {
      if (e.kind !== 'moved' || !e.movedTo || !sessionRunsOn(s, e.onDate)) continue;
      const day = dayNumber(e.movedTo);
      if (day < first || day > last) continue;
      out.push(
        make(
          s,
          e.movedTo,
          e.onDate,
          e.startTime ?? s.startTime,
          e.minutes ?? s.minutes,
          'moved',
          null,
          e.note,
        ),
      );
    }
  }
  return out.sort(
    (a, b) =>
      (a.date < b.date ? -1 : a.date > b.date ? 1 : 0) ||
      clockToMinutes(a.startTime) - clockToMinutes(b.startTime) ||
      (a.session.id < b.session.id ? -1 : 1),
  );
}

/** An occurrence as the conflict check and the solver see it (day 0 = Monday of its week). */
export function plannedOf(o: ScheduleOccurrence): PlannedSession {
  const start = clockToMinutes(o.startTime);
  return {
    key: occurrenceKey(o.session.id, o.originalDate),
    day: (isoWeekday(o.date) - 1) as Weekday,
    start,
    end: start + o.minutes,
    schoolId: o.session.schoolId,
    model: o.session.model,
    classroomId: o.session.classroomId,
    routineId: o.session.routineId,
    room: o.session.room,
    serviceIds: o.session.students.flatMap((s) => (s.serviceId ? [s.serviceId] : [])),
    studentIds: o.session.students.map((s) => s.studentId),
  };
}

/** Whether an occurrence takes place (a cancelled or closed one does not). */
export const occurrenceHappens = (o: ScheduleOccurrence) =>
  o.status === 'planned' || o.status === 'moved';

/** Monday … Friday of the week containing `date`. */
export function schoolWeek(date: IsoDate): IsoDate[] {
  const monday = weekStart(date);
  return [0, 1, 2, 3, 4].map((i) => addDays(monday, i));
}

/** "Ava Lopez" → "A.L." — what a calendar feed shows instead of a name. */
export function initialsOf(firstName: string, lastName: string): string {
  const first = [...firstName.trim()][0] ?? '';
  const last = [...lastName.trim()][0] ?? '';
  return `${first.toUpperCase()}.${last.toUpperCase()}.`;
}

// ---------------------------------------------------------------------------------------------
// Inputs of the schedule router. Field-level messages, as the forms show them.

const Weekday1to5 = z
  .number({ error: 'Choose a school day' })
  .int('Choose a school day')
  .min(1, 'Choose a school day (Monday to Friday)')
  .max(5, 'Choose a school day (Monday to Friday)');

const SessionMinutes = z
  .number({ error: 'Enter the length in minutes' })
  .int('Enter whole minutes')
  .min(5, 'A session is at least 5 minutes')
  .max(240, 'A session is at most 240 minutes');

const OverrideReason = z
  .string()
  .trim()
  .min(3, 'Say why this schedule should stand despite the conflicts')
  .max(500, 'Keep the reason under 500 characters');

/** Any date in the week; the week is Monday … Friday around it. */
export const ScheduleWeekInput = z.object({
  providerId: Id.optional(),
  weekOf: IsoDateSchema,
});
export type ScheduleWeekInput = z.input<typeof ScheduleWeekInput>;

export const ScheduleClassroomWeekInput = z.object({
  weekOf: IsoDateSchema,
  classroomId: Id.optional(),
});

/**
 * A save: `kind: 'series'` creates (no `sessionId`) or edits (at `expectedVersion`) a weekly
 * series — moved, resized, students changed; push-in names a routine of the students'
 * classroom, pull-out a room (default: the therapist's room at that school). `kind:
 * 'occurrence'` moves or resizes the one occurrence the recurrence puts on `occurrenceDate`
 * (to `date`, default the same day). One flat object, so every field has its own message.
 */
export const ScheduleSaveInput = z
  .object({
    kind: z.enum(['series', 'occurrence'], { error: 'Choose the series or one occurrence' }),
    sessionId: Id.optional(),
    /** With `sessionId`: the version the form loaded. */
    expectedVersion: ExpectedVersion.optional(),
    /** Whose schedule; default the signed-in therapist or assistant. */
    providerId: Id.optional(),
    weekday: Weekday1to5.optional(),
    startTime: ClockTime,
    minutes: SessionMinutes,
    model: z.enum(['push_in', 'pull_out'], { error: 'Choose push-in or pull-out' }).optional(),
    schoolId: Id.optional(),
    classroomId: Id.nullish(),
    routineId: Id.nullish(),
    room: z.string().trim().max(80, 'Keep the room under 80 characters').nullish(),
    studentIds: z
      .array(Id)
      .min(1, 'Choose at least one student')
      .max(8, 'A group has at most 8 students')
      .optional(),
    validFrom: IsoDateSchema.optional(),
    validTo: IsoDateSchema.nullish(),
    /**
     * A series edit: the first day it applies (default the Monday of this week). A series that
     * already ran is split there — the old one ends the day before, so past weeks keep what
     * was planned.
     */
    from: IsoDateSchema.optional(),
    /** An occurrence: the day the recurrence puts it on. */
    occurrenceDate: IsoDateSchema.optional(),
    /** An occurrence: the day it moves to (default: the same day). */
    date: IsoDateSchema.optional(),
    overrideReason: OverrideReason.optional(),
  })
  .superRefine((s, ctx) => {
    const need = (path: string, message: string) =>
      ctx.addIssue({ code: 'custom', path: [path], message });
    if (clockToMinutes(s.startTime) + s.minutes > 24 * 60) need('minutes', 'Ends after midnight');
    if (s.sessionId !== undefined && s.expectedVersion === undefined)
      need('expectedVersion', 'Reload the schedule and try again');
    if (s.kind === 'occurrence') {
      if (!s.sessionId) need('sessionId', 'Choose the session to move');
      if (!s.occurrenceDate) need('occurrenceDate', 'Choose the day to move');
      const day = s.date ?? s.occurrenceDate;
      // Only a well-formed date has a weekday (a malformed one has its own message already).
      if (day && IsoDateSchema.safeParse(day).success && isoWeekday(day) > 5)
        need('date', 'Choose a school day (Monday to Friday)');
      return;
    }
    if (s.weekday === undefined) need('weekday', 'Choose a school day');
    if (!s.model) need('model', 'Choose push-in or pull-out');
    if (!s.studentIds) need('studentIds', 'Choose at least one student');
    if (s.model === 'push_in' && !s.routineId)
      need('routineId', 'A push-in session goes in a classroom routine');
    if (s.model === 'pull_out' && (s.routineId || s.classroomId))
      need('routineId', 'A pull-out session has a room, not a routine');
    if (s.studentIds && new Set(s.studentIds).size !== s.studentIds.length)
      need('studentIds', 'Student listed twice');
    if (s.validFrom && s.validTo && s.validTo < s.validFrom)
      need('validTo', 'Ends before it starts');
  });
export type ScheduleSaveInput = z.input<typeof ScheduleSaveInput>;

export const ScheduleCancelInput = z.object({
  sessionId: Id,
  /** The day the recurrence puts the occurrence on. */
  date: IsoDateSchema,
  reason: z.enum(missedReasons, { error: 'Choose why the session is cancelled' }),
  note: z.string().trim().max(500, 'Keep the note under 500 characters').default(''),
});
export type ScheduleCancelInput = z.input<typeof ScheduleCancelInput>;

export const ScheduleRemoveInput = z.object({
  sessionId: Id,
  expectedVersion: ExpectedVersion,
  /** The series ends the day before this date (default: today); earlier weeks stay as they were. */
  from: IsoDateSchema.optional(),
});

export const ScheduleProposeInput = z.object({
  providerId: Id.optional(),
  /** Only these students' services (default: the whole caseload). */
  studentIds: z.array(Id).max(120, 'At most 120 students').optional(),
  /** The week the proposal starts in (default: next Monday). */
  weekOf: IsoDateSchema.optional(),
});

export const ScheduleAcceptInput = z.object({
  proposalId: Id,
  /** Keys of the placements to write (default: all of them). */
  chosen: z.array(z.string().min(1).max(200)).max(400).optional(),
  /** Replace the provider's current sessions for the chosen students (default true). */
  replaceCurrent: z.boolean().default(true),
  /** Accept despite conflicts that arose since the proposal (kept with them). */
  overrideReason: OverrideReason.optional(),
});

export const ScheduleTodayInput = z.object({}).optional();

export const CalendarFeedInput = z.object({}).optional();

export { Weekday1to5 as ScheduleWeekday };

export const ScheduleClosuresInput = z
  .object({ from: IsoDateSchema.optional(), to: IsoDateSchema.optional() })
  .optional();

/** A closure: a whole district (no `schoolId`) or one school, over [startsOn, endsOn]. */
export const ScheduleClosureAddInput = z
  .object({
    name: z
      .string()
      .trim()
      .min(2, 'Name the closure (“Winter break”)')
      .max(80, 'Keep the name under 80 characters'),
    startsOn: IsoDateSchema,
    endsOn: IsoDateSchema,
    schoolId: Id.nullish(),
  })
  .superRefine((c, ctx) => {
    if (c.endsOn < c.startsOn)
      ctx.addIssue({ code: 'custom', path: ['endsOn'], message: 'Ends before it starts' });
    else if (Date.parse(c.endsOn) - Date.parse(c.startsOn) > 120 * 86_400_000)
      ctx.addIssue({ code: 'custom', path: ['endsOn'], message: 'A closure is at most 120 days' });
  });

export const ScheduleClosureRemoveInput = z.object({ closureId: Id });

/** Where a provider works each school day: replaces all their days. */
export const ScheduleSchoolDaysInput = z
  .object({
    providerId: Id.optional(),
    days: z
      .array(
        z.object({
          weekday: Weekday1to5,
          schoolId: Id,
          startTime: ClockTime,
          endTime: ClockTime,
          room: z.string().trim().max(80, 'Keep the room under 80 characters').nullish(),
        }),
      )
      .max(15, 'At most three stretches a day'),
  })
  .superRefine((input, ctx) => {
    input.days.forEach((d, i) => {
      if (clockToMinutes(d.endTime) <= clockToMinutes(d.startTime))
        ctx.addIssue({
          code: 'custom',
          path: ['days', i, 'endTime'],
          message: 'Ends before it starts',
        });
      for (const other of input.days.slice(0, i))
        if (
          other.weekday === d.weekday &&
          clockToMinutes(other.startTime) < clockToMinutes(d.endTime) &&
          clockToMinutes(d.startTime) < clockToMinutes(other.endTime)
        )
          ctx.addIssue({
            code: 'custom',
            path: ['days', i, 'startTime'],
            message: 'Overlaps another stretch of the same day',
          });
    });
  });

/** A classroom's protected blocks: replaces all of them. */
export const ScheduleProtectedBlocksInput = z
  .object({
    classroomId: Id,
    blocks: z
      .array(
        z.object({
          weekday: Weekday1to5,
          startTime: ClockTime,
          endTime: ClockTime,
          label: z
            .string()
            .trim()
            .min(1, 'Name the block (“Quiet reading”)')
            .max(80, 'Keep the name under 80 characters'),
        }),
      )
      .max(30, 'At most 30 blocks'),
  })
  .superRefine((input, ctx) => {
    input.blocks.forEach((b, i) => {
      if (clockToMinutes(b.endTime) <= clockToMinutes(b.startTime))
        ctx.addIssue({
          code: 'custom',
          path: ['blocks', i, 'endTime'],
          message: 'Ends before it starts',
        });
    });
  });

/** The week settings of a provider's schedule (default: the signed-in therapist's). */
export const ScheduleSettingsInput = z.object({ providerId: Id.optional() }).optional();

/** Travel minutes between two schools, kept both ways. */
export const ScheduleTravelInput = z
  .object({
    fromSchoolId: Id,
    toSchoolId: Id,
    minutes: z
      .number({ error: 'Enter the travel time in minutes' })
      .int('Enter whole minutes')
      .min(0, 'Travel cannot take less than 0 minutes')
      .max(120, 'Travel is at most 120 minutes'),
  })
  .superRefine((t, ctx) => {
    if (t.fromSchoolId === t.toSchoolId)
      ctx.addIssue({ code: 'custom', path: ['toSchoolId'], message: 'Choose another school' });
  });

const GroupCap = z
  .number({ error: 'Enter the largest group' })
  .int('Enter a whole number')
  .min(1, 'A group is at least 1 student')
  .max(8, 'A group is at most 8 students');

/** The district's scheduling rules: the lunch break's window and length, group caps. */
export const ScheduleRulesInput = z
  .object({
    lunchEarliest: ClockTime,
    lunchLatest: ClockTime,
    lunchMinutes: z
      .number({ error: 'Enter the lunch break in minutes' })
      .int('Enter whole minutes')
      .min(0, 'Enter 0 for no lunch break')
      .max(90, 'A lunch break is at most 90 minutes'),
    groupCapPushIn: GroupCap,
    groupCapPullOut: GroupCap,
  })
  .superRefine((r, ctx) => {
    const [from, to] = [clockToMinutes(r.lunchEarliest), clockToMinutes(r.lunchLatest)];
    if (to <= from)
      ctx.addIssue({ code: 'custom', path: ['lunchLatest'], message: 'Ends before it starts' });
    else if (to - from < r.lunchMinutes)
      ctx.addIssue({
        code: 'custom',
        path: ['lunchMinutes'],
        message: 'The lunch break does not fit in its window',
      });
  });
