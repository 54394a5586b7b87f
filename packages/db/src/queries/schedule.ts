import type {
  Caseload,
  MissedReason,
  ScheduleClassroom,
  ScheduleService,
  ScheduleStudent,
  SchoolClosure,
  StoredScheduleException,
  StoredScheduleSession,
  TherapistDay,
  TimeBlock,
  Weekday,
} from '@carryover/domain';
import {
  clockToMinutes,
  DistrictSettings,
  occurrencesBetween,
  parseWeekdays,
  routineWords,
} from '@carryover/domain';
import { type Kysely, type SelectQueryBuilder, sql } from 'kysely';
import type { Database } from '../schema';
import type { FidelityRecordRow } from './fidelity-record';
import type { ScopeViewer } from './scope';

// The stored weekly schedule (migration 2026_11_30_x): reading series, exceptions and closures
// for a span, building a therapist's caseload as the auto-scheduler and the conflict check see
// it, and the provider scope (whose schedule a viewer may see or edit). Every query names its
// district.

/** Minutes between two schools with no `school_travel` row. */
export const DEFAULT_TRAVEL_MINUTES = 15;
/** The lunch window and length every therapist's day keeps. */
export const DEFAULT_LUNCH = { earliest: 11 * 60, latest: 13 * 60, minutes: 30 } as const;
/** Largest groups the scheduler builds and the conflict check allows. */
export const DEFAULT_GROUP_CAP = { push_in: 3, pull_out: 4 } as const;
/** Where pull-out sessions go when a therapist's school day names no room. */
/** The district's lunch window and group caps (its settings), else the defaults above. */
export async function scheduleRulesOf(
  db: Kysely<Database>,
  districtId: string,
): Promise<{
  lunch: { earliest: number; latest: number; minutes: number };
  groupCap: { push_in: number; pull_out: number };
}> {
  const row = await db
    .selectFrom('district')
    .select('settings')
    .where('id', '=', districtId)
    .executeTakeFirst();
  let rules: DistrictSettings['scheduleRules'];
  try {
    rules = DistrictSettings.partial().parse(JSON.parse(row?.settings ?? '{}')).scheduleRules;
  } catch {
    rules = undefined;
  }
  return {
    lunch: { ...(rules?.lunch ?? DEFAULT_LUNCH) },
    groupCap: { ...(rules?.groupCap ?? DEFAULT_GROUP_CAP) },
  };
}

export const DEFAULT_ROOM = 'Therapy room';

export interface ScheduleSessionRow extends StoredScheduleSession {
  version: number;
  overrideReason: string | null;
  updatedAt: string | null;
  updatedByName: string | null;
  createdAt: string;
}

// biome-ignore lint/suspicious/noExplicitAny: a subquery of ids from any tables
type IdList = readonly string[] | SelectQueryBuilder<Database, any, { id: string }>;

function inList<T>(list: IdList): T {
  return (Array.isArray(list) ? [...list] : list) as T;
}

/**
 * The series meeting [from, to] (valid on some day of it) of some providers, classrooms or
 * students, with their students. Exactly one filter is used.
 */
