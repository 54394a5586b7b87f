import { randomBytes } from 'node:crypto';
import {
  calendarFeedOf,
  canEditClassroom,
  classroomIdsFor,
  type DB,
  DEFAULT_ROOM,
  DEFAULT_TRAVEL_MINUTES,
  findScheduleProvider,
  insertScheduleOverride,
  insertScheduleSession,
  listScheduleProviders,
  loadScheduleSessions,
  loadScheduleWorld,
  newId,
  nextVersion,
  recordAuditMany,
  refreshFidelitySummaries,
  replaceSessionStudents,
  revokeCalendarFeeds,
  type ScheduleProvider,
  type ScheduleSessionRow,
  type ScheduleSessionValues,
  scheduleNames,
  scheduleRulesOf,
  updateAtVersion,
  upsertScheduleException,
} from '@carryover/db';
import {
  addDays,
  CalendarFeedInput,
  clockToMinutes,
  type IsoDate,
  isoWeekday,
  minutesToClock,
  occurrenceKey,
  ScheduleAcceptInput,
  ScheduleCancelInput,
  ScheduleClassroomWeekInput,
  ScheduleClosureAddInput,
  ScheduleClosureRemoveInput,
  ScheduleClosuresInput,
  ScheduleProposeInput,
  ScheduleProtectedBlocksInput,
  ScheduleRemoveInput,
  ScheduleRulesInput,
  ScheduleSaveInput,
  ScheduleSchoolDaysInput,
  ScheduleSettingsInput,
  ScheduleTodayInput,
  ScheduleTravelInput,
  ScheduleWeekInput,
  type StoredScheduleSession,
  schoolWeek,
  sessionRunsOn,
  weekStart,
} from '@carryover/domain';
import { TRPCError, type TRPCRouterRecord } from '@trpc/server';
import { z } from 'zod';
import { type AuditTarget, recordDenied, recordStudentReads } from '../audit';
import { editorOf, writeAtVersion } from '../conflict';
import { calendarTokenHash } from '../schedule/ics';
import { type ProposalPayload, proposeSchedule } from '../schedule/propose';
import {
  type ConflictView,
  conflictsOf,
  expandSessions,
  occurrenceView,
  providerSpan,
  visibleStudents,
} from '../schedule/week';
import { type Context, protectedProcedure, roles, todayFor, type Viewer } from '../trpc';

// Therapists' schedules (issue 17): the stored weekly schedule of each therapist and assistant,
// its conflicts, auto-scheduling, and the views other pages read (Home, Log session, a
// teacher's classrooms, calendar feeds). The contract is in docs/schedule-api.md.
//
// Whose schedule: a therapist's or assistant's own; a coordinator's, of the providers serving
// their schools; an admin's, of the district (`scheduleProviderIds`). Anything else — another
// provider, another district, a missing id — is NOT_FOUND alike, and the refusal is audited.

export const SCHEDULE_NOT_FOUND = 'Schedule not found';
export const SESSION_NOT_FOUND = 'Planned session not found';

type Ctx = Pick<Context, 'db' | 'now' | 'log' | 'publicOrigin'> & { viewer: Viewer };

const providerRoles = roles('therapist', 'assistant', 'coordinator', 'admin');

/** The provider whose schedule is asked for (default: the signed-in provider), or NOT_FOUND. */
async function resolveProvider(
  ctx: Ctx,
  providerId: string | undefined,
  path: string,
): Promise<ScheduleProvider | null> {
  const id =
    providerId ??
    (ctx.viewer.role === 'therapist' || ctx.viewer.role === 'assistant' ? ctx.viewer.id : null);
  if (id === null) return null;
  const provider = await findScheduleProvider(ctx.db, ctx.viewer, id).catch((err) => {
    ctx.log.error('schedule scope check failed; denying', err);
    return undefined;
  });
  if (!provider) {
    await recordDenied(ctx, { action: path, entity: 'schedule', entityId: id });
    throw new TRPCError({ code: 'NOT_FOUND', message: SCHEDULE_NOT_FOUND });
  }
  return provider;
}

/** A planned session whose provider's schedule the viewer may see, or NOT_FOUND. */
async function resolveSession(
  ctx: Ctx,
  sessionId: string,
  path: string,
): Promise<{ row: ScheduleSessionRow; provider: ScheduleProvider }> {
  const [row] = await loadScheduleSessions(
    ctx.db,
    ctx.viewer.districtId,
    { sessionIds: [sessionId] },
    { from: '0000-01-01', to: '9999-12-31' },
  );
  const provider = row
    ? await findScheduleProvider(ctx.db, ctx.viewer, row.providerId).catch(() => undefined)
    : undefined;
  // Every student of the session must be visible to the viewer too (a coordinator's schools).
  const visible = row
    ? await visibleStudents(
        ctx,
        todayFor(ctx),
        row.students.map((s) => s.studentId),
      ).catch(() => new Set<string>())
    : new Set<string>();
  if (!row || !provider || row.students.some((s) => !visible.has(s.studentId))) {
    await recordDenied(ctx, { action: path, entity: 'schedule_session', entityId: sessionId });
    throw new TRPCError({ code: 'NOT_FOUND', message: SESSION_NOT_FOUND });
  }
  return { row, provider };
}

/** Refuses a save that has conflicts and no reason: each conflict is a message on the reason. */
async function refuseConflicts(
  ctx: Ctx,
  target: AuditTarget,
  conflicts: ConflictView[],
  overrideReason: string | undefined,
): Promise<void> {
  if (conflicts.length === 0 || overrideReason) return;
  await recordDenied(ctx, target);
  const issues = conflicts.map((c) => ({ path: ['overrideReason'], message: c.message }));
  const message = `${conflicts.length} conflict${conflicts.length > 1 ? 's' : ''}: ${conflicts
    .map((c) => c.message)
    .join('; ')}. Give a reason to keep it anyway.`;
  throw new TRPCError({
    code: 'BAD_REQUEST',
    message,
    cause: Object.assign(new Error(message), { issues, conflicts }),
  });
}

/**
 * The conflicts a series (or one occurrence) would have once saved: the provider's week
 * around `day` with the candidate in place of what it replaces, checked by the schedule's rules.
 */
async function candidateConflicts(
  ctx: Ctx,
  provider: ScheduleProvider,
  candidate: ScheduleSessionRow,
  day: IsoDate,
  replace: { occurrenceOf?: IsoDate } = {},
): Promise<ConflictView[]> {
  const d = ctx.viewer.districtId;
  const [from, to] = [weekStart(day), addDays(weekStart(day), 4)];
  const others = (
    await loadScheduleSessions(
      ctx.db,
      d,
      { providerIds: [provider.id] },
      { from: addDays(from, -28), to: addDays(to, 28) },
    )
  ).filter((r) => r.id !== candidate.id);
  let occurrences = await expandSessions(ctx, [...others, candidate], from, to);
  if (replace.occurrenceOf) {
    // One occurrence moved: that occurrence alone, at its new place, stands for the series.
    occurrences = occurrences.filter(
      (o) => o.session.id !== candidate.id || o.originalDate === replace.occurrenceOf,
    );
  }
  const studentIds = [
    ...new Set(occurrences.flatMap((o) => o.session.students.map((s) => s.studentId))),
  ];
  const world = await loadScheduleWorld(ctx.db, d, provider, todayFor(ctx), {
    extraStudentIds: studentIds,
  });
  const names = await scheduleNames(
    ctx.db,
    d,
    occurrences.map((o) => o.session),
  );
  const conflicts = await conflictsOf(ctx, world, occurrences, from, to, names);
  const mine: ConflictView[] = [];
  for (const o of occurrences) {
    if (o.session.id !== candidate.id) continue;
    for (const c of conflicts.get(occurrenceKey(o.session.id, o.originalDate)) ?? [])
      if (!mine.some((m) => m.kind === c.kind && m.message === c.message)) mine.push(c);
  }
  return mine;
}

