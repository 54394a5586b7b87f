import type { Connection } from '@carryover/db';
import { testTargets } from '@carryover/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { A, as, buildFixture, emails, openCapturingTestDb, sessionInput } from './fixtures';

// The district's data version is one row that every write of the district updates and holds
// locked until commit (packages/db/src/queries/data-version.ts). Bumped first, it queued the
// district's writes one whole transaction after another; so each write bumps it last, after
// every other change it makes and its goal and student locks, with only the audit append after.
// This captures the statements of the busiest writes, in order, and checks just that.

const targets = await testTargets();

/** What a statement writes: its verb and table, or null for a read. */
function writeOf(text: string): string | null {
  const m = /^\s*(insert) into\s+"(\w+)"|^\s*(update)\s+"(\w+)"|^\s*(delete) from\s+"(\w+)"/i.exec(
    text,
  );
  if (!m) return null;
  const [verb, table] = [m[1] ?? m[3] ?? m[5], m[2] ?? m[4] ?? m[6]];
  return `${verb!.toLowerCase()} ${table}`;
}

const AUDIT_TABLES = new Set(['audit_event', 'audit_event_student']);

/** The writes of one call, in order, and where the version bump falls among them. */
function versionPlace(statements: readonly string[]) {
  const writes = statements.flatMap((s) => writeOf(s) ?? []);
  const bumps = writes.flatMap((w, i) => (w === 'insert district_data_version' ? [i] : []));
  const after = writes.slice((bumps.at(-1) ?? writes.length) + 1);
  return { writes, bumps, after: after.filter((w) => !AUDIT_TABLES.has(w.split(' ')[1]!)) };
}

let keyCounter = 0;
const session = () =>
  sessionInput(`version-order-${++keyCounter}-abcdefghij`, [
    {
      studentId: A.students.ava,
      attendance: 'delivered',
      goals: [{ goalId: A.goals.avaArtic, trials: { trials: 10, correct: 6 } }],
    },
  ]);

for (const target of targets) {
  describe(`the data version is the last thing a write changes, on ${target.dialect}`, () => {
    let conn: Connection;
    let statements: string[];
    beforeAll(async () => {
      ({ conn, statements } = await openCapturingTestDb(target));
      await buildFixture(conn.db);
    });
    afterAll(() => conn?.close());

    const during = async (call: () => Promise<unknown>) => {
      statements.length = 0;
      await call();
      return versionPlace(statements);
    };

    it('logs and edits a session: the bump follows the session, its summaries and digests', async () => {
      const slp = await as(conn, emails.slp);
      const logged = await during(() => slp.sessions.log(session()));
      // The write did change comparison data, summaries included, before the bump.
      expect(logged.writes).toEqual(
        expect.arrayContaining(['insert therapy_session', 'insert observation']),
      );
      expect(logged.bumps.length).toBeGreaterThan(0);
      expect(logged.after).toEqual([]);
      expect(logged.writes.indexOf('insert goal_summary')).toBeLessThan(logged.bumps[0]!);

      const { sessionId } = await slp.sessions.log(session());
      const edited = await during(() =>
        slp.sessions.editDraft({
          sessionId,
          expectedVersion: 1,
          date: '2026-03-09',
          startTime: '10:00',
          endTime: '10:40',
          students: [{ studentId: A.students.ava, attendance: 'delivered' }],
        }),
      );
      expect(edited.bumps.length).toBeGreaterThan(0);
      expect(edited.after).toEqual([]);
    });

    it("changes a goal's model: the bump follows the change and the goal's digest", async () => {
      const slp = await as(conn, emails.slp);
      const changed = await during(() =>
        slp.modelChanges.create({
          studentId: A.students.ava,
          goalId: A.goals.avaArtic,
          toModel: 'pull_out',
          changedOn: '2026-03-11',
          reason: 'Carryover into writing.',
        }),
      );
      expect(changed.writes).toEqual(expect.arrayContaining(['insert model_change']));
      expect(changed.bumps.length).toBeGreaterThan(0);
      expect(changed.after).toEqual([]);
    });
  });
}