export async function loadScheduleSessions(
  db: Kysely<Database>,
  districtId: string,
  filter: {
    providerIds?: readonly string[];
    classroomIds?: IdList;
    studentIds?: IdList;
    sessionIds?: readonly string[];
  },
  window: { from: string; to: string },
): Promise<ScheduleSessionRow[]> {
  let q = db
    .selectFrom('schedule_session as s')
    .leftJoin('staff_user as editor', (j) =>
      j.onRef('editor.district_id', '=', 's.district_id').onRef('editor.id', '=', 's.updated_by'),
    )
    .selectAll('s')
    .select('editor.name as editor_name')
    .where('s.district_id', '=', districtId)
    .where('s.valid_from', '<=', window.to)
    .where((eb) => eb.or([eb('s.valid_to', 'is', null), eb('s.valid_to', '>=', window.from)]));
  if (filter.providerIds) {
    if (filter.providerIds.length === 0) return [];
    q = q.where('s.provider_id', 'in', [...filter.providerIds]);
  } else if (filter.sessionIds) {
    if (filter.sessionIds.length === 0) return [];
    q = q.where('s.id', 'in', [...filter.sessionIds]);
  } else if (filter.classroomIds) {
    if (Array.isArray(filter.classroomIds) && filter.classroomIds.length === 0) return [];
    q = q.where('s.classroom_id', 'in', inList<never>(filter.classroomIds));
  } else if (filter.studentIds) {
    if (Array.isArray(filter.studentIds) && filter.studentIds.length === 0) return [];
    const students = filter.studentIds;
    q = q.where((eb) =>
      eb(
        's.id',
        'in',
        eb
          .selectFrom('schedule_session_student as ss')
          .select('ss.session_id')
          .where('ss.district_id', '=', districtId)
          .where('ss.student_id', 'in', inList<never>(students)),
      ),
    );
  }
  const rows = await q.orderBy('s.weekday').orderBy('s.start_time').orderBy('s.id').execute();
  if (rows.length === 0) return [];
  const students = await db
    .selectFrom('schedule_session_student')
    .select(['session_id', 'student_id', 'service_id'])
    .where('district_id', '=', districtId)
    .where(
      'session_id',
      'in',
      rows.map((r) => r.id),
    )
    .orderBy('session_id')
    .orderBy('student_id')
    .execute();
  const bySession = new Map<string, { studentId: string; serviceId: string | null }[]>();
  for (const s of students) {
    const list = bySession.get(s.session_id) ?? [];
    list.push({ studentId: s.student_id, serviceId: s.service_id });
    bySession.set(s.session_id, list);
  }
  return rows.map((r) => ({
    id: r.id,
    providerId: r.provider_id,
    schoolId: r.school_id,
    weekday: Number(r.weekday),
    startTime: r.start_time,
    minutes: Number(r.minutes),
    model: r.model,
    classroomId: r.classroom_id,
    routineId: r.routine_id,
    room: r.room,
    validFrom: r.valid_from,
    validTo: r.valid_to,
    students: bySession.get(r.id) ?? [],
    version: Number(r.version),
    overrideReason: r.override_reason,
    updatedAt: r.updated_at ?? null,
    updatedByName: r.editor_name ?? null,
    createdAt: r.created_at,
  }));
}

/** The exceptions of these series (all dates: a year of one series is a few dozen rows at most). */
export async function loadScheduleExceptions(
  db: Kysely<Database>,
  districtId: string,
  sessionIds: readonly string[],
): Promise<StoredScheduleException[]> {
  if (sessionIds.length === 0) return [];
  const rows = await db
    .selectFrom('schedule_exception')
    .select([
      'session_id',
      'on_date',
      'kind',
      'reason',
      'note',
      'moved_to',
      'start_time',
      'minutes',
    ])
    .where('district_id', '=', districtId)
    .where('session_id', 'in', [...sessionIds])
    .execute();
  return rows.map((r) => ({
    sessionId: r.session_id,
    onDate: r.on_date,
    kind: r.kind,
    reason: r.reason as MissedReason | null,
    note: r.note,
    movedTo: r.moved_to,
    startTime: r.start_time,
    minutes: r.minutes === null ? null : Number(r.minutes),
  }));
}

/** Closures meeting [from, to]. */
export async function loadClosures(
  db: Kysely<Database>,
  districtId: string,
  window: { from: string; to: string },
): Promise<SchoolClosure[]> {
  const rows = await db
    .selectFrom('school_closure')
    .select(['school_id', 'starts_on', 'ends_on', 'name'])
    .where('district_id', '=', districtId)
    .where('ends_on', '>=', window.from)
    .where('starts_on', '<=', window.to)
    .orderBy('starts_on')
    .execute();
  return rows.map((r) => ({
    schoolId: r.school_id,
    startsOn: r.starts_on,
    endsOn: r.ends_on,
    name: r.name,
  }));
}

// ---------------------------------------------------------------------------------------------
// Whose schedule a viewer may see and edit.

export interface ScheduleProvider {
  id: string;
  name: string;
  role: string;
  discipline: string | null;
  supervisorId: string | null;
}

/**
 * The therapists and assistants whose schedules `viewer` may see (and edit): their own for a
 * therapist or assistant; for a coordinator, those who serve a student of one of their schools
 * or work at one of them; every one of the district for an admin; nobody for a teacher.
 */
