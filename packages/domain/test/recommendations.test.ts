import { describe, expect, it } from 'vitest';
import type { ProgressPoint } from '../src/progress-types';
import {
  matchingRoutine,
  type RecommendationGoal,
  recommendationsFor,
} from '../src/recommendations';
import { makeGoal, pointOn } from './helpers';

// makeGoal(): percent 20 → 80 (raw = 20 + 60 × score), 2024-01-01 → 2024-04-10.
const at = (day: number, score: number, extra: Partial<ProgressPoint> = {}) =>
  pointOn(day, score, { raw: 20 + 60 * score, ...extra });

const writing = { id: 'rt-w', name: 'writing', classroom: 'Room 12' };
const arrival = { id: 'rt-a', name: 'arrival', classroom: 'Room 12' };

function goal(over: Partial<RecommendationGoal> = {}): RecommendationGoal {
  return {
    spec: makeGoal(),
    domain: 'handwriting',
    currentModel: 'pull_out',
    points: [],
    linkedRoutines: [writing],
    homeroomRoutines: [arrival, writing],
    ...over,
  };
}

const rules = (g: RecommendationGoal) => recommendationsFor(g).map((r) => r.rule);

/** Criterion met on three therapy-room sessions, classroom probe well short. */
const roomMasteredClassroomNot = [
  at(10, 0.3, { setting: 'classroom', model: 'push_in' }),
  at(20, 1),
  at(21, 1),
  at(22, 1),
];

describe('push_in_for_carryover', () => {
  it('fires when the therapy room meets the criterion and the classroom does not, under pull-out', () => {
    const [rec] = recommendationsFor(goal({ points: roomMasteredClassroomNot }));
    expect(rec?.rule).toBe('push_in_for_carryover');
    expect(rec?.evidence).toContain('therapy-room sessions');
    expect(rec?.evidence).toContain('latest classroom probe');
    expect(rec?.change.toModel).toBe('push_in');
    expect(rec?.change.routine).toEqual(writing);
    expect(rec?.change.draftsPlan).toBe(true);
  });

  it('does not fire when the classroom meets it too, when already push-in, or when mastered', () => {
    // Met in both settings, alternating: a mastery candidate, not a carryover problem.
    const both = [20, 21, 22, 23, 24, 25].map((d, i) =>
      at(d, 1, { setting: i % 2 ? 'classroom' : 'therapy_room' }),
    );
    expect(rules(goal({ points: both }))).not.toContain('push_in_for_carryover');
    expect(
      rules(goal({ points: roomMasteredClassroomNot, currentModel: 'push_in' })),
    ).not.toContain('push_in_for_carryover');
    expect(
      rules(goal({ points: roomMasteredClassroomNot, spec: makeGoal({ phase: 'mastered' }) })),
    ).toEqual([]);
  });

  it('does not fire when the room is short of the criterion', () => {
    const short = [at(20, 1), at(21, 0.5), at(22, 1)];
    expect(rules(goal({ points: short }))).toEqual([]);
  });
});

describe('split_for_flat_push_in', () => {
  const flat = [0.2, 0.22, 0.2, 0.21, 0.2, 0.21].map((s, i) =>
    at(7 * i, s, { model: 'push_in', setting: 'classroom' }),
  );

  it('fires on six push-in points with a flat trend', () => {
    const recs = recommendationsFor(goal({ currentModel: 'push_in', points: flat }));
    expect(recs.map((r) => r.rule)).toEqual(['split_for_flat_push_in']);
    expect(recs[0]?.change.toModel).toBe('split');
    expect(recs[0]?.evidence).toMatch(/last 6 push-in data points/);
    expect(recs[0]?.evidence).toMatch(/flat/);
  });

  it('does not fire on five points, a rising trend, or a pull-out goal', () => {
    expect(rules(goal({ currentModel: 'push_in', points: flat.slice(1) }))).toEqual([]);
    const rising = flat.map((p, i) => ({ ...p, score: 0.1 + 0.05 * i }));
    expect(rules(goal({ currentModel: 'push_in', points: rising }))).toEqual([]);
    expect(rules(goal({ currentModel: 'pull_out', points: flat }))).toEqual([]);
  });

  it('reads only push-in points: pull-out points do not fill the run', () => {
    const mixed = [
      ...flat.slice(0, 3),
      ...flat.slice(3).map((p) => ({ ...p, model: 'pull_out' as const })),
    ];
    expect(rules(goal({ currentModel: 'push_in', points: mixed }))).toEqual([]);
  });
});

describe('push_in_for_functional_goal', () => {
  it('fires for a self-care goal served only by pull-out, at the matching homeroom routine', () => {
    const recs = recommendationsFor(goal({ domain: 'self_care', linkedRoutines: [] }));
    expect(recs.map((r) => r.rule)).toEqual(['push_in_for_functional_goal']);
    expect(recs[0]?.change.routine).toEqual(arrival);
    expect(recs[0]?.evidence).toContain('self-care goal served only by pull-out');
  });

  it('fires for classroom participation without a routine, and drafts no plan then', () => {
    const recs = recommendationsFor(
      goal({ domain: 'classroom_participation', linkedRoutines: [], homeroomRoutines: [] }),
    );
    expect(recs[0]?.change.routine).toBeNull();
    expect(recs[0]?.change.draftsPlan).toBe(false);
  });

  it('does not fire for other domains, split or push-in service, or a discontinued goal', () => {
    expect(rules(goal({ domain: 'handwriting' }))).toEqual([]);
    expect(rules(goal({ domain: 'self_care', currentModel: 'split' }))).toEqual([]);
    expect(rules(goal({ domain: 'self_care', currentModel: 'push_in' }))).toEqual([]);
    expect(rules(goal({ domain: 'self_care', spec: makeGoal({ phase: 'discontinued' }) }))).toEqual(
      [],
    );
  });
});

describe('matchingRoutine', () => {
  it('prefers the linked routine over a domain match', () => {
    expect(matchingRoutine(goal({ domain: 'self_care' }))).toEqual(writing);
  });
});
