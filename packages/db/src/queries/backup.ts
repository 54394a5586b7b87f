import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
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
