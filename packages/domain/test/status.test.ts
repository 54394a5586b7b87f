import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addDays } from '../src/dates';
import {
  aimLine,
  aimScoreAt,
  belowAimRun,
  goalStatus,
  masteryMet,
  meetsCriterion,
  rateOfImprovement,
  summarizeGoalProgress,
  targetOutlook,
} from '../src/progress';
import type { ProgressPoint } from '../src/progress-types';
import { makeGoal, pointOn } from './helpers';

// makeGoal(): aim line from 2024-01-01 (score 0) to 2024-04-10 (score 1): 0.01 per day.
const day = (n: number) => addDays('2024-01-01', n);

describe('aim line', () => {
  const goal = makeGoal();

  it('runs from (start, 0) to (target date, 1)', () => {
    expect(aimLine(goal)).toEqual({
      start: { date: '2024-01-01', score: 0 },
      end: { date: '2024-04-10', score: 1 },
    });
  });

  it('passes through both anchors and interpolates linearly between them', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 10_000, max: 30_000 }),
        fc.integer({ min: 1, max: 1000 }),
        (startDay, length) => {
          const g = makeGoal({
            startDate: day(startDay - 19723),
            targetDate: day(startDay - 19723 + length),
          });
          expect(aimScoreAt(g, g.startDate)).toBe(0);
          expect(aimScoreAt(g, g.targetDate)).toBe(1);
          const mid = Math.floor(length / 2);
          expect(aimScoreAt(g, addDays(g.startDate, mid))).toBeCloseTo(mid / length, 12);
        },
      ),
    );
  });

  it('clamps before the start and after the target date', () => {
    expect(aimScoreAt(goal, day(50))).toBe(0.5);
    expect(aimScoreAt(goal, day(-30))).toBe(0);
    expect(aimScoreAt(goal, day(400))).toBe(1);
  });

  it('is a step when the target date is not after the start', () => {
    const flat = makeGoal({ targetDate: '2024-01-01' });
    expect(aimScoreAt(flat, '2023-12-31')).toBe(0);
    expect(aimScoreAt(flat, '2024-01-01')).toBe(1);
  });
});

describe('belowAimRun', () => {
  const goal = makeGoal();
  const below = (d: number) => pointOn(d, d / 100 - 0.01);
  const above = (d: number) => pointOn(d, d / 100 + 0.01);

  it('counts the unbroken run of points below the aim at the end', () => {
    expect(belowAimRun(goal, [])).toBe(0);
    expect(belowAimRun(goal, [above(10), below(20), below(30), below(40)])).toBe(3);
    expect(belowAimRun(goal, [below(10), below(20), below(30), below(40)])).toBe(4);
    expect(belowAimRun(goal, [below(10), below(20), below(30), above(40)])).toBe(0);
  });

  it('sorts by date first', () => {
    expect(belowAimRun(goal, [below(40), above(10), below(30), below(20)])).toBe(3);
    expect(belowAimRun(goal, [above(50), below(20), below(30), below(40)])).toBe(0);
  });

  it('counts only points strictly below: on the line is not below', () => {
    expect(
      belowAimRun(goal, [below(10), below(20), below(30), pointOn(50, aimScoreAt(goal, day(50)))]),
    ).toBe(0);
  });
});

describe('meetsCriterion', () => {
  it('is at or beyond the target in the goal direction', () => {
    const up = makeGoal();
    expect(meetsCriterion(up, { raw: 80 })).toBe(true);
    expect(meetsCriterion(up, { raw: 95 })).toBe(true);
    expect(meetsCriterion(up, { raw: 79.9 })).toBe(false);
    const down = makeGoal({
      measurementType: 'prompt_level',
      baseline: 4,
      target: 1,
      direction: 'down',
    });
    expect(meetsCriterion(down, { raw: 1 })).toBe(true);
    expect(meetsCriterion(down, { raw: 0 })).toBe(true);
    expect(meetsCriterion(down, { raw: 2 })).toBe(false);
  });
});

