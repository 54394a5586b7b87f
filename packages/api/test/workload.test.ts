import type { Connection } from '@carryover/db';
import { testTargets } from '@carryover/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { A, as, buildFixture, emails, openTestDb } from './fixtures';

// Workload per therapist for a coordinator's schools: the fidelity report's own minutes summed
// per provider, goals and sessions counted over the same students, the team median beside them.

const targets = await testTargets();

for (const target of targets) {
  describe(`workload on ${target.dialect}`, () => {
    let conn: Connection;
    beforeAll(async () => {
      conn = await openTestDb(target);
      await buildFixture(conn.db);
    });
    afterAll(() => conn?.close());

    it('sums the fidelity figures per therapist over the coordinator’s school only', async () => {
      const coordinator = await as(conn, emails.coordinator);
      const team = await coordinator.workload.team();
      const fidelity = await coordinator.fidelity.report(undefined);
      expect(team.from).toBe(fidelity.from);
      // South Elementary: only the SLP serves a student there (Cara); the OT serves North only.
      expect(team.rows.map((r) => r.providerId)).toEqual([A.staff.slp]);
      const slp = team.rows[0]!;
      const theirs = fidelity.rows.filter((r) => r.providerId === A.staff.slp);
      expect(slp.students).toBe(new Set(theirs.map((r) => r.studentId)).size);
      expect(slp.mandated).toBe(theirs.reduce((s, r) => s + r.figures.mandated, 0));
      expect(slp.delivered).toBe(
        theirs.reduce((s, r) => s + r.figures.delivered + r.figures.makeupDelivered, 0),
      );
      expect(team.median.students).toBe(slp.students);

      const admin = await as(conn, emails.admin);
      const all = await admin.workload.team();
      expect(all.rows.map((r) => r.providerId).sort()).toEqual([A.staff.ot, A.staff.slp].sort());
      const sorted = all.rows.map((r) => r.goals).sort((a, b) => a - b);
      expect(all.median.goals).toBe((sorted[0]! + sorted[1]!) / 2);
    });

    it('refuses therapists and teachers', async () => {
      for (const email of [emails.slp, emails.teacher]) {
        const caller = await as(conn, email);
        expect((await caller.workload.team().catch((e) => e)).code).toBe('FORBIDDEN');
      }
    });
  });
}
