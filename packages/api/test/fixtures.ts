import {
  type Connection,
  type DB,
  fillMissingGoalSummaries,
  rebuildFidelitySummaries,
} from '@carryover/db';
import type { TestTarget } from '@carryover/db/testing';
import type { SessionLogInput } from '@carryover/domain';
import { hashPassword, SCRYPT_MIN_N } from '../src/auth/password';
import { appRouter } from '../src/root';
import { createCallerFactory, createContextInner, type Logger } from '../src/trpc';

// A small, hand-made world for the API tests (independent of the demo generator): district A
// with two schools and one person per role, and a second district B that must stay invisible.
//
// The clock is fixed at Wednesday 2026-03-11 (ISO week 2026-03-09 … 2026-03-15).

export const TODAY = '2026-03-11';
export const NOW = new Date('2026-03-11T15:00:00.000Z');
export const PASSWORD = 'correct horse battery staple';

/** A fresh, migrated database for one suite (see @carryover/db/testing). */
export function openTestDb(
  target: TestTarget,
  options?: Parameters<TestTarget['open']>[0],
): Promise<Connection> {
  return target.open(options);
}

/**
 * A test database that keeps the SQL text of every statement it runs, in order, in `statements`
 * (clear it before the call a test looks at).
 */
export async function openCapturingTestDb(
  target: TestTarget,
): Promise<{ conn: Connection; statements: string[] }> {
  const statements: string[] = [];
  const conn = await target.open({
    log: (event) => {
      if (event.level === 'query') statements.push(event.query.sql);
    },
  });
  return { conn, statements };
}

let passwordHash: Promise<string> | undefined;
/**
 * The fixture users' password hash, made once per file at scrypt's lowest accepted cost
 * (N = 2^10: 3 ms a check here, against 220 ms at the real N = 2^15). A sign-in reads the cost
 * from the stored hash, as for a hash made before the cost was raised, so every test still signs
 * in through the real check. At the real cost, sign-ins were most of some files' time
 * (caseload.test.ts: 63 of them, about 14 of its 19.6 s). Tests of hashing itself use
 * `hashPassword` at its default cost.
 */
export const fixturePasswordHash = () => {
  passwordHash ??= hashPassword(PASSWORD, { N: SCRYPT_MIN_N });
  return passwordHash;
};

/** Ids are opaque on purpose: tests check that no student name ever appears in a URL. */
export const A = {
  district: 'dA',
  schools: { north: 'schN', south: 'schS' },
  staff: {
    slp: 'u-slp',
    ot: 'u-ot',
    slpa: 'u-slpa',
    teacher: 'u-teacher',
    coordinator: 'u-coord',
    admin: 'u-admin',
  },
  classrooms: { north2: 'cls-n2', south3: 'cls-s3' },
  routines: { writing: 'rt-writing', arrival: 'rt-arrival' },
  students: { ava: 'stu-101', ben: 'stu-102', cara: 'stu-103', dev: 'stu-104' },
  services: {
    avaSlp: 'svc-1',
    avaOt: 'svc-2',
    benSlpEnded: 'svc-3',
    benOt: 'svc-4',
    caraSlp: 'svc-5',
  },
  goals: {
    avaArtic: 'goal-1',
    avaHandwriting: 'goal-2',
    benFineMotor: 'goal-3',
    caraLanguage: 'goal-4',
  },
} as const;

export const B = {
  district: 'dB',
  school: 'schB',
  therapist: 'u-b-slp',
  student: 'stu-901',
  service: 'sv-b',
} as const;

export const emails = {
  slp: 'slp@a.test',
  ot: 'ot@a.test',
  slpa: 'slpa@a.test',
  teacher: 'teacher@a.test',
  coordinator: 'coordinator@a.test',
  admin: 'admin@a.test',
  otherDistrict: 'slp@b.test',
} as const;

