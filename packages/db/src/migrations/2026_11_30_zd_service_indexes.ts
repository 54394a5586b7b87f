import type { Kysely } from 'kysely';

// Frozen in time: never imports app code. Two reads by service that walked the district:
// - logging a session refreshes the Outcomes digests of its services' goals, which reads those
//   services' delivered minutes from session_student (the query-plan test caught the scan);
// - the stored schedule (the Schedule page, the demo seed) looks goals up by service; at
//   200,000 students each provider's lookup read about half a million goals.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createIndex('session_student_service_ix')
    .on('session_student')
    .columns(['district_id', 'service_id'])
    .execute();
  await db.schema
    .createIndex('goal_service_ix')
    .on('goal')
    .columns(['district_id', 'service_id'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('goal_service_ix').execute();
  await db.schema.dropIndex('session_student_service_ix').execute();
}
