import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { testTargets } from '../src/testing';

const targets = await testTargets();

for (const target of targets) {
  describe(`migrations on ${target.dialect}`, () => {
    it('creates every table with district_id leading its key', async () => {
      const conn = await target.open();
      try {
        const tables = await conn.db.introspection.getTables();
        const names = tables.map((t) => t.name).filter((n) => !n.startsWith('kysely_'));
        expect(names).toContain('observation');
        expect(names).toContain('audit_event');
        for (const t of tables) {
          if (t.name.startsWith('kysely_') || t.name === 'district' || t.name === 'login_attempt')
            continue;
          expect(
            t.columns.map((c) => c.name),
            t.name,
          ).toContain('district_id');
        }
        // A row pointing at another district's school is refused by the composite foreign key.
        await conn.db
          .insertInto('district')
          .values([
            { id: 'd1', name: 'One', settings: '{}', created_at: '2026-01-01' },
            { id: 'd2', name: 'Two', settings: '{}', created_at: '2026-01-01' },
          ])
          .execute();
        await conn.db
          .insertInto('school')
          .values({ district_id: 'd1', id: 's1', name: 'S' })
          .execute();
        await expect(
          conn.db
            .insertInto('classroom')
            .values({
              district_id: 'd2',
              id: 'c1',
              school_id: 's1',
              teacher_id: null,
              grade: '1',
              name: 'C',
            })
            .execute(),
        ).rejects.toThrow();
        const ok = await sql<{ one: number }>`select 1 as one`.execute(conn.db);
        expect(Number(ok.rows[0]?.one)).toBe(1);
      } finally {
        await conn.close();
      }
    });
  });
}