describe('masteryMet', () => {
  const goal = makeGoal(); // criterion 80%, 3 sessions, 2 settings incl. classroom
  const hit = (d: number, setting: ProgressPoint['setting'] = 'therapy_room') =>
    pointOn(d, 1, { raw: 85, setting });
  const miss = (d: number, setting: ProgressPoint['setting'] = 'therapy_room') =>
    pointOn(d, 0.5, { raw: 50, setting });

  it('is never met on therapy-room data alone', () => {
    expect(masteryMet(goal, [hit(1), hit(2), hit(3)])).toBe(false);
    expect(masteryMet(goal, [hit(1), hit(2), hit(3), hit(3, 'other')])).toBe(false);
  });

  it('is met on classroom data alone: a goal served only by push-in can be mastered', () => {
    const c = (d: number) => hit(d, 'classroom');
    expect(masteryMet(goal, [c(1), c(2), c(3)])).toBe(true);
    expect(masteryMet(goal, [c(2), c(3)])).toBe(false); // only 2 sessions
    expect(masteryMet(goal, [c(1), c(2), miss(3, 'classroom')])).toBe(false);
    // Two points on one date are one session; a failed probe that day breaks the run.
    expect(masteryMet(goal, [c(1), c(2), c(3), miss(3, 'classroom')])).toBe(false);
  });

  it('with data in both settings, needs the criterion in both', () => {
    const c = (d: number) => hit(d, 'classroom');
    // Three passing classroom sessions, but the therapy room's latest sessions miss.
    expect(masteryMet(goal, [c(1), c(2), c(3), miss(2), hit(3)])).toBe(false);
    expect(masteryMet(goal, [c(1), c(2), c(3), hit(1), hit(2), hit(3)])).toBe(true);
    // Each setting is counted on its own sessions: interleaved dates are fine.
    expect(masteryMet(goal, [c(1), hit(2), c(4), hit(5), c(7), hit(8)])).toBe(true);
    // Only two classroom sessions.
    expect(masteryMet(goal, [hit(1), hit(2, 'classroom'), hit(3)])).toBe(false);
    // An old miss before each setting's last three does not count.
    expect(masteryMet(goal, [miss(0), c(1), c(2), c(3), hit(1), hit(2), hit(3)])).toBe(true);
  });

  it("counts data taken in the goal's linked routine like classroom data", () => {
    const r = (d: number, setting: ProgressPoint['setting'] = 'other') => ({
      ...hit(d, setting),
      inLinkedRoutine: true,
    });
    const rMiss = (d: number) => ({ ...miss(d, 'other'), inLinkedRoutine: true });
    // Data in one setting, the linked routine (lunch, recess…): the criterion met there suffices.
    expect(masteryMet(goal, [r(1), r(2), r(3)])).toBe(true);
    expect(masteryMet(goal, [r(1), r(2), rMiss(3)])).toBe(false);
    // The same points outside a linked routine ("other" setting alone) are not functional.
    expect(masteryMet(goal, [hit(1, 'other'), hit(2, 'other'), hit(3, 'other')])).toBe(false);
    // Classroom and linked routine are one context: sessions add up across them.
    expect(masteryMet(goal, [hit(1, 'classroom'), r(2), hit(3, 'classroom')])).toBe(true);
    // A pull-out session during a linked routine counts as functional, not therapy room.
    expect(
      masteryMet(goal, [r(1, 'therapy_room'), r(2, 'therapy_room'), r(3, 'therapy_room')]),
    ).toBe(true);
    // With therapy-room data too, both must meet the criterion.
    expect(masteryMet(goal, [r(1), r(2), r(3), miss(2), hit(3)])).toBe(false);
    expect(masteryMet(goal, [r(1), r(2), r(3), hit(1), hit(2), hit(3)])).toBe(true);
  });

  it('property: marking points as taken in a linked routine never un-masters a goal, and a goal with only linked-routine data is mastered exactly when its last sessions meet the criterion', () => {
    const pointArb = fc.record({
      d: fc.integer({ min: 0, max: 60 }),
      pass: fc.boolean(),
      setting: fc.constantFrom('classroom', 'therapy_room', 'other') as fc.Arbitrary<
        ProgressPoint['setting']
      >,
      routine: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(pointArb, { maxLength: 14 }), (raw) => {
        const pts = raw.map((p) => (p.pass ? hit(p.d, p.setting) : miss(p.d, p.setting)));
        const withRoutine = raw.map((p, i) => ({ ...pts[i]!, inLinkedRoutine: p.routine }));
        // Functional data only: moving non-classroom points into a routine can only help.
        const onlyRoom = pts.filter((p) => p.setting !== 'therapy_room');
        if (masteryMet(goal, onlyRoom))
          expect(
            masteryMet(
              goal,
              onlyRoom.map((p) => ({ ...p, inLinkedRoutine: true })),
            ),
          ).toBe(true);
        const routineOnly = withRoutine.map((p) => ({ ...p, inLinkedRoutine: true }));
        const dates = [...new Set(routineOnly.map((p) => p.date))].sort();
        const last = dates.slice(-3);
        const expected =
          dates.length >= 3 &&
          routineOnly.filter((p) => last.includes(p.date)).every((p) => p.raw >= 80);
        expect(masteryMet(goal, routineOnly)).toBe(expected);
      }),
    );
  });

  it('forgets a setting with no data in the last eight weeks', () => {
    const c = (d: number) => hit(d, 'classroom');
    // Pull-out at first (missing), then push-in only for more than eight weeks.
    const early = [miss(0), miss(7), miss(14)];
    expect(masteryMet(goal, [...early, c(60), c(67), c(70)])).toBe(false);
    expect(masteryMet(goal, [...early, c(67), c(74), c(80)])).toBe(true);
  });

  it('follows the rule as configured', () => {
    const roomOnly = makeGoal({
      masteryRule: { consecutiveSessions: 2, minSettings: 1, requireClassroom: false },
    });
    expect(masteryMet(roomOnly, [miss(1), hit(2), hit(3)])).toBe(true);
    const twoSettings = makeGoal({
      masteryRule: { consecutiveSessions: 3, minSettings: 2, requireClassroom: false },
    });
    expect(masteryMet(twoSettings, [hit(1), hit(2, 'other'), hit(3)])).toBe(true);
    expect(masteryMet(twoSettings, [hit(1), hit(2), hit(3)])).toBe(false);
  });

  it('works for decreasing goals', () => {
    const prompts = makeGoal({
      measurementType: 'prompt_level',
      baseline: 4,
      target: 0,
      direction: 'down',
    });
    const independent = (d: number, setting: ProgressPoint['setting']) =>
      pointOn(d, 1, { raw: 0, setting });
    expect(
      masteryMet(prompts, [
        independent(1, 'classroom'),
        independent(2, 'classroom'),
        independent(3, 'classroom'),
      ]),
    ).toBe(true);
    expect(
      masteryMet(prompts, [
        independent(1, 'classroom'),
        pointOn(2, 0.75, { raw: 1, setting: 'classroom' }),
        independent(3, 'classroom'),
      ]),
    ).toBe(false);
  });
});

