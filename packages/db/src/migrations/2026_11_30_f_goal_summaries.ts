import type { Kysely } from 'kysely';

// Frozen in time: never imports app code. One row per goal holding what the caseload and the
// student page show of its progress, reduced from all its observations (JSON in `summary`):
// every write that changes a goal or its observations rewrites the row in its own transaction.
// The rows of existing goals are filled after migrating (`fillMissingGoalSummaries`, app
// code), since the reduction is the domain's progress math.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('goal_summary')
    .addColumn('district_id', 'text', (c) =>
      c.notNull().references('district.id').onDelete('cascade'),
    )
    .addColumn('goal_id', 'text', (c) => c.notNull())
    .addColumn('student_id', 'text', (c) => c.notNull())
    .addColumn('point_count', 'integer', (c) => c.notNull())
    .addColumn('last_observed_on', 'text')
    .addColumn('summary', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('goal_summary_pk', ['district_id', 'goal_id'])
    .addForeignKeyConstraint(
      'goal_summary_goal_id_fk',
      ['district_id', 'goal_id'],
      'goal',
      ['district_id', 'id'],
      (fk) => fk.onDelete('cascade'),
    )
    .execute();
  await db.schema
    .createIndex('goal_summary_student_ix')
    .on('goal_summary')
    .columns(['district_id', 'student_id'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('goal_summary').execute();
}
