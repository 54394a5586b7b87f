import { type Kysely, SqliteAdapter, sql } from 'kysely';
import { migrateToLatest } from '../client';
import type { Database } from '../schema';

// Operations for the command line: never called while serving requests.

export async function hasAnyDistrict(db: Kysely<Database>): Promise<boolean> {
  const row = await db.selectFrom('district').select('id').limit(1).executeTakeFirst();
  return row !== undefined;
}

/**
 * Drops every table (Kysely's migration bookkeeping included), whatever state an earlier
 * failure left them in, then migrates an empty database from scratch.
 */
export async function resetDatabase(db: Kysely<Database>): Promise<void> {
  const sqlite = db.getExecutor().adapter instanceof SqliteAdapter;
  const tables = await db.introspection.getTables({ withInternalKyselyTables: true });
  if (sqlite) {
    // SQLite's DROP TABLE deletes the rows first, which the foreign keys would refuse for a
    // parent dropped before its children; outside a transaction the pragma takes effect.
    await sql`PRAGMA foreign_keys = OFF`.execute(db);
    try {
      for (const t of tables) await db.schema.dropTable(t.name).ifExists().execute();
    } finally {
      await sql`PRAGMA foreign_keys = ON`.execute(db);
    }
  } else {
    for (const t of tables) {
      if (t.schema && t.schema !== 'public') continue;
      await db.schema.dropTable(t.name).ifExists().cascade().execute();
    }
  }
  await migrateToLatest(db);
}
