import {
  type Connection,
  loadComparisonColumns,
  postgresUrlOf,
  sqliteDatabaseFile,
} from '@carryover/db';
import { testTargets } from '@carryover/db/testing';
import { goalDigests } from '@carryover/domain';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ComparisonJob,
  closeJobConnections,
  runComparisonJob,
} from '../src/workers/comparison-job';
import { A, as, buildFixture, emails, openTestDb } from './fixtures';

// Outcomes digests (docs/architecture.md, "Outcomes digests") must follow every write: random
// sequences of the writes that change a goal's points, phases, model or delivered minutes go
// through the router (sessions logged, edited and voided, probes, goal edits, model changes),
// then every stored digest must equal one computed from scratch, and the cold comparison from
// the digests must give the report the points give, byte for byte, at several as-of dates.

const targets = await testTargets();
const TODAY = '2026-03-11';

const dates = fc
  .integer({ min: 0, max: 37 })
  .map((d) => new Date(Date.UTC(2026, 1, 2 + d)).toISOString().slice(0, 10));
const percent = fc
  .record({ trials: fc.integer({ min: 1, max: 20 }), correct: fc.nat(20) }, {})
  .map(({ trials, correct }) => ({ trials, correct: Math.min(trials, correct) }));
const setting = fc.constantFrom('therapy_room', 'classroom') as fc.Arbitrary<
  'therapy_room' | 'classroom'
>;
const percentGoals = [
  { studentId: A.students.ava, goalId: A.goals.avaArtic },
  { studentId: A.students.ben, goalId: A.goals.benFineMotor },
  { studentId: A.students.cara, goalId: A.goals.caraLanguage },
];
const write = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('slpSession' as const),
      date: dates,
      setting,
      ava: percent,
      cara: fc.option(percent, { nil: undefined }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('otSession' as const),
      date: dates,
      setting,
      ben: percent,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('void' as const), pick: fc.nat() }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('editDraft' as const), pick: fc.nat(), date: dates }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('goalEdit' as const),
      goal: fc.constantFrom(...percentGoals),
      phase: fc.constantFrom('baseline', 'intervention', 'mastered') as fc.Arbitrary<
        'baseline' | 'intervention' | 'mastered'
      >,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('modelChange' as const),
      goal: fc.constantFrom(...percentGoals),
      date: dates,
      toModel: fc.constantFrom('pull_out', 'push_in', 'consult') as fc.Arbitrary<
        'pull_out' | 'push_in' | 'consult'
      >,
    }),
  },
);

