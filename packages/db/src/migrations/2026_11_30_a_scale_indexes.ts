import type { Kysely } from 'kysely';

// Frozen in time: never imports app code. Indexes the request paths need at district scale
// (25,000 students), found from their query plans:
// - a student's observations in goal and date order straight from one index, so the planner
//   is never tempted to walk the district's observation_goal_date_ix to skip a sort (it
//   replaces observation_student_ix, its prefix);
// - a student's goals' phase and model changes, and a service's model changes;
// - the teacher and coordinator scopes: classrooms by teacher, students by homeroom and school;
// - the sessions a staff member logged (recent sessions: provided OR logged by the viewer, which
//   needs an index on each side of the OR).

const indexes: [name: string, table: string, columns: string[]][] = [
  [
    'observation_student_goal_date_ix',
    'observation',
    ['district_id', 'student_id', 'goal_id', 'observed_on'],
  ],
  ['goal_phase_change_goal_ix', 'goal_phase_change', ['district_id', 'goal_id']],
  ['model_change_goal_ix', 'model_change', ['district_id', 'goal_id']],
  ['model_change_service_ix', 'model_change', ['district_id', 'service_id']],
  ['classroom_teacher_ix', 'classroom', ['district_id', 'teacher_id']],
  ['student_homeroom_ix', 'student', ['district_id', 'homeroom_id']],
  ['student_school_ix', 'student', ['district_id', 'school_id']],
  [
    'therapy_session_author_date_ix',
    'therapy_session',
    ['district_id', 'created_by', 'session_date'],
  ],
];

export async function up(db: Kysely<any>): Promise<void> {
  for (const [name, table, columns] of indexes)
    await db.schema.createIndex(name).on(table).columns(columns).execute();
  await db.schema.dropIndex('observation_student_ix').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema
    .createIndex('observation_student_ix')
    .on('observation')
    .columns(['district_id', 'student_id'])
    .execute();
  for (const [name] of [...indexes].reverse()) await db.schema.dropIndex(name).execute();
}
