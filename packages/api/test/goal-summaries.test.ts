import {
  type Connection,
  goalSpecOf,
  observationsOfGoals,
  pointOf,
  summarizeGoalRow,
} from '@carryover/db';
import { seedDemoDistrict } from '@carryover/db/demo';
import { testTargets } from '@carryover/db/testing';
import { decisionAlerts, summarizeGoalProgress } from '@carryover/domain';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  A,
  as,
  buildFixture,
  emails,
  fixturePasswordHash,
  openTestDb,
  sessionInput,
} from './fixtures';

// Per-goal summaries (docs/architecture.md) must equal a from-scratch recompute whatever writes
// came before: random sequences of the writes that change a goal or its observations go through
// the router, then every stored summary is compared with one computed from all the goal's
// observations, and the caseload and student pages with the domain's progress math over them.

const targets = await testTargets();
const TODAY = '2026-03-11';

/** Every stored summary against a recompute from scratch; every goal has one. */
async function expectSummariesFresh(conn: Connection): Promise<number> {
  const goals = await conn.db.selectFrom('goal').selectAll().execute();
  const stored = await conn.db.selectFrom('goal_summary').selectAll().execute();
  const byGoal = new Map(stored.map((s) => [`${s.district_id}/${s.goal_id}`, s]));
  expect(stored).toHaveLength(goals.length);
  for (const goal of goals) {
    const row = byGoal.get(`${goal.district_id}/${goal.id}`);
    const observations = await observationsOfGoals(conn.db, goal.district_id, [goal.id]);
    const fresh = summarizeGoalRow(goal, observations);
    expect(row, `summary of ${goal.id}`).toBeDefined();
    expect(JSON.parse(row!.summary), `summary of ${goal.id}`).toEqual(fresh);
    expect(Number(row!.point_count)).toBe(fresh.pointCount);
    expect(row!.last_observed_on).toBe(fresh.lastPoint?.date ?? null);
    expect(row!.student_id).toBe(goal.student_id);
  }
  return goals.length;
}

/** What the caseload and the student page show per goal, against the progress math over every point. */
async function expectPagesMatchRecompute(conn: Connection): Promise<void> {
  const admin = await as(conn, emails.admin);
  const { items } = await admin.caseload.list({ limit: 100 });
  for (const row of items) {
    const detail = await admin.student.get({ studentId: row.studentId });
    const listed = new Map(row.goals.map((g) => [g.id, g]));
    expect(new Set(listed.keys()), `goals of ${row.studentId}`).toEqual(
      new Set(detail.goals.map((g) => g.id)),
    );
    for (const shown of detail.goals) {
      const goal = await conn.db
        .selectFrom('goal')
        .selectAll()
        .where('district_id', '=', A.district)
        .where('id', '=', shown.id)
        .executeTakeFirstOrThrow();
      const spec = goalSpecOf(goal);
      const points = (await observationsOfGoals(conn.db, A.district, [goal.id])).flatMap(
        (o) => pointOf(spec, o) ?? [],
      );
      const progress = summarizeGoalProgress(spec, points, TODAY);
      expect(shown.progress, `progress of ${goal.id}`).toEqual(progress);
      expect(shown.alerts, `alerts of ${goal.id}`).toEqual(decisionAlerts(spec, points));
      // The caseload lists the goal's standing, no more: the graph's lines are the page's.
      const { status, level, carryoverGap, lastPoint } = progress;
      expect(listed.get(goal.id)?.progress, `caseload standing of ${goal.id}`).toEqual({
        status,
        level,
        carryoverGap,
        lastPoint,
      });
      expect(listed.get(goal.id)?.alerts, `caseload alerts of ${goal.id}`).toEqual(shown.alerts);
    }
  }
}

const dates = fc
  .integer({ min: 0, max: 37 })
  .map((d) => new Date(Date.UTC(2026, 1, 2 + d)).toISOString().slice(0, 10));
const percent = fc
  .record({ trials: fc.integer({ min: 1, max: 20 }), correct: fc.nat(20) }, {})
  .map(({ trials, correct }) => ({ trials, correct: Math.min(trials, correct) }));
const setting = fc.constantFrom('therapy_room', 'classroom', 'other') as fc.Arbitrary<
  'therapy_room' | 'classroom' | 'other'
>;
const phase = fc.constantFrom(
  'baseline',
  'intervention',
  'mastered',
  'maintenance',
) as fc.Arbitrary<'baseline' | 'intervention' | 'mastered' | 'maintenance'>;
const percentGoals = [
  { studentId: A.students.ava, goalId: A.goals.avaArtic },
  { studentId: A.students.ben, goalId: A.goals.benFineMotor },
  { studentId: A.students.cara, goalId: A.goals.caraLanguage },
];

