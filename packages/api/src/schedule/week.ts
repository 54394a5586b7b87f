import {
  loadClosures,
  loadScheduleExceptions,
  loadScheduleSessions,
  loadScheduleWorld,
  type ScheduleNames,
  type ScheduleProvider,
  type ScheduleSessionRow,
  type ScheduleWorld,
  scheduleNames,
  scopedStudentIds,
} from '@carryover/db';
import {
  addDays,
  clockToMinutes,
  type IsoDate,
  initialsOf,
  type MissedReason,
  occurrenceHappens,
  occurrenceKey,
  occurrencesBetween,
  overlaps,
  type PlannedSession,
  plannedOf,
  type ScheduleConflict,
  type ScheduleOccurrence,
  scheduleConflicts,
  weekStart,
} from '@carryover/domain';
import type { Context, Viewer } from '../trpc';

// The stored schedule as the router shows it: a provider's occurrences of a span with names
// and conflicts, and the conflict check of a proposed change. Pure rules live in
// @carryover/domain (`occurrencesBetween`, `scheduleConflicts`); this file reads and joins.

type Ctx = Pick<Context, 'db' | 'now' | 'log'> & { viewer: Viewer };

export interface OccurrenceStudent {
  id: string;
  /** The full name, for a viewer who may see the student; null otherwise. */
  name: string | null;
  initials: string;
  serviceId: string | null;
}

export interface ConflictView {
  /** `school-closed`: accepting a proposal onto a day closed since it was made. */
  kind: ScheduleConflict['kind'] | 'school-closed';
  message: string;
}

export interface OccurrenceView {
  /** `<sessionId>@<originalDate>`: one occurrence. */
  key: string;
  sessionId: string;
  /** The series' version: what an edit of it (or of one occurrence) sends back. */
  version: number;
  providerId: string;
  providerName: string;
  date: IsoDate;
  originalDate: IsoDate;
  /** ISO weekday of `date`, 1 … 5. */
  weekday: number;
  startTime: string;
  endTime: string;
  minutes: number;
  status: ScheduleOccurrence['status'];
  /** Cancelled: the missed reason; closed: `school_closed`. */
  reason: MissedReason | null;
  /** Cancelled: the note; closed: the closure's name; moved: null. */
  note: string | null;
  model: 'push_in' | 'pull_out';
  school: { id: string; name: string };
  classroom: { id: string; name: string } | null;
  routine: { id: string; name: string } | null;
  room: string | null;
  students: OccurrenceStudent[];
  conflicts: ConflictView[];
  overrideReason: string | null;
  changedBy: string | null;
  changedAt: string | null;
  validFrom: IsoDate;
  validTo: IsoDate | null;
}

/** The students of these ids that `viewer` may see (by name). */
export async function visibleStudents(
  ctx: Ctx,
  today: IsoDate,
  studentIds: readonly string[],
): Promise<Set<string>> {
  if (studentIds.length === 0) return new Set();
  const rows = await scopedStudentIds(ctx.db, ctx.viewer, today)
    .where('student.id', 'in', [...new Set(studentIds)])
    .execute();
  return new Set(rows.map((r) => r.id));
}

export function occurrenceView(
  o: ScheduleOccurrence,
  row: ScheduleSessionRow,
  names: ScheduleNames,
  visible: Set<string>,
  conflicts: ConflictView[],
): OccurrenceView {
  const s = o.session;
  const classroom = s.classroomId ? names.classrooms.get(s.classroomId) : undefined;
  return {
    key: occurrenceKey(s.id, o.originalDate),
    sessionId: s.id,
    version: row.version,
    providerId: s.providerId,
    providerName: names.providers.get(s.providerId)?.name ?? 'Unknown provider',
    date: o.date,
    originalDate: o.originalDate,
    weekday: new Date(`${o.date}T00:00:00Z`).getUTCDay(),
    startTime: o.startTime,
    endTime: o.endTime,
    minutes: o.minutes,
    status: o.status,
    reason: o.reason,
    note: o.note,
    model: s.model,
    school: { id: s.schoolId, name: names.schools.get(s.schoolId) ?? 'Unknown school' },
    classroom: s.classroomId && classroom ? { id: s.classroomId, name: classroom.name } : null,
    routine: s.routineId
      ? { id: s.routineId, name: names.routines.get(s.routineId) ?? 'Routine' }
      : null,
    room: s.room,
    students: s.students.map((st) => {
      const n = names.students.get(st.studentId);
      return {
        id: st.studentId,
        name: n && visible.has(st.studentId) ? `${n.firstName} ${n.lastName}` : null,
        initials: n ? initialsOf(n.firstName, n.lastName) : '?',
        serviceId: st.serviceId,
      };
    }),
    conflicts,
    overrideReason: row.overrideReason,
    changedBy: row.updatedByName,
    changedAt: row.updatedAt,
    validFrom: s.validFrom,
    validTo: s.validTo,
  };
}

/** Occurrences of some series in [from, to], with the rows they came from. */
export async function expandSessions(
  ctx: Ctx,
  rows: readonly ScheduleSessionRow[],
  from: IsoDate,
  to: IsoDate,
): Promise<ScheduleOccurrence[]> {
  const d = ctx.viewer.districtId;
  const exceptions = await loadScheduleExceptions(
    ctx.db,
    d,
    rows.map((r) => r.id),
  );
  const closures = await loadClosures(ctx.db, d, { from, to });
  return occurrencesBetween(rows, exceptions, closures, from, to);
}

