import type { Kysely } from 'kysely';

// Frozen in time: never imports app code. One row per student, discipline and reporting period
// with a service of that discipline meeting the period: the period's service fidelity reduced
// to per-week figures that do not depend on "today" (JSON in `summary`, `FidelitySummary` of
// @carryover/domain). Every write that changes them rewrites the student's rows in its own
// transaction. The rows of existing districts are filled after migrating
// (`fillMissingFidelitySummaries`, app code), since the reduction is the domain's arithmetic.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('fidelity_summary')
    .addColumn('district_id', 'text', (c) =>
      c.notNull().references('district.id').onDelete('cascade'),
    )
    .addColumn('period_id', 'text', (c) => c.notNull())
    .addColumn('student_id', 'text', (c) => c.notNull())
    .addColumn('discipline', 'text', (c) => c.notNull())
    /** The provider of the row's latest service (latest start, then id): whose row it is. */
    .addColumn('provider_id', 'text', (c) => c.notNull())
    .addColumn('summary', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('fidelity_summary_pk', [
      'district_id',
      'period_id',
      'student_id',
      'discipline',
    ])
    .addForeignKeyConstraint(
      'fidelity_summary_period_id_fk',
      ['district_id', 'period_id'],
      'reporting_period',
      ['district_id', 'id'],
      (fk) => fk.onDelete('cascade'),
    )
    .addForeignKeyConstraint(
      'fidelity_summary_student_id_fk',
      ['district_id', 'student_id'],
      'student',
      ['district_id', 'id'],
      (fk) => fk.onDelete('cascade'),
    )
    .execute();
  await db.schema
    .createIndex('fidelity_summary_student_ix')
    .on('fidelity_summary')
    .columns(['district_id', 'student_id'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('fidelity_summary').execute();
}
