import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { Migrator } from 'kysely/migration';
import { describe, expect, it } from 'vitest';
import { migrateToLatest, openDatabase } from '../src/client';
import { migrations } from '../src/migrations';

// Migration q makes a service's provider optional. SQLite cannot drop a NOT NULL, so the table
// is rebuilt: on a database with data, every service and every row pointing at one must survive.

describe('migration 2026_11_30_q_people on SQLite with data', () => {
  it('keeps every service and the rows that point at them, and accepts a service without a provider', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'carryover-mig-q-'));
    const conn = openDatabase(join(dir, 'q.sqlite'));
    try {
      const db = conn.db;
      const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
      const before = await migrator.migrateTo('2026_11_30_k_row_versions');
      expect(before.error).toBeUndefined();
      const d = 'd1';
      const t = '2026-01-01';
      await db
        .insertInto('district')
        .values({ id: d, name: 'D', settings: '{}', created_at: t })
        .execute();
      await db.insertInto('school').values({ district_id: d, id: 's1', name: 'S' }).execute();
      await sql`insert into staff_user (district_id, id, name, email, role, discipline, supervisor_id, password_hash, active, created_at)
        values (${d}, 'u1', 'T', 't@d.test', 'therapist', 'OT', null, 'x', 1, ${t})`.execute(db);
      await sql`insert into student (district_id, id, first_name, last_name, date_of_birth, grade, school_id, homeroom_id, iep_start, iep_annual_review, iep_reevaluation, created_at)
        values (${d}, 'st1', 'A', 'B', '2018-01-01', '2', 's1', null, '2025-09-01', '2026-08-31', '2028-08-31', ${t})`.execute(
        db,
      );
      await sql`insert into service (district_id, id, student_id, discipline, provider_id, minutes, per, model, start_date, end_date)
        values (${d}, 'sv1', 'st1', 'OT', 'u1', 60, 'week', 'split', '2025-09-01', '2026-08-31')`.execute(
        db,
      );
      await sql`insert into service_model_minutes (district_id, service_id, model, minutes)
        values (${d}, 'sv1', 'push_in', 30), (${d}, 'sv1', 'pull_out', 30)`.execute(db);

      await migrateToLatest(db);

      const services = await db
        .selectFrom('service')
        .select(['id', 'provider_id', 'version'])
        .execute();
      expect(services).toEqual([{ id: 'sv1', provider_id: 'u1', version: 1 }]);
      const splits = await db
        .selectFrom('service_model_minutes')
        .select('model')
        .orderBy('model')
        .execute();
      expect(splits.map((s) => s.model)).toEqual(['pull_out', 'push_in']);
      expect((await sql`pragma foreign_key_check`.execute(db)).rows).toEqual([]);
      expect(
        (await sql<{ foreign_keys: number }>`pragma foreign_keys`.execute(db)).rows[0]
          ?.foreign_keys,
      ).toBe(1);
      await db
        .insertInto('service')
        .values({
          district_id: d,
          id: 'sv2',
          student_id: 'st1',
          discipline: 'PT',
          provider_id: null,
          minutes: 30,
          per: 'month',
          model: 'consult',
          start_date: '2026-01-01',
          end_date: '2026-06-01',
        })
        .execute();
      // The composite foreign keys still hold: a service of a missing student is refused.
      await expect(
        db
          .insertInto('service')
          .values({
            district_id: d,
            id: 'sv3',
            student_id: 'nobody',
            discipline: 'PT',
            provider_id: null,
            minutes: 30,
            per: 'month',
            model: 'consult',
            start_date: '2026-01-01',
            end_date: '2026-06-01',
          })
          .execute(),
      ).rejects.toThrow();
      const indexes = await sql<{ name: string }>`
        select name from sqlite_master where type = 'index' and tbl_name = 'service' and sql is not null order by name`.execute(
        db,
      );
      expect(indexes.rows.map((r) => r.name)).toEqual(
        expect.arrayContaining([
          'service_provider_ix',
          'service_student_ix',
          'service_unassigned_ix',
        ]),
      );
    } finally {
      await conn.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