for (const target of targets) {
  describe(`Outcomes digests on ${target.dialect}`, () => {
    let conn: Connection;
    let source: ComparisonJob['source'];
    beforeAll(async () => {
      conn = await openTestDb(target);
      await buildFixture(conn.db);
      source =
        target.dialect === 'sqlite'
          ? { kind: 'sqlite', path: (await sqliteDatabaseFile(conn.db))! }
          : { kind: 'postgres', url: postgresUrlOf(conn.db)! };
    });
    afterAll(async () => {
      await closeJobConnections();
      await conn?.close();
    });

    /** Every stored digest against a recompute from the goal's rows and points. */
    async function expectStoredFresh() {
      const { columns } = await loadComparisonColumns(conn.db, A.district, { asOf: TODAY });
      const fresh = goalDigests(columns);
      const stored = new Map(
        (
          await conn.db
            .selectFrom('goal_comparison_digest')
            .select(['goal_id', 'digest'])
            .where('district_id', '=', A.district)
            .execute()
        ).map((r) => [r.goal_id, JSON.parse(r.digest)]),
      );
      columns.goals.forEach((g, i) => {
        expect(stored.get(g.id), `digest of ${g.id}`).toEqual(fresh[i]);
      });
    }

    /** Stored digests fresh, then the report both ways at several as-of dates. */
    async function expectDigestsFresh() {
      await expectStoredFresh();
      for (const asOf of [TODAY, '2026-02-20', '2026-06-30']) {
        const job = (path: 'digests' | 'points'): ComparisonJob => ({
          districtId: A.district,
          asOf,
          filter: {},
          schoolIds: null,
          minStudents: 1,
          replicates: 40,
          path,
          source,
        });
        const [fromDigests, fromPoints] = [
          await runComparisonJob(job('digests')),
          await runComparisonJob(job('points')),
        ];
        expect(JSON.stringify(fromDigests.report)).toBe(JSON.stringify(fromPoints.report));
        expect(fromDigests.episodes).toEqual(fromPoints.episodes);
      }
    }

    it('equal a recompute, and give the points’ report, after any sequence of writes', async () => {
      const slp = await as(conn, emails.slp);
      const ot = await as(conn, emails.ot);
      const admin = await as(conn, emails.admin);
      let n = 0;
      const key = () => `digest-prop-${++n}-${target.dialect}-key`;
      const times = { startTime: '09:00', endTime: '09:30' };
      type Attendance = 'delivered' | 'student_absent_excused';
      const logged: {
        id: string;
        by: typeof slp;
        version: number;
        students: { studentId: string; attendance: Attendance }[];
      }[] = [];
      // Ten weeks of data first, so the goals have episodes to count and switches to make.
      for (let week = 0; week < 10; week++) {
        const date = new Date(Date.UTC(2025, 10, 24 + 7 * week)).toISOString().slice(0, 10);
        const place = week % 2 === 0 ? 'therapy_room' : 'classroom';
        const trials = { trials: 10, correct: Math.min(10, 2 + week) };
        await slp.sessions.log({
          idempotencyKey: key(),
          date,
          ...times,
          model: 'pull_out',
          setting: place,
          lateEntryReason: 'Entered from the paper log.',
          students: [
            {
              studentId: A.students.ava,
              attendance: 'delivered',
              goals: [{ goalId: A.goals.avaArtic, trials }],
            },
            {
              studentId: A.students.cara,
              attendance: 'delivered',
              goals: [{ goalId: A.goals.caraLanguage, trials }],
            },
          ],
        });
        await ot.sessions.log({
          idempotencyKey: key(),
          date,
          ...times,
          model: 'pull_out',
          setting: place,
          lateEntryReason: 'Entered from the paper log.',
          students: [
            {
              studentId: A.students.ben,
              attendance: 'delivered',
              goals: [{ goalId: A.goals.benFineMotor, trials }],
            },
          ],
        });
      }
      await expectDigestsFresh();
      expect(
        (
          await runComparisonJob({
            districtId: A.district,
            asOf: TODAY,
            filter: {},
            schoolIds: null,
            minStudents: 1,
            replicates: 40,
            source,
          })
        ).report.counts.episodes,
      ).toBeGreaterThan(0);

      await fc.assert(
        fc.asyncProperty(fc.array(write, { minLength: 2, maxLength: 8 }), async (writes) => {
          for (const w of writes) {
            switch (w.kind) {
              case 'slpSession': {
                const r = await slp.sessions.log({
                  idempotencyKey: key(),
                  date: w.date,
                  ...times,
                  model: 'pull_out',
                  setting: w.setting,
                  students: [
                    {
                      studentId: A.students.ava,
                      attendance: 'delivered',
                      goals: [{ goalId: A.goals.avaArtic, trials: w.ava }],
                    },
                    {
                      studentId: A.students.cara,
                      attendance: w.cara ? 'delivered' : 'student_absent_excused',
                      goals: w.cara ? [{ goalId: A.goals.caraLanguage, trials: w.cara }] : [],
                    },
                  ],
                });
                logged.push({
                  id: r.sessionId,
                  by: slp,
                  version: 1,
                  students: [
                    { studentId: A.students.ava, attendance: 'delivered' },
                    {
                      studentId: A.students.cara,
                      attendance: w.cara ? 'delivered' : 'student_absent_excused',
                    },
                  ],
                });
                break;
              }
              case 'otSession': {
                const r = await ot.sessions.log({
                  idempotencyKey: key(),
                  date: w.date,
                  ...times,
                  model: 'pull_out',
                  setting: w.setting,
                  students: [
                    {
                      studentId: A.students.ben,
                      attendance: 'delivered',
                      goals: [{ goalId: A.goals.benFineMotor, trials: w.ben }],
                    },
                  ],
                });
                logged.push({
                  id: r.sessionId,
                  by: ot,
                  version: 1,
                  students: [{ studentId: A.students.ben, attendance: 'delivered' }],
                });
                break;
              }
              case 'void': {
                if (logged.length === 0) break;
                // Only a signed session is voided (a draft is edited instead).
                const [s] = logged.splice(w.pick % logged.length, 1);
                await s!.by.sessions.signAll({ sessionId: s!.id });
                await s!.by.sessions.void({ sessionId: s!.id, reason: 'Logged by mistake.' });
                break;
              }
              case 'editDraft': {
                // Another date, and the first student's attendance flipped: minutes move.
                if (logged.length === 0) break;
                const s = logged[w.pick % logged.length]!;
                const first = s.students[0]!;
                first.attendance =
                  first.attendance === 'delivered' ? 'student_absent_excused' : 'delivered';
                const saved = await s.by.sessions.editDraft({
                  sessionId: s.id,
                  expectedVersion: s.version,
                  date: w.date,
                  ...times,
                  students: s.students,
                });
                s.version = saved.version;
                break;
              }
              case 'goalEdit': {
                const { id: _id, version, ...current } = await admin.goals.get(w.goal);
                await admin.goals.update({
                  ...current,
                  goalId: w.goal.goalId,
                  expectedVersion: version,
                  phase: w.phase,
                  effectiveDate: TODAY,
                });
                break;
              }
              case 'modelChange': {
                const { currentModel } = await admin.goals.get(w.goal);
                if (currentModel === w.toModel) break;
                await admin.modelChanges.create({
                  ...w.goal,
                  toModel: w.toModel,
                  changedOn: w.date,
                  reason: 'Property test: a model change',
                });
                break;
              }
            }
            // After every write, so a later write to the same goal cannot hide a stale one.
            await expectStoredFresh();
          }
          await expectDigestsFresh();
        }),
        { numRuns: 6 },
      );
    }, 240_000);
  });
}
