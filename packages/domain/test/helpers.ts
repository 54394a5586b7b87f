import { addDays } from '../src/dates';
import type { GoalSpec, ProgressPoint } from '../src/progress-types';

/** A percent goal from 20% to 80% over 100 days, default mastery rule. */
export function makeGoal(overrides: Partial<GoalSpec> = {}): GoalSpec {
  return {
    measurementType: 'percent',
    baseline: 20,
    target: 80,
    direction: 'up',
    rubricMax: null,
    startDate: '2024-01-01',
    targetDate: '2024-04-10', // 100 days later
    phase: 'intervention',
    masteryRule: { consecutiveSessions: 3, minSettings: 2, requireClassroom: true },
    ...overrides,
  };
}

export function point(
  date: string,
  score: number,
  extra: Partial<ProgressPoint> = {},
): ProgressPoint {
  return { date, setting: 'therapy_room', model: 'pull_out', raw: score, score, ...extra };
}

/** A point `day` days after 2024-01-01. */
export function pointOn(day: number, score: number, extra: Partial<ProgressPoint> = {}) {
  return point(addDays('2024-01-01', day), score, extra);
}
