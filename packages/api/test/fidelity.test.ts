import type { Connection } from '@carryover/db';
import { testTargets } from '@carryover/db/testing';
import { computeFidelity, FIDELITY_CSV_HEADER, fidelityWeekLine } from '@carryover/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { A, as, auditedStudents, B, buildFixture, emails, openTestDb } from './fixtures';

// The fidelity report per student and discipline comes from computeFidelity over the rows in
// scope; the caseload's "minutes behind" is the same number.

const targets = await testTargets();
const WEEK = { from: '2026-03-09', to: '2026-03-15' };

for (const target of targets) {
  describe(`fidelity on ${target.dialect}`, () => {
    let conn: Connection;
    beforeAll(async () => {
      conn = await openTestDb(target);
      await buildFixture(conn.db);
    });
    afterAll(() => conn?.close());

    it('reports each student’s services in scope with the domain arithmetic', async () => {
      const slp = await as(conn, emails.slp);
      const view = await slp.fidelity.report(WEEK);
      expect(view.policy).toBe('unexcused_only');
      expect(view.rows.map((r) => [r.studentId, r.discipline]).sort()).toEqual(
        [
          [A.students.ava, 'OT'],
          [A.students.ava, 'SLP'],
          [A.students.cara, 'SLP'],
        ].sort(),
      );
      const avaSlp = view.rows.find(
        (r) => r.studentId === A.students.ava && r.discipline === 'SLP',
      )!;
      const expected = computeFidelity({
        services: [
          {
            id: A.services.avaSlp,
            minutes: 60,
            per: 'week',
            startDate: '2025-09-15',
            endDate: '2026-09-14',
            model: 'split',
            split: [
              { model: 'push_in', minutes: 30 },
              { model: 'pull_out', minutes: 30 },
            ],
          },
        ],
        sessions: [
          {
            date: '2026-03-09',
            minutes: 30,
            attendance: 'delivered',
            serviceId: A.services.avaSlp,
            model: 'push_in',
          },
          {
            date: '2026-03-10',
            minutes: 30,
            attendance: 'makeup',
            serviceId: A.services.avaSlp,
            model: 'pull_out',
          },
        ],
        policy: 'unexcused_only',
        ...WEEK,
        today: '2026-03-11',
      });
      expect(avaSlp.figures).toEqual(expected.total);
      // Each week goes to the page as the line its week details show, from the same arithmetic.
      expect(avaSlp.weeks).toEqual(expected.weeks.map(fidelityWeekLine));
      expect(Object.keys(avaSlp.weeks[0]!).sort()).toEqual([
        'behind',
        'delivered',
        'from',
        'makeupDelivered',
        'mandated',
        'missedTotal',
        'to',
        'weekStart',
      ]);
      expect(avaSlp.figures.delivered).toBe(30);
      expect(avaSlp.figures.makeupDelivered).toBe(30);
      expect(avaSlp.providerName).toBe('Sam Speech');
      // Cara's excused absence is accounted for (not owed) under "unexcused only".
      const cara = view.rows.find((r) => r.studentId === A.students.cara)!;
      expect(cara.figures.missed.student_absent_excused).toBe(30);
      expect(cara.figures.accounted).toBe(30);
      expect(cara.figures.makeupsOwed).toBe(0);
    });

    it('owes provider absences: Ben’s OT row', async () => {
      const ot = await as(conn, emails.ot);
      const view = await ot.fidelity.report({ from: '2026-03-09', to: '2026-03-15' });
      const ben = view.rows.find((r) => r.studentId === A.students.ben)!;
      // ses-5 (provider absent) is dated tomorrow, logged ahead: still owed.
      expect(ben.figures.missed.provider_absent).toBe(30);
      expect(ben.figures.owed).toBe(30);
      expect(ben.figures.makeupsOwed).toBe(30);
      expect(ben.figures.delivered).toBe(25);
    });

    it('shows a coordinator their schools only, never another district; refuses teachers', async () => {
      const coordinator = await as(conn, emails.coordinator);
      const view = await coordinator.fidelity.report(WEEK);
      expect([...new Set(view.rows.map((r) => r.studentId))]).toEqual([A.students.cara]);
      expect(view.rows.every((r) => r.schoolName === 'South Elementary')).toBe(true);
      const other = await as(conn, emails.otherDistrict);
      const theirs = await other.fidelity.report(WEEK);
      expect(theirs.rows.map((r) => r.studentId)).toEqual([B.student]);
      const teacher = await as(conn, emails.teacher);
      for (const call of [() => teacher.fidelity.report(WEEK), () => teacher.fidelity.csv(WEEK)]) {
        expect((await call().catch((e) => e)).code).toBe('FORBIDDEN');
      }
      const denied = await conn.db
        .selectFrom('audit_event')
        .select('action')
        .where('actor_id', '=', A.staff.teacher)
        .where('outcome', '=', 'denied')
        .execute();
      expect(denied.map((d) => d.action).sort()).toEqual(['fidelity.csv', 'fidelity.report']);
    });

    it('refuses a period that ends before it starts, and a period of another district', async () => {
      const slp = await as(conn, emails.slp);
      expect(
        (await slp.fidelity.report({ from: '2026-03-15', to: '2026-03-09' }).catch((e) => e)).code,
      ).toBe('BAD_REQUEST');
      expect((await slp.fidelity.report({ periodId: 'no-such-period' }).catch((e) => e)).code).toBe(
        'NOT_FOUND',
      );
    });

    it('exports CSV with the expected columns, and audits every student in it', async () => {
      const slp = await as(conn, emails.slp);
      const { csv, filename } = await slp.fidelity.csv(WEEK);
      expect(filename).toBe('service-fidelity_2026-03-09_2026-03-15.csv');
      // Every field is quoted (the names here hold no quotes of their own).
      const lines = csv.replaceAll('"', '').trim().split('\r\n');
      expect(lines[0]).toBe(FIDELITY_CSV_HEADER.join(','));
      expect(lines).toHaveLength(4);
      expect(lines.some((l) => l.startsWith('Ava Lopez,North Elementary,SLP,Sam Speech,'))).toBe(
        true,
      );
      const reads = (await auditedStudents(conn.db, { action: 'fidelity.csv' })).filter(
        (r) => r.outcome === 'ok',
      );
      expect(reads.map((r) => r.student_id).sort()).toEqual(
        [A.students.ava, A.students.cara].sort(),
      );
    });

    it('gives the caseload the same minutes behind as the report for the current period', async () => {
      const slp = await as(conn, emails.slp);
      const { items: rows } = await slp.caseload.list();
      const view = await slp.fidelity.report();
      expect(view.periodName).toBe('School year');
      for (const row of rows) {
        const behind = view.rows
          .filter((r) => r.studentId === row.studentId)
          .reduce((sum, r) => sum + r.figures.behind, 0);
        expect(row.minutesBehind).toBe(behind);
      }
      expect(rows.find((r) => r.studentId === A.students.ava)!.minutesBehind).toBeGreaterThan(0);
    });
  });
}