/**
 * Students of these sessions double-booked with another provider's session on the same day
 * (the per-therapist check cannot see those). Keyed by occurrence key.
 */
async function crossProviderConflicts(
  ctx: Ctx,
  providerId: string,
  occurrences: readonly ScheduleOccurrence[],
  from: IsoDate,
  to: IsoDate,
  names: ScheduleNames,
): Promise<Map<string, ConflictView[]>> {
  const out = new Map<string, ConflictView[]>();
  const studentIds = [
    ...new Set(occurrences.flatMap((o) => o.session.students.map((s) => s.studentId))),
  ];
  if (studentIds.length === 0) return out;
  const others = (
    await loadScheduleSessions(ctx.db, ctx.viewer.districtId, { studentIds }, { from, to })
  ).filter((r) => r.providerId !== providerId);
  if (others.length === 0) return out;
  const theirs = (await expandSessions(ctx, others, from, to)).filter(occurrenceHappens);
  for (const mine of occurrences) {
    if (!occurrenceHappens(mine)) continue;
    const a = { start: clockToMinutes(mine.startTime), end: clockToMinutes(mine.endTime) };
    for (const other of theirs) {
      if (other.date !== mine.date) continue;
      const b = { start: clockToMinutes(other.startTime), end: clockToMinutes(other.endTime) };
      if (!overlaps(a, b)) continue;
      for (const st of mine.session.students) {
        if (!other.session.students.some((x) => x.studentId === st.studentId)) continue;
        const n = names.students.get(st.studentId);
        const who = n ? `${n.firstName} ${n.lastName}` : 'A student';
        const key = occurrenceKey(mine.session.id, mine.originalDate);
        out.set(key, [
          ...(out.get(key) ?? []),
          {
            kind: 'student-double-booked',
            message: `${who} is with another provider at ${other.startTime} on ${other.date}`,
          },
        ]);
      }
    }
  }
  return out;
}

/**
 * The conflicts of a provider's occurrences, per occurrence key: the schedule's rules
 * (`scheduleConflicts`, day by day) and students double-booked with other providers.
 */
export async function conflictsOf(
  ctx: Ctx,
  world: ScheduleWorld,
  occurrences: readonly ScheduleOccurrence[],
  from: IsoDate,
  to: IsoDate,
  names: ScheduleNames,
): Promise<Map<string, ConflictView[]>> {
  const out = await crossProviderConflicts(ctx, world.provider.id, occurrences, from, to, names);
  const happening = occurrences.filter(occurrenceHappens);
  // One week at a time: the rules compare sessions by weekday.
  const byWeek = new Map<string, PlannedSession[]>();
  for (const o of happening) {
    const w = weekStart(o.date);
    byWeek.set(w, [...(byWeek.get(w) ?? []), plannedOf(o)]);
  }
  for (const planned of byWeek.values()) {
    for (const c of scheduleConflicts(world.caseload, planned)) {
      for (const key of c.sessionKeys) {
        const list = out.get(key) ?? [];
        if (!list.some((x) => x.kind === c.kind && x.message === c.message))
          list.push({ kind: c.kind, message: c.message });
        out.set(key, list);
      }
    }
  }
  return out;
}

export interface ProviderWeek {
  occurrences: OccurrenceView[];
  world: ScheduleWorld;
  /** Students the view shows, by name or initials (for the audit). */
  namedStudents: string[];
}

/** A provider's occurrences in [from, to] with names (where visible) and conflicts. */
export async function providerSpan(
  ctx: Ctx,
  provider: ScheduleProvider,
  from: IsoDate,
  to: IsoDate,
  today: IsoDate,
): Promise<ProviderWeek> {
  const d = ctx.viewer.districtId;
  // A moved occurrence can come from up to a few weeks away: read the series a little wider.
  const rows = await loadScheduleSessions(
    ctx.db,
    d,
    { providerIds: [provider.id] },
    { from: addDays(from, -28), to: addDays(to, 28) },
  );
  const occurrences = await expandSessions(ctx, rows, from, to);
  const studentIds = [...new Set(rows.flatMap((r) => r.students.map((s) => s.studentId)))];
  const world = await loadScheduleWorld(ctx.db, d, provider, today, {
    extraStudentIds: studentIds,
  });
  const names = await scheduleNames(ctx.db, d, rows);
  const conflicts = await conflictsOf(ctx, world, occurrences, from, to, names);
  const visible = await visibleStudents(ctx, today, studentIds);
  const byId = new Map(rows.map((r) => [r.id, r]));
  const views = occurrences.map((o) =>
    occurrenceView(
      o,
      byId.get(o.session.id) as ScheduleSessionRow,
      names,
      visible,
      conflicts.get(occurrenceKey(o.session.id, o.originalDate)) ?? [],
    ),
  );
  // Initials are of a student's record too: every student shown is audited, named or not.
  const shown = new Set(views.flatMap((v) => v.students.map((s) => s.id)));
  return { occurrences: views, world, namedStudents: [...shown] };
}
