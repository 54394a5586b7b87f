import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addDays } from '../src/dates';
import { normalizeScore } from '../src/progress';
import type { GoalSpec, ProgressPoint } from '../src/progress-types';
import {
  computeGas,
  draftNarrative,
  judgeProgress,
  parentSummary,
  signedGas,
  statusNeedsReason,
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
    const mastered = [10, 12, 14].map((d) => on(goal, d, 1, { setting: 'classroom' }));
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
    const mastered = [10, 12, 14].map((d) => on(goal, d, 1, { setting: 'classroom' }));
    expect(suggestStatusCode(goal, mastered, DAY50)).toBe('mastered');
  });

  it('is sufficient within 10 points of the aim, insufficient beyond unless the trend will get there', () => {
    expect(suggestStatusCode(goal, levelAt(goal, 0.41), DAY50)).toBe('sufficient_progress');
    expect(suggestStatusCode(goal, levelAt(goal, 0.4), DAY50)).toBe('insufficient_progress');
    // Behind the aim today but climbing fast: projected to reach the target before Apr 10.
    const steep = [29, 33, 37, 41, 45, 50].map((d) => on(goal, d, 0.05 + (d - 30) * 0.015));
    expect(computeGas(goal, steep, DAY50).score).toBe(-1);
    expect(judgeProgress(goal, steep, DAY50).verdict).toBe('on_time');
    expect(suggestStatusCode(goal, steep, DAY50)).toBe('sufficient_progress');
  });

  it('is insufficient when the trend is flat, even on the aim line today (GAS 0)', () => {
    // The draft that read "The trend is flat … will not be met" and then "sufficient progress".
    const flat = [20, 26, 32, 38, 44, 50].map((d) => on(goal, d, 0.5));
    const j = judgeProgress(goal, flat, DAY50);
    expect(j.gas.score).toBe(0);
    expect(j.verdict).toBe('not_rising');
    expect(j.statusCode).toBe('insufficient_progress');
  });

  it('is never sufficient with a GAS of −2, whatever the trend', () => {
    const low = [29, 33, 37, 41, 45, 50].map((d) => on(goal, d, 0.01 + (d - 29) * 0.01));
    const j = judgeProgress(goal, low, DAY50);
    expect(j.gas.score).toBe(-2);
    expect(j.statusCode).toBe('insufficient_progress');
    expect(statusNeedsReason('sufficient_progress', -2)).toBe(true);
    expect(statusNeedsReason('sufficient_progress', -1)).toBe(false);
    expect(statusNeedsReason('insufficient_progress', -2)).toBe(false);
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
      judgement: judgeProgress(goal, points, period.endsOn),
    });
    expect(judgeProgress(goal, points, period.endsOn).statusCode).toBe('sufficient_progress');
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
      draftNarrative({
        firstName: 'Ava',
        goal,
        period,
        summary,
        judgement: judgeProgress(goal, [], period.endsOn),
      }),
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

describe('status, GAS and narrative come from one judgement', () => {
  const period = { name: 'Q2', startsOn: '2024-02-01', endsOn: '2024-03-15' };
  /** A goal history: a start level, a weekly rate and noise, on a coarse or fine scale. */
  const history = fc.record({
    measurementType: fc.constantFrom('percent', 'rubric'),
    phase: fc.constantFrom('intervention', 'intervention', 'intervention', 'baseline', 'mastered'),
    start: fc.double({ min: 0, max: 0.8, noNaN: true }),
    perWeek: fc.double({ min: -0.05, max: 0.15, noNaN: true }),
    noise: fc.infiniteStream(fc.double({ min: -0.2, max: 0.2, noNaN: true })),
    days: fc.uniqueArray(fc.integer({ min: 0, max: 110 }), { minLength: 0, maxLength: 30 }),
    classroomEvery: fc.integer({ min: 1, max: 4 }),
    endDay: fc.integer({ min: 31, max: 110 }),
  });

  it('never contradicts itself', () => {
    fc.assert(
      fc.property(history, (h) => {
        const goal =
          h.measurementType === 'rubric'
            ? makeGoal({
                measurementType: 'rubric',
                baseline: 1,
                target: 3,
                rubricMax: 4,
                phase: h.phase,
              })
            : makeGoal({ phase: h.phase });
        const points = h.days.map((d, i) => {
          const truth = h.start + (h.perWeek * d) / 7 + h.noise.next().value;
          const exact = goal.baseline + truth * (goal.target - goal.baseline);
          const raw =
            h.measurementType === 'rubric'
              ? Math.min(4, Math.max(0, Math.round(exact)))
              : Math.min(100, Math.max(0, Math.round(exact / 10) * 10));
          return pointOn(d, normalizeScore(goal, raw), {
            raw,
            setting: i % h.classroomEvery === 0 ? 'classroom' : 'therapy_room',
          });
        });
        const p = { ...period, endsOn: addDays('2024-01-01', h.endDay) };
        const j = judgeProgress(goal, points, p.endsOn);
        const summary = summarizePeriod(goal, points, p);
        const text = draftNarrative({ firstName: 'Ava', goal, period: p, summary, judgement: j });
        const { statusCode: status, gas } = j;

        expect(suggestStatusCode(goal, points, p.endsOn)).toBe(status);
        // The GAS a report stores is the data's, except for a goal not introduced or marked mastered.
        if (status === 'sufficient_progress' || status === 'insufficient_progress') {
          expect(gas.score).toBe(computeGas(goal, points, p.endsOn).score);
        }
        // Status and GAS agree.
        if (status === 'mastered') expect(gas.score).toBe(2);
        if (status === 'not_yet_introduced') expect(gas.score).toBe(0);
        if (status === 'sufficient_progress') {
          expect(gas.score).toBeGreaterThanOrEqual(-1);
          expect(['on_time', 'at_target', 'too_few_points']).toContain(j.verdict);
        }
        if (gas.score === -2) expect(status).not.toBe('sufficient_progress');
        // The narrative says the same.
        const saysSufficient = text.includes('is making sufficient progress');
        const saysShort =
          text.includes('will not be met') ||
          text.includes('after the target date') ||
          text.includes('too slowly') ||
          text.includes('not sufficient');
        expect(saysSufficient).toBe(status === 'sufficient_progress');
        if (status === 'insufficient_progress')
          expect(text).toContain('not sufficient to meet this goal');
        else expect(saysShort).toBe(false);
        expect(text.includes('has met the mastery criterion')).toBe(status === 'mastered');
        if (summary.points > 0 && status === 'mastered') {
          expect(text).toContain('Goal-attainment score: +2');
        }
        if (summary.points > 0 && status.endsWith('_progress')) {
          expect(text).toContain(`goal-attainment score of ${signedGas(gas.score)} `);
        }
      }),
      { numRuns: 400 },
    );
  });
});
