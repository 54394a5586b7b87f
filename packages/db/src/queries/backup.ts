import { createHash } from 'node:crypto';
import SQLite from 'better-sqlite3';
import type { Kysely } from 'kysely';
import pg from 'pg';
import type { Database } from '../schema';

// What backup and restore are checked against: per table, the row count and a checksum of the
// rows that does not depend on the order the database returns them in.

export interface TableFingerprint {
  rows: number;
  /** sha256 over the sorted canonical JSON of every row (keys sorted). */
  checksum: string;
}

function canonicalRow(row: Record<string, unknown>): string {
  const keys = Object.keys(row).sort();
  return JSON.stringify(keys.map((k) => [k, row[k]]));
}

/** The user tables of the database (Kysely's migration bookkeeping included). */
export async function userTables(db: Kysely<Database>): Promise<string[]> {
  const tables = await db.introspection.getTables({ withInternalKyselyTables: true });
  return tables
    .filter((t) => !t.isView && (!t.schema || t.schema === 'public'))
    .map((t) => t.name)
    .sort();
}

export async function tableFingerprints(
  db: Kysely<Database>,
): Promise<Record<string, TableFingerprint>> {
  // biome-ignore lint/suspicious/noExplicitAny: tables found by introspection, named at run time
  const anyDb = db as unknown as Kysely<any>;
  const out: Record<string, TableFingerprint> = {};
  for (const table of await userTables(db)) {
    const rows = await anyDb.selectFrom(table).selectAll().execute();
    const lines = rows.map(canonicalRow).sort();
    const hash = createHash('sha256');
    for (const line of lines) hash.update(line).update('\n');
    out[table] = { rows: rows.length, checksum: hash.digest('hex') };
  }
  return out;
}

/** True when the database holds no tables at all: a fresh target for a restore. */
export async function isEmptyDatabase(db: Kysely<Database>): Promise<boolean> {
  return (await userTables(db)).length === 0;
}

/** `PRAGMA integrity_check` of a SQLite file, opened read-only: 'ok' or the problems found. */
export function sqliteIntegrity(path: string): string {
  const db = new SQLite(path, { readonly: true, fileMustExist: true });
  try {
    return String(db.pragma('integrity_check', { simple: true }));
  } finally {
    db.close();
  }
}

/**
 * Copies the SQLite database at `source` to the new file `target` with SQLite's online backup
 * API. After its first (empty) step it is asked to copy every remaining page in one step, so
 * the copy is one consistent snapshot even while other connections keep writing (a stepwise
 * copy would restart on every write and might never finish).
 */
export async function sqliteOnlineBackup(source: string, target: string): Promise<void> {
  const db = new SQLite(source, { readonly: true, fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    await db.backup(target, { progress: () => 0x7fffffff });
  } finally {
    db.close();
  }
}

/**
 * Creates (`create`) or drops (`drop`) the database `name` on the Postgres server `serverUrl`
 * points at: the empty database a Postgres restore goes into. `name` must be a plain identifier.
 */
export async function postgresDatabase(
  action: 'create' | 'drop',
  serverUrl: string,
  name: string,
): Promise<void> {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`not a plain database name: ${name}`);
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(
      action === 'create' ? `create database ${name}` : `drop database if exists ${name}`,
    );
  } finally {
    await client.end();
  }
}
