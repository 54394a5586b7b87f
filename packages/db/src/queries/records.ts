import type { Kysely } from 'kysely';
import type { Database } from '../schema';

// The two records a parent may ask an admin for (FERPA; IDEA §300.613 and §300.614): the
// student's whole education record, and the record of who accessed it. Callers check role and
// scope first; every query is still bounded by district.

export interface AccessRecordRow {
  seq: number;
  at: string;
  actorName: string | null;
  actorRole: string | null;
  action: string;
  outcome: string;
}

/**
 * Every audited access to the student's record, oldest first, with who did it: the events
 * about the student alone and the reads of many students that listed them.
 */
export async function loadAccessRecord(
  db: Kysely<Database>,
  districtId: string,
  studentId: string,
): Promise<AccessRecordRow[]> {
  const withActor = () =>
    db
      .selectFrom('audit_event')
      .leftJoin('staff_user', (j) =>
        j
          .onRef('staff_user.district_id', '=', 'audit_event.district_id')
          .onRef('staff_user.id', '=', 'audit_event.actor_id'),
      )
      .select([
        'audit_event.seq',
        'audit_event.at',
        'audit_event.action',
        'audit_event.outcome',
        'staff_user.name as actor_name',
        'staff_user.role as actor_role',
      ])
      .where('audit_event.district_id', '=', districtId);
  const own = await withActor().where('audit_event.student_id', '=', studentId).execute();
  const listed = await withActor()
    .innerJoin('audit_event_student', (j) =>
      j
        .onRef('audit_event_student.district_id', '=', 'audit_event.district_id')
        .onRef('audit_event_student.seq', '=', 'audit_event.seq'),
    )
    .where('audit_event_student.student_id', '=', studentId)
    .execute();
  return [...own, ...listed]
    .map((r) => ({
      seq: Number(r.seq),
      at: r.at,
      actorName: r.actor_name,
      actorRole: r.actor_role,
      action: r.action,
      outcome: r.outcome,
    }))
    .sort((a, b) => a.seq - b.seq);
}

type Row = Record<string, unknown>;

/** Tables whose rows hang off a student's goal, service, session or report rather than the student. */
const DEPENDENTS: { table: string; via: 'goal_id' | 'service_id' | 'session_id' | 'report_id' }[] =
  [
    { table: 'goal_routine', via: 'goal_id' },
    { table: 'goal_phase_change', via: 'goal_id' },
    { table: 'model_change', via: 'goal_id' },
    { table: 'recommendation_decision', via: 'goal_id' },
    { table: 'service_model_minutes', via: 'service_id' },
    { table: 'progress_report_goal', via: 'report_id' },
    { table: 'progress_report_ready', via: 'report_id' },
    { table: 'progress_report_version', via: 'report_id' },
  ];

/** Tables never part of the student's record export (the trail is exported on its own). */
const NOT_RECORD = new Set(['audit_event', 'audit_event_student']);

const withoutDistrict = (rows: Row[]): Row[] => rows.map(({ district_id: _d, ...rest }) => rest);

/**
 * The whole record of one student as plain rows per table: every table with a `student_id`
 * column (found by introspection, so tables added later are included), the rows that hang off
 * the student's goals, services, sessions and reports, the sessions they attended and the
 * touch-base meetings that discussed them. A touch-base that also discussed other students
 * is listed without its notes, which concern those students too. `undefined` if no such student.
 */
export async function loadStudentRecord(
  db: Kysely<Database>,
  districtId: string,
  studentId: string,
): Promise<{ student: Row; tables: Record<string, Row[]> } | undefined> {
  // biome-ignore lint/suspicious/noExplicitAny: tables found by introspection, named at run time
  const anyDb = db as unknown as Kysely<any>;
  const student = await anyDb
    .selectFrom('student')
    .selectAll()
    .where('district_id', '=', districtId)
    .where('id', '=', studentId)
    .executeTakeFirst();
  if (!student) return undefined;

  const tables: Record<string, Row[]> = {};
  const meta = await db.introspection.getTables();
  for (const t of meta) {
    if (t.schema && t.schema !== 'public') continue;
    if (NOT_RECORD.has(t.name) || t.name === 'student') continue;
    if (!t.columns.some((c) => c.name === 'student_id')) continue;
    if (!t.columns.some((c) => c.name === 'district_id')) continue;
    const rows = await anyDb
      .selectFrom(t.name)
      .selectAll()
      .where('district_id', '=', districtId)
      .where('student_id', '=', studentId)
      .execute();
    tables[t.name] = withoutDistrict(rows);
  }

  const ids = (table: string, column = 'id') =>
    (tables[table] ?? []).map((r) => r[column]).filter((v): v is string => typeof v === 'string');
  const idsByVia = {
    goal_id: ids('goal'),
    service_id: ids('service'),
    session_id: ids('session_student', 'session_id'),
    report_id: ids('progress_report'),
  };
  for (const { table, via } of DEPENDENTS) {
    const wanted = idsByVia[via];
    tables[table] =
      wanted.length === 0
        ? []
        : withoutDistrict(
            await anyDb
              .selectFrom(table)
              .selectAll()
              .where('district_id', '=', districtId)
              .where(via, 'in', wanted)
              .execute(),
          );
  }
  tables.therapy_session =
    idsByVia.session_id.length === 0
      ? []
      : withoutDistrict(
          await anyDb
            .selectFrom('therapy_session')
            .selectAll()
            .where('district_id', '=', districtId)
            .where('id', 'in', idsByVia.session_id)
            .orderBy('session_date')
            .execute(),
        );

  const meetingIds = ids('touch_base_student', 'touch_base_id');
  if (meetingIds.length > 0) {
    const meetings = await db
      .selectFrom('touch_base')
      .select(['id', 'met_on', 'start_time', 'notes'])
      .where('district_id', '=', districtId)
      .where('id', 'in', meetingIds)
      .orderBy('met_on')
      .execute();
    const shared = await db
      .selectFrom('touch_base_student')
      .select('touch_base_id')
      .where('district_id', '=', districtId)
      .where('touch_base_id', 'in', meetingIds)
      .where('student_id', '!=', studentId)
      .execute();
    const withOthers = new Set(shared.map((r) => r.touch_base_id));
    tables.touch_base = meetings.map((m) =>
      withOthers.has(m.id)
        ? { ...m, notes: null, notes_withheld: 'also concerns other students' }
        : m,
    );
  } else tables.touch_base = [];

  // Names of the staff the record mentions, so the file reads without the database.
  const staffIds = new Set<string>();
  for (const rows of Object.values(tables))
    for (const r of rows)
      for (const key of [
        'provider_id',
        'recorded_by',
        'created_by',
        'author_id',
        'signed_by',
        'therapist_id',
        'assistant_id',
        'changed_by',
        'decided_by',
        'finalized_by',
        'cosigned_by',
      ])
        if (typeof r[key] === 'string') staffIds.add(r[key] as string);
  tables.staff =
    staffIds.size === 0
      ? []
      : await db
          .selectFrom('staff_user')
          .select(['id', 'name', 'role', 'discipline'])
          .where('district_id', '=', districtId)
          .where('id', 'in', [...staffIds])
          .orderBy('name')
          .execute();

  const { district_id: _d, ...studentRow } = student as Row;
  return { student: studentRow, tables };
}
