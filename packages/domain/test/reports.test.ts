import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addDays } from '../src/dates';
import { normalizeScore } from '../src/progress';
import type { GoalSpec, ProgressPoint } from '../src/progress-types';
import {
  computeGas,
  draftNarrative,
  parentSummary,
  suggestStatusCode,
  summarizePeriod,
} from '../src/reports';
import { makeGoal, pointOn } from './helpers';

// makeGoal(): percent 20 → 80 from 2024-01-01 to 2024-04-10; the aim on day d is d/100.
const DAY50 = addDays('2024-01-01', 50); // aim 0.5

/** Points whose raw value follows the goal's scale, so narratives can quote them. */
const on = (goal: GoalSpec, day: number, score: number, extra: Partial<ProgressPoint> = {}) =>
  pointOn(day, score, { raw: goal.baseline + score * (goal.target - goal.baseline), ...extra });

/** Three points in the last days before day 50, all at `score`: the level is `score`. */
const levelAt = (goal: GoalSpec, score: number) => [
  on(goal, 46, score),
  on(goal, 48, score),
  on(goal, 50, score),
];

describe('goal-attainment score', () => {
  const goal = makeGoal();

  it.each([
    [0.5, 0],
    [0.59, 0],
    [0.41, 0],
    [0.6, 1],
    [0.74, 1],
    [0.75, 2],
    [0.4, -1],
    [0.26, -1],
    [0.25, -2],
    [0, -2],
  ])('level %d against an expected 0.5 scores %d', (level, score) => {
    const gas = computeGas(goal, levelAt(goal, level), DAY50);
    expect(gas.expected).toBe(0.5);
    expect(gas.score).toBe(score);
  });

  it('explains its computation in words', () => {
    const gas = computeGas(goal, levelAt(goal, 0.62), DAY50);
    expect(gas.explanation).toBe(
      'Level 62% of the way to the target on Feb 20; the aim line expected 50%, so the level is 12 points above it: +1 (more than expected).',
    );
  });

  it('is +2 when the mastery rule is met, and 0 with no data up to the period end', () => {
    const mastered = [on(goal, 10, 1), on(goal, 12, 1, { setting: 'classroom' }), on(goal, 14, 1)];
    expect(computeGas(goal, mastered, DAY50).score).toBe(2);
    const later = [on(goal, 60, 1)];
    const none = computeGas(goal, later, DAY50);
    expect(none.score).toBe(0);
    expect(none.level).toBeNull();
    expect(none.explanation).toContain('No data');
  });

  it('ignores data after the period', () => {
    const points = [...levelAt(goal, 0.5), on(goal, 70, 0), on(goal, 72, 0), on(goal, 74, 0)];
    expect(computeGas(goal, points, DAY50).score).toBe(0);
  });

  it('scores a behaviour that should decrease exactly like its mirror image that should increase', () => {
    // Elopements per day 8 → 2, against a mirrored goal −8 → −2 with the same data negated.
    const down = makeGoal({
      measurementType: 'frequency',
      baseline: 8,
      target: 2,
      direction: 'down',
    });
    const up = makeGoal({
      measurementType: 'frequency',
      baseline: -8,
      target: -2,
      direction: 'up',
    });
    fc.assert(
      fc.property(
        fc.array(
          fc.record({ day: fc.integer({ min: 0, max: 99 }), raw: fc.integer({ min: 0, max: 12 }) }),
          { minLength: 1, maxLength: 15 },
        ),
        fc.integer({ min: 1, max: 100 }),
        (rows, endDay) => {
          const end = addDays('2024-01-01', endDay);
          const pDown = rows.map((r) =>
            pointOn(r.day, normalizeScore(down, r.raw), { raw: r.raw }),
          );
          const pUp = rows.map((r) => pointOn(r.day, normalizeScore(up, -r.raw), { raw: -r.raw }));
          expect(computeGas(down, pDown, end).score).toBe(computeGas(up, pUp, end).score);
          expect(suggestStatusCode(down, pDown, end)).toBe(suggestStatusCode(up, pUp, end));
        },
      ),
    );
  });

  it('rewards a falling count for a behaviour that should decrease', () => {
    const down = makeGoal({
      measurementType: 'frequency',
      baseline: 8,
      target: 2,
      direction: 'down',
    });
    const p = (day: number, raw: number) => pointOn(day, normalizeScore(down, raw), { raw });
    // Day 50: aim 0.5 ↔ 5 per day. Two per day is the target: far ahead.
    expect(computeGas(down, [p(46, 2), p(48, 3), p(50, 2)], DAY50).score).toBe(2);
    expect(computeGas(down, [p(46, 5), p(48, 5), p(50, 5)], DAY50).score).toBe(0);
    expect(computeGas(down, [p(46, 8), p(48, 9), p(50, 8)], DAY50).score).toBe(-2);
  });
});

