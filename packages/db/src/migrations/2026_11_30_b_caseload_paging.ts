import type { Kysely } from 'kysely';

// Frozen in time: never imports app code. The caseload reads a page at a time in name order
// (a walk of the name index that stops when the page is full) and counts its scope (a walk of
// the small (district, school) index instead of every student row).

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createIndex('student_name_ix')
    .on('student')
    .columns(['district_id', 'last_name', 'first_name', 'id'])
    .execute();
  await db.schema
    .createIndex('student_school_ix')
    .on('student')
    .columns(['district_id', 'school_id'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('student_school_ix').execute();
  await db.schema.dropIndex('student_name_ix').execute();
}
