import type { Kysely } from 'kysely';

// Frozen in time: never imports app code. A classroom's routines were found by walking every
// routine of the district: the stored schedule (the Schedule page, auto-schedule, the demo
// seed) reads the routines of a caseload's classrooms, 15.8 ms as a sequential scan of the
// 52,000 routines of a 25,000-student district on Postgres, for 13 rows.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createIndex('routine_classroom_ix')
    .on('routine')
    .columns(['district_id', 'classroom_id'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('routine_classroom_ix').execute();
}
