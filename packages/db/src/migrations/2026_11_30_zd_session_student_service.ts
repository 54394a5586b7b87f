import type { Kysely } from 'kysely';

// Frozen in time: never imports app code. Logging a session refreshes the Outcomes digests of
// its services' goals, which reads those services' delivered minutes: without an index led by
// the service, that read walked every session_student row of the district on every write (the
// query-plan test caught it).

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createIndex('session_student_service_ix')
    .on('session_student')
    .columns(['district_id', 'service_id'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('session_student_service_ix').execute();
}