export function scheduleProviderIds(db: Kysely<Database>, viewer: ScopeViewer) {
  const d = viewer.districtId;
  const base = db
    .selectFrom('staff_user')
    .select('staff_user.id')
    .where('staff_user.district_id', '=', d)
    .where('staff_user.role', 'in', ['therapist', 'assistant']);
  switch (viewer.role) {
    case 'therapist':
    case 'assistant':
      return base.where('staff_user.id', '=', viewer.id);
    case 'admin':
      return base;
    case 'coordinator': {
      const mySchools = db
        .selectFrom('staff_school')
        .select('staff_school.school_id')
        .where('staff_school.district_id', '=', d)
        .where('staff_school.staff_id', '=', viewer.id);
      return base.where((eb) =>
        eb.or([
          eb(
            'staff_user.id',
            'in',
            eb
              .selectFrom('staff_school as ps')
              .select('ps.staff_id')
              .where('ps.district_id', '=', d)
              .where('ps.school_id', 'in', mySchools),
          ),
          eb(
            'staff_user.id',
            'in',
            eb
              .selectFrom('service')
              .innerJoin('student', (j) =>
                j
                  .onRef('student.district_id', '=', 'service.district_id')
                  .onRef('student.id', '=', 'service.student_id'),
              )
              .select('service.provider_id as id')
              .where('service.district_id', '=', d)
              .where('student.school_id', 'in', mySchools)
              .where('service.provider_id', 'is not', null)
              .$narrowType<{ id: string }>(),
          ),
          eb(
            'staff_user.id',
            'in',
            eb
              .selectFrom('assistant_assignment as aa')
              .innerJoin('student', (j) =>
                j
                  .onRef('student.district_id', '=', 'aa.district_id')
                  .onRef('student.id', '=', 'aa.student_id'),
              )
              .select('aa.assistant_id as id')
              .where('aa.district_id', '=', d)
              .where('student.school_id', 'in', mySchools),
          ),
        ]),
      );
    }
    default:
      return base.where(sql<boolean>`1 = 0`);
  }
}

export async function listScheduleProviders(
  db: Kysely<Database>,
  viewer: ScopeViewer,
): Promise<ScheduleProvider[]> {
  const rows = await db
    .selectFrom('staff_user')
    .select(['id', 'name', 'role', 'discipline', 'supervisor_id'])
    .where('district_id', '=', viewer.districtId)
    .where('id', 'in', scheduleProviderIds(db, viewer))
    .where('active', '=', 1)
    .orderBy('name')
    .orderBy('id')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    role: r.role,
    discipline: r.discipline,
    supervisorId: r.supervisor_id,
  }));
}

/** The provider if `viewer` may see their schedule, else undefined (another district's too). */
export async function findScheduleProvider(
  db: Kysely<Database>,
  viewer: ScopeViewer,
  providerId: string,
): Promise<ScheduleProvider | undefined> {
  const row = await db
    .selectFrom('staff_user')
    .select(['id', 'name', 'role', 'discipline', 'supervisor_id'])
    .where('district_id', '=', viewer.districtId)
    .where('id', '=', providerId)
    .where('id', 'in', scheduleProviderIds(db, viewer))
    .executeTakeFirst();
  return row
    ? {
        id: row.id,
        name: row.name,
        role: row.role,
        discipline: row.discipline,
        supervisorId: row.supervisor_id,
      }
    : undefined;
}

// ---------------------------------------------------------------------------------------------
// The caseload as the scheduler sees it.

export interface ScheduleWorld {
  caseload: Caseload;
  provider: ScheduleProvider;
  schoolNames: Map<string, string>;
  classroomNames: Map<string, string>;
  routineNames: Map<string, { name: string; classroomId: string }>;
  /** Per student: first and last name, homeroom, school. */
  students: Map<
    string,
    { firstName: string; lastName: string; classroomId: string | null; schoolId: string }
  >;
  /** The service a student is served under by this provider (for a group session's rows). */
  serviceOf: Map<string, string>;
  /** The pull-out room per school. */
  rooms: Map<string, string>;
}

function blocksOf(weekdays: string, start: string, end: string): TimeBlock[] {
  return parseWeekdays(weekdays)
    .filter((d) => d <= 5)
    .map((d) => ({
      day: (d - 1) as Weekday,
      start: clockToMinutes(start),
      end: clockToMinutes(end),
    }));
}

/** The length of one session of a service (a mandate does not say; a half-hour at most). */
export function sessionLengthOf(minutes: number, per: 'week' | 'month'): number {
  if (per === 'week' && minutes > 0 && minutes < 30) return Math.max(10, minutes);
  return 30;
}