const write = fc.oneof(
  fc.record({
    kind: fc.constant('slpSession' as const),
    date: dates,
    setting,
    ava: percent,
    cara: fc.option(percent, { nil: undefined }),
  }),
  fc.record({
    kind: fc.constant('otSession' as const),
    date: dates,
    setting,
    rubric: fc.integer({ min: 0, max: 4 }),
    ben: percent,
  }),
  fc.record({
    kind: fc.constant('probe' as const),
    date: dates,
    // A teacher probes only goals linked to their classroom's routines: Ava's artic goal.
    goal: fc.constant(percentGoals[0]!),
    data: percent,
  }),
  fc.record({
    kind: fc.constant('goalEdit' as const),
    goal: fc.constantFrom(...percentGoals),
    baseline: fc.integer({ min: 0, max: 60 }),
    gain: fc.integer({ min: 5, max: 40 }),
    // Starts stay before the first write date (2026-02-02): data before a goal's start is refused.
    startDay: fc.integer({ min: 0, max: 184 }),
    phase,
  }),
  fc.record({
    kind: fc.constant('modelChange' as const),
    goal: fc.constantFrom(...percentGoals),
    toModel: fc.constantFrom('pull_out', 'consult', 'push_in') as fc.Arbitrary<
      'pull_out' | 'consult' | 'push_in'
    >,
  }),
);

for (const target of targets) {
  describe(`per-goal summaries on ${target.dialect}`, () => {
    let conn: Connection;
    beforeAll(async () => {
      conn = await openTestDb(target);
      await buildFixture(conn.db);
    });
    afterAll(() => conn?.close());

    it('equal a from-scratch recompute after any sequence of writes', async () => {
      const slp = await as(conn, emails.slp);
      const ot = await as(conn, emails.ot);
      const teacher = await as(conn, emails.teacher);
      const admin = await as(conn, emails.admin);
      let n = 0;
      const key = () => `summary-prop-${++n}-${target.dialect}-key`;
      const times = { startTime: '09:00', endTime: '09:30' };

      await fc.assert(
        fc.asyncProperty(fc.array(write, { minLength: 1, maxLength: 6 }), async (writes) => {
          for (const w of writes) {
            switch (w.kind) {
              case 'slpSession':
                await slp.sessions.log({
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
                break;
              case 'otSession':
                await ot.sessions.log({
                  idempotencyKey: key(),
                  date: w.date,
                  ...times,
                  model: 'consult',
                  setting: w.setting,
                  students: [
                    {
                      studentId: A.students.ava,
                      attendance: 'delivered',
                      goals: [{ goalId: A.goals.avaHandwriting, rubricScore: w.rubric }],
                    },
                    {
                      studentId: A.students.ben,
                      attendance: 'delivered',
                      goals: [{ goalId: A.goals.benFineMotor, trials: w.ben }],
                    },
                  ],
                });
                break;
              case 'probe':
                await teacher.sessions.probe({
                  studentId: w.goal.studentId,
                  date: w.date,
                  data: { goalId: w.goal.goalId, trials: w.data },
                });
                break;
              case 'goalEdit': {
                const { id: _id, version, ...current } = await admin.goals.get(w.goal);
                const startDate = new Date(Date.UTC(2025, 7, 1 + w.startDay))
                  .toISOString()
                  .slice(0, 10);
                await admin.goals.update({
                  ...current,
                  goalId: w.goal.goalId,
                  expectedVersion: version,
                  baseline: w.baseline,
                  target: w.baseline + w.gain,
                  startDate,
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
                  changedOn: TODAY,
                  reason: 'Property test: a model change',
                });
                break;
              }
            }
            // After every write, so a later write to the same goal cannot hide a stale one.
            await expectSummariesFresh(conn);
          }
        }),
        { numRuns: 8 },
      );
      await expectPagesMatchRecompute(conn);
    }, 120_000);

    it('stay fresh under concurrent writers of the same goals', async () => {
      const slp = await as(conn, emails.slp);
      const teacher = await as(conn, emails.teacher);
      const writes = Array.from({ length: 12 }, (_, i) =>
        i % 3 === 0
          ? slp.sessions.log(
              sessionInput(`summary-concurrent-${i}-${target.dialect}-key`, [
                {
                  studentId: A.students.ava,
                  attendance: 'delivered',
                  goals: [{ goalId: A.goals.avaArtic, trials: { trials: 10, correct: i % 10 } }],
                },
              ]),
            )
          : teacher.sessions.probe({
              studentId: A.students.ava,
              date: '2026-03-10',
              data: { goalId: A.goals.avaArtic, trials: { trials: 10, correct: i % 10 } },
            }),
      );
      await Promise.all(writes);
      await expectSummariesFresh(conn);
    }, 60_000);

    it('follow a student deletion and a demo bulk load', async () => {
      const admin = await as(conn, emails.admin);
      await admin.admin.deleteStudent({ studentId: A.students.ben, confirmName: 'Ben Okafor' });
      const left = await conn.db
        .selectFrom('goal_summary')
        .select('goal_id')
        .where('district_id', '=', A.district)
        .where('student_id', '=', A.students.ben)
        .execute();
      expect(left).toEqual([]);

      await seedDemoDistrict(conn.db, {
        students: 40,
        today: TODAY,
        passwordHash: await fixturePasswordHash(),
        emailDomain: 'summaries.test',
      });
      expect(await expectSummariesFresh(conn)).toBeGreaterThan(40);
    }, 120_000);
  });
}
