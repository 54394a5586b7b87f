import type { Kysely } from 'kysely';
import { Migrator, NO_MIGRATIONS } from 'kysely/migration';
import { migrations } from '../migrations/index';
import type { Database } from '../schema';

// Operations for the command line: never called while serving requests.

export async function hasAnyDistrict(db: Kysely<Database>): Promise<boolean> {
  const row = await db.selectFrom('district').select('id').limit(1).executeTakeFirst();
  return row !== undefined;
}

/** Runs every migration down (dropping all tables and their data), then up again. */
export async function resetDatabase(db: Kysely<Database>): Promise<void> {
  const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
  const down = await migrator.migrateTo(NO_MIGRATIONS);
  if (down.error) throw down.error instanceof Error ? down.error : new Error(String(down.error));
  const up = await migrator.migrateToLatest();
  if (up.error) throw up.error instanceof Error ? up.error : new Error(String(up.error));
}
