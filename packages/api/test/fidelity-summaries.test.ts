import {
  type Connection,
  computeFidelitySummaries,
  loadFidelityData,
  loadReportingPeriods,
  loadWorkloadMinutes,
} from '@carryover/db';
import { seedDemoDistrict } from '@carryover/db/demo';
import { testTargets } from '@carryover/db/testing';
import { fidelityWeekLine, missedCategory, missedReasons } from '@carryover/domain';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fidelityRows } from '../src/router/fidelity';
import {
  A,
  addReportingPeriods,
  as,
  buildFixture,
  emails,
  fixturePasswordHash,
  openTestDb,
  PERIODS,
  sessionInput,
} from './fixtures';

// Fidelity summaries (docs/architecture.md) must equal a from-scratch recompute whatever writes
// came before: random sequences of the writes that change a student's sessions or services go
// through the router, then every stored row is compared with one computed from all the
// student's services and session records, and the pages (Fidelity report, totals, Workload,
// caseload minutes) with the fidelity arithmetic over the sessions themselves.

const targets = await testTargets();
const TODAY = '2026-03-11';
const POLICY = 'unexcused_only';

/** Every district's stored rows against a recompute from scratch; returns how many there are. */
async function expectSummariesFresh(conn: Connection): Promise<number> {
  const stored = await conn.db.selectFrom('fidelity_summary').selectAll().execute();
  const districts = await conn.db.selectFrom('district').select('id').execute();
  const fresh = [];
  for (const { id } of districts) {
    const students = await conn.db
      .selectFrom('student')
      .select('id')
      .where('district_id', '=', id)
      .execute();
    for (const row of await computeFidelitySummaries(
      conn.db,
      id,
      students.map((s) => s.id),
    ))
      fresh.push({ district_id: id, ...row });
  }
  const key = (r: {
    district_id: string;
    period_id: string;
    student_id: string;
    discipline: string;
  }) => `${r.district_id}/${r.period_id}/${r.student_id}/${r.discipline}`;
  const sort = <T extends Parameters<typeof key>[0]>(rows: T[]) =>
    [...rows].sort((a, b) => (key(a) < key(b) ? -1 : 1));
  expect(
    sort(stored).map((r) => ({ ...r, summary: JSON.parse(r.summary) })),
    'kept fidelity summaries',
  ).toEqual(sort(fresh));
  return stored.length;
}

/** What the pages show for each period, against the arithmetic over every session record. */
async function expectPagesMatchRecompute(conn: Connection): Promise<void> {
  const admin = await as(conn, emails.admin);
  const viewer = { id: 'admin', districtId: A.district, role: 'admin' };
  for (const period of [PERIODS.q2, PERIODS.q3]) {
    const window = { from: period.starts_on, to: period.ends_on, today: TODAY };
    const live = fidelityRows(await loadFidelityData(conn.db, viewer, window), {
      ...window,
      policy: POLICY,
    });
    const page = await admin.fidelity.report({ periodId: period.id, limit: 100 });
    expect(page.rows, `Fidelity rows of ${period.id}`).toEqual(
      live.map((r) => ({ ...r, weeks: r.weeks.map(fidelityWeekLine) })),
    );

    const groups = await admin.fidelity.groups({ periodId: period.id, groupBy: 'therapist' });
    for (const g of groups.groups) {
      const [providerId, discipline] = g.key.split('/');
      const own = live.filter((r) => r.providerId === providerId && r.discipline === discipline);
      expect(g.services).toBe(own.length);
      expect(g.figures.behind).toBe(own.reduce((s, r) => s + r.figures.behind, 0));
      expect(g.figures.delivered).toBe(own.reduce((s, r) => s + r.figures.delivered, 0));
    }

    // Workload from the summaries against the same sums made in SQL from the sessions.
    const team = await admin.workload.team({ periodId: period.id });
    const sql = await loadWorkloadMinutes(
      conn.db,
      viewer,
      window,
      missedReasons.filter((r) => missedCategory(r, POLICY) === 'accounted'),
    );
    for (const m of sql) {
      const row = team.rows.find((r) => r.providerId === m.provider_id);
      if (!row) continue; // an assistant's row is left out of the view
      expect(
        [row.students, row.mandated, row.mandatedToDate, row.delivered, row.behind],
        `workload of ${m.provider_id} in ${period.id}`,
      ).toEqual([m.students, m.mandated, m.mandated_to_date, m.delivered, m.behind]);
    }
  }
  // The caseload's minutes: the current period's (Q3) behind and this week's delivered minutes.
  const window = { from: PERIODS.q3.starts_on, to: PERIODS.q3.ends_on, today: TODAY };
  const live = fidelityRows(await loadFidelityData(conn.db, viewer, window), {
    ...window,
    policy: POLICY,
  });
  const { items } = await admin.caseload.list({ limit: 100 });
  for (const item of items) {
    const own = live.filter((r) => r.studentId === item.studentId);
    expect(item.minutesBehind).toBe(own.reduce((s, r) => s + r.figures.behind, 0));
    const thisWeek = own.reduce((s, r) => {
      const w = r.weeks.find((x) => x.weekStart === '2026-03-09');
      return s + (w ? w.delivered + w.makeupDelivered : 0);
    }, 0);
    expect(item.minutesDeliveredThisWeek).toBe(thisWeek);
  }
}

