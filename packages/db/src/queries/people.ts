import { addDays } from '@carryover/domain';
import { type Kysely, sql } from 'kysely';
import type { Database } from '../schema';
import { newId } from '../util';
import { recordAuditMany } from './audit';
import { refreshComparisonDigestsOfServices } from './comparison-digests';
import { bumpDataVersion } from './data-version';
import { studentsWithPlaces } from './joins';
import { type ScopeViewer, scopedStudentIds } from './scope';
import { type Editor, nextVersion, updateAtVersion } from './versioned';

// People, students, services and transfers written by hand (the People and Students pages) or
// by an import: the same functions, so a transfer means the same whichever way it comes in.
// Callers check role and scope; every statement is still bounded by the district.

type DB = Kysely<Database>;

// ── Staff ────────────────────────────────────────────────────────────────────────────────────

/** The People list: role, discipline, schools, supervisor, status, version for the edit form. */
export async function listStaffDetailed(db: DB, districtId: string) {
  const [rows, schools] = await Promise.all([
    db
      .selectFrom('staff_user')
      .leftJoin('staff_user as supervisor', (j) =>
        j
          .on('supervisor.district_id', '=', districtId)
          .onRef('supervisor.district_id', '=', 'staff_user.district_id')
          .onRef('supervisor.id', '=', 'staff_user.supervisor_id'),
      )
      .select([
        'staff_user.id',
        'staff_user.name',
        'staff_user.email',
        'staff_user.role',
        'staff_user.discipline',
        'staff_user.supervisor_id',
        'supervisor.name as supervisor_name',
        'staff_user.active',
        'staff_user.totp_enabled_at',
        'staff_user.password_hash',
        'staff_user.version',
      ])
      .where('staff_user.district_id', '=', districtId)
      .orderBy('staff_user.name')
      .orderBy('staff_user.id')
      .execute(),
    db
      .selectFrom('staff_school')
      .select(['staff_id', 'school_id'])
      .where('district_id', '=', districtId)
      .orderBy('school_id')
      .execute(),
  ]);
  const bySchool = new Map<string, string[]>();
  for (const s of schools)
    bySchool.set(s.staff_id, [...(bySchool.get(s.staff_id) ?? []), s.school_id]);
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    email: r.email,
    role: r.role,
    discipline: r.discipline,
    schoolIds: bySchool.get(r.id) ?? [],
    supervisorId: r.supervisor_id,
    supervisorName: r.supervisor_name ?? null,
    active: r.active === 1,
    mfaEnrolled: r.totp_enabled_at !== null,
    /** Not yet signed in: the account waits for its setup link. */
    setupPending: r.password_hash.startsWith('!'),
    version: Number(r.version),
  }));
}

/** The marker of an account whose first password is set through a setup link. */
export const SETUP_PENDING_HASH = '!setup-link-pending';

export interface StaffChanges {
  name: string;
  email: string;
  role: string;
  discipline: string | null;
  supervisorId: string | null;
  schoolIds: readonly string[];
}

/** Saves a staff member's edit at the version the form loaded (StaleVersionError otherwise). */
export async function updateStaffAtVersion(
  trx: DB,
  args: { districtId: string; userId: string; expectedVersion: number; editor: Editor },
  changes: StaffChanges,
): Promise<{ version: number; changed: string[] }> {
  const d = args.districtId;
  const current = await trx
    .selectFrom('staff_school')
    .select('school_id')
    .where('district_id', '=', d)
    .where('staff_id', '=', args.userId)
    .execute();
  const before = current.map((r) => r.school_id).sort();
  const after = [...new Set(changes.schoolIds)].sort();
  const schoolsChanged = before.join(',') !== after.join(',');
  const saved = await updateAtVersion(
    trx,
    'staff_user',
    { district_id: d, id: args.userId },
    args.expectedVersion,
    {
      name: changes.name,
      email: changes.email.toLowerCase(),
      role: changes.role,
      discipline: changes.discipline,
      supervisor_id: changes.supervisorId,
    },
    args.editor,
    { alsoChanged: schoolsChanged ? ['schools'] : [] },
  );
  if (schoolsChanged) {
    await trx
      .deleteFrom('staff_school')
      .where('district_id', '=', d)
      .where('staff_id', '=', args.userId)
      .execute();
    if (after.length > 0)
      await trx
        .insertInto('staff_school')
        .values(after.map((s) => ({ district_id: d, staff_id: args.userId, school_id: s })))
        .execute();
  }
  return saved;
}

