import { describe, expect, it } from 'vitest';
import { migrateToLatest } from '../src/client';
import { seedDemoDistrict } from '../src/demo';
import { observationsOfGoals, summarizeGoalRow } from '../src/queries/goal-summaries';
import { testTargets } from '../src/testing';

// Migration za changes what a stored goal summary means (data taken in one of the goal's linked
// routines count with the classroom's for mastery). A database migrated before it holds
// summaries of the old meaning: migrating must replace every one with a recompute.

const targets = await testTargets();
const ZA = '2026_11_30_za_mastery_routines';

for (const target of targets) {
  describe(`migration za on ${target.dialect}`, () => {
    it('recomputes every stored goal summary with the linked-routine mastery rule', async () => {
      const conn = await target.open();
      try {
        const { districtId } = await seedDemoDistrict(conn.db, {
          students: 12,
          today: '2026-03-11',
          passwordHash: 'x',
          emailDomain: 'migration-za.test',
        });
        // Back to before za, with summaries that say something else.
        await conn.db
          .deleteFrom('kysely_migration' as never)
          .where('name' as never, '=', ZA as never)
          .execute();
        await conn.db.updateTable('goal_summary').set({ summary: '{"stale":true}' }).execute();

        expect(await migrateToLatest(conn.db, { allowUnorderedMigrations: true })).toEqual([ZA]);

        const goals = await conn.db
          .selectFrom('goal')
          .selectAll()
          .where('district_id', '=', districtId)
          .execute();
        const stored = await conn.db.selectFrom('goal_summary').selectAll().execute();
        expect(goals.length).toBeGreaterThan(12);
        expect(stored).toHaveLength(goals.length);
        const byGoal = new Map(stored.map((s) => [s.goal_id, s]));
        for (const goal of goals) {
          const fresh = summarizeGoalRow(
            goal,
            await observationsOfGoals(conn.db, districtId, [goal.id]),
          );
          expect(JSON.parse(byGoal.get(goal.id)!.summary), goal.id).toEqual(fresh);
        }
      } finally {
        await conn.close();
      }
    }, 60_000);
  });
}
