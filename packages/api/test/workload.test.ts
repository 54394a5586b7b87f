import { type Connection, type DB, rebuildFidelitySummaries } from '@carryover/db';
import { testTargets } from '@carryover/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { A, addReportingPeriods, as, buildFixture, emails, openTestDb, PERIODS } from './fixtures';

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

/**
 * More variety than the shared fixture: a monthly mandate starting mid-week, a second SLP
 * service for Cara by another provider starting later (it becomes her SLP row's provider), a
 * session without a service (counted by its provider's discipline), an owed absence.
 */
async function addVariety(db: DB): Promise<void> {
  const service = (id: string, student: string, discipline: string, provider: string) => ({
    district_id: A.district,
    id,
    student_id: student,
    discipline,
    provider_id: provider,
    per: 'week' as 'week' | 'month',
    model: 'pull_out',
  });
  await db
    .insertInto('service')
    .values([
      {
        ...service('svc-w1', A.students.dev, 'OT', A.staff.ot),
        minutes: 90,
        per: 'month',
        start_date: '2026-01-27',
        end_date: '2026-06-05',
      },
      {
        ...service('svc-w2', A.students.cara, 'SLP', A.staff.ot),
        minutes: 25,
        start_date: '2026-02-04',
        end_date: '2026-03-13',
      },
    ])
    .execute();
  const session = (id: string, date: string, minutes: number) => ({
    district_id: A.district,
    id,
    session_date: date,
    start_time: '10:00',
    end_time: '10:40',
    minutes,
    provider_id: A.staff.ot,
    model: 'pull_out',
    setting: 'therapy_room',
    routine_id: null,
    collaboration_mode: null,
    group_size: 1,
    idempotency_key: null,
    created_by: A.staff.ot,
    cosigned_by: null,
    cosigned_at: null,
    created_at: '2026-03-01T00:00:00.000Z',
  });
  await db
    .insertInto('therapy_session')
    .values([
      session('ses-w1', '2026-03-03', 40),
      session('ses-w2', '2026-03-04', 20),
      session('ses-w3', '2026-02-11', 25),
    ])
    .execute();
  const attend = (
    sessionId: string,
    student: string,
    serviceId: string | null,
    attendance: string,
  ) => ({
    district_id: A.district,
    session_id: sessionId,
    student_id: student,
    service_id: serviceId,
    attendance,
    note: '',
    signed_at: null,
    signed_by: null,
  });
  await db
    .insertInto('session_student')
    .values([
      attend('ses-w1', A.students.dev, 'svc-w1', 'delivered'),
      attend('ses-w2', A.students.dev, null, 'student_absent_unexcused'),
      attend('ses-w3', A.students.cara, 'svc-w2', 'refused'),
    ])
    .execute();
  // Raw rows bypass the write paths: rebuild the district's kept fidelity figures, as a bulk load does.
  await rebuildFidelitySummaries(db, A.district);
}

for (const target of targets) {
  describe(`workload against a recomputation on ${target.dialect}`, () => {
    let conn: Connection;
    beforeAll(async () => {
      conn = await openTestDb(target);
      await buildFixture(conn.db);
      await addReportingPeriods(conn.db);
      await addVariety(conn.db);
    });
    afterAll(() => conn?.close());

    it.each([
      ['admin', emails.admin],
      ['coordinator', emails.coordinator],
    ])(
      'gives the %s the fidelity rows summed per therapist, period by period',
      async (_, email) => {
        const caller = await as(conn, email);
        for (const periodId of [undefined, PERIODS.q2.id, PERIODS.q3.id]) {
          const team = await caller.workload.team(periodId ? { periodId } : undefined);
          // The straightforward way: every page of the report, summed per row's provider in JS.
          const rows = [];
          let cursor: string | null = null;
          do {
            const page = await caller.fidelity.report({ periodId, limit: 2, cursor });
            rows.push(...page.rows);
            cursor = page.nextCursor;
          } while (cursor);
          const expected = new Map<string, { students: Set<string>; sums: number[] }>();
          for (const r of rows) {
            const e = expected.get(r.providerId) ?? { students: new Set(), sums: [0, 0, 0, 0] };
            e.students.add(r.studentId);
            e.sums[0]! += r.figures.mandated;
            e.sums[1]! += r.figures.mandatedToDate;
            e.sums[2]! += r.figures.delivered + r.figures.makeupDelivered;
            e.sums[3]! += r.figures.behind;
            expected.set(r.providerId, e);
          }
          expect(rows.length).toBeGreaterThan(0);
          for (const [providerId, e] of expected) {
            const got = team.rows.find((r) => r.providerId === providerId);
            expect(got, providerId).toBeDefined();
            expect([
              got!.students,
              got!.mandated,
              got!.mandatedToDate,
              got!.delivered,
              got!.behind,
            ]).toEqual([e.students.size, ...e.sums]);
          }
          for (const r of team.rows.filter((x) => !expected.has(x.providerId)))
            expect([r.students, r.mandated, r.delivered, r.behind]).toEqual([0, 0, 0, 0]);
        }
      },
    );
  });
}