/** Student names, so tests can check they never leak into URLs or logs. */
export const studentNames = [
  ['Ava', 'Lopez'],
  ['Ben', 'Okafor'],
  ['Cara', 'Singh'],
  ['Dev', 'Patel'],
  ['Zed', 'Brown'],
] as const;

const settings = JSON.stringify({
  schoolYearStart: '2025-08-18',
  schoolYearEnd: '2026-06-05',
  studentAbsenceOwed: 'unexcused_only',
  timezone: 'America/Chicago',
  // Two-step sign-in is tested on its own (mfa.test.ts, with the default policy); here every
  // role signs in with its password alone, so the other suites need no authenticator.
  mfaRequiredRoles: [],
});
const created = '2025-08-01T00:00:00.000Z';

export async function buildFixture(db: DB): Promise<void> {
  const hash = await fixturePasswordHash();
  const d = A.district;

  await db
    .insertInto('district')
    .values([
      { id: d, name: 'Riverside Unified', settings, created_at: created },
      { id: B.district, name: 'Hillcrest', settings, created_at: created },
    ])
    .execute();
  await db
    .insertInto('school')
    .values([
      { district_id: d, id: A.schools.north, name: 'North Elementary' },
      { district_id: d, id: A.schools.south, name: 'South Elementary' },
      { district_id: B.district, id: B.school, name: 'Hillcrest Primary' },
    ])
    .execute();

  const staff = (
    id: string,
    name: string,
    email: string,
    role: string,
    discipline: string | null,
    district: string = d,
  ) => ({
    district_id: district,
    id,
    name,
    email,
    role,
    discipline,
    supervisor_id: null,
    password_hash: hash,
    active: 1 as const,
    created_at: created,
  });
  await db
    .insertInto('staff_user')
    .values([
      staff(A.staff.slp, 'Sam Speech', emails.slp, 'therapist', 'SLP'),
      staff(A.staff.ot, 'Olive Occupational', emails.ot, 'therapist', 'OT'),
      staff(A.staff.teacher, 'Tara Teacher', emails.teacher, 'teacher', null),
      staff(A.staff.coordinator, 'Cody Coordinator', emails.coordinator, 'coordinator', null),
      staff(A.staff.admin, 'Ada Admin', emails.admin, 'admin', null),
      staff(B.therapist, 'Bea Other', emails.otherDistrict, 'therapist', 'SLP', B.district),
    ])
    .execute();
  await db
    .insertInto('staff_user')
    .values({
      ...staff(A.staff.slpa, 'Sol Assistant', emails.slpa, 'assistant', 'SLP'),
      supervisor_id: A.staff.slp,
    })
    .execute();
  await db
    .insertInto('staff_school')
    .values([
      { district_id: d, staff_id: A.staff.slp, school_id: A.schools.north },
      { district_id: d, staff_id: A.staff.slp, school_id: A.schools.south },
      { district_id: d, staff_id: A.staff.ot, school_id: A.schools.north },
      { district_id: d, staff_id: A.staff.coordinator, school_id: A.schools.south },
    ])
    .execute();
  await db
    .insertInto('classroom')
    .values([
      {
        district_id: d,
        id: A.classrooms.north2,
        school_id: A.schools.north,
        teacher_id: A.staff.teacher,
        grade: '2',
        name: 'Room 12',
      },
      {
        district_id: d,
        id: A.classrooms.south3,
        school_id: A.schools.south,
        teacher_id: null,
        grade: '3',
        name: 'Room 3B',
      },
    ])
    .execute();
  await db
    .insertInto('routine')
    .values([
      {
        district_id: d,
        id: A.routines.arrival,
        classroom_id: A.classrooms.north2,
        name: 'arrival',
        weekdays: '1,2,3,4,5',
        start_time: '08:00',
        end_time: '08:20',
      },
      {
        district_id: d,
        id: A.routines.writing,
        classroom_id: A.classrooms.north2,
        name: 'writing',
        weekdays: '1,2,3,4,5',
        start_time: '10:00',
        end_time: '10:45',
      },
    ])
    .execute();

  const student = (
    id: string,
    first: string,
    last: string,
    school: string,
    homeroom: string | null,
    grade: string,
    district: string = d,
  ) => ({
    district_id: district,
    id,
    first_name: first,
    last_name: last,
    date_of_birth: '2018-04-02',
    grade,
    school_id: school,
    homeroom_id: homeroom,
    iep_start: '2025-09-15',
    iep_annual_review: '2026-09-14',
    iep_reevaluation: '2027-09-14',
    created_at: created,
  });
  await db
    .insertInto('student')
    .values([
      {
        ...student(A.students.ava, 'Ava', 'Lopez', A.schools.north, A.classrooms.north2, '2'),
        iep_annual_review: '2026-04-20',
      },
      student(A.students.ben, 'Ben', 'Okafor', A.schools.north, A.classrooms.north2, '2'),
      {
        ...student(A.students.cara, 'Cara', 'Singh', A.schools.south, A.classrooms.south3, '3'),
        // Annual review already past: the next IEP event is the re-evaluation.
        iep_annual_review: '2026-02-01',
        iep_reevaluation: '2026-05-05',
      },
      student(A.students.dev, 'Dev', 'Patel', A.schools.south, null, '3'),
      student(B.student, 'Zed', 'Brown', B.school, null, '1', B.district),
    ])
    .execute();

  const service = (
    id: string,
    studentId: string,
    discipline: string,
    provider: string,
    minutes: number,
    per: 'week' | 'month',
    model: string,
    start = '2025-09-15',
    end = '2026-09-14',
    district: string = d,
  ) => ({
    district_id: district,
    id,
    student_id: studentId,
    discipline,
    provider_id: provider,
    minutes,
    per,
    model,
    start_date: start,
    end_date: end,
  });
  await db
    .insertInto('service')
    .values([
      service(A.services.avaSlp, A.students.ava, 'SLP', A.staff.slp, 60, 'week', 'split'),
      service(A.services.avaOt, A.students.ava, 'OT', A.staff.ot, 120, 'month', 'pull_out'),
      // Ended before today: Ben is no longer on the SLP's caseload.
      service(
        A.services.benSlpEnded,
        A.students.ben,
        'SLP',
        A.staff.slp,
        30,
        'week',
        'pull_out',
        '2024-09-01',
        '2025-06-01',
      ),
      service(A.services.benOt, A.students.ben, 'OT', A.staff.ot, 30, 'week', 'push_in'),
      service(A.services.caraSlp, A.students.cara, 'SLP', A.staff.slp, 45, 'week', 'pull_out'),
      service(
        B.service,
        B.student,
        'SLP',
        B.therapist,
        30,
        'week',
        'pull_out',
        undefined,
        undefined,
        B.district,
      ),
    ])
    .execute();
  await db
    .insertInto('service_model_minutes')
    .values([
      { district_id: d, service_id: A.services.avaSlp, model: 'push_in', minutes: 30 },
      { district_id: d, service_id: A.services.avaSlp, model: 'pull_out', minutes: 30 },
    ])
    .execute();
  await db
    .insertInto('assistant_assignment')
    .values({ district_id: d, assistant_id: A.staff.slpa, student_id: A.students.cara })
    .execute();

  const goal = (
    id: string,
    studentId: string,
    serviceId: string,
    discipline: string,
    domain: string,
    measurement: string,
    baseline: number,
    target: number,
    phase = 'intervention',
    model = 'pull_out',
  ) => ({
    district_id: d,
    id,
    student_id: studentId,
    service_id: serviceId,
    discipline,
    domain,
    text: `${domain} goal`,
    measurement_type: measurement,
    baseline,
    target,
    direction: 'up' as const,
    rubric_max: measurement === 'rubric' ? 4 : null,
    mastery_rule: JSON.stringify({
      consecutiveSessions: 3,
      minSettings: 2,
      requireClassroom: true,
    }),
    start_date: '2025-09-01',
    target_date: '2026-06-01',
    phase,
    current_model: model,
    created_at: created,
  });
  await db
    .insertInto('goal')
    .values([
      goal(
        A.goals.avaArtic,
        A.students.ava,
        A.services.avaSlp,
        'SLP',
        'articulation',
        'percent',
        20,
        80,
        'intervention',
        'push_in',
      ),
      goal(
        A.goals.avaHandwriting,
        A.students.ava,
        A.services.avaOt,
        'OT',
        'handwriting',
        'rubric',
        1,
        4,
      ),
      goal(
        A.goals.benFineMotor,
        A.students.ben,
        A.services.benOt,
        'OT',
        'fine_motor',
        'percent',
        10,
        90,
      ),
      goal(
        A.goals.caraLanguage,
        A.students.cara,
        A.services.caraSlp,
        'SLP',
        'expressive_language',
        'percent',
        30,
        80,
        'mastered',
      ),
    ])
    .execute();
  await db
    .insertInto('goal_routine')
    .values({ district_id: d, goal_id: A.goals.avaArtic, routine_id: A.routines.writing })
    .execute();
  await db
    .insertInto('goal_phase_change')
    .values({
      district_id: d,
      id: 'pc-1',
      goal_id: A.goals.caraLanguage,
      phase: 'mastered',
      changed_on: '2026-02-20',
      changed_by: A.staff.slp,
    })
    .execute();
  await db
    .insertInto('model_change')
    .values({
      district_id: d,
      id: 'mc-1',
      goal_id: A.goals.avaArtic,
      service_id: null,
      from_model: 'pull_out',
      to_model: 'push_in',
      changed_on: '2026-01-12',
      reason: 'Carry the sounds into writing time',
      changed_by: A.staff.slp,
      created_at: created,
    })
    .execute();

  // Sessions: three this week count (two for Ava's SLP, one OT group); the rest must not.
  const session = (
    id: string,
    date: string,
    provider: string,
    minutes: number,
    model: string,
    setting: string,
  ) => ({
    district_id: d,
    id,
    session_date: date,
    start_time: '09:00',
    end_time: '09:30',
    minutes,
    provider_id: provider,
    model,
    setting,
    routine_id: null,
    collaboration_mode: null,
    group_size: 1,
    idempotency_key: null,
    created_by: provider,
    cosigned_by: null,
    cosigned_at: null,
    created_at: created,
  });
  await db
    .insertInto('therapy_session')
    .values([
      session('ses-1', '2026-03-09', A.staff.slp, 30, 'push_in', 'classroom'),
      session('ses-2', '2026-03-10', A.staff.slp, 30, 'pull_out', 'therapy_room'),
      session('ses-3', '2026-03-11', A.staff.ot, 25, 'pull_out', 'therapy_room'),
      session('ses-4', '2026-03-05', A.staff.slp, 30, 'pull_out', 'therapy_room'),
      session('ses-5', '2026-03-12', A.staff.ot, 30, 'push_in', 'classroom'),
    ])
    .execute();
  const attend = (sessionId: string, studentId: string, serviceId: string, attendance: string) => ({
    district_id: d,
    session_id: sessionId,
    student_id: studentId,
    service_id: serviceId,
    attendance,
    note: '',
    signed_at: null,
    signed_by: null,
  });
  await db
    .insertInto('session_student')
    .values([
      attend('ses-1', A.students.ava, A.services.avaSlp, 'delivered'),
      attend('ses-1', A.students.cara, A.services.caraSlp, 'student_absent_excused'),
      attend('ses-2', A.students.ava, A.services.avaSlp, 'makeup'),
      attend('ses-3', A.students.ava, A.services.avaOt, 'delivered'),
      attend('ses-3', A.students.ben, A.services.benOt, 'delivered'),
      attend('ses-4', A.students.ava, A.services.avaSlp, 'delivered'),
      attend('ses-5', A.students.ben, A.services.benOt, 'provider_absent'),
    ])
    .execute();

  let n = 0;
  const percentObs = (
    studentId: string,
    goalId: string,
    date: string,
    correct: number,
    setting = 'therapy_room',
    model = 'pull_out',
  ) => ({
    district_id: d,
    id: `obs-${++n}`,
    session_id: null,
    student_id: studentId,
    goal_id: goalId,
    observed_on: date,
    setting,
    model,
    trials_correct: correct,
    trials_prompted: 0,
    trials_incorrect: 20 - correct,
    prompt_level: null,
    count: null,
    seconds: null,
    rubric_score: null,
    recorded_by: A.staff.slp,
    recorder_role: 'therapist',
    created_at: created,
  });
  await db
    .insertInto('observation')
    .values([
      // Ava: 65 %, 70 %, 75 % — above the aim line, short of the 80 % criterion → on track.
      percentObs(A.students.ava, A.goals.avaArtic, '2026-03-02', 13),
      percentObs(A.students.ava, A.goals.avaArtic, '2026-03-05', 14, 'classroom', 'push_in'),
      percentObs(A.students.ava, A.goals.avaArtic, '2026-03-09', 15, 'classroom', 'push_in'),
      // Ben: stuck near baseline for four weeks → at risk.
      percentObs(A.students.ben, A.goals.benFineMotor, '2026-02-02', 2),
      percentObs(A.students.ben, A.goals.benFineMotor, '2026-02-09', 3),
      percentObs(A.students.ben, A.goals.benFineMotor, '2026-02-16', 2),
      percentObs(A.students.ben, A.goals.benFineMotor, '2026-02-23', 3),
      // Cara: goal already marked mastered by the team.
      percentObs(A.students.cara, A.goals.caraLanguage, '2026-02-18', 17),
    ])
    .execute();
  // Rows written directly, as a bulk load writes them: their goals' summaries are built here.
  await fillMissingGoalSummaries(db);
}

