import { type Kysely, sql } from 'kysely';
import type { Database } from '../schema';
import { type ScopeViewer, scopedStudentIds } from './scope';

// Per-therapist counts for the coordinator's Workload view, over the students the viewer may
// see: open goals, and sessions held in a window. Minutes come from the fidelity queries.

export interface WorkloadCounts {
  staff: { id: string; name: string; discipline: string | null; role: string }[];
  /** Goals not discontinued nor mastered, by their service's provider. */
  goals: { provider_id: string; goals: number; students: number }[];
  sessions: { provider_id: string; sessions: number }[];
}

export async function loadWorkloadCounts(
  db: Kysely<Database>,
  viewer: ScopeViewer,
  window: { today: string; from: string; to: string },
): Promise<WorkloadCounts> {
  const districtId = viewer.districtId;
  const ids = () => scopedStudentIds(db, viewer, window.today);
  const [goals, sessions] = await Promise.all([
    db
      .selectFrom('goal')
      .innerJoin('service', (j) =>
        j
          .onRef('service.district_id', '=', 'goal.district_id')
          .onRef('service.id', '=', 'goal.service_id'),
      )
      .select([
        'service.provider_id',
        sql<number>`count(distinct goal.id)`.as('goals'),
        sql<number>`count(distinct goal.student_id)`.as('students'),
      ])
      .where('goal.district_id', '=', districtId)
      .where('goal.student_id', 'in', ids())
      .where('goal.phase', 'not in', ['discontinued', 'mastered'])
      .groupBy('service.provider_id')
      .execute(),
    db
      .selectFrom('therapy_session as s')
      .select(['s.provider_id', sql<number>`count(*)`.as('sessions')])
      .where('s.district_id', '=', districtId)
      .where('s.session_date', '>=', window.from)
      .where('s.session_date', '<=', window.to)
      .where((eb) =>
        eb.exists(
          eb
            .selectFrom('session_student as ss')
            .select(sql<number>`1`.as('one'))
            .whereRef('ss.district_id', '=', 's.district_id')
            .whereRef('ss.session_id', '=', 's.id')
            .where('ss.student_id', 'in', ids()),
        ),
      )
      .groupBy('s.provider_id')
      .execute(),
  ]);
  const providerIds = [...new Set([...goals, ...sessions].map((r) => r.provider_id))];
  const staff =
    providerIds.length === 0
      ? []
      : await db
          .selectFrom('staff_user')
          .select(['id', 'name', 'discipline', 'role'])
          .where('district_id', '=', districtId)
          .where('id', 'in', providerIds)
          .execute();
  return {
    staff,
    goals: goals.map((g) => ({ ...g, goals: Number(g.goals), students: Number(g.students) })),
    sessions: sessions.map((s) => ({ ...s, sessions: Number(s.sessions) })),
  };
}

/** Schools of the district, with names; for a coordinator only those linked via staff_school. */
export async function scopedSchools(
  db: Kysely<Database>,
  viewer: ScopeViewer,
): Promise<{ id: string; name: string }[]> {
  let q = db
    .selectFrom('school')
    .select(['school.id', 'school.name'])
    .where('school.district_id', '=', viewer.districtId);
  if (viewer.role === 'coordinator')
    q = q.where((eb) =>
      eb.exists(
        eb
          .selectFrom('staff_school')
          .select(sql<number>`1`.as('one'))
          .whereRef('staff_school.district_id', '=', 'school.district_id')
          .whereRef('staff_school.school_id', '=', 'school.id')
          .where('staff_school.staff_id', '=', viewer.id),
      ),
    );
  else if (viewer.role !== 'admin') q = q.where(sql<boolean>`1 = 0`);
  return q.orderBy('school.name').orderBy('school.id').execute();
}

/** Names and schools of the given students (the caller has already limited them to scope). */
export async function studentNames(
  db: Kysely<Database>,
  districtId: string,
  studentIds: readonly string[],
): Promise<{ id: string; first_name: string; last_name: string }[]> {
  if (studentIds.length === 0) return [];
  const out: { id: string; first_name: string; last_name: string }[] = [];
  // Chunks keep the parameter count under SQLite's and Postgres's limits.
  for (let i = 0; i < studentIds.length; i += 500) {
    out.push(
      ...(await db
        .selectFrom('student')
        .select(['id', 'first_name', 'last_name'])
        .where('district_id', '=', districtId)
        .where('id', 'in', studentIds.slice(i, i + 500))
        .execute()),
    );
  }
  return out;
}

/** The file of a SQLite database (for a worker thread to open its own connection); null in memory. */
export async function sqliteDatabaseFile(db: Kysely<Database>): Promise<string | null> {
  const rows = await sql<{ name: string; file: string }>`PRAGMA database_list`.execute(db);
  return rows.rows.find((r) => r.name === 'main')?.file || null;
}
