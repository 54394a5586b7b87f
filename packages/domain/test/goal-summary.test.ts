import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addDays } from '../src/dates';
import { decisionAlerts } from '../src/decisions';
import { summarizeGoal } from '../src/goal-summary';
import type { GoalPhase } from '../src/model';
import { goalStatus, progressOn, summarizeGoalProgress } from '../src/progress';
import { makeGoal, pointOn } from './helpers';

// A goal summary is stored as JSON and finished for "today" when read: that must give what the
// progress math gives over the same points on every day, before, during and after the goal.

const points = fc.array(
  fc.record({
    d: fc.integer({ min: 0, max: 150 }),
    s: fc.oneof(fc.double({ min: 0, max: 1, noNaN: true }), fc.constantFrom(0, 0.5, 1)),
    setting: fc.constantFrom('therapy_room', 'classroom', 'other') as fc.Arbitrary<
      'therapy_room' | 'classroom' | 'other'
    >,
  }),
  { maxLength: 14 },
);
const phase = fc.constantFrom(
  'baseline',
  'intervention',
  'mastered',
  'maintenance',
  'discontinued',
) as fc.Arbitrary<GoalPhase>;

describe('summarizeGoal and progressOn', () => {
  it('equal the progress math over the points, through JSON, on any today', () => {
    fc.assert(
      fc.property(points, phase, fc.integer({ min: -30, max: 300 }), (raw, p, todayDay) => {
        const goal = makeGoal({ phase: p });
        // raw = score × 100 keeps the points consistent with the percent goal's criterion.
        const pts = raw.map(({ d, s, setting }) => ({
          ...pointOn(d, s, { setting }),
          raw: 20 + 60 * s,
        }));
        const today = addDays('2024-01-01', todayDay);
        const stored = JSON.parse(JSON.stringify(summarizeGoal(goal, pts)));
        expect(progressOn(goal, stored, today)).toEqual(summarizeGoalProgress(goal, pts, today));
        expect(progressOn(goal, stored, today).status).toBe(goalStatus(goal, pts, today));
        expect(stored.alerts).toEqual(decisionAlerts(goal, pts));
      }),
      {
        numRuns: 300,
        // A denormal score once made the fit's slope -0, which JSON stores as 0.
        examples: [
          [
            [
              { d: 2, s: 0, setting: 'therapy_room' },
              { d: 0, s: 5e-324, setting: 'therapy_room' },
            ],
            'baseline',
            0,
          ],
        ],
      },
    );
  });
});