/** Another account (not `exceptId`) with this email, in any district: emails are sign-in names. */
export async function emailTakenByOther(db: DB, email: string, exceptId: string): Promise<boolean> {
  // The same statement as emailTaken (one of the few that precede any district).
  const rows = await db
    .selectFrom('staff_user')
    .select('id')
    .where('email', '=', email.toLowerCase())
    .execute();
  return rows.some((r) => r.id !== exceptId);
}

/** Whether anyone depends on this therapist: assistants they supervise, current services. */
export async function staffDependents(db: DB, districtId: string, userId: string, today: string) {
  const [assistants, services] = await Promise.all([
    db
      .selectFrom('staff_user')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('district_id', '=', districtId)
      .where('supervisor_id', '=', userId)
      .where('active', '=', 1)
      .executeTakeFirstOrThrow(),
    db
      .selectFrom('service')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('district_id', '=', districtId)
      .where('provider_id', '=', userId)
      .where('end_date', '>=', today)
      .executeTakeFirstOrThrow(),
  ]);
  return { assistants: Number(assistants.n), services: Number(services.n) };
}

/** Schools and classrooms (with teachers) of the district, for the forms' choices. */
export async function listSchoolsAndClassrooms(db: DB, districtId: string) {
  const [schools, classrooms] = await Promise.all([
    db
      .selectFrom('school')
      .select(['id', 'name'])
      .where('district_id', '=', districtId)
      .orderBy('name')
      .orderBy('id')
      .execute(),
    db
      .selectFrom('classroom')
      .leftJoin('staff_user as teacher', (j) =>
        j
          .onRef('teacher.district_id', '=', 'classroom.district_id')
          .onRef('teacher.id', '=', 'classroom.teacher_id'),
      )
      .select([
        'classroom.id',
        'classroom.school_id',
        'classroom.name',
        'classroom.grade',
        'teacher.name as teacher_name',
      ])
      .where('classroom.district_id', '=', districtId)
      .orderBy('classroom.name')
      .orderBy('classroom.id')
      .execute(),
  ]);
  return {
    schools,
    classrooms: classrooms.map((c) => ({
      id: c.id,
      schoolId: c.school_id,
      name: c.name,
      grade: c.grade,
      teacherName: c.teacher_name ?? null,
    })),
  };
}

/** The classroom's school, if it is one of the district's classrooms. */
export async function classroomSchool(db: DB, districtId: string, classroomId: string) {
  const row = await db
    .selectFrom('classroom')
    .select('school_id')
    .where('district_id', '=', districtId)
    .where('id', '=', classroomId)
    .executeTakeFirst();
  return row?.school_id;
}

/** Active therapists of the district (possible providers), with their discipline. */
export async function listProviders(db: DB, districtId: string) {
  return db
    .selectFrom('staff_user')
    .select(['id', 'name', 'discipline'])
    .where('district_id', '=', districtId)
    .where('role', '=', 'therapist')
    .where('active', '=', 1)
    .orderBy('name')
    .orderBy('id')
    .execute();
}

// ── Students ─────────────────────────────────────────────────────────────────────────────────

