import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { refreshPlannerStatistics } from '../src/queries/maintenance';
import { testTargets } from '../src/testing';

// The planner's statistics are what keep one student's reads on a student-leading index at
// district scale; nothing else in the app ever makes them.

const targets = await testTargets();

for (const target of targets) {
  describe(`planner statistics on ${target.dialect}`, () => {
    it('a routine refresh analyses tables never analysed; one after a bulk load re-analyses (and on Postgres vacuums) every table', async () => {
      const conn = await target.open();
      try {
        await conn.db
          .insertInto('district')
          .values({ id: 'd1', name: 'One', settings: '{}', created_at: '2026-01-01' })
          .execute();
        await conn.db
          .insertInto('school')
          .values(
            Array.from({ length: 60 }, (_, i) => ({ district_id: 'd1', id: `s${i}`, name: 'S' })),
          )
          .execute();
        const analysed = async (): Promise<string[]> => {
          if (conn.dialect === 'sqlite') {
            const r = await sql<{ tbl: string }>`select distinct tbl from sqlite_stat1`
              .execute(conn.db)
              .catch(() => ({ rows: [] as { tbl: string }[] }));
            return r.rows.map((row) => row.tbl).sort();
          }
          const r = await sql<{ relname: string }>`
            select relname from pg_stat_user_tables
            where schemaname = current_schema() and last_analyze is not null`.execute(conn.db);
          return r.rows.map((row) => row.relname).sort();
        };
        expect(await analysed()).not.toContain('school');

        await refreshPlannerStatistics(conn.db);
        expect(await analysed()).toContain('school');
        expect(await analysed()).toContain('district');

        // A bulk load re-analyses every table, even one that changed too little for a routine
        // refresh to bother with: the planner sees the new row count.
        const schoolRows = async (): Promise<number> => {
          const r =
            conn.dialect === 'sqlite'
              ? await sql<{
                  n: string;
                }>`select stat as n from sqlite_stat1 where tbl = 'school' limit 1`.execute(conn.db)
              : await sql<{
                  n: number;
                }>`select reltuples as n from pg_class where relname = 'school'`.execute(conn.db);
          return Number.parseInt(String(r.rows[0]?.n), 10);
        };
        expect(await schoolRows()).toBe(60);
        await conn.db
          .insertInto('school')
          .values({ district_id: 'd1', id: 'x', name: 'X' })
          .execute();
        await refreshPlannerStatistics(conn.db);
        expect(await schoolRows()).toBe(60);
        const vacuumed = async (): Promise<boolean> => {
          const r = await sql<{ at: string | null }>`
            select last_vacuum as at from pg_stat_user_tables
            where schemaname = current_schema() and relname = 'school'`.execute(conn.db);
          return r.rows[0]?.at != null;
        };
        if (conn.dialect === 'postgres') expect(await vacuumed()).toBe(false);
        await refreshPlannerStatistics(conn.db, { afterBulkLoad: true });
        expect(await schoolRows()).toBe(61);
        // On Postgres a bulk load is vacuumed too (visibility map, commit hints), not only
        // analysed: autovacuum may be off, or come much later.
        if (conn.dialect === 'postgres') expect(await vacuumed()).toBe(true);
      } finally {
        await conn.close();
      }
    });

    it.runIf(target.dialect === 'postgres')(
      'where autovacuum is off, a routine refresh vacuums a table past its thresholds, as autovacuum would',
      async () => {
        const conn = await target.open();
        try {
          // Off for this table whatever the server's setting, as on a server with it off.
          await sql`ALTER TABLE school SET (autovacuum_enabled = off)`.execute(conn.db);
          await conn.db
            .insertInto('district')
            .values({ id: 'd1', name: 'One', settings: '{}', created_at: '2026-01-01' })
            .execute();
          await refreshPlannerStatistics(conn.db);
          const vacuumedAt = async (): Promise<string | null> => {
            const r = await sql<{ at: string | null }>`
              select last_vacuum as at from pg_stat_user_tables
              where schemaname = current_schema() and relname = 'school'`.execute(conn.db);
            return r.rows[0]?.at ?? null;
          };
          const inserted = async (): Promise<number> => {
            const r = await sql<{ n: string }>`
              select n_ins_since_vacuum as n from pg_stat_user_tables
              where schemaname = current_schema() and relname = 'school'`.execute(conn.db);
            return Number(r.rows[0]?.n ?? 0);
          };
          // 1,500 new rows: past autovacuum's insert threshold (1,000 + 20% of the rows).
          await conn.db.transaction().execute(async (trx) => {
            await trx
              .insertInto('school')
              .values(
                Array.from({ length: 1500 }, (_, i) => ({
                  district_id: 'd1',
                  id: `s${i}`,
                  name: 'S',
                })),
              )
              .execute();
            // Counters reach the shared statistics when a backend is idle; now, not in seconds.
            await sql`select pg_stat_force_next_flush()`.execute(trx);
          });
          await expect.poll(inserted, { timeout: 20_000 }).toBe(1500);
          expect(await vacuumedAt()).toBeNull();
          await refreshPlannerStatistics(conn.db);
          expect(await vacuumedAt()).not.toBeNull();
          expect(await inserted()).toBe(0);
        } finally {
          await conn.close();
        }
      },
      60_000,
    );
  });
}
