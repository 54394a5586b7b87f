import type { Kysely } from 'kysely';

// Frozen in time: never imports app code. The coordinator's first Caseload and Fidelity pages
// order every student of their schools by name to show fifty (25,000 students at district
// scale):
// - Caseload read each student's row through the school index and sorted them whole (10 ms of
//   the page's 25). With the names in the index the page's keys are sorted from the index alone
//   (queries/caseload.ts), and only its fifty students are read.
// - Fidelity keeps the students with a service in the period: one lookup per student, which
//   read each service's row for its dates; with the dates in the index it is read from the index.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createIndex('student_school_name_ix')
    .on('student')
    .columns(['district_id', 'school_id', 'last_name', 'first_name', 'id'])
    .execute();
  await db.schema
    .createIndex('service_student_dates_ix')
    .on('service')
    .columns(['district_id', 'student_id', 'start_date', 'end_date'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('service_student_dates_ix').execute();
  await db.schema.dropIndex('student_school_name_ix').execute();
}