describe('goalStatus', () => {
  const goal = makeGoal();
  // Each point 0.01 under the aim line on its day, so only the run rule can fire.
  const justBelow = (d: number) => pointOn(d, d / 100 - 0.01);

  it('is no_data without points', () => {
    expect(goalStatus(goal, [], day(50))).toBe('no_data');
  });

  it('is mastered when the phase says so, data or not', () => {
    expect(goalStatus(makeGoal({ phase: 'mastered' }), [], day(50))).toBe('mastered');
    const failing = [10, 20, 30, 40, 50].map(justBelow);
    expect(goalStatus(makeGoal({ phase: 'maintenance' }), failing, day(50))).toBe('mastered');
  });

  it('is mastered when the mastery rule holds, even if the aim line says otherwise', () => {
    const pts = [1, 2, 3].map((d) => pointOn(d, 1, { raw: 90, setting: 'classroom' }));
    expect(goalStatus(goal, pts, day(300))).toBe('mastered');
    const roomOnly = pts.map((p) => ({ ...p, setting: 'therapy_room' as const }));
    expect(goalStatus(goal, roomOnly, day(300))).toBe('on_track');
  });

  it('is at risk at four points below the aim line, not three', () => {
    const three = [10, 46, 47, 48].map((d) => (d === 10 ? pointOn(d, 0.5) : justBelow(d)));
    expect(belowAimRun(goal, three)).toBe(3);
    expect(goalStatus(goal, three, day(48))).toBe('on_track');
    const four = [...three, justBelow(49)];
    expect(belowAimRun(goal, four)).toBe(4);
    expect(goalStatus(goal, four, day(49))).toBe('at_risk');
  });

  it('is at risk when the level trails today’s aim by more than 0.1, with at least three points', () => {
    // Above the aim when measured, but stalled at 0.45 while the aim has moved on to 0.6.
    const stalled = [40, 41, 42].map((d) => pointOn(d, 0.45));
    expect(belowAimRun(goal, stalled)).toBe(0);
    expect(goalStatus(goal, stalled, day(60))).toBe('at_risk');
    expect(goalStatus(goal, stalled, day(50))).toBe('on_track'); // 0.45 is within 0.1 of 0.5
    expect(goalStatus(goal, stalled.slice(1), day(60))).toBe('on_track'); // two points: too few
  });
});

