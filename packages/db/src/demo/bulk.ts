import type pg from 'pg';
import { ORDER } from './writer';

// The bulk load of an empty Postgres district database. Loaded row by row, Postgres checks
// every foreign key and keeps every index up as each row arrives, which was nearly all of a
// seed's cost (README, Benchmarks). On an empty database there is nothing to check against
// and an index built once over the loaded table is much cheaper than one kept up row by row,
// so the seed drops them, copies, and puts them back. All of it runs inside the seed's one
// transaction (Postgres DDL is transactional): a failure anywhere rolls the drops back with
// the rows, and the database is left exactly as it was.

/** A secondary index or foreign key taken off a table for the load, to put back after. */
interface Dropped {
  table: string;
  name: string;
  /** `CREATE INDEX …` as `pg_get_indexdef` gives it, or the constraint's definition. */
  definition: string;
}

export interface BulkLoad {
  readonly indexes: readonly Dropped[];
  readonly foreignKeys: readonly Dropped[];
  /** Builds the indexes and ANALYZEs: what the seed's own reads need. */
  restoreIndexes(onStep?: (step: string, done: number, total: number) => void): Promise<void>;
  /**
   * Whatever is still off: the indexes (if `restoreIndexes` did not run), then the foreign keys,
   * each checked once, whole-table. The seed's later stages add rows to these tables (a year of
   * progress reports) before this, so those rows are checked by the same whole-table join
   * instead of a trigger per row: 38 of the 101 s of a 5,000-student seed went to the final
   * reports when their rows were checked one by one.
   */
  restore(onStep?: (step: string, done: number, total: number) => void): Promise<void>;
}

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

/**
 * When every table the generator fills is empty, drops their secondary indexes and foreign
 * keys (recording their definitions from the catalog) on `client`, which must be inside a
 * transaction; returns null (nothing dropped) otherwise. Primary keys, unique constraints and
 * check constraints stay: they are cheap next to the rest, and a primary key cannot go while
 * foreign keys elsewhere reference it.
 */
export async function beginBulkLoad(client: pg.ClientBase): Promise<BulkLoad | null> {
  const tables = [...ORDER];
  // Bulk mode is for a fresh database only: an existing district's rows would have their
  // indexes rebuilt and every foreign key rechecked, and readers would wait on the locks.
  // (A whole-table probe, not a district's: this is a database-wide decision, like a migration.)
  const probe = tables.map((t) => `select 1 from ${quote(t)}`).join(' union all ');
  const busy = await client.query(`select exists (${probe}) as busy`);
  if (busy.rows[0]?.busy) return null;

  // Locks taken now, in one go, rather than one table at a time as the drops reach them.
  await client.query(`LOCK TABLE ${tables.map(quote).join(', ')} IN ACCESS EXCLUSIVE MODE`);
  const foreignKeys = (
    await client.query<Dropped>(
      `select t.relname as "table", c.conname as name, pg_get_constraintdef(c.oid) as definition
       from pg_constraint c join pg_class t on t.oid = c.conrelid
       where c.contype = 'f' and t.relnamespace = current_schema()::regnamespace
         and t.relname = any($1)
       order by t.relname, c.conname`,
      [tables],
    )
  ).rows;
  // Indexes that back no constraint (primary keys and unique constraints keep theirs).
  const indexes = (
    await client.query<Dropped>(
      `select t.relname as "table", i.relname as name, pg_get_indexdef(i.oid) as definition
       from pg_index x
       join pg_class i on i.oid = x.indexrelid
       join pg_class t on t.oid = x.indrelid
       where t.relnamespace = current_schema()::regnamespace and t.relname = any($1)
         and not exists (select 1 from pg_constraint c where c.conindid = x.indexrelid)
       order by t.relname, i.relname`,
      [tables],
    )
  ).rows;
  for (const fk of foreignKeys)
    await client.query(`ALTER TABLE ${quote(fk.table)} DROP CONSTRAINT ${quote(fk.name)}`);
  for (const ix of indexes) await client.query(`DROP INDEX ${quote(ix.name)}`);
  // Index builds sort in memory up to this much, per build (the default, 64 MB, spills to
  // disk at a few million rows). Only for this transaction.
  await client.query(`SET LOCAL maintenance_work_mem = '512MB'`);
  await client.query('SET LOCAL synchronous_commit = off');

  let indexed = false;
  let restored = false;
  type OnStep = (step: string, done: number, total: number) => void;
  const total = indexes.length + foreignKeys.length + 1;
  let done = 0;
  const restoreIndexes = async (onStep: OnStep = () => {}) => {
    if (indexed) return;
    indexed = true;
    for (const ix of indexes) {
      await client.query(ix.definition);
      onStep('indexes', ++done, total);
    }
    // The planner knows nothing of the new rows yet; the seed's own reads come next.
    await client.query(`ANALYZE ${tables.map(quote).join(', ')}`);
    onStep('analyze', ++done, total);
  };
  return {
    indexes,
    foreignKeys,
    restoreIndexes,
    async restore(onStep = () => {}) {
      if (restored) return;
      restored = true;
      await restoreIndexes(onStep);
      // A plain ADD checks the whole table with one anti-join, which is what `NOT VALID` then
      // `VALIDATE CONSTRAINT` would do too; inside one transaction splitting it buys nothing.
      for (const fk of foreignKeys) {
        await client.query(
          `ALTER TABLE ${quote(fk.table)} ADD CONSTRAINT ${quote(fk.name)} ${fk.definition}`,
        );
        onStep('foreign keys', ++done, total);
      }
    },
  };
}
