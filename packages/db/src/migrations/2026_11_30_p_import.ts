import type { Kysely } from 'kysely';

// Frozen in time: never imports app code. The import pipeline (issue 14): the keys a district's
// own systems give its rows (OneRoster `sourcedId`s), so a second import of the same files finds
// the same rows and changes nothing, and a record of every import (who, when, which files with
// their hashes, what changed). Keys lead with district_id, as everywhere.

const text = 'text' as const;

export async function up(db: Kysely<any>): Promise<void> {
  // kind: district, school, staff, student, classroom, period. local_id: the row's own id.
  // status: the source's last word on it (active, or tobedeleted once it was deactivated).
  await db.schema
    .createTable('source_key')
    .addColumn('district_id', text, (c) =>
      c.notNull().references('district.id').onDelete('cascade'),
    )
    .addColumn('kind', text, (c) => c.notNull())
    .addColumn('sourced_id', text, (c) => c.notNull())
    .addColumn('local_id', text, (c) => c.notNull())
    .addColumn('status', text, (c) => c.notNull().defaultTo('active'))
    .addColumn('updated_at', text, (c) => c.notNull())
    .addPrimaryKeyConstraint('source_key_pk', ['district_id', 'kind', 'sourced_id'] as never)
    .execute();
  await db.schema
    .createIndex('source_key_local_uq')
    .unique()
    .on('source_key')
    .columns(['district_id', 'kind', 'local_id'])
    .execute();

  // kind: oneroster or services. outcome: applied, refused (errors), or dry_run.
  await db.schema
    .createTable('import_run')
    .addColumn('district_id', text, (c) =>
      c.notNull().references('district.id').onDelete('cascade'),
    )
    .addColumn('id', text, (c) => c.notNull())
    .addColumn('kind', text, (c) => c.notNull())
    .addColumn('actor_id', text)
    .addColumn('actor_label', text, (c) => c.notNull())
    .addColumn('started_at', text, (c) => c.notNull())
    .addColumn('finished_at', text, (c) => c.notNull())
    .addColumn('outcome', text, (c) => c.notNull())
    // JSON: [{ name, sha256, bytes, mode }]
    .addColumn('files', text, (c) => c.notNull())
    // JSON: per file { added, updated, deactivated, unchanged, skipped }, conflicts, error count
    .addColumn('summary', text, (c) => c.notNull())
    .addPrimaryKeyConstraint('import_run_pk', ['district_id', 'id'] as never)
    .execute();
  await db.schema
    .createIndex('import_run_started_ix')
    .on('import_run')
    .columns(['district_id', 'started_at'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('import_run').execute();
  await db.schema.dropTable('source_key').execute();
}
