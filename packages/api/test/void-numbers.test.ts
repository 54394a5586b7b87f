import { type Connection, loadComparisonColumns, loadComparisonInput } from '@carryover/db';
import { testTargets } from '@carryover/db/testing';
import type { SessionLogInput } from '@carryover/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { A, as, buildFixture, emails, openTestDb } from './fixtures';

// A voided session stays on record, struck through, but its data points leave every number:
// the goal's graph points and level, the kept per-goal summary, and the Outcomes comparison
// input (points and delivered minutes). Each check compares against the numbers before the
// session was logged, so counting the voided session anywhere fails here.

const targets = await testTargets();

const SESSION_DATE = '2026-03-10';

function sessionWithData(): SessionLogInput {
  return {
    idempotencyKey: `void-numbers-${Date.now().toString(36)}-abcdef`,
    date: SESSION_DATE,
    startTime: '08:00',
    endTime: '08:40',
    model: 'pull_out',
    setting: 'therapy_room',
    students: [
      {
        studentId: A.students.ava,
        attendance: 'delivered',
        note: 'Initial /s/ blends.',
        // Every trial correct: a point far above the goal's other data, so it moves the level.
        goals: [{ goalId: A.goals.avaArtic, trials: { trials: 20, correct: 20 } }],
      },
    ],
  };
}

for (const target of targets) {
  describe(`a voided session's data on ${target.dialect}`, () => {
    let conn: Connection;
    beforeAll(async () => {
      conn = await openTestDb(target);
      await buildFixture(conn.db);
    });
    afterAll(() => conn?.close());

    /** Everything a counted point would change, read through the real readers. */
    async function numbers() {
      const slp = await as(conn, emails.slp);
      const detail = await slp.student.get({ studentId: A.students.ava });
      const goal = detail.goals.find((g) => g.id === A.goals.avaArtic)!;
      const summary = await conn.db
        .selectFrom('goal_summary')
        .select(['point_count', 'last_observed_on', 'summary'])
        .where('district_id', '=', A.district)
        .where('goal_id', '=', A.goals.avaArtic)
        .executeTakeFirstOrThrow();
      const input = await loadComparisonInput(conn.db, A.district);
      const compared = input.goals.find((g) => g.id === A.goals.avaArtic)!;
      const { columns } = await loadComparisonColumns(conn.db, A.district);
      const i = columns.goals.findIndex((g) => g.id === A.goals.avaArtic);
      return {
        graph: goal.points.map((p) => `${p.date}:${p.raw}`),
        level: goal.progress.level,
        trend: goal.progress.trend,
        summary: {
          pointCount: summary.point_count,
          lastObservedOn: summary.last_observed_on,
          figures: JSON.parse(summary.summary),
        },
        outcomesPoints: compared.observations.length,
        outcomesMinutes: compared.deliveredMinutes.filter((m) => m.date === SESSION_DATE).length,
        columnPoints: columns.pointTo[i]! - columns.pointFrom[i]!,
        columnMinutes: columns.minuteTo[i]! - columns.minuteFrom[i]!,
      };
    }

    it('counts a signed session, then leaves it out everywhere once voided', async () => {
      const before = await numbers();
      const slp = await as(conn, emails.slp);
      const { sessionId } = await slp.sessions.log(sessionWithData());
      await slp.sessions.signAll({ sessionId });

      const counted = await numbers();
      // The session is counted while it stands (so the checks below can see it leave).
      expect(counted.graph).toContain(`${SESSION_DATE}:100`);
      expect(counted.graph).toHaveLength(before.graph.length + 1);
      expect(counted.summary.pointCount).toBe(before.summary.pointCount + 1);
      expect(counted.level).not.toBe(before.level);
      expect(counted.outcomesPoints).toBe(before.outcomesPoints + 1);
      expect(counted.outcomesMinutes).toBe(before.outcomesMinutes + 1);
      expect(counted.columnPoints).toBe(before.columnPoints + 1);
      expect(counted.columnMinutes).toBe(before.columnMinutes + 1);

      await slp.sessions.void({ sessionId, reason: 'Logged for the wrong student.' });

      const voided = await numbers();
      expect(voided).toEqual(before);
      // Still on record: the session list shows it, struck through, with its data.
      const listed = (await slp.sessions.recent()).find((s) => s.id === sessionId)!;
      expect(listed.voidReason).toBe('Logged for the wrong student.');
      const stored = await conn.db
        .selectFrom('observation')
        .select('voided_at')
        .where('district_id', '=', A.district)
        .where('session_id', '=', sessionId)
        .execute();
      expect(stored).toHaveLength(1);
      expect(stored[0]!.voided_at).toBe(listed.voidedAt);
    });

    it('rebuilding the summaries from scratch leaves the voided points out too', async () => {
      const { rebuildGoalSummaries } = await import('@carryover/db');
      const kept = await conn.db
        .selectFrom('goal_summary')
        .select(['goal_id', 'point_count', 'summary'])
        .where('district_id', '=', A.district)
        .orderBy('goal_id')
        .execute();
      await rebuildGoalSummaries(conn.db, A.district);
      const rebuilt = await conn.db
        .selectFrom('goal_summary')
        .select(['goal_id', 'point_count', 'summary'])
        .where('district_id', '=', A.district)
        .orderBy('goal_id')
        .execute();
      expect(rebuilt).toEqual(kept);
    });
  });
}