/** Expected caseload scope per role (student ids), from the rules in docs/domain.md. */
export const expectedScope = {
  [emails.slp]: [A.students.ava, A.students.cara],
  [emails.ot]: [A.students.ava, A.students.ben],
  [emails.slpa]: [A.students.cara],
  [emails.teacher]: [A.students.ava, A.students.ben],
  [emails.coordinator]: [A.students.cara, A.students.dev],
  [emails.admin]: [A.students.ava, A.students.ben, A.students.cara, A.students.dev],
  [emails.otherDistrict]: [B.student],
} as const;

export const silentLogger: Logger & { lines: string[] } = {
  lines: [],
  info(line) {
    this.lines.push(line);
  },
  warn(line) {
    this.lines.push(line);
  },
  error(line) {
    this.lines.push(line);
  },
};

export const createCaller = createCallerFactory(appRouter);

export interface TestSession {
  caller: ReturnType<typeof createCaller>;
  /** Cookie writes made during this context's lifetime (`devices`: device cookie tokens). */
  cookies: { set: { token: string; maxAgeSeconds: number }[]; cleared: number; devices: string[] };
}

/** A caller as one request would get it, optionally with a session token and a clock. */
export async function callerFor(
  conn: Connection,
  options: {
    token?: string | null;
    now?: () => Date;
    ip?: string;
    db?: DB;
    deviceToken?: string | null;
    userAgent?: string;
  } = {},
): Promise<TestSession> {
  const cookies: TestSession['cookies'] = { set: [], cleared: 0, devices: [] };
  const ctx = await createContextInner({
    db: options.db ?? conn.db,
    dialect: conn.dialect,
    sessionToken: options.token ?? null,
    ip: options.ip ?? '203.0.113.7',
    now: options.now ?? (() => NOW),
    setCookie: (token, maxAgeSeconds) => cookies.set.push({ token, maxAgeSeconds }),
    clearCookie: () => {
      cookies.cleared += 1;
    },
    deviceToken: options.deviceToken ?? null,
    setDeviceCookie: (token) => cookies.devices.push(token),
    userAgent: options.userAgent ?? 'vitest',
    log: silentLogger,
  });
  return { caller: createCaller(ctx), cookies };
}

