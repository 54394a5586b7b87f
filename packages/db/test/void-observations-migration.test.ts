import { describe, expect, it } from 'vitest';
import { migrateToLatest } from '../src/client';
import { seedDemoDistrict } from '../src/demo';
import { migrations } from '../src/migrations';
import { observationsOfGoals, summarizeGoalRow } from '../src/queries/goal-summaries';
import { testTargets } from '../src/testing';

// Migration y: a session voided before it still had its points counted. Migrating must stamp
// those observations with the session's void time (and no others), and re-summarise the goals
// they touched, so the stored summaries leave them out like every later void.

const targets = await testTargets();
const Y = '2026_11_30_y_void_observations';

for (const target of targets) {
  describe(`migration y on ${target.dialect}`, () => {
    it('marks the observations of sessions voided before it and re-summarises their goals', async () => {
      const conn = await target.open();
      try {
        const { districtId } = await seedDemoDistrict(conn.db, {
          students: 12,
          today: '2026-03-11',
          passwordHash: 'x',
          emailDomain: 'migration-y.test',
        });
        // Back to before y.
        await migrations[Y]!.down!(conn.db);
        await conn.db
          .deleteFrom('kysely_migration' as never)
          .where('name' as never, '=', Y as never)
          .execute();
        // A session voided by the code before y: its points counted in the goals' summaries.
        const session = await conn.db
          .selectFrom('observation')
          .select(['session_id'])
          .where('district_id', '=', districtId)
          .where('session_id', 'is not', null)
          .orderBy('observed_on', 'desc')
          .orderBy('id')
          .executeTakeFirstOrThrow();
        const sessionId = session.session_id!;
        const voidedAt = '2026-03-10T23:30:00.000Z';
        await conn.db
          .updateTable('therapy_session')
          .set({ voided_at: voidedAt, void_reason: 'Logged twice.' })
          .where('district_id', '=', districtId)
          .where('id', '=', sessionId)
          .execute();
        const touched = (
          await conn.db
            .selectFrom('observation')
            .select('goal_id')
            .where('district_id', '=', districtId)
            .where('session_id', '=', sessionId)
            .execute()
        ).map((o) => o.goal_id);
        expect(touched.length).toBeGreaterThan(0);
        const countedBefore = await conn.db
          .selectFrom('goal_summary')
          .select(['goal_id', 'point_count'])
          .where('district_id', '=', districtId)
          .where('goal_id', 'in', touched)
          .execute();
        const untouched = await conn.db
          .selectFrom('goal_summary')
          .select(['goal_id', 'summary'])
          .where('district_id', '=', districtId)
          .where('goal_id', 'not in', touched)
          .orderBy('goal_id')
          .execute();

        // Later migrations stay applied; y alone runs again, out of order.
        expect(await migrateToLatest(conn.db, { allowUnorderedMigrations: true })).toEqual([Y]);

        const stamped = await conn.db
          .selectFrom('observation')
          .select(['session_id', 'voided_at'])
          .where('district_id', '=', districtId)
          .where('voided_at', 'is not', null)
          .execute();
        // The demo's own void (if the seed made one) and this one; nothing else.
        const voidedSessions = await conn.db
          .selectFrom('therapy_session')
          .select(['id', 'voided_at'])
          .where('district_id', '=', districtId)
          .where('voided_at', 'is not', null)
          .execute();
        const voidTime = new Map(voidedSessions.map((s) => [s.id, s.voided_at]));
        expect(stamped.some((o) => o.session_id === sessionId)).toBe(true);
        for (const o of stamped) expect(o.voided_at).toBe(voidTime.get(o.session_id!));

        const goals = await conn.db
          .selectFrom('goal')
          .selectAll()
          .where('district_id', '=', districtId)
          .where('id', 'in', touched)
          .execute();
        const stored = new Map(
          (
            await conn.db
              .selectFrom('goal_summary')
              .selectAll()
              .where('district_id', '=', districtId)
              .where('goal_id', 'in', touched)
              .execute()
          ).map((s) => [s.goal_id, s]),
        );
        for (const goal of goals) {
          const fresh = summarizeGoalRow(
            goal,
            await observationsOfGoals(conn.db, districtId, [goal.id]),
          );
          expect(JSON.parse(stored.get(goal.id)!.summary), goal.id).toEqual(fresh);
          const before = countedBefore.find((c) => c.goal_id === goal.id)!.point_count;
          expect(stored.get(goal.id)!.point_count).toBeLessThan(before);
        }
        // Goals the void did not touch keep their summaries as they were.
        expect(
          await conn.db
            .selectFrom('goal_summary')
            .select(['goal_id', 'summary'])
            .where('district_id', '=', districtId)
            .where('goal_id', 'not in', touched)
            .orderBy('goal_id')
            .execute(),
        ).toEqual(untouched);
      } finally {
        await conn.close();
      }
    }, 60_000);
  });
}
