import type { Kysely } from 'kysely';

// Frozen in time: never imports app code. One row per district naming the current state of the
// data the Outcomes comparison reads: every write that can change that data replaces
// `version` in its own transaction, so a cached comparison is keyed by a primary-key lookup
// instead of aggregates over every observation. A district without a row has had no such write
// since this migration.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('district_data_version')
    .addColumn('district_id', 'text', (c) =>
      c.primaryKey().references('district.id').onDelete('cascade'),
    )
    .addColumn('version', 'text', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('district_data_version').execute();
}