/** A page of the students `viewer` may see, by last name, first name, id, after `cursor`. */
export async function listStudentsPage(
  db: DB,
  viewer: ScopeViewer,
  today: string,
  filters: {
    search?: string | undefined;
    schoolId?: string | undefined;
    cursor?: readonly [string, string, string] | null | undefined;
    limit: number;
  },
) {
  let q = studentsWithPlaces(db)
    .select([
      'student.id',
      'student.first_name',
      'student.last_name',
      'student.grade',
      'student.school_id',
      'school.name as school_name',
      'student.homeroom_id',
      'classroom.name as homeroom_name',
      'student.iep_annual_review',
    ])
    .where('student.district_id', '=', viewer.districtId)
    .where('student.id', 'in', scopedStudentIds(db, viewer, today));
  if (filters.schoolId) q = q.where('student.school_id', '=', filters.schoolId);
  const search = filters.search?.trim().toLowerCase();
  if (search) {
    const like = `%${search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    q = q.where((eb) =>
      eb.or([
        eb(
          sql`lower(student.first_name || ' ' || student.last_name)`,
          'like',
          sql`${like} escape '\\'`,
        ),
        eb(sql`lower(student.last_name)`, 'like', sql`${like} escape '\\'`),
      ]),
    );
  }
  const cursor = filters.cursor;
  if (cursor) {
    const [last, first, id] = cursor;
    q = q.where((eb) =>
      eb.or([
        eb('student.last_name', '>', last),
        eb.and([eb('student.last_name', '=', last), eb('student.first_name', '>', first)]),
        eb.and([
          eb('student.last_name', '=', last),
          eb('student.first_name', '=', first),
          eb('student.id', '>', id),
        ]),
      ]),
    );
  }
  const rows = await q
    .orderBy('student.last_name')
    .orderBy('student.first_name')
    .orderBy('student.id')
    .limit(filters.limit + 1)
    .execute();
  const page = rows.slice(0, filters.limit);
  const last = page[page.length - 1];
  return {
    students: page.map((r) => ({
      id: r.id,
      firstName: r.first_name,
      lastName: r.last_name,
      grade: r.grade,
      schoolId: r.school_id,
      schoolName: r.school_name,
      homeroomId: r.homeroom_id,
      homeroomName: r.homeroom_name ?? null,
      iepAnnualReview: r.iep_annual_review,
    })),
    nextCursor:
      rows.length > filters.limit && last
        ? ([last.last_name, last.first_name, last.id] as [string, string, string])
        : null,
  };
}

export interface NewStudent {
  districtId: string;
  firstName: string;
  lastName: string;
  dateOfBirth: string;
  grade: string;
  schoolId: string;
  homeroomId: string | null;
  iepStart: string;
  iepAnnualReview: string;
  iepReevaluation: string;
  /** The family's preferred language tag; English when not given. */
  familyLanguage?: string;
  createdAt: string;
  /** An import passes its own (stable) id. */
  id?: string;
}

export async function insertStudent(trx: DB, s: NewStudent): Promise<string> {
  const id = s.id ?? newId();
  await trx
    .insertInto('student')
    .values({
      district_id: s.districtId,
      id,
      first_name: s.firstName,
      last_name: s.lastName,
      date_of_birth: s.dateOfBirth,
      grade: s.grade,
      school_id: s.schoolId,
      homeroom_id: s.homeroomId,
      iep_start: s.iepStart,
      iep_annual_review: s.iepAnnualReview,
      iep_reevaluation: s.iepReevaluation,
      family_language: s.familyLanguage ?? 'en',
      created_at: s.createdAt,
    })
    .execute();
  await bumpDataVersion(trx, s.districtId);
  return id;
}

export async function updateStudentAtVersion(
  trx: DB,
  args: { districtId: string; studentId: string; expectedVersion: number; editor: Editor },
  s: Pick<
    NewStudent,
    | 'firstName'
    | 'lastName'
    | 'dateOfBirth'
    | 'grade'
    | 'iepStart'
    | 'iepAnnualReview'
    | 'iepReevaluation'
    | 'familyLanguage'
  >,
) {
  const saved = await updateAtVersion(
    trx,
    'student',
    { district_id: args.districtId, id: args.studentId },
    args.expectedVersion,
    {
      first_name: s.firstName,
      last_name: s.lastName,
      date_of_birth: s.dateOfBirth,
      grade: s.grade,
      iep_start: s.iepStart,
      iep_annual_review: s.iepAnnualReview,
      iep_reevaluation: s.iepReevaluation,
      // Left out of the edit: the language stays as it was.
      ...(s.familyLanguage === undefined ? {} : { family_language: s.familyLanguage }),
    },
    args.editor,
  );
  if (saved.changed.length > 0) await bumpDataVersion(trx, args.districtId);
  return saved;
}

/** The student as the edit form loads them, their services (with provider) and transfers. */
export async function loadStudentForEdit(db: DB, districtId: string, studentId: string) {
  const student = await studentsWithPlaces(db)
    .select([
      'student.id',
      'student.first_name',
      'student.last_name',
      'student.date_of_birth',
      'student.grade',
      'student.school_id',
      'school.name as school_name',
      'student.homeroom_id',
      'classroom.name as homeroom_name',
      'student.iep_start',
      'student.iep_annual_review',
      'student.iep_reevaluation',
      'student.family_language',
      'student.version',
    ])
    .where('student.district_id', '=', districtId)
    .where('student.id', '=', studentId)
    .executeTakeFirst();
  if (!student) return undefined;
  const [services, transfers] = await Promise.all([
    db
      .selectFrom('service')
      .leftJoin('staff_user as provider', (j) =>
        j
          .onRef('provider.district_id', '=', 'service.district_id')
          .onRef('provider.id', '=', 'service.provider_id'),
      )
      .select([
        'service.id',
        'service.discipline',
        'service.provider_id',
        'provider.name as provider_name',
        'service.minutes',
        'service.per',
        'service.model',
        'service.start_date',
        'service.end_date',
        'service.version',
      ])
      .where('service.district_id', '=', districtId)
      .where('service.student_id', '=', studentId)
      .orderBy('service.start_date')
      .orderBy('service.id')
      .execute(),
    db
      .selectFrom('student_transfer as t')
      .innerJoin('school as from_school', (j) =>
        j
          .onRef('from_school.district_id', '=', 't.district_id')
          .onRef('from_school.id', '=', 't.from_school_id'),
      )
      .innerJoin('school as to_school', (j) =>
        j
          .onRef('to_school.district_id', '=', 't.district_id')
          .onRef('to_school.id', '=', 't.to_school_id'),
      )
      .leftJoin('staff_user as by', (j) =>
        j.onRef('by.district_id', '=', 't.district_id').onRef('by.id', '=', 't.created_by'),
      )
      .select([
        't.id',
        't.effective_on',
        'from_school.name as from_school_name',
        'to_school.name as to_school_name',
        't.from_homeroom_id',
        't.to_homeroom_id',
        't.reason',
        'by.name as by_name',
      ])
      .where('t.district_id', '=', districtId)
      .where('t.student_id', '=', studentId)
      .orderBy('t.effective_on')
      .orderBy('t.created_at')
      .execute(),
  ]);
  return {
    id: student.id,
    firstName: student.first_name,
    lastName: student.last_name,
    dateOfBirth: student.date_of_birth,
    grade: student.grade,
    schoolId: student.school_id,
    schoolName: student.school_name,
    homeroomId: student.homeroom_id,
    homeroomName: student.homeroom_name ?? null,
    iepStart: student.iep_start,
    iepAnnualReview: student.iep_annual_review,
    iepReevaluation: student.iep_reevaluation,
    familyLanguage: student.family_language ?? 'en',
    version: Number(student.version),
    services: services.map((s) => ({
      id: s.id,
      discipline: s.discipline,
      providerId: s.provider_id,
      providerName: s.provider_name ?? null,
      minutes: Number(s.minutes),
      per: s.per,
      model: s.model,
      startDate: s.start_date,
      endDate: s.end_date,
      version: Number(s.version),
    })),
    transfers: transfers.map((t) => ({
      id: t.id,
      effectiveOn: t.effective_on,
      fromSchoolName: t.from_school_name,
      toSchoolName: t.to_school_name,
      fromHomeroomId: t.from_homeroom_id,
      toHomeroomId: t.to_homeroom_id,
      reason: t.reason,
      byName: t.by_name ?? null,
    })),
  };
}

// ── Services ─────────────────────────────────────────────────────────────────────────────────

export interface ServiceValues {
  discipline: string;
  providerId: string | null;
  minutes: number;
  per: 'week' | 'month';
  model: string;
  startDate: string;
  endDate: string;
}

export async function insertService(
  trx: DB,
  args: { districtId: string; studentId: string; id?: string },
  v: ServiceValues,
): Promise<string> {
  const id = args.id ?? newId();
  await trx
    .insertInto('service')
    .values({
      district_id: args.districtId,
      id,
      student_id: args.studentId,
      discipline: v.discipline,
      provider_id: v.providerId,
      minutes: v.minutes,
      per: v.per,
      model: v.model,
      start_date: v.startDate,
      end_date: v.endDate,
    })
    .execute();
  await bumpDataVersion(trx, args.districtId);
  return id;
}

/** A service's student and dates, for the scope check and the exit's date rules. */
export async function findService(db: DB, districtId: string, serviceId: string) {
  return db
    .selectFrom('service')
    .select(['id', 'student_id', 'discipline', 'provider_id', 'start_date', 'end_date', 'version'])
    .where('district_id', '=', districtId)
    .where('id', '=', serviceId)
    .executeTakeFirst();
}

export async function updateServiceAtVersion(
  trx: DB,
  args: { districtId: string; serviceId: string; expectedVersion: number; editor: Editor },
  v: ServiceValues,
) {
  const saved = await updateAtVersion(
    trx,
    'service',
    { district_id: args.districtId, id: args.serviceId },
    args.expectedVersion,
    {
      discipline: v.discipline,
      provider_id: v.providerId,
      minutes: v.minutes,
      per: v.per,
      model: v.model,
      start_date: v.startDate,
      end_date: v.endDate,
    },
    args.editor,
  );
  if (saved.changed.length > 0) await bumpDataVersion(trx, args.districtId);
  return saved;
}

/** Current and upcoming services without a provider, of the students `viewer` may see. */
export async function servicesNeedingProvider(db: DB, viewer: ScopeViewer, today: string) {
  const rows = await db
    .selectFrom('service')
    .innerJoin('student', (j) =>
      j
        .onRef('student.district_id', '=', 'service.district_id')
        .onRef('student.id', '=', 'service.student_id'),
    )
    .innerJoin('school', (j) =>
      j
        .onRef('school.district_id', '=', 'student.district_id')
        .onRef('school.id', '=', 'student.school_id'),
    )
    .select([
      'service.id',
      'service.student_id',
      'student.first_name',
      'student.last_name',
      'school.name as school_name',
      'service.discipline',
      'service.minutes',
      'service.per',
      'service.model',
      'service.start_date',
      'service.end_date',
      'service.version',
    ])
    .where('service.district_id', '=', viewer.districtId)
    .where('student.district_id', '=', viewer.districtId)
    .where('school.district_id', '=', viewer.districtId)
    .where('service.provider_id', 'is', null)
    .where('service.end_date', '>=', today)
    .where('service.student_id', 'in', scopedStudentIds(db, viewer, today))
    .orderBy('service.start_date')
    .orderBy('service.id')
    .limit(500)
    .execute();
  return rows.map((r) => ({
    serviceId: r.id,
    studentId: r.student_id,
    studentName: `${r.first_name} ${r.last_name}`,
    schoolName: r.school_name,
    discipline: r.discipline,
    minutes: Number(r.minutes),
    per: r.per,
    model: r.model,
    startDate: r.start_date,
    endDate: r.end_date,
    version: Number(r.version),
  }));
}

// ── Transfers and exits ──────────────────────────────────────────────────────────────────────

export class MoveRefused extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'MoveRefused';
  }
}

export interface MoveActor {
  districtId: string;
  /** Who moves the student (null for a system import), and the audit action (procedure path). */
  actorId: string | null;
  action: string;
  /** ISO instant of the write. */
  at: string;
}

/**
 * Moves a student to another school and/or homeroom from `effectiveOn` (their first day there).
 * All history stays with the student (sessions, goals, notes, reports are the student's rows).
 * On a change of school, every service still running on `effectiveOn` ends the day before with
 * its provider, and the same mandate continues from `effectiveOn` with no provider, on the
 * receiving coordinator's "Needs a provider" list; the student's goals follow the continuing
 * service, and assistant assignments end. So the former therapist's scope (a service of theirs
 * not ended before today) lets go from the transfer date, and the receiving school's team sees
 * the student (coordinators by school, teachers by homeroom, therapists once assigned).
 * Writes one transfer row and one audit event naming the student; throws MoveRefused for a
 * move that cannot be made. Runs in the caller's transaction, or its own.
 */
export async function transferStudent(
  db: DB,
  actor: MoveActor,
  move: {
    studentId: string;
    toSchoolId: string;
    toHomeroomId: string | null;
    effectiveOn: string;
    reason: string;
  },
): Promise<{ transferId: string; endedServices: string[]; continuedServices: string[] }> {
  if (!db.isTransaction)
    return db.transaction().execute((trx) => transferStudent(trx, actor, move));
  const d = actor.districtId;
  const student = await db
    .selectFrom('student')
    .select(['school_id', 'homeroom_id'])
    .where('district_id', '=', d)
    .where('id', '=', move.studentId)
    .executeTakeFirst();
  if (!student) throw new MoveRefused('studentId', 'Student not found');
  const school = await db
    .selectFrom('school')
    .select('id')
    .where('district_id', '=', d)
    .where('id', '=', move.toSchoolId)
    .executeTakeFirst();
  if (!school) throw new MoveRefused('toSchoolId', 'Choose a school of your district');
  if (move.toHomeroomId !== null) {
    const homeroomSchool = await classroomSchool(db, d, move.toHomeroomId);
    if (homeroomSchool !== move.toSchoolId)
      throw new MoveRefused('toHomeroomId', 'Choose a homeroom of the receiving school');
  }
  const schoolChanges = student.school_id !== move.toSchoolId;
  if (!schoolChanges && student.homeroom_id === move.toHomeroomId)
    throw new MoveRefused('toSchoolId', 'The student is already in this school and homeroom');

  const transferId = newId();
  await db
    .insertInto('student_transfer')
    .values({
      district_id: d,
      id: transferId,
      student_id: move.studentId,
      effective_on: move.effectiveOn,
      from_school_id: student.school_id,
      to_school_id: move.toSchoolId,
      from_homeroom_id: student.homeroom_id,
      to_homeroom_id: move.toHomeroomId,
      reason: move.reason,
      created_by: actor.actorId,
      created_at: actor.at,
    })
    .execute();
  const editor = { by: actor.actorId ?? '', at: actor.at };
  await db
    .updateTable('student')
    .set({
      school_id: move.toSchoolId,
      homeroom_id: move.toHomeroomId,
      ...nextVersion(editor, schoolChanges ? ['school_id', 'homeroom_id'] : ['homeroom_id']),
      updated_by: actor.actorId,
    })
    .where('district_id', '=', d)
    .where('id', '=', move.studentId)
    .execute();

  const endedServices: string[] = [];
  const continuedServices: string[] = [];
  if (schoolChanges) {
    const running = await db
      .selectFrom('service')
      .selectAll()
      .where('district_id', '=', d)
      .where('student_id', '=', move.studentId)
      .where('end_date', '>=', move.effectiveOn)
      .where('provider_id', 'is not', null)
      .orderBy('id')
      .execute();
    const dayBefore = addDays(move.effectiveOn, -1);
    for (const s of running) {
      if (s.start_date >= move.effectiveOn) {
        // Not begun yet: the mandate moves as it is, waiting for a provider there.
        await db
          .updateTable('service')
          .set({
            provider_id: null,
            ...nextVersion(editor, ['provider_id']),
            updated_by: actor.actorId,
          })
          .where('district_id', '=', d)
          .where('id', '=', s.id)
          .execute();
        continuedServices.push(s.id);
        continue;
      }
      await db
        .updateTable('service')
        .set({
          end_date: dayBefore,
          ...nextVersion(editor, ['end_date']),
          updated_by: actor.actorId,
        })
        .where('district_id', '=', d)
        .where('id', '=', s.id)
        .execute();
      endedServices.push(s.id);
      const next = await insertService(
        db,
        { districtId: d, studentId: move.studentId },
        {
          discipline: s.discipline,
          providerId: null,
          minutes: Number(s.minutes),
          per: s.per,
          model: s.model,
          startDate: move.effectiveOn,
          endDate: s.end_date,
        },
      );
      continuedServices.push(next);
      const splits = await db
        .selectFrom('service_model_minutes')
        .select(['model', 'minutes'])
        .where('district_id', '=', d)
        .where('service_id', '=', s.id)
        .execute();
      if (splits.length > 0)
        await db
          .insertInto('service_model_minutes')
          .values(
            splits.map((m) => ({
              district_id: d,
              service_id: next,
              model: m.model,
              minutes: m.minutes,
            })),
          )
          .execute();
      // The goals carry on under the continuing mandate; their data stay where they are.
      await db
        .updateTable('goal')
        .set({
          service_id: next,
          ...nextVersion(editor, ['service_id']),
          updated_by: actor.actorId,
        })
        .where('district_id', '=', d)
        .where('service_id', '=', s.id)
        .where('phase', 'not in', ['discontinued', 'mastered'])
        .execute();
      // Their minutes per week now come from the continuing service (Outcomes digests).
      await refreshComparisonDigestsOfServices(db, d, [next]);
    }
    await db
      .deleteFrom('assistant_assignment')
      .where('district_id', '=', d)
      .where('student_id', '=', move.studentId)
      .execute();
  }
  await bumpDataVersion(db, d);
  await recordAuditMany(db, [
    {
      districtId: d,
      actorId: actor.actorId,
      action: actor.action,
      entity: 'student_transfer',
      entityId: transferId,
      studentId: move.studentId,
      outcome: 'ok',
      at: actor.at,
    },
  ]);
  return { transferId, endedServices, continuedServices };
}

/**
 * Exits a student from a service: its last day is the day before `exitOn`, with its provider
 * (whose scope lets go from `exitOn` unless another service of theirs continues). History stays.
 * One audit event names the student. Throws MoveRefused for an exit that cannot be made.
 */
export async function exitService(
  db: DB,
  actor: MoveActor,
  exit: { serviceId: string; exitOn: string; reason: string },
): Promise<{ studentId: string; endDate: string }> {
  if (!db.isTransaction) return db.transaction().execute((trx) => exitService(trx, actor, exit));
  const d = actor.districtId;
  const s = await findService(db, d, exit.serviceId);
  if (!s) throw new MoveRefused('serviceId', 'Service not found');
  if (exit.exitOn <= s.start_date)
    throw new MoveRefused('exitOn', `Exit after the service starts (${s.start_date})`);
  if (exit.exitOn > s.end_date)
    throw new MoveRefused('exitOn', `The service already ends on ${s.end_date}`);
  const endDate = addDays(exit.exitOn, -1);
  await db
    .updateTable('service')
    .set({
      end_date: endDate,
      ...nextVersion({ by: actor.actorId ?? '', at: actor.at }, ['end_date']),
      updated_by: actor.actorId,
    })
    .where('district_id', '=', d)
    .where('id', '=', exit.serviceId)
    .execute();
  await bumpDataVersion(db, d);
  await recordAuditMany(db, [
    {
      districtId: d,
      actorId: actor.actorId,
      action: actor.action,
      entity: 'service',
      entityId: exit.serviceId,
      studentId: s.student_id,
      outcome: 'ok',
      at: actor.at,
    },
  ]);
  return { studentId: s.student_id, endDate };
}

/** The schools a staff member serves or oversees (a coordinator's: where they may add students). */
export async function staffSchoolIds(
  db: DB,
  districtId: string,
  staffId: string,
): Promise<string[]> {
  const rows = await db
    .selectFrom('staff_school')
    .select('school_id')
    .where('district_id', '=', districtId)
    .where('staff_id', '=', staffId)
    .execute();
  return rows.map((r) => r.school_id);
}