describe('report status code', () => {
  const goal = makeGoal();

  it('is not yet introduced for a goal that starts later, is in baseline, or has no data', () => {
    expect(suggestStatusCode(makeGoal({ startDate: '2024-03-01' }), [], DAY50)).toBe(
      'not_yet_introduced',
    );
    expect(suggestStatusCode(makeGoal({ phase: 'baseline' }), levelAt(goal, 0.9), DAY50)).toBe(
      'not_yet_introduced',
    );
    expect(suggestStatusCode(goal, [], DAY50)).toBe('not_yet_introduced');
  });

  it('is mastered when the team says so or the mastery rule holds', () => {
    expect(suggestStatusCode(makeGoal({ phase: 'maintenance' }), [], DAY50)).toBe('mastered');
    const mastered = [on(goal, 10, 1), on(goal, 12, 1, { setting: 'classroom' }), on(goal, 14, 1)];
    expect(suggestStatusCode(goal, mastered, DAY50)).toBe('mastered');
  });

  it('is sufficient within 10 points of the aim, insufficient beyond unless the trend will get there', () => {
    expect(suggestStatusCode(goal, levelAt(goal, 0.41), DAY50)).toBe('sufficient_progress');
    expect(suggestStatusCode(goal, levelAt(goal, 0.4), DAY50)).toBe('insufficient_progress');
    // Behind the aim today but climbing fast: projected to reach the target before Apr 10.
    const steep = [on(goal, 30, 0.05), on(goal, 40, 0.2), on(goal, 50, 0.35)];
    expect(computeGas(goal, steep, DAY50).score).toBeLessThan(0);
    expect(suggestStatusCode(goal, steep, DAY50)).toBe('sufficient_progress');
  });
});

describe('narrative', () => {
  const goal = makeGoal();
  const period = { name: 'Q1', startsOn: '2024-01-15', endsOn: '2024-02-20' };

  it('drafts sentences from the period data', () => {
    const points = [
      on(goal, 5, 0.1), // before the period: not counted as a session
      on(goal, 20, 0.3),
      on(goal, 27, 0.4, { setting: 'classroom', model: 'push_in' }),
      on(goal, 34, 0.5),
      on(goal, 41, 0.45, { setting: 'classroom', model: 'push_in' }),
      on(goal, 48, 0.6),
    ];
    const summary = summarizePeriod(goal, points, period);
    expect(summary.sessions).toBe(5);
    expect(summary.settings).toEqual(['therapy_room', 'classroom']);
    const text = draftNarrative({
      firstName: 'Ava',
      goal,
      period,
      summary,
      statusCode: 'sufficient_progress',
    });
    expect(text).toMatch(
      /^Across 5 sessions this period \(Jan 21 – Feb 18\), Ava worked on this goal in the therapy room and classroom, with pull-out and push-in services\./,
    );
    expect(text).toContain("Ava's results ranged from 38% of trials to 56% of trials");
    expect(text).toContain('baseline 20% of trials, target 80% of trials');
    expect(text).toContain(
      'The skill carries over: Ava performs about as well in the classroom (43% of the way to the target) as in the therapy room (50%).',
    );
    expect(text).toContain('Ava is making sufficient progress to meet this goal.');
  });

  it('says plainly when there is no data', () => {
    const summary = summarizePeriod(goal, [], period);
    expect(
      draftNarrative({ firstName: 'Ava', goal, period, summary, statusCode: 'not_yet_introduced' }),
    ).toBe('Ava has not started work on this goal yet; there is no data for Q1.');
  });

  it('has a parent-friendly sentence for every status', () => {
    const base = {
      firstName: 'Ava',
      targetDate: '2024-04-10',
      summary: { carryoverGap: 0.3, sessions: 4 },
    };
    expect(parentSummary({ ...base, statusCode: 'sufficient_progress' })).toBe(
      'Ava is making good progress and is on the way to reaching this goal by April 10, 2024. Ava shows this skill more in therapy than in class, so we are practising it during the school day too.',
    );
    expect(parentSummary({ ...base, statusCode: 'not_yet_introduced' })).toBe(
      'We have not started working on this goal yet.',
    );
    expect(parentSummary({ ...base, statusCode: 'mastered' })).toContain('has reached this goal');
    expect(parentSummary({ ...base, statusCode: 'insufficient_progress' })).toContain(
      'more slowly than we hoped',
    );
  });
});
