import { type Kysely, SqliteAdapter, sql } from 'kysely';
import { migrateToLatest } from '../client';
import type { Database } from '../schema';

// Operations for the command line, and the planner-statistics upkeep the serving process runs
// off the request path.

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

/**
 * Brings the query planner's statistics up to date. Without them SQLite guesses and, at
 * 25,000 students, reads a student's observations by walking the whole district's index.
 *
 * - `afterBulkLoad` (seed, restore): every table's statistics are rebuilt (SQLite `ANALYZE`,
 *   Postgres `VACUUM (ANALYZE)` of the schema's tables), since every table just changed.
 * - otherwise (start-up, after migrate, hourly while serving): only what is stale. SQLite's
 *   `PRAGMA optimize=0x10002` analyses tables never analysed or whose size changed 25-fold;
 *   on Postgres, tables never analysed or changed by a tenth since, the threshold autovacuum
 *   uses. Where autovacuum is off (the server's setting or the table's), nothing else would
 *   vacuum either, so tables past autovacuum's own vacuum thresholds are vacuumed too.
 *   Autovacuum should stay on in production; this covers servers where it is off.
 */
export async function refreshPlannerStatistics(
  db: Kysely<Database>,
  options: { afterBulkLoad?: boolean } = {},
): Promise<void> {
  if (db.getExecutor().adapter instanceof SqliteAdapter) {
    // Exact statistics, not `analysis_limit` samples: every index leads with district_id, so a
    // sample of the first rows sees one district and reports ~1,000 rows per district, which
    // makes walking the whole district look cheap (measured at 25,000 students: the caseload's
    // observations went through observation_goal_date_ix). A full ANALYZE takes about 2 s
    // there, after a bulk load; PRAGMA optimize only re-analyses a table whose size changed.
    await sql`PRAGMA analysis_limit = 0`.execute(db);
    // 0x10002: analyse what might benefit, checking every table, not only those this
    // connection has queried (it may have queried none yet).
    await sql.raw(options.afterBulkLoad ? 'ANALYZE' : 'PRAGMA optimize = 0x10002').execute(db);
    return;
  }
  if (options.afterBulkLoad) {
    if (db.isTransaction) {
      await sql`ANALYZE`.execute(db);
      return;
    }
    // VACUUM as well, which a transaction cannot hold: it marks the loaded pages all-visible,
    // so index-only scans need not visit the table, and sets the rows' commit hints the first
    // readers would otherwise set. Autovacuum does it some time after a load, and never where it is
    // off: at 25,000 students counting the district's students took 18 ms as a sequential
    // scan of unvacuumed pages and 2.5 ms as an index-only scan after VACUUM. This schema's
    // tables only, so a shared server's other schemas are left alone.
    const tables = await sql<{ tablename: string }>`
      select tablename from pg_tables where schemaname = current_schema()`.execute(db);
    if (tables.rows.length > 0)
      await sql`VACUUM (ANALYZE) ${sql.join(tables.rows.map((t) => sql.table(t.tablename)))}`.execute(
        db,
      );
    return;
  }
  // Autovacuum's default thresholds: analyse after 50 + 10% of the rows changed; vacuum after
  // 50 + 20% died, or 1,000 + 20% were inserted (which sets the new pages all-visible, so the
  // district's counts stay index-only scans).
  const stale = await sql<{ relname: string; vacuum: boolean }>`
    select relname, vacuum_due as vacuum from (
      select s.relname,
        coalesce(s.last_analyze, s.last_autoanalyze) is null
          or s.n_mod_since_analyze > 50 + s.n_live_tup / 10 as analyse_due,
        (current_setting('autovacuum') = 'off'
            or exists (select 1 from pg_options_to_table(c.reloptions) o
              where o.option_name = 'autovacuum_enabled' and not o.option_value::boolean))
          and (s.n_dead_tup > 50 + s.n_live_tup / 5
            or s.n_ins_since_vacuum > 1000 + s.n_live_tup / 5) as vacuum_due
      from pg_stat_user_tables s join pg_class c on c.oid = s.relid
      where s.schemaname = current_schema()
    ) due
    where analyse_due or vacuum_due`.execute(db);
  for (const { relname, vacuum } of stale.rows) {
    // VACUUM cannot run in a transaction; there the table is only analysed.
    if (vacuum && !db.isTransaction) await sql`VACUUM (ANALYZE) ${sql.table(relname)}`.execute(db);
    else await sql`ANALYZE ${sql.table(relname)}`.execute(db);
  }
}

/**
 * Refreshes stale statistics every `intervalMs` (default hourly) for as long as the process
 * serves; the timer never keeps the process alive. Returns the function that stops it.
 */
export function keepPlannerStatisticsFresh(
  db: Kysely<Database>,
  onError: (err: unknown) => void,
  intervalMs = 60 * 60 * 1000,
): () => void {
  const timer = setInterval(() => {
    refreshPlannerStatistics(db).catch(onError);
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