// Weekdays from 2026-01-05 (in Q2) to today, so sessions land in both periods.
const dates = fc
  .integer({ min: 0, max: 65 })
  .map((d) => new Date(Date.UTC(2026, 0, 5 + d)).toISOString().slice(0, 10))
  .filter((d) => {
    const day = new Date(`${d}T00:00:00Z`).getUTCDay();
    return day !== 0 && day !== 6;
  });
const attendance = fc.constantFrom(
  'delivered',
  'makeup',
  'provider_absent',
  'student_absent_excused',
  'student_absent_unexcused',
  'school_closed',
  'refused',
) as fc.Arbitrary<'delivered'>;
const length = fc.integer({ min: 1, max: 8 }).map((n) => n * 5);
const endTime = (minutes: number) => {
  const m = 9 * 60 + minutes;
  return `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
};

const write = fc.oneof(
  fc.record({
    kind: fc.constant('slpSession' as const),
    date: dates,
    minutes: length,
    model: fc.constantFrom('pull_out', 'consult') as fc.Arbitrary<'pull_out' | 'consult'>,
    ava: attendance,
    cara: fc.option(attendance, { nil: undefined }),
  }),
  fc.record({
    kind: fc.constant('otSession' as const),
    date: dates,
    minutes: length,
    ava: fc.option(attendance, { nil: undefined }),
    ben: attendance,
  }),
  fc.record({
    kind: fc.constant('assistantSession' as const),
    date: dates,
    minutes: length,
    cara: attendance,
  }),
  fc.record({
    kind: fc.constant('serviceModel' as const),
    which: fc.constantFrom('avaSlp', 'caraSlp') as fc.Arbitrary<'avaSlp' | 'caraSlp'>,
    toSplit: fc.boolean(),
    pushIn: fc.integer({ min: 1, max: 4 }),
  }),
);

for (const target of targets) {
  describe(`fidelity summaries on ${target.dialect}`, () => {
    let conn: Connection;
    beforeAll(async () => {
      conn = await openTestDb(target);
      await buildFixture(conn.db);
      await addReportingPeriods(conn.db);
    });
    afterAll(() => conn?.close());

    it('equal a from-scratch recompute after any sequence of writes', async () => {
      const slp = await as(conn, emails.slp);
      const ot = await as(conn, emails.ot);
      const slpa = await as(conn, emails.slpa);
      const admin = await as(conn, emails.admin);
      expect(await expectSummariesFresh(conn)).toBeGreaterThan(0);
      let n = 0;
      const key = () => `fidelity-prop-${++n}-${target.dialect}-key`;
      const lateEntryReason = 'Property test: logged after the report was final';
      const student = (studentId: string, att: string) => ({
        studentId,
        attendance: att as 'delivered',
        goals: [],
      });

      await fc.assert(
        fc.asyncProperty(fc.array(write, { minLength: 1, maxLength: 6 }), async (writes) => {
          for (const w of writes) {
            switch (w.kind) {
              case 'slpSession':
                await slp.sessions.log({
                  idempotencyKey: key(),
                  date: w.date,
                  startTime: '09:00',
                  endTime: endTime(w.minutes),
                  model: w.model,
                  setting: 'therapy_room',
                  lateEntryReason,
                  students: [
                    student(A.students.ava, w.ava),
                    ...(w.cara ? [student(A.students.cara, w.cara)] : []),
                  ],
                });
                break;
              case 'otSession':
                await ot.sessions.log({
                  idempotencyKey: key(),
                  date: w.date,
                  startTime: '09:00',
                  endTime: endTime(w.minutes),
                  model: 'pull_out',
                  setting: 'therapy_room',
                  lateEntryReason,
                  students: [
                    ...(w.ava ? [student(A.students.ava, w.ava)] : []),
                    student(A.students.ben, w.ben),
                  ],
                });
                break;
              case 'assistantSession':
                await slpa.sessions.log({
                  idempotencyKey: key(),
                  date: w.date,
                  startTime: '09:00',
                  endTime: endTime(w.minutes),
                  model: 'pull_out',
                  setting: 'therapy_room',
                  lateEntryReason,
                  students: [student(A.students.cara, w.cara)],
                });
                break;
              case 'serviceModel': {
                const studentId = w.which === 'avaSlp' ? A.students.ava : A.students.cara;
                const total = w.which === 'avaSlp' ? 60 : 45;
                const pushIn = (total / 5) * w.pushIn;
                const { model } = await conn.db
                  .selectFrom('service')
                  .select('model')
                  .where('district_id', '=', A.district)
                  .where('id', '=', A.services[w.which])
                  .executeTakeFirstOrThrow();
                const single = model === 'pull_out' ? 'consult' : 'pull_out';
                if (!w.toSplit && model === single) break;
                await admin.modelChanges.create({
                  studentId,
                  serviceId: A.services[w.which],
                  changedOn: TODAY,
                  reason: 'Property test: a service model change',
                  ...(w.toSplit
                    ? { toModel: 'split', split: { push_in: pushIn, pull_out: total - pushIn } }
                    : { toModel: single }),
                });
                break;
              }
            }
            // After every write, so a later write for the same student cannot hide a stale one.
            await expectSummariesFresh(conn);
          }
        }),
        { numRuns: 6 },
      );
      await expectPagesMatchRecompute(conn);
    }, 120_000);

    it('stay fresh under concurrent writers for the same students', async () => {
      const slp = await as(conn, emails.slp);
      const slpa = await as(conn, emails.slpa);
      const writes = Array.from({ length: 10 }, (_, i) =>
        (i % 2 === 0 ? slp : slpa).sessions.log(
          sessionInput(`fidelity-concurrent-${i}-${target.dialect}-key`, [
            {
              studentId: A.students.cara,
              attendance: i % 3 === 0 ? 'student_absent_unexcused' : 'delivered',
              goals: [],
            },
          ]),
        ),
      );
      await Promise.all(writes);
      await expectSummariesFresh(conn);
    }, 60_000);

    it('follow a student deletion and a demo bulk load', async () => {
      const admin = await as(conn, emails.admin);
      await admin.admin.deleteStudent({ studentId: A.students.ben, confirmName: 'Ben Okafor' });
      const left = await conn.db
        .selectFrom('fidelity_summary')
        .select('student_id')
        .where('district_id', '=', A.district)
        .where('student_id', '=', A.students.ben)
        .execute();
      expect(left).toEqual([]);
      await expectSummariesFresh(conn);

      const seeded = await seedDemoDistrict(conn.db, {
        students: 40,
        today: TODAY,
        passwordHash: await fixturePasswordHash(),
        emailDomain: 'fidelity-summaries.test',
      });
      expect((await loadReportingPeriods(conn.db, seeded.districtId)).length).toBeGreaterThan(0);
      const rows = await expectSummariesFresh(conn);
      expect(rows).toBeGreaterThan(40);
    }, 120_000);
  });
}