/** Signs in and returns the session token the cookie would carry. */
export async function signIn(
  conn: Connection,
  email: string,
  options: { now?: () => Date; ip?: string } = {},
): Promise<string> {
  const { caller, cookies } = await callerFor(conn, options);
  await caller.auth.signIn({ email, password: PASSWORD });
  const token = cookies.set.at(-1)?.token;
  if (!token) throw new Error('sign-in set no cookie');
  return token;
}

/** A caller signed in as `email`. */
export async function as(
  conn: Connection,
  email: string,
  options: { now?: () => Date; db?: DB } = {},
): Promise<TestSession['caller']> {
  const token = await signIn(conn, email, options);
  return (await callerFor(conn, { ...options, token })).caller;
}

/**
 * A pull-out session in the therapy room on Tuesday 2026-03-10, 10:00–10:30, for `students`;
 * `overrides` change any field. The tests that log sessions start from it.
 */
export function sessionInput(
  idempotencyKey: string,
  students: SessionLogInput['students'],
  overrides: Partial<SessionLogInput> = {},
): SessionLogInput {
  return {
    idempotencyKey,
    date: '2026-03-10',
    startTime: '10:00',
    endTime: '10:30',
    model: 'pull_out',
    setting: 'therapy_room',
    students,
    ...overrides,
  };
}