/**
 * Everything the auto-scheduler and the conflict check need about one therapist's (or
 * assistant's) week, from the stored data: their school days, travel, the students they serve
 * on `today` (an assistant: the students assigned to them, under the supervisor's services),
 * each service per model (a split service as one service per model), goals with their linked
 * routines, homerooms with routine times and protected blocks, students' protected blocks.
 * `extraStudentIds` adds students outside the caseload who appear in stored sessions.
 */
export async function loadScheduleWorld(
  db: Kysely<Database>,
  districtId: string,
  provider: ScheduleProvider,
  today: string,
  options: { studentIds?: readonly string[]; extraStudentIds?: readonly string[] } = {},
): Promise<ScheduleWorld> {
  const d = districtId;
  const serviceProvider = provider.role === 'assistant' ? provider.supervisorId : provider.id;
  const assigned =
    provider.role === 'assistant'
      ? (
          await db
            .selectFrom('assistant_assignment')
            .select('student_id')
            .where('district_id', '=', d)
            .where('assistant_id', '=', provider.id)
            .execute()
        ).map((r) => r.student_id)
      : null;
  let services = serviceProvider
    ? await db
        .selectFrom('service')
        .select(['id', 'student_id', 'discipline', 'minutes', 'per', 'model', 'start_date'])
        .where('district_id', '=', d)
        .where('provider_id', '=', serviceProvider)
        .where('end_date', '>=', today)
        .orderBy('student_id')
        .orderBy('start_date')
        .orderBy('id')
        .execute()
    : [];
  if (assigned) services = services.filter((s) => assigned.includes(s.student_id));
  if (options.studentIds) {
    const only = new Set(options.studentIds);
    services = services.filter((s) => only.has(s.student_id));
  }
  const serviceOf = new Map<string, string>();
  for (const s of services) if (!serviceOf.has(s.student_id)) serviceOf.set(s.student_id, s.id);
  const studentIds = [
    ...new Set([...services.map((s) => s.student_id), ...(options.extraStudentIds ?? [])]),
  ];

  const studentRows =
    studentIds.length === 0
      ? []
      : await db
          .selectFrom('student')
          .select(['id', 'first_name', 'last_name', 'grade', 'homeroom_id', 'school_id'])
          .where('district_id', '=', d)
          .where('id', 'in', studentIds)
          .orderBy('id')
          .execute();
  const classroomIds = [
    ...new Set(studentRows.flatMap((s) => (s.homeroom_id ? [s.homeroom_id] : []))),
  ];
  const days = await db
    .selectFrom('provider_school_day')
    .select(['weekday', 'school_id', 'start_time', 'end_time', 'room'])
    .where('district_id', '=', d)
    .where('provider_id', '=', provider.id)
    .orderBy('weekday')
    .orderBy('start_time')
    .execute();
  const schoolIds = [
    ...new Set([...days.map((x) => x.school_id), ...studentRows.map((s) => s.school_id)]),
  ];
  const schools =
    schoolIds.length === 0
      ? []
      : await db
          .selectFrom('school')
          .select(['id', 'name'])
          .where('district_id', '=', d)
          .where('id', 'in', schoolIds)
          .orderBy('id')
          .execute();
  const classrooms =
    classroomIds.length === 0
      ? []
      : await db
          .selectFrom('classroom')
          .select(['id', 'name', 'school_id'])
          .where('district_id', '=', d)
          .where('id', 'in', classroomIds)
          .orderBy('id')
          .execute();
  const routines =
    classroomIds.length === 0
      ? []
      : await db
          .selectFrom('routine')
          .select(['id', 'classroom_id', 'name', 'weekdays', 'start_time', 'end_time'])
          .where('district_id', '=', d)
          .where('classroom_id', 'in', classroomIds)
          .orderBy('start_time')
          .orderBy('id')
          .execute();
  const blocks =
    classroomIds.length + studentIds.length === 0
      ? []
      : await db
          .selectFrom('protected_block')
          .select(['classroom_id', 'student_id', 'weekday', 'start_time', 'end_time'])
          .where('district_id', '=', d)
          .where((eb) =>
            eb.or([
              ...(classroomIds.length > 0 ? [eb('classroom_id', 'in', classroomIds)] : []),
              ...(studentIds.length > 0 ? [eb('student_id', 'in', studentIds)] : []),
            ]),
          )
          .execute();
  const serviceIds = services.map((s) => s.id);
  const goals =
    serviceIds.length === 0
      ? []
      : await db
          .selectFrom('goal')
          .select(['id', 'student_id', 'service_id', 'text'])
          .where('district_id', '=', d)
          .where('service_id', 'in', serviceIds)
          .where('phase', '!=', 'discontinued')
          .orderBy('id')
          .execute();
  const goalIds = goals.map((g) => g.id);
  const links =
    goalIds.length === 0
      ? []
      : await db
          .selectFrom('goal_routine')
          .select(['goal_id', 'routine_id'])
          .where('district_id', '=', d)
          .where('goal_id', 'in', goalIds)
          .execute();
  const splits =
    serviceIds.length === 0
      ? []
      : await db
          .selectFrom('service_model_minutes')
          .select(['service_id', 'model', 'minutes'])
          .where('district_id', '=', d)
          .where('service_id', 'in', serviceIds)
          .execute();
  const travel =
    schoolIds.length < 2
      ? []
      : await db
          .selectFrom('school_travel')
          .select(['from_school_id', 'to_school_id', 'minutes'])
          .where('district_id', '=', d)
          .where('from_school_id', 'in', schoolIds)
          .execute();

  const routinesOf = new Map<string, typeof routines>();
  for (const r of routines)
    routinesOf.set(r.classroom_id, [...(routinesOf.get(r.classroom_id) ?? []), r]);
  const blockOf = (b: (typeof blocks)[number]): TimeBlock => ({
    day: (Number(b.weekday) - 1) as Weekday,
    start: clockToMinutes(b.start_time),
    end: clockToMinutes(b.end_time),
  });
  const scheduleClassrooms: ScheduleClassroom[] = classrooms.map((c) => ({
    id: c.id,
    name: c.name,
    schoolId: c.school_id,
    routines: (routinesOf.get(c.id) ?? []).map((r) => ({
      id: r.id,
      name: routineWords(r.name),
      blocks: blocksOf(r.weekdays, r.start_time, r.end_time),
    })),
    protectedBlocks: blocks.filter((b) => b.classroom_id === c.id).map(blockOf),
  }));
  const linksOf = new Map<string, string[]>();
  for (const l of links) linksOf.set(l.goal_id, [...(linksOf.get(l.goal_id) ?? []), l.routine_id]);
  const scheduleStudents: ScheduleStudent[] = studentRows.map((s) => ({
    id: s.id,
    name: `${s.first_name} ${s.last_name}`,
    grade: s.grade === 'K' ? 0 : Number(s.grade) || 0,
    classroomId: s.homeroom_id ?? '',
    goals: goals
      .filter((g) => g.student_id === s.id)
      .map((g) => ({ id: g.id, title: g.text, routineIds: linksOf.get(g.id) ?? [] })),
    protectedBlocks: blocks.filter((b) => b.student_id === s.id).map(blockOf),
  }));
  const scheduleServices: ScheduleService[] = [];
  for (const s of services) {
    const goalIds = goals.filter((g) => g.service_id === s.id).map((g) => g.id);
    const parts =
      s.model === 'split'
        ? splits
            .filter((p) => p.service_id === s.id)
            .map((p) => ({ model: p.model, minutes: Number(p.minutes) }))
        : [{ model: s.model, minutes: Number(s.minutes) }];
    for (const part of parts) {
      if (part.model !== 'push_in' && part.model !== 'pull_out') continue; // consult: no session
      if (part.minutes <= 0) continue;
      scheduleServices.push({
        id: s.model === 'split' ? `${s.id}:${part.model}` : s.id,
        studentId: s.student_id,
        discipline: s.discipline,
        model: part.model,
        minutes: part.minutes,
        per: s.per,
        sessionMinutes: sessionLengthOf(part.minutes, s.per),
        goalIds,
      });
    }
  }
  const rooms = new Map<string, string>();
  for (const x of days) if (x.room && !rooms.has(x.school_id)) rooms.set(x.school_id, x.room);
  const therapistDays: TherapistDay[] = days
    .filter((x) => Number(x.weekday) <= 5)
    .map((x) => ({
      day: (Number(x.weekday) - 1) as Weekday,
      schoolId: x.school_id,
      start: clockToMinutes(x.start_time),
      end: clockToMinutes(x.end_time),
    }));
  const travelPairs: { from: string; to: string; minutes: number }[] = [];
  for (const [i, a] of schoolIds.entries()) {
    for (const b of schoolIds.slice(i + 1)) {
      const row = travel.find(
        (t) =>
          (t.from_school_id === a && t.to_school_id === b) ||
          (t.from_school_id === b && t.to_school_id === a),
      );
      travelPairs.push({
        from: a,
        to: b,
        minutes: row ? Number(row.minutes) : DEFAULT_TRAVEL_MINUTES,
      });
    }
  }
  const rules = await scheduleRulesOf(db, d);
  const routineNames = new Map<string, { name: string; classroomId: string }>();
  for (const r of routines)
    routineNames.set(r.id, { name: routineWords(r.name), classroomId: r.classroom_id });
  return {
    provider,
    caseload: {
      therapist: {
        id: provider.id,
        name: provider.name,
        days: therapistDays,
        travel: travelPairs,
        lunch: { ...rules.lunch },
        groupCap: { ...rules.groupCap },
      },
      schools: schools.map((s) => ({
        id: s.id,
        name: s.name,
        pullOutRoom: rooms.get(s.id) ?? DEFAULT_ROOM,
      })),
      classrooms: scheduleClassrooms,
      students: scheduleStudents,
      services: scheduleServices,
    },
    schoolNames: new Map(schools.map((s) => [s.id, s.name])),
    classroomNames: new Map(classrooms.map((c) => [c.id, c.name])),
    routineNames,
    students: new Map(
      studentRows.map((s) => [
        s.id,
        {
          firstName: s.first_name,
          lastName: s.last_name,
          classroomId: s.homeroom_id,
          schoolId: s.school_id,
        },
      ]),
    ),
    serviceOf,
    rooms,
  };
}

