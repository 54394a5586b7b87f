import { describe, expect, it } from 'vitest';
import { migrateToLatest } from '../src/client';
import { seedDemoDistrict } from '../src/demo';
import { migrations } from '../src/migrations';
import { observationsOfGoals, summarizeGoalRow } from '../src/queries/goal-summaries';
import { testTargets } from '../src/testing';

// Migration o changes what a stored goal summary means (least-squares trend with a minimum of
// points, the robust line beside it, the mastery rule a push-in goal can meet). A database
// migrated before it holds summaries of the old meaning: migrating must replace every one with
// a recompute by the current progress math, and add the report line's status reason.

const targets = await testTargets();
const O = '2026_11_30_o_progress_rules';

for (const target of targets) {
  describe(`migration o on ${target.dialect}`, () => {
    it('recomputes every stored goal summary and adds the status reason', async () => {
      const conn = await target.open();
      try {
        const { districtId } = await seedDemoDistrict(conn.db, {
          students: 12,
          today: '2026-03-11',
          passwordHash: 'x',
          emailDomain: 'migration-o.test',
        });
        // Back to before o, with summaries that say something else (as the old math did).
        await migrations[O]!.down!(conn.db);
        await conn.db
          .deleteFrom('kysely_migration' as never)
          .where('name' as never, '=', O as never)
          .execute();
        await conn.db.updateTable('goal_summary').set({ summary: '{"stale":true}' }).execute();

        // Later migrations stay applied; o alone runs again, out of order.
        expect(await migrateToLatest(conn.db, { allowUnorderedMigrations: true })).toEqual([O]);

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
        const columns = (await conn.db.introspection.getTables()).find(
          (t) => t.name === 'progress_report_goal',
        )!.columns;
        expect(columns.map((c) => c.name)).toContain('status_reason');
      } finally {
        await conn.close();
      }
    }, 60_000);
  });
}
