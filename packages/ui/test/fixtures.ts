import type { GoalDetail } from '@carryover/domain';

export function makeGoal(overrides: Partial<GoalDetail> = {}): GoalDetail {
  return {
    id: 'g1',
    domain: 'articulation',
    text: 'Produce /r/ in words with 80% accuracy',
    discipline: 'SLP',
    currentModel: 'push_in',
    phase: 'intervention',
    measurementType: 'percent',
    baseline: 20,
    target: 80,
    unit: '%',
    startDate: '2026-09-01',
    targetDate: '2027-03-01',
    masteryRuleText: 'Mastery: the criterion on the last 3 consecutive sessions in the classroom.',
    points: [
      { date: '2026-09-08', setting: 'therapy_room', model: 'pull_out', raw: 30, score: 1 / 6 },
      { date: '2026-09-15', setting: 'classroom', model: 'push_in', raw: 35, score: 0.25 },
      { date: '2026-09-22', setting: 'therapy_room', model: 'pull_out', raw: 50, score: 0.5 },
    ],
    modelChanges: [{ date: '2026-09-14', from: 'pull_out', to: 'push_in', reason: 'carryover' }],
    phaseChanges: [],
    routines: [],
    alerts: [],
    progress: {
      status: 'on_track',
      level: 0.25,
      levelBySetting: { therapy_room: 0.5, classroom: 0.25 },
      carryoverGap: 0.25,
      trend: { slopePerWeek: 0.1, intercept: 0.2, originDate: '2026-09-08' },
      robust: null,
      aimLine: {
        start: { date: '2026-09-01', score: 0 },
        end: { date: '2027-03-01', score: 1 },
      },
      projectedDate: '2026-11-03',
      belowAimRun: 0,
      lastPoint: null,
    },
    ...overrides,
  };
}