// ---------------------------------------------------------------------------------------------
// Writes. Callers check role and scope first and pass a transaction.

export interface ScheduleSessionValues {
  providerId: string;
  schoolId: string;
  weekday: number;
  startTime: string;
  minutes: number;
  model: 'push_in' | 'pull_out';
  classroomId: string | null;
  routineId: string | null;
  room: string | null;
  validFrom: string;
  validTo: string | null;
  overrideReason: string | null;
  students: { studentId: string; serviceId: string | null }[];
}

export async function insertScheduleSession(
  trx: Kysely<Database>,
  districtId: string,
  id: string,
  v: ScheduleSessionValues,
  by: { id: string; at: string },
): Promise<void> {
  await insertScheduleSessions(trx, districtId, [{ id, values: v, by }]);
}

/** Rows per insert: 18 columns a session, well under either database's bound variables. */
const SESSION_ROWS = 500;

/**
 * New series, many at once (the demo seed's whole district): every session first, then every
 * student of them. On Postgres the foreign-key check of a session's students is planned once per
 * connection, when first used: planned while `schedule_session` was still empty it scanned the
 * table for each student inserted, which grew with the district (861 M rows read for a
 * 25,000-student seed). With the sessions in first, it is planned as a key lookup.
 */
export async function insertScheduleSessions(
  trx: Kysely<Database>,
  districtId: string,
  sessions: readonly {
    id: string;
    values: ScheduleSessionValues;
    by: { id: string; at: string };
  }[],
): Promise<void> {
  for (let i = 0; i < sessions.length; i += SESSION_ROWS)
    await trx
      .insertInto('schedule_session')
      .values(
        sessions.slice(i, i + SESSION_ROWS).map(({ id, values: v, by }) => ({
          district_id: districtId,
          id,
          provider_id: v.providerId,
          school_id: v.schoolId,
          weekday: v.weekday,
          start_time: v.startTime,
          minutes: v.minutes,
          model: v.model,
          classroom_id: v.classroomId,
          routine_id: v.routineId,
          room: v.room,
          valid_from: v.validFrom,
          valid_to: v.validTo,
          override_reason: v.overrideReason,
          created_by: by.id,
          created_at: by.at,
          updated_by: by.id,
          updated_at: by.at,
        })),
      )
      .execute();
  const students = sessions.flatMap(({ id, values }) =>
    values.students.map((s) => ({
      district_id: districtId,
      session_id: id,
      student_id: s.studentId,
      service_id: s.serviceId,
    })),
  );
  for (let i = 0; i < students.length; i += SESSION_ROWS)
    await trx
      .insertInto('schedule_session_student')
      .values(students.slice(i, i + SESSION_ROWS))
      .execute();
}