interface PreparedSave {
  provider: ScheduleProvider;
  existing: ScheduleSessionRow | null;
  /** The series as it will be stored (for an occurrence: the series with the move applied). */
  candidate: ScheduleSessionRow;
  /** Where the conflict check looks. */
  checkDay: IsoDate;
  occurrenceOf?: IsoDate;
  conflicts: ConflictView[];
  /** A series edit that splits the series: the new one starts here, the old ends the day before. */
  splitFrom?: IsoDate | null;
  studentIds: string[];
}

const emptyRow = {
  version: 1,
  overrideReason: null,
  updatedAt: null,
  updatedByName: null,
  createdAt: '',
};

/** Checks a save's scope and input against the stored data and computes its conflicts. */
async function prepareSave(ctx: Ctx, input: z.output<typeof ScheduleSaveInput>, path: string) {
  const today = todayFor(ctx);
  const d = ctx.viewer.districtId;
  if (input.kind === 'occurrence') {
    // The schema requires these for an occurrence.
    const occurrenceDate = input.occurrenceDate as IsoDate;
    const { row, provider } = await resolveSession(ctx, input.sessionId as string, path);
    if (!sessionRunsOn(row, occurrenceDate)) {
      fieldErrorOf('occurrenceDate', 'This session does not take place on that day');
    }
    const movedTo = input.date ?? occurrenceDate;
    // The moved occurrence as a one-day series, so the rules check it where it lands.
    const candidate: ScheduleSessionRow = {
      ...row,
      weekday: isoWeekday(movedTo),
      startTime: input.startTime,
      minutes: input.minutes,
      validFrom: movedTo,
      validTo: movedTo,
    };
    const conflicts = await candidateConflicts(ctx, provider, candidate, movedTo);
    return {
      provider,
      existing: row,
      candidate,
      checkDay: movedTo,
      occurrenceOf: occurrenceDate,
      conflicts,
      studentIds: row.students.map((s) => s.studentId),
    } satisfies PreparedSave;
  }

  // The schema requires these for a series.
  const studentIds = input.studentIds as string[];
  const weekday = input.weekday as number;
  const model = input.model as 'push_in' | 'pull_out';
  const existing = input.sessionId ? (await resolveSession(ctx, input.sessionId, path)).row : null;
  const provider = (await resolveProvider(
    ctx,
    input.providerId ?? existing?.providerId,
    path,
  )) as ScheduleProvider | null;
  if (!provider) fieldErrorOf('providerId', 'Choose whose schedule this is');
  if (existing && existing.providerId !== provider.id)
    fieldErrorOf('providerId', 'A planned session stays on its provider’s schedule');
  const visible = await visibleStudents(ctx, today, studentIds);
  if (studentIds.some((id) => !visible.has(id))) {
    await recordDenied(ctx, { action: path, entity: 'schedule', entityId: provider.id });
    throw new TRPCError({ code: 'NOT_FOUND', message: SCHEDULE_NOT_FOUND });
  }
  const world = await loadScheduleWorld(ctx.db, d, provider, today, {
    extraStudentIds: studentIds,
  });
  const notServed = studentIds.filter((id) => !world.serviceOf.has(id));
  if (notServed.length > 0) {
    const n = world.students.get(notServed[0] as string);
    fieldErrorOf(
      'studentIds',
      `${n ? `${n.firstName} ${n.lastName}` : 'A student'} is not on ${provider.name}’s caseload`,
    );
  }
  let schoolId: string;
  let classroomId: string | null = null;
  let routineId: string | null = null;
  let room: string | null = null;
  if (model === 'push_in') {
    const routine = await ctx.db
      .selectFrom('routine')
      .innerJoin('classroom', (j) =>
        j
          .onRef('classroom.district_id', '=', 'routine.district_id')
          .onRef('classroom.id', '=', 'routine.classroom_id'),
      )
      .select(['routine.id', 'routine.classroom_id', 'classroom.school_id'])
      .where('routine.district_id', '=', d)
      .where('routine.id', '=', input.routineId as string)
      .executeTakeFirst();
    if (!routine) fieldErrorOf('routineId', 'Choose a routine of the students’ classroom');
    if (input.classroomId && input.classroomId !== routine.classroom_id)
      fieldErrorOf('routineId', 'This routine belongs to another classroom');
    classroomId = routine.classroom_id;
    routineId = routine.id;
    schoolId = routine.school_id;
  } else {
    const first = world.students.get(studentIds[0] as string);
    schoolId = input.schoolId ?? first?.schoolId ?? '';
    if (!world.schoolNames.has(schoolId) && !first)
      fieldErrorOf('schoolId', 'Choose the school the session is at');
    room = input.room ?? world.rooms.get(schoolId) ?? DEFAULT_ROOM;
  }
  const students = studentIds.map((id) => ({
    studentId: id,
    serviceId: world.serviceOf.get(id) ?? null,
  }));
  // An edit of a series that already ran applies from `from` on: the series is split there so
  // the weeks before keep what was planned (fidelity's figures for them do not move).
  // Default: from this week on (the week a Schedule page edit is made in shows the change).
  const editFrom = input.from ?? weekStart(today);
  const splitFrom =
    existing &&
    existing.validFrom < editFrom &&
    (existing.validTo === null || existing.validTo >= editFrom) &&
    !sameOccurrences(existing, {
      schoolId,
      weekday,
      startTime: input.startTime,
      minutes: input.minutes,
      model,
      classroomId,
      routineId,
      room,
      students,
    })
      ? editFrom
      : null;
  const validFrom = splitFrom
    ? ([splitFrom, input.validFrom ?? splitFrom].sort()[1] as IsoDate)
    : (input.validFrom ?? existing?.validFrom ?? today);
  const validTo = input.validTo === undefined ? (existing?.validTo ?? null) : input.validTo;
  if (validTo !== null && validTo < validFrom) fieldErrorOf('validTo', 'Ends before it starts');
  const candidate: ScheduleSessionRow = {
    ...(existing ?? emptyRow),
    id: existing?.id ?? `new-${newId()}`,
    providerId: provider.id,
    schoolId,
    weekday: weekday,
    startTime: input.startTime,
    minutes: input.minutes,
    model: model,
    classroomId,
    routineId,
    room,
    validFrom,
    validTo,
    students,
  };
  // The first week it runs from today on.
  const start = [validFrom, today].sort()[1] as IsoDate;
  let checkDay = addDays(weekStart(start), weekday - 1);
  if (checkDay < start) checkDay = addDays(checkDay, 7);
  const conflicts = await candidateConflicts(ctx, provider, candidate, checkDay);
  return {
    provider,
    existing,
    candidate,
    checkDay,
    conflicts,
    splitFrom,
    studentIds: [
      ...new Set([...studentIds, ...(existing?.students.map((s) => s.studentId) ?? [])]),
    ],
  } satisfies PreparedSave;
}

/** Whether an edit leaves every occurrence of a series as it was (only its span or reason). */
function sameOccurrences(
  row: ScheduleSessionRow,
  next: Pick<
    ScheduleSessionRow,
    | 'schoolId'
    | 'weekday'
    | 'startTime'
    | 'minutes'
    | 'model'
    | 'classroomId'
    | 'routineId'
    | 'room'
    | 'students'
  >,
): boolean {
  const studentsOf = (r: Pick<ScheduleSessionRow, 'students'>) =>
    r.students
      .map((s) => `${s.studentId}:${s.serviceId ?? ''}`)
      .sort()
      .join();
  return (
    row.schoolId === next.schoolId &&
    row.weekday === next.weekday &&
    row.startTime === next.startTime &&
    row.minutes === next.minutes &&
    row.model === next.model &&
    row.classroomId === next.classroomId &&
    row.routineId === next.routineId &&
    row.room === next.room &&
    studentsOf(row) === studentsOf(next)
  );
}

function fieldErrorOf(field: string, message: string): never {
  throw new TRPCError({
    code: 'BAD_REQUEST',
    message,
    cause: Object.assign(new Error(message), { issues: [{ path: [field], message }] }),
  });
}

function sessionValues(
  row: ScheduleSessionRow,
  overrideReason: string | null,
): ScheduleSessionValues {
  return {
    providerId: row.providerId,
    schoolId: row.schoolId,
    weekday: row.weekday,
    startTime: row.startTime,
    minutes: row.minutes,
    model: row.model,
    classroomId: row.classroomId,
    routineId: row.routineId,
    room: row.room,
    validFrom: row.validFrom,
    validTo: row.validTo,
    overrideReason,
    students: row.students,
  };
}

