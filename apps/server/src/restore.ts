import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  createPrivateFile,
  isEmptyDatabase,
  isPostgresUrl,
  migrateToLatest,
  openDatabase,
  refreshPlannerStatistics,
  sqliteIntegrity,
  sqliteOnlineBackup,
} from '@carryover/db';
import { runPgTool, sqlitePathOf } from './backup';

// `carryover restore <file>` into a fresh SQLite file or an empty Postgres database (never over
// existing data), then migrations, so a backup taken by an older version comes up to date.

export async function restore(url: string | undefined, file: string): Promise<string> {
  const backupFile = resolve(file);
  if (!existsSync(backupFile)) throw new Error(`no backup at ${backupFile}`);
  if (isPostgresUrl(url)) {
    const conn = openDatabase(url);
    try {
      if (!(await isEmptyDatabase(conn.db)))
        throw new Error(`${conn.location} is not empty; restore into a new, empty database`);
    } finally {
      await conn.close();
    }
    await runPgTool('pg_restore', ['--no-owner', '--exit-on-error', '--dbname', url, backupFile]);
  } else {
    const target = sqlitePathOf(url);
    if (existsSync(target) && statSync(target).size > 0)
      throw new Error(`${target} exists; restore into a new file (set DATABASE_URL to it)`);
    const check = sqliteIntegrity(backupFile);
    if (check !== 'ok') throw new Error(`${backupFile} failed its integrity check: ${check}`);
    createPrivateFile(target);
    await sqliteOnlineBackup(backupFile, target);
  }
  const conn = openDatabase(url);
  try {
    const applied = await migrateToLatest(conn.db);
    // A restored database arrives without the planner's statistics on Postgres (pg_dump
    // leaves them out) and with possibly stale ones on SQLite.
    await refreshPlannerStatistics(conn.db, { afterBulkLoad: true });
    return `Restored ${backupFile} into ${conn.location}${
      applied.length > 0 ? `, then migrated: ${applied.join(', ')}` : ''
    }.`;
  } finally {
    await conn.close();
  }
}