export async function replaceSessionStudents(
  trx: Kysely<Database>,
  districtId: string,
  sessionId: string,
  students: { studentId: string; serviceId: string | null }[],
): Promise<void> {
  await trx
    .deleteFrom('schedule_session_student')
    .where('district_id', '=', districtId)
    .where('session_id', '=', sessionId)
    .execute();
  if (students.length === 0) return;
  await trx
    .insertInto('schedule_session_student')
    .values(
      students.map((s) => ({
        district_id: districtId,
        session_id: sessionId,
        student_id: s.studentId,
        service_id: s.serviceId,
      })),
    )
    .execute();
}

export async function upsertScheduleException(
  trx: Kysely<Database>,
  row: Database['schedule_exception'] & { district_id: string },
): Promise<void> {
  await trx
    .deleteFrom('schedule_exception')
    .where('district_id', '=', row.district_id)
    .where('session_id', '=', row.session_id)
    .where('on_date', '=', row.on_date)
    .execute();
  await trx.insertInto('schedule_exception').values(row).execute();
}

export async function insertScheduleOverride(
  trx: Kysely<Database>,
  row: Database['schedule_override'],
): Promise<void> {
  await trx.insertInto('schedule_override').values(row).execute();
}

// ---------------------------------------------------------------------------------------------
// Calendar feeds.

