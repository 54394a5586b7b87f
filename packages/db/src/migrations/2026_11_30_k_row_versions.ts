import type { Kysely } from 'kysely';

// Frozen in time: never imports app code. Optimistic concurrency for the rows people edit in
// forms: each carries a version that every edit increments, and who made the last edit, when,
// and which columns it changed, so a stale save can be refused with "changed by … at …: …".
// Existing rows start at version 1 with no editor recorded.

const TABLES = [
  'goal',
  'progress_report_goal',
  'push_in_plan',
  'routine',
  'touch_base',
  'action_item',
] as const;

export async function up(db: Kysely<any>): Promise<void> {
  for (const table of TABLES) {
    await db.schema
      .alterTable(table)
      .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
      .execute();
    await db.schema.alterTable(table).addColumn('updated_by', 'text').execute();
    await db.schema.alterTable(table).addColumn('updated_at', 'text').execute();
    /** Comma-separated column names the last edit changed. */
    await db.schema.alterTable(table).addColumn('updated_fields', 'text').execute();
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of TABLES) {
    for (const column of ['updated_fields', 'updated_at', 'updated_by', 'version']) {
      await db.schema.alterTable(table).dropColumn(column).execute();
    }
  }
}
