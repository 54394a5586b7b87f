import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { measurementTypes } from '../src/model';
import { directionFor, normalizeScore, rawValue, toProgressPoint } from '../src/progress';
import { makeGoal } from './helpers';

describe('directionFor', () => {
  it('derives the direction where the measurement fixes it', () => {
    expect(directionFor('percent')).toBe('up');
    expect(directionFor('percent', 'down')).toBe('up');
    expect(directionFor('rubric', 'down')).toBe('up');
    expect(directionFor('prompt_level')).toBe('down');
    expect(directionFor('prompt_level', 'up')).toBe('down');
  });

  it('takes the stated direction for counts and durations, defaulting to up', () => {
    expect(directionFor('frequency')).toBe('up');
    expect(directionFor('frequency', 'down')).toBe('down');
    expect(directionFor('duration', null)).toBe('up');
    expect(directionFor('duration', 'down')).toBe('down');
  });
});

describe('rawValue', () => {
  it('percent counts a prompted trial as not correct', () => {
    expect(rawValue('percent', { trialsCorrect: 6, trialsPrompted: 2, trialsIncorrect: 2 })).toBe(
      60,
    );
    expect(rawValue('percent', { trialsCorrect: 0, trialsPrompted: 5, trialsIncorrect: 0 })).toBe(
      0,
    );
    expect(rawValue('percent', { trialsCorrect: 3, trialsIncorrect: 1 })).toBe(75);
    expect(rawValue('percent', { trialsCorrect: 4 })).toBe(100);
  });

  it('percent is null with no trials or bad counts', () => {
    expect(rawValue('percent', {})).toBeNull();
    expect(
      rawValue('percent', { trialsCorrect: 0, trialsPrompted: 0, trialsIncorrect: 0 }),
    ).toBeNull();
    expect(rawValue('percent', { trialsCorrect: null, trialsIncorrect: null })).toBeNull();
    expect(rawValue('percent', { trialsCorrect: 3, trialsIncorrect: -1 })).toBeNull();
    expect(rawValue('percent', { count: 5, seconds: 30 })).toBeNull();
  });

  it('prompt level is the index from independent (0) to full physical (6)', () => {
    expect(rawValue('prompt_level', { promptLevel: 'independent' })).toBe(0);
    expect(rawValue('prompt_level', { promptLevel: 'verbal' })).toBe(2);
    expect(rawValue('prompt_level', { promptLevel: 'full_physical' })).toBe(6);
    expect(rawValue('prompt_level', {})).toBeNull();
    expect(rawValue('prompt_level', { promptLevel: null, trialsCorrect: 5 })).toBeNull();
  });

  it('frequency, duration and rubric read their own field', () => {
    expect(rawValue('frequency', { count: 7 })).toBe(7);
    expect(rawValue('frequency', { count: 0 })).toBe(0);
    expect(rawValue('frequency', { seconds: 7 })).toBeNull();
    expect(rawValue('frequency', { count: Number.NaN })).toBeNull();
    expect(rawValue('duration', { seconds: 95 })).toBe(95);
    expect(rawValue('duration', { count: 95 })).toBeNull();
    expect(rawValue('duration', { seconds: -5 })).toBeNull();
    expect(rawValue('rubric', { rubricScore: 3 })).toBe(3);
    expect(rawValue('rubric', { rubricScore: 0 })).toBe(0);
    expect(rawValue('rubric', { count: 3 })).toBeNull();
  });

  it('percent always lies in [0, 100] when defined', () => {
    const count = fc.option(fc.nat({ max: 50 }), { nil: undefined });
    fc.assert(
      fc.property(count, count, count, (c, p, i) => {
        const value = rawValue('percent', {
          trialsCorrect: c,
          trialsPrompted: p,
          trialsIncorrect: i,
        });
        const trials = (c ?? 0) + (p ?? 0) + (i ?? 0);
        if (trials === 0) expect(value).toBeNull();
        else expect(value).toBeCloseTo((100 * (c ?? 0)) / trials, 10);
      }),
    );
  });
});

describe('normalizeScore', () => {
  it('maps baseline to 0 and target to 1, linearly between, clamped outside', () => {
    const goal = { baseline: 20, target: 80 };
    expect(normalizeScore(goal, 20)).toBe(0);
    expect(normalizeScore(goal, 80)).toBe(1);
    expect(normalizeScore(goal, 50)).toBe(0.5);
    expect(normalizeScore(goal, 5)).toBe(0);
    expect(normalizeScore(goal, 100)).toBe(1);
  });

  it('rewards lower values on a decreasing goal', () => {
    // Prompt level: from verbal (2) to independent (0).
    const goal = { baseline: 2, target: 0 };
    expect(normalizeScore(goal, 2)).toBe(0);
    expect(normalizeScore(goal, 1)).toBe(0.5);
    expect(normalizeScore(goal, 0)).toBe(1);
    expect(normalizeScore(goal, 6)).toBe(0);
  });

  it('gives 1 or 0 when baseline equals target, by direction', () => {
    expect(normalizeScore({ baseline: 5, target: 5 }, 5)).toBe(1);
    expect(normalizeScore({ baseline: 5, target: 5 }, 6)).toBe(1);
    expect(normalizeScore({ baseline: 5, target: 5 }, 4)).toBe(0);
    expect(normalizeScore({ baseline: 5, target: 5, direction: 'down' }, 4)).toBe(1);
    expect(normalizeScore({ baseline: 5, target: 5, direction: 'down' }, 6)).toBe(0);
  });

  const finite = fc.double({ min: -1e6, max: 1e6, noNaN: true });

  it('always lies in [0, 1]', () => {
    fc.assert(
      fc.property(finite, finite, finite, (baseline, target, raw) => {
        const s = normalizeScore({ baseline, target }, raw);
        expect(s).toBeGreaterThanOrEqual(0);
        expect(s).toBeLessThanOrEqual(1);
      }),
    );
  });

  it('is monotone in the goal direction: closer to target never scores lower', () => {
    fc.assert(
      fc.property(finite, finite, finite, finite, (baseline, target, r1, r2) => {
        fc.pre(baseline !== target);
        const [lo, hi] = r1 <= r2 ? [r1, r2] : [r2, r1];
        const sLo = normalizeScore({ baseline, target }, lo);
        const sHi = normalizeScore({ baseline, target }, hi);
        if (target > baseline) expect(sHi).toBeGreaterThanOrEqual(sLo);
        else expect(sLo).toBeGreaterThanOrEqual(sHi); // decreasing goal: lower raw, higher score
      }),
    );
  });
});

describe('toProgressPoint', () => {
  const obs = { date: '2024-02-01', setting: 'classroom', model: 'push_in' } as const;

  it('carries context, raw value and score', () => {
    const goal = makeGoal();
    expect(
      toProgressPoint(goal, { ...obs, trialsCorrect: 5, trialsPrompted: 3, trialsIncorrect: 2 }),
    ).toEqual({
      ...obs,
      raw: 50,
      score: 0.5,
    });
  });

  it('scores a prompt-level goal downward', () => {
    const goal = makeGoal({
      measurementType: 'prompt_level',
      baseline: 4,
      target: 0,
      direction: 'down',
    });
    expect(toProgressPoint(goal, { ...obs, promptLevel: 'gestural' })?.score).toBe(0.75);
  });

  it('is null when the observation has no value for the goal type', () => {
    for (const type of measurementTypes) {
      expect(toProgressPoint(makeGoal({ measurementType: type }), obs)).toBeNull();
    }
  });
});