/** The staff member a feed token (its SHA-256) belongs to, if the feed is live. */
export async function findCalendarFeed(db: Kysely<Database>, tokenHash: string) {
  // Before any district is known, like a session cookie's lookup: the hash is unique.
  return db
    .selectFrom('calendar_feed')
    .innerJoin('staff_user', (j) =>
      j
        .onRef('staff_user.district_id', '=', 'calendar_feed.district_id')
        .onRef('staff_user.id', '=', 'calendar_feed.staff_id'),
    )
    .select([
      'calendar_feed.district_id',
      'calendar_feed.id',
      'calendar_feed.staff_id',
      'staff_user.role',
      'staff_user.name',
      'staff_user.discipline',
      'staff_user.supervisor_id',
      'staff_user.active',
    ])
    .where('calendar_feed.id', '=', tokenHash)
    .where('calendar_feed.revoked_at', 'is', null)
    .executeTakeFirst();
}

export async function calendarFeedOf(db: Kysely<Database>, districtId: string, staffId: string) {
  return db
    .selectFrom('calendar_feed')
    .select(['id', 'created_at', 'last_used_at'])
    .where('district_id', '=', districtId)
    .where('staff_id', '=', staffId)
    .where('revoked_at', 'is', null)
    .orderBy('created_at', 'desc')
    .executeTakeFirst();
}