describe('summarizeGoalProgress', () => {
  const goal = makeGoal();

  it('fills every field from the data', () => {
    // 1/256 of the gap per day (exact in binary), so the trend reaches 1 on day 256.
    const pts = [
      pointOn(64, 0.25, { setting: 'classroom', model: 'push_in' }),
      pointOn(0, 0),
      pointOn(8, 0.03125),
      pointOn(16, 0.0625),
      pointOn(32, 0.125),
      pointOn(128, 0.5),
    ];
    const summary = summarizeGoalProgress(goal, pts, day(128));
    expect(summary.trend?.slopePerWeek).toBeCloseTo(7 / 256, 12);
    expect(summary.trend?.intercept).toBeCloseTo(0, 12);
    expect(summary.trend?.originDate).toBe('2024-01-01');
    expect(summary.robust).toEqual({
      slopePerWeek: 7 / 256,
      intercept: 0,
      originDate: '2024-01-01',
    });
    expect(summary.projectedDate).toBe('2024-09-13');
    expect(summary.projectedDate).toBe(addDays('2024-01-01', 256));
    expect(summary.level).toBe(0.25);
    expect(summary.levelBySetting).toEqual({ therapy_room: 0.125, classroom: 0.25 });
    expect(summary.carryoverGap).toBe(0.125 - 0.25);
    expect(summary.lastPoint).toEqual(pts[5]);
    expect(summary.aimLine).toEqual(aimLine(goal));
    // Day 128 is past the target date (aim 1); days 64, 32, 16 and 8 are under their aim too.
    expect(summary.belowAimRun).toBe(5);
    expect(summary.status).toBe('at_risk');
  });

  it('has nothing to say without data', () => {
    expect(summarizeGoalProgress(goal, [], day(10))).toEqual({
      status: 'no_data',
      level: null,
      levelBySetting: {},
      carryoverGap: null,
      trend: null,
      robust: null,
      aimLine: aimLine(goal),
      projectedDate: null,
      belowAimRun: 0,
      lastPoint: null,
    });
  });

  it('leaves the trend and projection empty with one day of data', () => {
    const summary = summarizeGoalProgress(
      goal,
      [pointOn(5, 0.2), pointOn(5, 0.4, { setting: 'classroom' })],
      day(5),
    );
    expect(summary.trend).toBeNull();
    expect(summary.robust).toBeNull();
    expect(summary.projectedDate).toBeNull();
    expect(summary.carryoverGap).toBeCloseTo(-0.2, 12);
    expect(summary.lastPoint?.setting).toBe('classroom');
  });

  it('projects the first whole day on or after the trend reaches 1', () => {
    // Crosses 1 at day 255.25 (all values exact in binary), so the projection is day 256.
    const pts = [0, 16, 32, 64, 96, 128].map((d) => pointOn(d, (d + 0.75) / 256));
    expect(summarizeGoalProgress(goal, pts, day(128)).projectedDate).toBe(day(256));
  });

  it('has no trend or projection before six points over three weeks', () => {
    const rising = (days: number[]) => days.map((d) => pointOn(d, d / 100));
    const five = summarizeGoalProgress(goal, rising([0, 5, 10, 15, 30]), day(30));
    expect(five.trend).toBeNull();
    expect(five.projectedDate).toBeNull();
    expect(five.robust).not.toBeNull(); // the robust line is still there to look at
    const short = summarizeGoalProgress(goal, rising([0, 2, 4, 6, 8, 20]), day(20));
    expect(short.trend).toBeNull();
    const enough = summarizeGoalProgress(goal, rising([0, 2, 4, 6, 8, 21]), day(21));
    expect(enough.trend?.slopePerWeek).toBeCloseTo(0.07, 12);
    expect(enough.projectedDate).toBe(day(100));
  });

  it('projects no date when flat, falling or already at target', () => {
    const days = [0, 5, 10, 15, 20, 25];
    const flat = days.map((d) => pointOn(d, 0.3));
    expect(summarizeGoalProgress(goal, flat, day(25)).projectedDate).toBeNull();
    const falling = days.map((d) => pointOn(d, 0.5 - d / 100));
    expect(summarizeGoalProgress(goal, falling, day(25)).projectedDate).toBeNull();
    const done = [0, 10, 20, 30, 40, 50].map((d) => pointOn(d, Math.min(1, d / 20)));
    expect(summarizeGoalProgress(goal, done, day(50)).projectedDate).toBeNull();
  });

  it('reports the carryover gap as therapy room minus classroom', () => {
    const pts = [
      ...[1, 2, 3].map((d, i) => pointOn(d, [0.8, 0.9, 0.7][i]!)),
      ...[1, 3].map((d, i) =>
        pointOn(d, [0.3, 0.5][i]!, { setting: 'classroom', model: 'push_in' }),
      ),
      pointOn(4, 0.6, { setting: 'other' }),
    ];
    const summary = summarizeGoalProgress(goal, pts, day(4));
    expect(summary.levelBySetting).toEqual({ therapy_room: 0.8, classroom: 0.4, other: 0.6 });
    expect(summary.carryoverGap).toBeCloseTo(0.4, 12);
  });

  it('trend slope per week is the rate of improvement', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            d: fc.integer({ min: 0, max: 200 }),
            s: fc.double({ min: 0, max: 1, noNaN: true }),
          }),
          { maxLength: 20 },
        ),
        (raw) => {
          const pts = raw.map(({ d, s }) => pointOn(d, s));
          const summary = summarizeGoalProgress(goal, pts, day(200));
          expect(summary.trend?.slopePerWeek ?? null).toBe(rateOfImprovement(pts, goal));
          if (summary.projectedDate !== null)
            expect(summary.trend!.slopePerWeek).toBeGreaterThan(0);
        },
      ),
    );
  });
});

describe('target outlook', () => {
  const base = { status: 'on_track' as const, projectedDate: null };
  it('says the target is met once the level is there, where no projection looks forward', () => {
    expect(targetOutlook({ ...base, level: 1 })).toBe('met');
    expect(targetOutlook({ ...base, level: 0.6, status: 'mastered' })).toBe('met');
  });
  it('is projected with a date, and not projected without one', () => {
    expect(targetOutlook({ ...base, level: 0.5, projectedDate: '2027-01-04' })).toBe('projected');
    expect(targetOutlook({ ...base, level: 0.5 })).toBe('not_projected');
    expect(targetOutlook({ ...base, level: null })).toBe('not_projected');
  });
});
