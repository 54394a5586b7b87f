import type { Kysely } from 'kysely';

// Frozen in time: never imports app code. Object-level rules (issue 12):
// - a session back-dated into a finalised reporting period is a late entry with a reason, and
//   its observations carry the mark so the goal graph and reports can show it;
// - a report's disciplines each mark their lines ready before it is finalised;
// - every finalised version of a report keeps a snapshot of what it showed, and reopening
//   makes the next version, with a reason.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('therapy_session').addColumn('late_entry_reason', 'text').execute();
  await db.schema
    .alterTable('observation')
    .addColumn('late_entry', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .alterTable('progress_report')
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .execute();
  await db.schema.alterTable('progress_report').addColumn('amend_reason', 'text').execute();

  await db.schema
    .createTable('progress_report_ready')
    .addColumn('district_id', 'text', (c) => c.notNull())
    .addColumn('report_id', 'text', (c) => c.notNull())
    .addColumn('discipline', 'text', (c) => c.notNull())
    .addColumn('marked_by', 'text', (c) => c.notNull())
    .addColumn('marked_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('progress_report_ready_pk', ['district_id', 'report_id', 'discipline'])
    .addForeignKeyConstraint(
      'progress_report_ready_report_fk',
      ['district_id', 'report_id'],
      'progress_report',
      ['district_id', 'id'],
      (fk) => fk.onDelete('cascade'),
    )
    .execute();

  // One row per finalised version; `snapshot` is the JSON of everything the version showed.
  await db.schema
    .createTable('progress_report_version')
    .addColumn('district_id', 'text', (c) => c.notNull())
    .addColumn('report_id', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('finalized_at', 'text', (c) => c.notNull())
    .addColumn('finalized_by', 'text', (c) => c.notNull())
    .addColumn('amend_reason', 'text')
    .addColumn('snapshot', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('progress_report_version_pk', ['district_id', 'report_id', 'version'])
    .addForeignKeyConstraint(
      'progress_report_version_report_fk',
      ['district_id', 'report_id'],
      'progress_report',
      ['district_id', 'id'],
      (fk) => fk.onDelete('cascade'),
    )
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('progress_report_version').execute();
  await db.schema.dropTable('progress_report_ready').execute();
  await db.schema.alterTable('progress_report').dropColumn('amend_reason').execute();
  await db.schema.alterTable('progress_report').dropColumn('version').execute();
  await db.schema.alterTable('observation').dropColumn('late_entry').execute();
  await db.schema.alterTable('therapy_session').dropColumn('late_entry_reason').execute();
}