export async function revokeCalendarFeeds(
  trx: Kysely<Database>,
  districtId: string,
  staffId: string,
  at: string,
): Promise<number> {
  const r = await trx
    .updateTable('calendar_feed')
    .set({ revoked_at: at })
    .where('district_id', '=', districtId)
    .where('staff_id', '=', staffId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}

/** Names of the schools, classrooms, routines, students and providers some sessions name. */
export async function scheduleNames(
  db: Kysely<Database>,
  districtId: string,
  sessions: readonly StoredScheduleSession[],
) {
  const uniq = (xs: (string | null)[]) => [...new Set(xs.filter((x): x is string => x !== null))];
  const schoolIds = uniq(sessions.map((s) => s.schoolId));
  const classroomIds = uniq(sessions.map((s) => s.classroomId));
  const routineIds = uniq(sessions.map((s) => s.routineId));
  const studentIds = uniq(sessions.flatMap((s) => s.students.map((x) => x.studentId)));
  const providerIds = uniq(sessions.map((s) => s.providerId));
  const d = districtId;
  const [schools, classrooms, routines, students, providers] = await Promise.all([
    schoolIds.length === 0
      ? []
      : db
          .selectFrom('school')
          .select(['id', 'name'])
          .where('district_id', '=', d)
          .where('id', 'in', schoolIds)
          .execute(),
    classroomIds.length === 0
      ? []
      : db
          .selectFrom('classroom')
          .select(['id', 'name', 'teacher_id'])
          .where('district_id', '=', d)
          .where('id', 'in', classroomIds)
          .execute(),
    routineIds.length === 0
      ? []
      : db
          .selectFrom('routine')
          .select(['id', 'name'])
          .where('district_id', '=', d)
          .where('id', 'in', routineIds)
          .execute(),
    studentIds.length === 0
      ? []
      : db
          .selectFrom('student')
          .select(['id', 'first_name', 'last_name'])
          .where('district_id', '=', d)
          .where('id', 'in', studentIds)
          .execute(),
    providerIds.length === 0
      ? []
      : db
          .selectFrom('staff_user')
          .select(['id', 'name', 'discipline', 'role'])
          .where('district_id', '=', d)
          .where('id', 'in', providerIds)
          .execute(),
  ]);
  return {
    schools: new Map(schools.map((s) => [s.id, s.name])),
    classrooms: new Map(classrooms.map((c) => [c.id, { name: c.name, teacherId: c.teacher_id }])),
    routines: new Map(routines.map((r) => [r.id, routineWords(r.name)])),
    students: new Map(
      students.map((s) => [s.id, { firstName: s.first_name, lastName: s.last_name }]),
    ),
    providers: new Map(
      providers.map((p) => [p.id, { name: p.name, discipline: p.discipline, role: p.role }]),
    ),
  };
}
export type ScheduleNames = Awaited<ReturnType<typeof scheduleNames>>;

// ---------------------------------------------------------------------------------------------
// The schedule in fidelity.

/**
 * The stored schedule as fidelity records of some students over [from, to]: every occurrence
 * that takes place is a `scheduled` record (planned minutes); a cancelled one a missed record
 * of its reason; one on a closed school day a `school_closed` record (accounted, never owed).
 * An occurrence for which the student already has a logged record that day (for the same
 * service, or for none) is left out: the logged record is what counts.
 */
export async function scheduleFidelityRecords(
  db: Kysely<Database>,
  districtId: string,
  studentIds: IdList,
  window: { from: string; to: string },
  logged: readonly {
    student_id: string;
    session_date: string;
    service_id: string | null;
    start_time?: string | null;
  }[],
): Promise<FidelityRecordRow[]> {
  const rows = await loadScheduleSessions(db, districtId, { studentIds }, window);
  if (rows.length === 0) return [];
  const exceptions = await loadScheduleExceptions(
    db,
    districtId,
    rows.map((r) => r.id),
  );
  const closures = await loadClosures(db, districtId, window);
  const providerIds = [...new Set(rows.map((r) => r.providerId))];
  const disciplines = new Map(
    (
      await db
        .selectFrom('staff_user')
        .select(['id', 'discipline'])
        .where('district_id', '=', districtId)
        .where('id', 'in', providerIds)
        .execute()
    ).map((p) => [p.id, p.discipline]),
  );
  // Each logged record stands for at most one occurrence of its student, day and service (a
  // student seen by a therapist and by their assistant on one day has two): the one nearest
  // its start time, else the first.
  const loggedByKey = new Map<string, (number | null)[]>();
  for (const r of logged) {
    const key = `${r.student_id}|${r.session_date}|${r.service_id ?? ''}`;
    const start = r.start_time ? clockToMinutes(r.start_time) : null;
    loggedByKey.set(key, [...(loggedByKey.get(key) ?? []), start]);
  }
  const takeLogged = (key: string, start: number): boolean => {
    const starts = loggedByKey.get(key);
    if (!starts || starts.length === 0) return false;
    let best = 0;
    for (const [i, s] of starts.entries())
      if (s !== null && Math.abs(s - start) < Math.abs((starts[best] ?? Infinity) - start))
        best = i;
    starts.splice(best, 1);
    return true;
  };
  const wanted = Array.isArray(studentIds) ? new Set(studentIds as readonly string[]) : null;
  const out: FidelityRecordRow[] = [];
  for (const o of occurrencesBetween(rows, exceptions, closures, window.from, window.to)) {
    for (const st of o.session.students) {
      if (wanted && !wanted.has(st.studentId)) continue;
      const key = `${st.studentId}|${o.date}|`;
      const start = clockToMinutes(o.startTime);
      if ((st.serviceId && takeLogged(key + st.serviceId, start)) || takeLogged(key, start))
        continue;
      const happens = o.status === 'planned' || o.status === 'moved';
      out.push({
        student_id: st.studentId,
        service_id: st.serviceId,
        attendance: happens ? 'delivered' : (o.reason ?? 'other'),
        session_date: o.date,
        minutes: o.minutes,
        model: o.session.model,
        group_size: o.session.students.length,
        provider_discipline: disciplines.get(o.session.providerId) ?? null,
        scheduled: happens,
      });
    }
  }
  return out;
}