/** Reporting periods for district A (the fixture clock, 2026-03-11, falls in Q3). */
export const PERIODS = {
  q2: { id: 'rp-q2', name: 'Q2 2025–26', starts_on: '2025-11-01', ends_on: '2026-01-19' },
  q3: { id: 'rp-q3', name: 'Q3 2025–26', starts_on: '2026-01-20', ends_on: '2026-03-31' },
} as const;

/**
 * Adds PERIODS to district A (and one to district B, which must stay invisible), then builds both
 * districts' fidelity summaries, as a change of reporting periods must.
 */
export async function addReportingPeriods(db: DB): Promise<void> {
  await db
    .insertInto('reporting_period')
    .values([
      { district_id: A.district, ...PERIODS.q2 },
      { district_id: A.district, ...PERIODS.q3 },
      {
        district_id: B.district,
        id: 'rp-b',
        name: 'B Q3',
        starts_on: '2026-01-20',
        ends_on: '2026-03-31',
      },
    ])
    .execute();
  await rebuildFidelitySummaries(db, A.district);
  await rebuildFidelitySummaries(db, B.district);
}

/**
 * Audited reads one student at a time, as the trail records them: an event about one student,
 * or one row per student a read of many listed (in the order listed). Oldest first.
 */
export async function auditedStudents(
  db: DB,
  where: { actorId?: string; action?: string; districtId?: string } = {},
): Promise<{ seq: number; student_id: string | null; action: string; outcome: string }[]> {
  let events = db
    .selectFrom('audit_event')
    .leftJoin('audit_event_student', (j) =>
      j
        .onRef('audit_event_student.district_id', '=', 'audit_event.district_id')
        .onRef('audit_event_student.seq', '=', 'audit_event.seq'),
    )
    .select([
      'audit_event.seq',
      'audit_event.action',
      'audit_event.outcome',
      (eb) =>
        eb.fn.coalesce('audit_event_student.student_id', 'audit_event.student_id').as('student_id'),
    ]);
  if (where.actorId) events = events.where('audit_event.actor_id', '=', where.actorId);
  if (where.action) events = events.where('audit_event.action', '=', where.action);
  if (where.districtId) events = events.where('audit_event.district_id', '=', where.districtId);
  const rows = await events
    .orderBy('audit_event.district_id')
    .orderBy('audit_event.seq')
    .orderBy('audit_event_student.position')
    .execute();
  return rows.map((r) => ({ ...r, seq: Number(r.seq) }));
}
