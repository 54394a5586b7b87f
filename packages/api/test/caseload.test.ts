import type { Connection, DB } from '@carryover/db';
import { testTargets } from '@carryover/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { A, as, B, buildFixture, emails, expectedScope, openTestDb } from './fixtures';

const targets = await testTargets();

for (const target of targets) {
  describe(`caseload on ${target.dialect}`, () => {
    let conn: Connection;
    beforeAll(async () => {
      conn = await openTestDb(target);
      await buildFixture(conn.db);
    });
    afterAll(() => conn?.close());

    it.each(Object.entries(expectedScope))(
      'the caseload of %s is exactly their scope',
      async (email, expected) => {
        const caller = await as(conn, email);
        const rows = await caller.caseload.list();
        expect(rows.map((r) => r.studentId).sort()).toEqual([...expected].sort());
      },
    );

    it('adds up this week’s minutes and reports each goal’s status', async () => {
      const rows = await (await as(conn, emails.admin)).caseload.list();
      const byId = new Map(rows.map((r) => [r.studentId, r]));

      const ava = byId.get(A.students.ava)!;
      // Delivered: SLP 30 (delivered) + SLP 30 (makeup) + OT 25 this week; last week's 30 is out.
      expect(ava.minutesDeliveredThisWeek).toBe(85);
      // Mandated: SLP 60/week + OT 120/month × 12/52 = 60 + 27.7 → 88.
      expect(ava.minutesMandatedThisWeek).toBe(88);
      expect(ava.name).toBe('Ava Lopez');
      expect(ava.schoolName).toBe('North Elementary');
      expect(ava.homeroom).toBe('Room 12');
      expect(ava.nextIepDate).toBe('2026-04-20');
      expect(ava.nextIepEvent).toBe('annual_review');
      const avaStatus = Object.fromEntries(ava.goals.map((g) => [g.id, g.progress.status]));
      expect(avaStatus).toEqual({
        [A.goals.avaArtic]: 'on_track',
        [A.goals.avaHandwriting]: 'no_data',
      });

      const ben = byId.get(A.students.ben)!;
      // The provider-absent session delivers nothing; the ended SLP service mandates nothing.
      expect(ben.minutesDeliveredThisWeek).toBe(25);
      expect(ben.minutesMandatedThisWeek).toBe(30);
      expect(ben.goals.map((g) => g.progress.status)).toEqual(['at_risk']);

      const cara = byId.get(A.students.cara)!;
      expect(cara.minutesDeliveredThisWeek).toBe(0);
      expect(cara.minutesMandatedThisWeek).toBe(45);
      expect(cara.goals.map((g) => g.progress.status)).toEqual(['mastered']);
      expect(cara.nextIepDate).toBe('2026-05-05');
      expect(cara.nextIepEvent).toBe('re_evaluation');

      const dev = byId.get(A.students.dev)!;
      expect(dev.goals).toEqual([]);
      expect(dev.minutesMandatedThisWeek).toBe(0);
      expect(dev.homeroom).toBeNull();
    });

    it('filters by status, discipline and name', async () => {
      const admin = await as(conn, emails.admin);
      const atRisk = await admin.caseload.list({ status: 'at_risk' });
      expect(atRisk.map((r) => r.studentId)).toEqual([A.students.ben]);

      const ot = await admin.caseload.list({ discipline: 'OT' });
      expect(ot.map((r) => r.studentId).sort()).toEqual([A.students.ava, A.students.ben].sort());
      const avaOt = ot.find((r) => r.studentId === A.students.ava)!;
      expect(avaOt.goals.map((g) => g.discipline)).toEqual(['OT']);
      expect(avaOt.minutesDeliveredThisWeek).toBe(25);
      expect(avaOt.minutesMandatedThisWeek).toBe(28);

      expect((await admin.caseload.list({ search: 'sing' })).map((r) => r.studentId)).toEqual([
        A.students.cara,
      ]);
      // LIKE wildcards are literal characters.
      expect(await admin.caseload.list({ search: '%' })).toEqual([]);
    });

    it('uses a fixed number of queries however large the caseload', async () => {
      let queries = 0;
      const counter: Parameters<DB['withPlugin']>[0] = {
        transformQuery: (args) => {
          queries++;
          return args.node;
        },
        transformResult: async (args) => args.result,
      };
      const counted = conn.db.withPlugin(counter);
      const run = async (email: string) => {
        const caller = await as(conn, email, { db: counted });
        queries = 0;
        const rows = await caller.caseload.list();
        return { rows: rows.length, queries };
      };
      const small = await run(emails.slpa);
      const large = await run(emails.admin);
      expect(small.rows).toBe(1);
      expect(large.rows).toBe(4);
      expect(large.queries).toBe(small.queries);
    });

    it('never shows another district', async () => {
      const rows = await (await as(conn, emails.admin)).caseload.list();
      expect(rows.map((r) => r.studentId)).not.toContain(B.student);
    });
  });
}
