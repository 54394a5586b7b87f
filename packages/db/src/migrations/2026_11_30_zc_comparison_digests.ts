import type { Kysely } from 'kysely';

// Frozen in time: never imports app code. One row per goal holding what the Outcomes comparison
// reads of its points (episodes as cut with no end in sight, switches, GAS per setting steps;
// JSON in `digest`), so a cold comparison reads one row per goal instead of every observation.
// Every write that changes a goal's points, phases, model changes, recommendations or delivered
// minutes rewrites the row in its own transaction. The rows of existing goals are filled after
// migrating (`fillMissingComparisonDigests`, app code), since the reduction is the domain's math.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('goal_comparison_digest')
    .addColumn('district_id', 'text', (c) =>
      c.notNull().references('district.id').onDelete('cascade'),
    )
    .addColumn('goal_id', 'text', (c) => c.notNull())
    .addColumn('digest', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('goal_comparison_digest_pk', ['district_id', 'goal_id'] as never)
    .addForeignKeyConstraint(
      'goal_comparison_digest_goal_fk',
      ['district_id', 'goal_id'] as never,
      'goal',
      ['district_id', 'id'],
      (fk) => fk.onDelete('cascade'),
    )
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('goal_comparison_digest').execute();
}
