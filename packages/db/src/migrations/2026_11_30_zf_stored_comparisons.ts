import type { Kysely } from 'kysely';

// Frozen in time: never imports app code. The last Outcomes comparison computed for each scope
// (a district, the viewer's schools, the filters), as the summary the page shows: aggregates,
// no student's row. A process that has not computed it (a new worker, a restart) reads it
// instead of spending seconds on the bootstrap; when the data has changed since
// (`data_version`) or the day has (`as_of`), it is shown as such while a fresh one is computed.
// `scope_key` is a hash of the scope and filters; one row per scope, replaced by each compute.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('stored_comparison')
    .addColumn('district_id', 'text', (c) =>
      c.notNull().references('district.id').onDelete('cascade'),
    )
    .addColumn('scope_key', 'text', (c) => c.notNull())
    .addColumn('as_of', 'text', (c) => c.notNull())
    .addColumn('data_version', 'text', (c) => c.notNull())
    .addColumn('report', 'text', (c) => c.notNull())
    .addColumn('compute_ms', 'integer', (c) => c.notNull())
    .addColumn('computed_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('stored_comparison_pk', ['district_id', 'scope_key'] as never)
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('stored_comparison').execute();
}