const ConflictsOutput = (conflicts: ConflictView[]) => conflicts;

/** The kept fidelity figures of the students a closure can touch: a school's, or the district's. */
async function refreshClosureFigures(trx: DB, districtId: string, schoolId: string | null) {
  const students = await trx
    .selectFrom('schedule_session_student as ss')
    .innerJoin('schedule_session as s', (j) =>
      j.onRef('s.district_id', '=', 'ss.district_id').onRef('s.id', '=', 'ss.session_id'),
    )
    .select('ss.student_id')
    .distinct()
    .where('ss.district_id', '=', districtId)
    .$if(schoolId !== null, (q) => q.where('s.school_id', '=', schoolId as string))
    .execute();
  await refreshFidelitySummaries(
    trx,
    districtId,
    students.map((s) => s.student_id),
  );
}

type ProposedPlacement = ProposalPayload['placements'][number];

/**
 * The conflicts the placements to write would have in the proposal's first week, with the
 * provider's series as they will stand (those ending removed): per placement key. Also a
 * closure of the placement's school that day added after the proposal was made.
 */
async function acceptConflicts(
  ctx: Ctx,
  provider: ScheduleProvider,
  toWrite: readonly ProposedPlacement[],
  ending: ReadonlySet<string>,
  weekOf: IsoDate,
  proposedAt: string,
): Promise<Map<string, ConflictView[]>> {
  const out = new Map<string, ConflictView[]>();
  if (toWrite.length === 0) return out;
  const d = ctx.viewer.districtId;
  const [from, to] = [weekOf, addDays(weekOf, 4)];
  const current = (
    await loadScheduleSessions(
      ctx.db,
      d,
      { providerIds: [provider.id] },
      { from: addDays(from, -28), to: addDays(to, 28) },
    )
  ).filter((r) => !ending.has(r.id));
  const keyOf = new Map<string, string>();
  const candidates: ScheduleSessionRow[] = toWrite.map((p, i) => {
    const id = `proposed-${i}`;
    keyOf.set(id, p.key);
    return {
      ...emptyRow,
      id,
      providerId: provider.id,
      schoolId: p.schoolId,
      weekday: p.weekday,
      startTime: p.startTime,
      minutes: p.minutes,
      model: p.model,
      classroomId: p.classroomId,
      routineId: p.routineId,
      room: p.room,
      validFrom: weekOf,
      validTo: null,
      students: p.studentIds.map((s, j) => ({ studentId: s, serviceId: p.serviceIds[j] ?? null })),
    };
  });
  const rows = [...current, ...candidates];
  const occurrences = await expandSessions(ctx, rows, from, to);
  const world = await loadScheduleWorld(ctx.db, d, provider, todayFor(ctx), {
    extraStudentIds: [...new Set(rows.flatMap((r) => r.students.map((s) => s.studentId)))],
  });
  const names = await scheduleNames(ctx.db, d, rows);
  const found = await conflictsOf(ctx, world, occurrences, from, to, names);
  const closedSince = await ctx.db
    .selectFrom('school_closure')
    .select(['school_id', 'starts_on', 'ends_on', 'name'])
    .where('district_id', '=', d)
    .where('created_at', '>=', proposedAt)
    .where('ends_on', '>=', from)
    .where('starts_on', '<=', to)
    .execute();
  for (const o of occurrences) {
    const key = keyOf.get(o.session.id);
    if (!key) continue;
    const list = [...(found.get(occurrenceKey(o.session.id, o.originalDate)) ?? [])];
    const closure = closedSince.find(
      (c) =>
        (c.school_id === null || c.school_id === o.session.schoolId) &&
        c.starts_on <= o.originalDate &&
        o.originalDate <= c.ends_on,
    );
    if (o.status === 'closed' && closure) {
      const school = names.schools.get(o.session.schoolId) ?? 'The school';
      list.push({
        kind: 'school-closed',
        message: `${school} is closed on ${o.originalDate} (${closure.name}), added after this proposal`,
      });
    }
    if (list.length > 0) out.set(key, [...(out.get(key) ?? []), ...list]);
  }
  return out;
}

/** The schools a viewer plans for: an admin's district's; anyone else's own (staff_school). */
async function settingsSchools(ctx: Ctx): Promise<{ id: string; name: string }[]> {
  const d = ctx.viewer.districtId;
  let q = ctx.db
    .selectFrom('school')
    .select(['school.id', 'school.name'])
    .where('school.district_id', '=', d);
  if (ctx.viewer.role !== 'admin')
    q = q.where('school.id', 'in', (eb) =>
      eb
        .selectFrom('staff_school')
        .select('staff_school.school_id')
        .where('staff_school.district_id', '=', d)
        .where('staff_school.staff_id', '=', ctx.viewer.id),
    );
  return q.orderBy('school.name').orderBy('school.id').execute();
}

/**
 * Who sets a classroom's protected blocks: those who edit its routines (its teacher, therapists
 * of its school, admins) and the coordinators of its school.
 */
async function canEditBlocks(ctx: Ctx, classroomId: string): Promise<boolean> {
  if (await canEditClassroom(ctx.db, ctx.viewer, classroomId)) return true;
  if (ctx.viewer.role !== 'coordinator') return false;
  const row = await ctx.db
    .selectFrom('classroom')
    .select('id')
    .where('district_id', '=', ctx.viewer.districtId)
    .where('id', '=', classroomId)
    .where('id', 'in', classroomIdsFor(ctx.db, ctx.viewer))
    .executeTakeFirst();
  return row !== undefined;
}

