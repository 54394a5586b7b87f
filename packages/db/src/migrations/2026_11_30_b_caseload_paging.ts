import type { Kysely } from 'kysely';

// Frozen in time: never imports app code. The caseload reads a page at a time in name order
// (a walk of the name index that stops when the page is full). Its scope count walks the
// (district, school) index that 2026_11_30_a_scale_indexes made.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createIndex('student_name_ix')
    .on('student')
    .columns(['district_id', 'last_name', 'first_name', 'id'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('student_name_ix').execute();
}