export const scheduleRouter = {
  /** A provider's week: occurrences with students, place, time, status and conflicts. */
  week: providerRoles
    .meta({ cost: 'heavyRead' })
    .input(ScheduleWeekInput)
    .query(async ({ ctx, input, path }) => {
      const today = todayFor(ctx);
      const days = schoolWeek(input.weekOf);
      const from = days[0] as IsoDate;
      const to = days[4] as IsoDate;
      const providers = await listScheduleProviders(ctx.db, ctx.viewer);
      const provider =
        (await resolveProvider(ctx, input.providerId, path)) ??
        (providers[0] ? await resolveProvider(ctx, providers[0].id, path) : null);
      if (!provider) {
        return {
          weekOf: from,
          days,
          today,
          provider: null,
          providers,
          occurrences: [],
          schoolDays: [],
        };
      }
      const span = await providerSpan(ctx, provider, from, to, today);
      await recordStudentReads(ctx, path, span.namedStudents);
      const { caseload } = span.world;
      return {
        weekOf: from,
        days,
        today,
        provider,
        providers,
        occurrences: span.occurrences,
        schoolDays: caseload.therapist.days.map((x) => ({
          weekday: x.day + 1,
          schoolId: x.schoolId,
          schoolName: span.world.schoolNames.get(x.schoolId) ?? 'School',
          startTime: minutesToClock(x.start),
          endTime: minutesToClock(x.end),
          room: span.world.rooms.get(x.schoolId) ?? DEFAULT_ROOM,
        })),
      };
    }),

  /** The conflicts a save would have, without saving (shown while a session is dragged). */
  check: providerRoles.input(ScheduleSaveInput).query(async ({ ctx, input, path }) => {
    const prepared = await prepareSave(ctx, input, path);
    // The answer names the students (in conflict messages): a read of their records.
    await recordStudentReads(ctx, path, prepared.studentIds);
    return { conflicts: ConflictsOutput(prepared.conflicts) };
  }),

  /**
   * Creates or edits a weekly series (`kind: 'series'`), or moves/resizes one occurrence
   * (`kind: 'occurrence'`). Refused (BAD_REQUEST, one message per conflict on `overrideReason`)
   * while it has conflicts and no reason; with a reason it is saved and the reason kept.
   */
  save: providerRoles.input(ScheduleSaveInput).mutation(async ({ ctx, input, path }) => {
    const d = ctx.viewer.districtId;
    const prepared = await prepareSave(ctx, input, path);
    const splitFrom = prepared.splitFrom ?? null;
    const id = prepared.existing && !splitFrom ? prepared.existing.id : newId();
    const target = { action: path, entity: 'schedule_session', entityId: id };
    await refuseConflicts(ctx, target, prepared.conflicts, input.overrideReason);
    const reason = prepared.conflicts.length > 0 ? (input.overrideReason ?? null) : null;
    const editor = editorOf(ctx);
    const version = await writeAtVersion(ctx, target, async (trx) => {
      let version = 1;
      if (input.kind === 'occurrence') {
        const row = prepared.existing as ScheduleSessionRow;
        await upsertScheduleException(trx, {
          district_id: d,
          session_id: row.id,
          on_date: input.occurrenceDate as IsoDate,
          kind: 'moved',
          reason: null,
          note: null,
          moved_to: input.date ?? (input.occurrenceDate as IsoDate),
          start_time: input.startTime,
          minutes: input.minutes,
          override_reason: reason,
          created_by: ctx.viewer.id,
          created_at: editor.at,
        });
        version = (
          await updateAtVersion(
            trx,
            'schedule_session',
            { district_id: d, id: row.id },
            input.expectedVersion as number,
            {},
            editor,
            { alsoChanged: ['occurrence'] },
          )
        ).version;
      } else if (prepared.existing && splitFrom) {
        // From `splitFrom` on the edit is a new series; the old one ends the day before (at the
        // version the form loaded), so the weeks already planned stay as they were.
        const old = prepared.existing;
        await updateAtVersion(
          trx,
          'schedule_session',
          { district_id: d, id: old.id },
          input.expectedVersion as number,
          { valid_to: addDays(splitFrom, -1) },
          editor,
        );
        await insertScheduleSession(trx, d, id, sessionValues(prepared.candidate, reason), {
          id: ctx.viewer.id,
          at: editor.at,
        });
        // Exceptions from the split on (a day cancelled ahead) follow to the new series.
        await trx
          .updateTable('schedule_exception')
          .set({ session_id: id })
          .where('district_id', '=', d)
          .where('session_id', '=', old.id)
          .where('on_date', '>=', splitFrom)
          .execute();
      } else if (prepared.existing) {
        const c = prepared.candidate;
        version = (
          await updateAtVersion(
            trx,
            'schedule_session',
            { district_id: d, id },
            input.expectedVersion as number,
            {
              school_id: c.schoolId,
              weekday: c.weekday,
              start_time: c.startTime,
              minutes: c.minutes,
              model: c.model,
              classroom_id: c.classroomId,
              routine_id: c.routineId,
              room: c.room,
              valid_from: c.validFrom,
              valid_to: c.validTo,
              override_reason: reason,
            },
            editor,
            { alsoChanged: ['students'] },
          )
        ).version;
        await replaceSessionStudents(trx, d, id, c.students);
      } else {
        await insertScheduleSession(trx, d, id, sessionValues(prepared.candidate, reason), {
          id: ctx.viewer.id,
          at: editor.at,
        });
      }
      if (reason) {
        await insertScheduleOverride(trx, {
          district_id: d,
          id: newId(),
          session_id: id,
          on_date: input.kind === 'occurrence' ? (input.occurrenceDate as IsoDate) : null,
          conflicts: JSON.stringify(prepared.conflicts),
          reason,
          decided_by: ctx.viewer.id,
          decided_at: editor.at,
        });
      }
      await refreshFidelitySummaries(trx, d, prepared.studentIds);
      await recordAuditMany(trx, [
        {
          districtId: d,
          actorId: ctx.viewer.id,
          action: path,
          entity: 'schedule_session',
          entityId: id,
          studentIds: prepared.studentIds,
          outcome: 'ok',
          at: editor.at,
        },
        ...(splitFrom && prepared.existing
          ? [
              {
                districtId: d,
                actorId: ctx.viewer.id,
                action: path,
                entity: 'schedule_session',
                entityId: prepared.existing.id,
                studentIds: prepared.existing.students.map((s) => s.studentId),
                outcome: 'ok' as const,
                at: editor.at,
              },
            ]
          : []),
      ]);
      return version;
    });
    return {
      id,
      version,
      conflicts: prepared.conflicts,
      overrideReason: reason,
      /** The series this edit split off from (it ends the day before `validFrom`), if any. */
      splitFrom: splitFrom && prepared.existing ? prepared.existing.id : null,
      validFrom: prepared.candidate.validFrom,
    };
  }),

  /**
   * Cancels one occurrence with a missed reason: fidelity counts it as a missed session of
   * that reason (a makeup is owed where the absence policy says so). Again for the same day
   * replaces the reason.
   */
  cancelOccurrence: providerRoles
    .input(ScheduleCancelInput)
    .mutation(async ({ ctx, input, path }) => {
      const d = ctx.viewer.districtId;
      const { row } = await resolveSession(ctx, input.sessionId, path);
      if (!sessionRunsOn(row, input.date))
        fieldErrorOf('date', 'This session does not take place on that day');
      const editor = editorOf(ctx);
      const studentIds = row.students.map((s) => s.studentId);
      const version = await ctx.db.transaction().execute(async (trx) => {
        await upsertScheduleException(trx, {
          district_id: d,
          session_id: row.id,
          on_date: input.date,
          kind: 'cancelled',
          reason: input.reason,
          note: input.note,
          moved_to: null,
          start_time: null,
          minutes: null,
          override_reason: null,
          created_by: ctx.viewer.id,
          created_at: editor.at,
        });
        await trx
          .updateTable('schedule_session')
          .set(nextVersion(editor, ['cancelled']))
          .where('district_id', '=', d)
          .where('id', '=', row.id)
          .execute();
        await refreshFidelitySummaries(trx, d, studentIds);
        await recordAuditMany(trx, [
          {
            districtId: d,
            actorId: ctx.viewer.id,
            action: path,
            entity: 'schedule_session',
            entityId: row.id,
            studentIds,
            outcome: 'ok',
            at: editor.at,
          },
        ]);
        return row.version + 1;
      });
      return { sessionId: row.id, date: input.date, status: 'cancelled' as const, version };
    }),

  /** Undoes a cancellation or a move of one occurrence: it takes place as the series says. */
  restoreOccurrence: providerRoles
    .input(z.object({ sessionId: z.string().min(1).max(64), date: ScheduleCancelInput.shape.date }))
    .mutation(async ({ ctx, input, path }) => {
      const d = ctx.viewer.districtId;
      const { row } = await resolveSession(ctx, input.sessionId, path);
      const editor = editorOf(ctx);
      const studentIds = row.students.map((s) => s.studentId);
      const removed = await ctx.db.transaction().execute(async (trx) => {
        const r = await trx
          .deleteFrom('schedule_exception')
          .where('district_id', '=', d)
          .where('session_id', '=', row.id)
          .where('on_date', '=', input.date)
          .executeTakeFirst();
        const n = Number(r.numDeletedRows);
        if (n > 0) {
          await trx
            .updateTable('schedule_session')
            .set(nextVersion(editor, ['occurrence']))
            .where('district_id', '=', d)
            .where('id', '=', row.id)
            .execute();
          await refreshFidelitySummaries(trx, d, studentIds);
        }
        await recordAuditMany(trx, [
          {
            districtId: d,
            actorId: ctx.viewer.id,
            action: path,
            entity: 'schedule_session',
            entityId: row.id,
            studentIds,
            outcome: 'ok',
            at: editor.at,
          },
        ]);
        return n;
      });
      return { sessionId: row.id, date: input.date, restored: removed > 0 };
    }),

  /**
   * Ends a series: from `from` (default today) it no longer takes place; a series that had not
   * started by then is deleted. Earlier weeks stay as they were (fidelity keeps their minutes).
   */
  remove: providerRoles.input(ScheduleRemoveInput).mutation(async ({ ctx, input, path }) => {
    const d = ctx.viewer.districtId;
    const { row } = await resolveSession(ctx, input.sessionId, path);
    const from = input.from ?? todayFor(ctx);
    const target = { action: path, entity: 'schedule_session', entityId: row.id };
    const studentIds = row.students.map((s) => s.studentId);
    const editor = editorOf(ctx);
    const deleted = await writeAtVersion(ctx, target, async (trx) => {
      let deleted = false;
      if (row.validFrom >= from) {
        // At the loaded version, or someone changed it meanwhile.
        await updateAtVersion(
          trx,
          'schedule_session',
          { district_id: d, id: row.id },
          input.expectedVersion,
          {},
          editor,
          { alsoChanged: ['removed'] },
        );
        await trx
          .deleteFrom('schedule_session')
          .where('district_id', '=', d)
          .where('id', '=', row.id)
          .execute();
        deleted = true;
      } else {
        await updateAtVersion(
          trx,
          'schedule_session',
          { district_id: d, id: row.id },
          input.expectedVersion,
          { valid_to: addDays(from, -1) },
          editor,
        );
      }
      await refreshFidelitySummaries(trx, d, studentIds);
      await recordAuditMany(trx, [
        {
          districtId: d,
          actorId: ctx.viewer.id,
          action: path,
          entity: 'schedule_session',
          entityId: row.id,
          studentIds,
          outcome: 'ok',
          at: editor.at,
        },
      ]);
      return deleted;
    });
    return { sessionId: row.id, deleted, endsOn: deleted ? null : addDays(from, -1) };
  }),

  /**
   * Auto-schedule: a proposed week for a provider's caseload (or some of its students), solved
   * off the request thread, kept under an id until accepted. Each placement explains itself;
   * services it cannot place say what binds them.
   */
  propose: providerRoles
    .meta({ cost: 'export' })
    .input(ScheduleProposeInput)
    .mutation(async ({ ctx, input, path }) => {
      const provider = await resolveProvider(ctx, input.providerId, path);
      if (!provider) fieldErrorOf('providerId', 'Choose whose schedule to plan');
      const today = todayFor(ctx);
      if (input.studentIds) {
        const visible = await visibleStudents(ctx, today, input.studentIds);
        if (input.studentIds.some((id) => !visible.has(id))) {
          await recordDenied(ctx, { action: path, entity: 'schedule', entityId: provider.id });
          throw new TRPCError({ code: 'NOT_FOUND', message: SCHEDULE_NOT_FOUND });
        }
      }
      const proposal = await proposeSchedule(ctx, provider, {
        today,
        studentIds: input.studentIds,
        weekOf: input.weekOf,
      });
      await ctx.db.transaction().execute(async (trx) => {
        await trx
          .insertInto('schedule_proposal')
          .values({
            district_id: ctx.viewer.districtId,
            id: proposal.proposalId,
            provider_id: provider.id,
            created_by: ctx.viewer.id,
            created_at: ctx.now().toISOString(),
            payload: JSON.stringify(proposal.payload),
            accepted_at: null,
          })
          .execute();
        await recordAuditMany(trx, [
          {
            districtId: ctx.viewer.districtId,
            actorId: ctx.viewer.id,
            action: path,
            entity: 'schedule_proposal',
            entityId: proposal.proposalId,
            studentIds: proposal.view.studentIds,
            outcome: 'ok',
            at: ctx.now().toISOString(),
          },
        ]);
      });
      const { studentIds: _ids, ...view } = proposal.view;
      return view;
    }),

  /**
   * Writes a proposal (all of it, or the chosen placements) as weekly series from its week on.
   * With `replaceCurrent`, the provider's series whose students are all in the proposal end the
   * day before; a placement identical to a current series keeps that series as it is.
   */
  accept: providerRoles.input(ScheduleAcceptInput).mutation(async ({ ctx, input, path }) => {
    const d = ctx.viewer.districtId;
    const stored = await ctx.db
      .selectFrom('schedule_proposal')
      .selectAll()
      .where('district_id', '=', d)
      .where('id', '=', input.proposalId)
      .executeTakeFirst();
    const provider = stored
      ? await findScheduleProvider(ctx.db, ctx.viewer, stored.provider_id).catch(() => undefined)
      : undefined;
    if (!stored || !provider) {
      await recordDenied(ctx, {
        action: path,
        entity: 'schedule_proposal',
        entityId: input.proposalId,
      });
      throw new TRPCError({ code: 'NOT_FOUND', message: 'Proposal not found' });
    }
    const payload = JSON.parse(stored.payload) as ProposalPayload;
    const visible = await visibleStudents(ctx, todayFor(ctx), payload.studentIds).catch(
      () => new Set<string>(),
    );
    if (payload.studentIds.some((id) => !visible.has(id))) {
      await recordDenied(ctx, {
        action: path,
        entity: 'schedule_proposal',
        entityId: input.proposalId,
      });
      throw new TRPCError({ code: 'NOT_FOUND', message: 'Proposal not found' });
    }
    if (stored.accepted_at)
      throw new TRPCError({ code: 'CONFLICT', message: 'This proposal was already accepted' });
    const chosen = input.chosen ? new Set(input.chosen) : null;
    if (chosen) {
      const unknown = [...chosen].filter((k) => !payload.placements.some((p) => p.key === k));
      if (unknown.length > 0) fieldErrorOf('chosen', 'Choose placements of this proposal');
    }
    const picked = payload.placements.filter((p) => !chosen || chosen.has(p.key));
    const weekOf = payload.weekOf;
    const current = await loadScheduleSessions(
      ctx.db,
      d,
      { providerIds: [provider.id] },
      { from: weekOf, to: '9999-12-31' },
    );
    const proposalStudents = new Set(payload.studentIds);
    const same = (r: StoredScheduleSession, p: (typeof picked)[number]) =>
      r.weekday === p.weekday &&
      r.startTime === p.startTime &&
      r.minutes === p.minutes &&
      r.model === p.model &&
      r.classroomId === p.classroomId &&
      r.routineId === p.routineId &&
      r.students
        .map((s) => s.studentId)
        .sort()
        .join() === [...p.studentIds].sort().join();
    const kept = new Set<string>();
    const toWrite = picked.filter((p) => {
      const match = current.find((r) => !kept.has(r.id) && same(r, p));
      if (match) kept.add(match.id);
      return !match;
    });
    // Accepting all replaces the current series of the proposal's students; accepting part
    // ends only the current series a written placement collides with (same day, overlapping
    // time) or stands in for (same model, its students all in the placement).
    const collides = (r: StoredScheduleSession, p: (typeof picked)[number]) =>
      (r.weekday === p.weekday &&
        clockToMinutes(r.startTime) < clockToMinutes(p.endTime) &&
        clockToMinutes(p.startTime) < clockToMinutes(r.startTime) + r.minutes) ||
      (r.model === p.model && r.students.every((s) => p.studentIds.includes(s.studentId)));
    const ending = !input.replaceCurrent
      ? []
      : current.filter(
          (r) =>
            !kept.has(r.id) &&
            (chosen
              ? toWrite.some((p) => collides(r, p))
              : r.students.every((s) => proposalStudents.has(s.studentId))),
        );
    // The week may have changed since the proposal (another provider booked a student, a
    // closure was added, a series was saved): re-checked as it would stand once accepted.
    const conflictsByKey = await acceptConflicts(
      ctx,
      provider,
      toWrite,
      new Set(ending.map((r) => r.id)),
      weekOf,
      stored.created_at,
    );
    const conflicts = [...conflictsByKey.values()].flat();
    await refuseConflicts(
      ctx,
      { action: path, entity: 'schedule_proposal', entityId: stored.id },
      conflicts,
      input.overrideReason,
    );
    const editor = editorOf(ctx);
    const studentIds = [
      ...new Set([
        ...picked.flatMap((p) => p.studentIds),
        ...ending.flatMap((r) => r.students.map((s) => s.studentId)),
      ]),
    ];
    const written: string[] = [];
    await ctx.db.transaction().execute(async (trx) => {
      for (const r of ending) {
        if (r.validFrom >= weekOf)
          await trx
            .deleteFrom('schedule_session')
            .where('district_id', '=', d)
            .where('id', '=', r.id)
            .execute();
        else
          await trx
            .updateTable('schedule_session')
            .set({ valid_to: addDays(weekOf, -1), ...nextVersion(editor, ['valid_to']) })
            .where('district_id', '=', d)
            .where('id', '=', r.id)
            .execute();
      }
      for (const p of toWrite) {
        const id = newId();
        written.push(id);
        const overridden = conflictsByKey.get(p.key) ?? [];
        const reason = overridden.length > 0 ? (input.overrideReason ?? null) : null;

        await insertScheduleSession(
          trx,
          d,
          id,
          {
            providerId: provider.id,
            schoolId: p.schoolId,
            weekday: p.weekday,
            startTime: p.startTime,
            minutes: p.minutes,
            model: p.model,
            classroomId: p.classroomId,
            routineId: p.routineId,
            room: p.room,
            validFrom: weekOf,
            validTo: null,
            overrideReason: reason,
            students: p.studentIds.map((s, i) => ({
              studentId: s,
              serviceId: p.serviceIds[i] ?? null,
            })),
          },
          { id: ctx.viewer.id, at: editor.at },
        );
        if (reason)
          await insertScheduleOverride(trx, {
            district_id: d,
            id: newId(),
            session_id: id,
            on_date: null,
            conflicts: JSON.stringify(overridden),
            reason,
            decided_by: ctx.viewer.id,
            decided_at: editor.at,
          });
      }
      await trx
        .updateTable('schedule_proposal')
        .set({ accepted_at: editor.at })
        .where('district_id', '=', d)
        .where('id', '=', stored.id)
        .execute();
      await refreshFidelitySummaries(trx, d, studentIds);
      await recordAuditMany(trx, [
        {
          districtId: d,
          actorId: ctx.viewer.id,
          action: path,
          entity: 'schedule_proposal',
          entityId: stored.id,
          studentIds,
          outcome: 'ok',
          at: editor.at,
        },
      ]);
    });
    return {
      proposalId: stored.id,
      weekOf,
      conflicts,
      overrideReason: conflicts.length > 0 ? (input.overrideReason ?? null) : null,
      created: written.length,
      kept: kept.size,
      ended: ending.length,
      sessionIds: written,
    };
  }),

  /**
   * Today's planned sessions of the signed-in therapist or assistant (Home and Log session),
   * each with what Log session fills in. Other roles have none.
   */
  today: protectedProcedure.input(ScheduleTodayInput).query(async ({ ctx, path }) => {
    const today = todayFor(ctx);
    const role = ctx.viewer.role;
    if (role !== 'therapist' && role !== 'assistant') return { today, occurrences: [] };
    const provider = await resolveProvider(ctx, ctx.viewer.id, path);
    if (!provider || isoWeekday(today) > 5) return { today, occurrences: [] };
    const span = await providerSpan(ctx, provider, today, today, today);
    await recordStudentReads(ctx, path, span.namedStudents);
    return {
      today,
      occurrences: span.occurrences.map((o) => ({
        ...o,
        prefill:
          o.status === 'planned' || o.status === 'moved'
            ? {
                date: o.date,
                startTime: o.startTime,
                endTime: o.endTime,
                model: o.model,
                setting: o.model === 'push_in' ? ('classroom' as const) : ('therapy_room' as const),
                routineId: o.routine?.id ?? null,
                studentIds: o.students.map((s) => s.id),
              }
            : null,
      })),
    };
  }),

  /**
   * The push-in sessions coming to a teacher's classrooms this week (a coordinator's schools',
   * an admin's district's; a therapist's or assistant's schools'), with who last changed each.
   */
  classroomWeek: protectedProcedure
    .meta({ cost: 'heavyRead' })
    .input(ScheduleClassroomWeekInput)
    .query(async ({ ctx, input, path }) => {
      const d = ctx.viewer.districtId;
      const today = todayFor(ctx);
      const days = schoolWeek(input.weekOf);
      const from = days[0] as IsoDate;
      const to = days[4] as IsoDate;
      const ids = classroomIdsFor(ctx.db, ctx.viewer);
      let classrooms = await ctx.db
        .selectFrom('classroom')
        .innerJoin('school', (j) =>
          j
            .onRef('school.district_id', '=', 'classroom.district_id')
            .onRef('school.id', '=', 'classroom.school_id'),
        )
        .select(['classroom.id', 'classroom.name', 'school.name as school_name'])
        .where('classroom.district_id', '=', d)
        .where('classroom.id', 'in', ids)
        .orderBy('school.name')
        .orderBy('classroom.name')
        .orderBy('classroom.id')
        .execute();
      if (input.classroomId) {
        classrooms = classrooms.filter((c) => c.id === input.classroomId);
        if (classrooms.length === 0) {
          await recordDenied(ctx, {
            action: path,
            entity: 'classroom',
            entityId: input.classroomId,
          });
          throw new TRPCError({ code: 'NOT_FOUND', message: 'Classroom not found' });
        }
      }
      const rows = (
        await loadScheduleSessions(
          ctx.db,
          d,
          { classroomIds: classrooms.map((c) => c.id) },
          { from: addDays(from, -28), to: addDays(to, 28) },
        )
      ).filter((r) => r.model === 'push_in');
      const occurrences = (await expandSessions(ctx, rows, from, to)).filter(
        (o) => o.session.classroomId !== null,
      );
      const names = await scheduleNames(ctx.db, d, rows);
      const visible = await visibleStudents(
        ctx,
        today,
        rows.flatMap((r) => r.students.map((s) => s.studentId)),
      );
      const byId = new Map(rows.map((r) => [r.id, r]));
      const views = occurrences.map((o) =>
        occurrenceView(o, byId.get(o.session.id) as ScheduleSessionRow, names, visible, []),
      );
      await recordStudentReads(
        ctx,
        path,
        views.flatMap((v) => v.students.map((s) => s.id)),
      );
      return {
        weekOf: from,
        days,
        classrooms: classrooms.map((c) => ({
          id: c.id,
          name: c.name,
          schoolName: c.school_name,
          sessions: views
            .filter((v) => v.classroom?.id === c.id)
            .map((v) => ({
              ...v,
              providerDiscipline: names.providers.get(v.providerId)?.discipline ?? null,
            })),
        })),
      };
    }),

  /** Calendar (.ics) feeds: a secret URL per person, shown once, revocable. */
  /** School-calendar closures meeting a span (default: this school year's rest). */
  closures: protectedProcedure.input(ScheduleClosuresInput).query(async ({ ctx, input }) => {
    const today = todayFor(ctx);
    const from = input?.from ?? addDays(today, -30);
    const to = input?.to ?? addDays(today, 365);
    const rows = await ctx.db
      .selectFrom('school_closure')
      .leftJoin('school', (j) =>
        j
          .onRef('school.district_id', '=', 'school_closure.district_id')
          .onRef('school.id', '=', 'school_closure.school_id'),
      )
      .select([
        'school_closure.id',
        'school_closure.school_id',
        'school.name as school_name',
        'school_closure.starts_on',
        'school_closure.ends_on',
        'school_closure.name',
      ])
      .where('school_closure.district_id', '=', ctx.viewer.districtId)
      .where('school_closure.ends_on', '>=', from)
      .where('school_closure.starts_on', '<=', to)
      .orderBy('school_closure.starts_on')
      .orderBy('school_closure.id')
      .execute();
    return rows.map((r) => ({
      id: r.id,
      schoolId: r.school_id,
      schoolName: r.school_name ?? null,
      startsOn: r.starts_on,
      endsOn: r.ends_on,
      name: r.name,
    }));
  }),

  /**
   * Adds a closure (admins): its days' occurrences do not take place and count in fidelity as
   * `school_closed` (accounted, never owed). The kept fidelity figures follow in the same write.
   */
  addClosure: roles('coordinator', 'admin')
    .input(ScheduleClosureAddInput)
    .mutation(async ({ ctx, input, path }) => {
      const d = ctx.viewer.districtId;
      // A coordinator closes one of their schools; the whole district is an admin's to close.
      if (!input.schoolId && ctx.viewer.role !== 'admin')
        fieldErrorOf('schoolId', 'Choose one of your schools');
      if (input.schoolId) {
        const mine = new Set((await settingsSchools(ctx)).map((x) => x.id));
        if (!mine.has(input.schoolId))
          fieldErrorOf(
            'schoolId',
            ctx.viewer.role === 'admin'
              ? 'Choose a school of your district'
              : 'Choose one of your schools',
          );
      }
      const id = newId();
      const at = ctx.now().toISOString();
      await ctx.db.transaction().execute(async (trx) => {
        await trx
          .insertInto('school_closure')
          .values({
            district_id: d,
            id,
            school_id: input.schoolId ?? null,
            starts_on: input.startsOn,
            ends_on: input.endsOn,
            name: input.name,
            created_by: ctx.viewer.id,
            created_at: at,
          })
          .execute();
        await refreshClosureFigures(trx, d, input.schoolId ?? null);
        await recordAuditMany(trx, [
          {
            districtId: d,
            actorId: ctx.viewer.id,
            action: path,
            entity: 'school_closure',
            entityId: id,
            outcome: 'ok',
            at,
          },
        ]);
      });
      return { id };
    }),

  removeClosure: roles('coordinator', 'admin')
    .input(ScheduleClosureRemoveInput)
    .mutation(async ({ ctx, input, path }) => {
      const d = ctx.viewer.districtId;
      const row = await ctx.db
        .selectFrom('school_closure')
        .select(['id', 'school_id'])
        .where('district_id', '=', d)
        .where('id', '=', input.closureId)
        .executeTakeFirst();
      // A coordinator's closures are those of their schools (a district-wide one is an admin's).
      const mine =
        ctx.viewer.role === 'admin' ||
        (row?.school_id != null &&
          (await settingsSchools(ctx)).some((x) => x.id === row.school_id));
      if (!row || !mine) {
        await recordDenied(ctx, {
          action: path,
          entity: 'school_closure',
          entityId: input.closureId,
        });
        throw new TRPCError({ code: 'NOT_FOUND', message: 'Closure not found' });
      }
      const at = ctx.now().toISOString();
      await ctx.db.transaction().execute(async (trx) => {
        await trx
          .deleteFrom('school_closure')
          .where('district_id', '=', d)
          .where('id', '=', row.id)
          .execute();
        await refreshClosureFigures(trx, d, row.school_id);
        await recordAuditMany(trx, [
          {
            districtId: d,
            actorId: ctx.viewer.id,
            action: path,
            entity: 'school_closure',
            entityId: row.id,
            outcome: 'ok',
            at,
          },
        ]);
      });
      return { removed: true };
    }),

  /**
   * Where a provider works each school day (and their pull-out room there): all their days at
   * once. Schools must be ones the provider serves. The conflict check reads these.
   */
  saveSchoolDays: providerRoles
    .input(ScheduleSchoolDaysInput)
    .mutation(async ({ ctx, input, path }) => {
      const d = ctx.viewer.districtId;
      const provider = await resolveProvider(ctx, input.providerId, path);
      if (!provider) fieldErrorOf('providerId', 'Choose whose school days these are');
      const served = new Set(
        (
          await ctx.db
            .selectFrom('staff_school')
            .select('school_id')
            .where('district_id', '=', d)
            .where('staff_id', '=', provider.id)
            .execute()
        ).map((r) => r.school_id),
      );
      input.days.forEach((day, i) => {
        if (!served.has(day.schoolId))
          fieldErrorOf('days', `Day ${i + 1}: ${provider.name} does not serve that school`);
      });
      const at = ctx.now().toISOString();
      await ctx.db.transaction().execute(async (trx) => {
        await trx
          .deleteFrom('provider_school_day')
          .where('district_id', '=', d)
          .where('provider_id', '=', provider.id)
          .execute();
        if (input.days.length > 0)
          await trx
            .insertInto('provider_school_day')
            .values(
              input.days.map((day) => ({
                district_id: d,
                provider_id: provider.id,
                weekday: day.weekday,
                school_id: day.schoolId,
                start_time: day.startTime,
                end_time: day.endTime,
                room: day.room ?? null,
              })),
            )
            .execute();
        await recordAuditMany(trx, [
          {
            districtId: d,
            actorId: ctx.viewer.id,
            action: path,
            entity: 'provider_school_day',
            entityId: provider.id,
            outcome: 'ok',
            at,
          },
        ]);
      });
      return { providerId: provider.id, days: input.days.length };
    }),

  /** A classroom's protected blocks, all at once: its teacher, therapists of its school, admins. */
  protectedBlocks: protectedProcedure
    .input(z.object({ classroomId: z.string().min(1).max(64) }))
    .query(async ({ ctx, input, path }) => {
      const d = ctx.viewer.districtId;
      const visible = await ctx.db
        .selectFrom('classroom')
        .select('id')
        .where('district_id', '=', d)
        .where('id', '=', input.classroomId)
        .where('id', 'in', classroomIdsFor(ctx.db, ctx.viewer))
        .executeTakeFirst();
      if (!visible) {
        await recordDenied(ctx, { action: path, entity: 'classroom', entityId: input.classroomId });
        throw new TRPCError({ code: 'NOT_FOUND', message: 'Classroom not found' });
      }
      const rows = await ctx.db
        .selectFrom('protected_block')
        .select(['id', 'weekday', 'start_time', 'end_time', 'label'])
        .where('district_id', '=', d)
        .where('classroom_id', '=', input.classroomId)
        .orderBy('weekday')
        .orderBy('start_time')
        .execute();
      return rows.map((r) => ({
        id: r.id,
        weekday: Number(r.weekday),
        startTime: r.start_time,
        endTime: r.end_time,
        label: r.label,
      }));
    }),

  saveProtectedBlocks: protectedProcedure
    .input(ScheduleProtectedBlocksInput)
    .mutation(async ({ ctx, input, path }) => {
      const d = ctx.viewer.districtId;
      if (!(await canEditBlocks(ctx, input.classroomId))) {
        await recordDenied(ctx, { action: path, entity: 'classroom', entityId: input.classroomId });
        throw new TRPCError({ code: 'NOT_FOUND', message: 'Classroom not found' });
      }
      const at = ctx.now().toISOString();
      await ctx.db.transaction().execute(async (trx) => {
        await trx
          .deleteFrom('protected_block')
          .where('district_id', '=', d)
          .where('classroom_id', '=', input.classroomId)
          .execute();
        if (input.blocks.length > 0)
          await trx
            .insertInto('protected_block')
            .values(
              input.blocks.map((b) => ({
                district_id: d,
                id: newId(),
                classroom_id: input.classroomId,
                student_id: null,
                weekday: b.weekday,
                start_time: b.startTime,
                end_time: b.endTime,
                label: b.label,
              })),
            )
            .execute();
        await recordAuditMany(trx, [
          {
            districtId: d,
            actorId: ctx.viewer.id,
            action: path,
            entity: 'classroom',
            entityId: input.classroomId,
            outcome: 'ok',
            at,
          },
        ]);
      });
      return { classroomId: input.classroomId, blocks: input.blocks.length };
    }),

  /**
   * What the Schedule page's week settings show: the provider's stored school days and the
   * schools they serve; the schools, classrooms (whose protected blocks the viewer sets) and
   * travel times the viewer plans for; and what they may change.
   */
  settings: providerRoles.input(ScheduleSettingsInput).query(async ({ ctx, input, path }) => {
    const d = ctx.viewer.districtId;
    const provider = await resolveProvider(ctx, input?.providerId, path);
    const served = provider
      ? await ctx.db
          .selectFrom('staff_school')
          .innerJoin('school', (j) =>
            j
              .onRef('school.district_id', '=', 'staff_school.district_id')
              .onRef('school.id', '=', 'staff_school.school_id'),
          )
          .select(['school.id', 'school.name'])
          .where('staff_school.district_id', '=', d)
          .where('staff_school.staff_id', '=', provider.id)
          .orderBy('school.name')
          .orderBy('school.id')
          .execute()
      : [];
    const days = provider
      ? await ctx.db
          .selectFrom('provider_school_day')
          .select(['weekday', 'school_id', 'start_time', 'end_time', 'room'])
          .where('district_id', '=', d)
          .where('provider_id', '=', provider.id)
          .orderBy('weekday')
          .orderBy('start_time')
          .execute()
      : [];
    const schools = await settingsSchools(ctx);
    const schoolIds = schools.map((x) => x.id);
    const classrooms = (
      await ctx.db
        .selectFrom('classroom')
        .innerJoin('school', (j) =>
          j
            .onRef('school.district_id', '=', 'classroom.district_id')
            .onRef('school.id', '=', 'classroom.school_id'),
        )
        .select([
          'classroom.id',
          'classroom.name',
          'school.id as school_id',
          'school.name as school_name',
        ])
        .where('classroom.district_id', '=', d)
        .where('classroom.id', 'in', classroomIdsFor(ctx.db, ctx.viewer))
        .orderBy('school.name')
        .orderBy('classroom.name')
        .orderBy('classroom.id')
        .execute()
    ).filter((c) => ctx.viewer.role !== 'assistant');
    const planner = ctx.viewer.role === 'admin' || ctx.viewer.role === 'coordinator';
    const rules = await scheduleRulesOf(ctx.db, d);
    const travel =
      planner && schoolIds.length > 1
        ? await ctx.db
            .selectFrom('school_travel')
            .select(['from_school_id', 'to_school_id', 'minutes'])
            .where('district_id', '=', d)
            .where('from_school_id', 'in', schoolIds)
            .where('to_school_id', 'in', schoolIds)
            .execute()
        : [];
    return {
      provider: provider ? { id: provider.id, name: provider.name } : null,
      servedSchools: served,
      schoolDays: days.map((x) => ({
        weekday: Number(x.weekday),
        schoolId: x.school_id,
        startTime: x.start_time,
        endTime: x.end_time,
        room: x.room,
      })),
      schools,
      classrooms: classrooms.map((c) => ({
        id: c.id,
        name: c.name,
        schoolId: c.school_id,
        schoolName: c.school_name,
      })),
      travel: travel.map((t) => ({
        fromSchoolId: t.from_school_id,
        toSchoolId: t.to_school_id,
        minutes: Number(t.minutes),
      })),
      defaultTravelMinutes: DEFAULT_TRAVEL_MINUTES,
      rules: {
        lunchEarliest: minutesToClock(rules.lunch.earliest),
        lunchLatest: minutesToClock(rules.lunch.latest),
        lunchMinutes: rules.lunch.minutes,
        groupCapPushIn: rules.groupCap.push_in,
        groupCapPullOut: rules.groupCap.pull_out,
      },
      can: { closures: planner, travel: planner, rules: ctx.viewer.role === 'admin' },
    };
  }),

  /**
   * The travel minutes between two schools, both ways (coordinators: between two of their
   * schools; admins: any two of the district's). The conflict check and auto-schedule read it.
   */
  saveTravel: roles('coordinator', 'admin')
    .input(ScheduleTravelInput)
    .mutation(async ({ ctx, input, path }) => {
      const d = ctx.viewer.districtId;
      const mine = new Set((await settingsSchools(ctx)).map((x) => x.id));
      if (!mine.has(input.fromSchoolId) || !mine.has(input.toSchoolId)) {
        await recordDenied(ctx, { action: path, entity: 'school', entityId: input.fromSchoolId });
        throw new TRPCError({ code: 'NOT_FOUND', message: 'School not found' });
      }
      const at = ctx.now().toISOString();
      await ctx.db.transaction().execute(async (trx) => {
        const pairs = [
          [input.fromSchoolId, input.toSchoolId],
          [input.toSchoolId, input.fromSchoolId],
        ] as const;
        for (const [from, to] of pairs)
          await trx
            .deleteFrom('school_travel')
            .where('district_id', '=', d)
            .where('from_school_id', '=', from)
            .where('to_school_id', '=', to)
            .execute();
        await trx
          .insertInto('school_travel')
          .values(
            pairs.map(([from, to]) => ({
              district_id: d,
              from_school_id: from,
              to_school_id: to,
              minutes: input.minutes,
            })),
          )
          .execute();
        await recordAuditMany(trx, [
          {
            districtId: d,
            actorId: ctx.viewer.id,
            action: path,
            entity: 'school_travel',
            entityId: `${input.fromSchoolId}:${input.toSchoolId}`,
            outcome: 'ok',
            at,
          },
        ]);
      });
      return {
        fromSchoolId: input.fromSchoolId,
        toSchoolId: input.toSchoolId,
        minutes: input.minutes,
      };
    }),

  /**
   * The district's scheduling rules (admins): the lunch break every provider's day keeps and the
   * largest push-in and pull-out groups. The conflict check and auto-schedule read them.
   */
  saveRules: roles('admin')
    .input(ScheduleRulesInput)
    .mutation(async ({ ctx, input, path }) => {
      const d = ctx.viewer.districtId;
      const rules = {
        lunch: {
          earliest: clockToMinutes(input.lunchEarliest),
          latest: clockToMinutes(input.lunchLatest),
          minutes: input.lunchMinutes,
        },
        groupCap: { push_in: input.groupCapPushIn, pull_out: input.groupCapPullOut },
      };
      const at = ctx.now().toISOString();
      await ctx.db.transaction().execute(async (trx) => {
        const row = await trx
          .selectFrom('district')
          .select('settings')
          .where('id', '=', d)
          .executeTakeFirstOrThrow();
        // The other settings stay exactly as they are.
        const settings = { ...JSON.parse(row.settings), scheduleRules: rules };
        await trx
          .updateTable('district')
          .set({ settings: JSON.stringify(settings) })
          .where('id', '=', d)
          .execute();
        await recordAuditMany(trx, [
          {
            districtId: d,
            actorId: ctx.viewer.id,
            action: path,
            entity: 'district',
            entityId: d,
            outcome: 'ok',
            at,
          },
        ]);
      });
      return input;
    }),

  feed: {
    status: roles('therapist', 'assistant', 'teacher')
      .input(CalendarFeedInput)
      .query(async ({ ctx }) => {
        const feed = await calendarFeedOf(ctx.db, ctx.viewer.districtId, ctx.viewer.id);
        return {
          active: feed !== undefined,
          createdAt: feed?.created_at ?? null,
          lastUsedAt: feed?.last_used_at ?? null,
        };
      }),
    /** A new feed URL (any earlier one stops working). The token is in the answer only. */
    create: roles('therapist', 'assistant', 'teacher').mutation(async ({ ctx, path }) => {
      const d = ctx.viewer.districtId;
      const token = randomBytes(32).toString('base64url');
      const at = ctx.now().toISOString();
      await ctx.db.transaction().execute(async (trx) => {
        await revokeCalendarFeeds(trx, d, ctx.viewer.id, at);
        await trx
          .insertInto('calendar_feed')
          .values({
            district_id: d,
            id: calendarTokenHash(token),
            staff_id: ctx.viewer.id,
            created_at: at,
            revoked_at: null,
            last_used_at: null,
          })
          .execute();
        await recordAuditMany(trx, [
          {
            districtId: d,
            actorId: ctx.viewer.id,
            action: path,
            entity: 'calendar_feed',
            entityId: ctx.viewer.id,
            outcome: 'ok',
            at,
          },
        ]);
      });
      const path_ = `/calendar/${token}.ics`;
      return {
        token,
        path: path_,
        url: ctx.publicOrigin ? `${ctx.publicOrigin}${path_}` : path_,
        createdAt: at,
      };
    }),
    revoke: roles('therapist', 'assistant', 'teacher').mutation(async ({ ctx, path }) => {
      const at = ctx.now().toISOString();
      const revoked = await ctx.db.transaction().execute(async (trx) => {
        const n = await revokeCalendarFeeds(trx, ctx.viewer.districtId, ctx.viewer.id, at);
        await recordAuditMany(trx, [
          {
            districtId: ctx.viewer.districtId,
            actorId: ctx.viewer.id,
            action: path,
            entity: 'calendar_feed',
            entityId: ctx.viewer.id,
            outcome: 'ok',
            at,
          },
        ]);
        return n;
      });
      return { revoked };
    }),
  },
} satisfies TRPCRouterRecord;
