import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addDays } from '../src/dates';
import { decisionAlerts } from '../src/decisions';
import { aimLine, aimScoreAt, normalizeScore, summarizeGoalProgress } from '../src/progress';
import type { ProgressPoint } from '../src/progress-types';
import { makeGoal, pointOn } from './helpers';

// makeGoal(): percent 20 → 80, 2024-01-01 → 2024-04-10 (100 days); the aim on day d is d/100.

const rules = (alerts: { rule: string }[]) => alerts.map((a) => a.rule);

/** A point whose raw value is on the goal's scale (score s ↔ raw 20 + 60 s). */
const at = (day: number, score: number, extra: Partial<ProgressPoint> = {}) =>
  pointOn(day, score, { raw: 20 + 60 * score, ...extra });

describe('progress summary properties', () => {
  const series = fc.array(
    fc.record({
      day: fc.integer({ min: 0, max: 150 }),
      score: fc.double({ min: 0, max: 1, noNaN: true }),
      classroom: fc.boolean(),
    }),
    { minLength: 0, maxLength: 20 },
  );
  const toPoints = (rows: { day: number; score: number; classroom: boolean }[]) =>
    rows.map((r) => at(r.day, r.score, { setting: r.classroom ? 'classroom' : 'therapy_room' }));

  it('trend, projection and alerts do not depend on the order points arrive in', () => {
    fc.assert(
      fc.property(
        series.chain((rows) =>
          fc.tuple(fc.constant(rows), fc.shuffledSubarray(rows, { minLength: rows.length })),
        ),
        ([rows, shuffled]) => {
          // Distinct days only: same-day points keep input order by design (level of ties).
          const byDay = new Map(rows.map((r) => [r.day, r]));
          const unique = [...byDay.values()];
          const again = shuffled.filter((r) => byDay.get(r.day) === r);
          const goal = makeGoal();
          const a = summarizeGoalProgress(goal, toPoints(unique), '2024-03-01');
          const b = summarizeGoalProgress(goal, toPoints(again), '2024-03-01');
          expect(b.trend).toEqual(a.trend);
          expect(b.projectedDate).toEqual(a.projectedDate);
          expect(b.level).toEqual(a.level);
          expect(decisionAlerts(goal, toPoints(again))).toEqual(
            decisionAlerts(goal, toPoints(unique)),
          );
        },
      ),
    );
  });

  it('one wild outlier moves the robust trend less than least squares', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 0.008, noNaN: true }),
        fc.integer({ min: 0, max: 9 }),
        fc.boolean(),
        (slopePerDay, which, up) => {
          const clean = Array.from({ length: 10 }, (_, i) => at(i * 7, 0.1 + slopePerDay * i * 7));
          const wild = clean.map((p, i) => (i === which ? { ...p, score: up ? 1 : 0 } : p));
          if (wild[which]!.score === clean[which]!.score) return;
          const goal = makeGoal();
          const a = summarizeGoalProgress(goal, clean, '2024-03-01');
          const b = summarizeGoalProgress(goal, wild, '2024-03-01');
          const robust = Math.abs(b.robust!.slopePerWeek - a.robust!.slopePerWeek);
          const ols = Math.abs(b.trend!.slopePerWeek - a.trend!.slopePerWeek);
          expect(robust).toBeLessThan(ols);
        },
      ),
    );
  });

  it('the aim line passes through its two anchors', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 3000 }),
        fc.integer({ min: 1, max: 1000 }),
        (offset, span) => {
          const startDate = addDays('2020-01-01', offset);
          const targetDate = addDays(startDate, span);
          const goal = makeGoal({ startDate, targetDate });
          expect(aimLine(goal)).toEqual({
            start: { date: startDate, score: 0 },
            end: { date: targetDate, score: 1 },
          });
          expect(aimScoreAt(goal, startDate)).toBe(0);
          expect(aimScoreAt(goal, targetDate)).toBe(1);
        },
      ),
    );
  });

  it('normalises a behaviour that should decrease as the mirror of one that should increase', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 50 }),
        fc.integer({ min: 0, max: 49 }),
        fc.double({ min: -10, max: 60, noNaN: true }),
        (baseline, below, raw) => {
          const target = Math.min(below, baseline - 1);
          const down = normalizeScore({ baseline, target, direction: 'down' }, raw);
          const up = normalizeScore({ baseline: -baseline, target: -target }, -raw);
          expect(down).toBeCloseTo(up, 12);
          if (raw <= target) expect(down).toBe(1);
          if (raw >= baseline) expect(down).toBe(0);
        },
      ),
    );
  });
});

describe('decision rule: change something', () => {
  const goal = makeGoal();

  it('fires at four consecutive points below the aim line, not three', () => {
    // Aim on days 40–70 is 0.4–0.7; all of these sit below it.
    const three = [at(40, 0.1), at(50, 0.1), at(60, 0.1)];
    expect(rules(decisionAlerts(goal, three))).toEqual([]);
    const four = [...three, at(70, 0.1)];
    const alerts = decisionAlerts(goal, four);
    expect(rules(alerts)).toEqual(['change_something']);
    expect(alerts[0]!.explanation).toContain('The last 4 data points (Feb 10 – Mar 11)');
    expect(alerts[0]!.explanation).toContain('below the aim line');
  });

  it('needs the run to reach the latest point: a point on the aim line breaks it', () => {
    const broken = [at(30, 0.1), at(40, 0.1), at(50, 0.1), at(60, 0.1), at(70, 0.7)];
    expect(rules(decisionAlerts(goal, broken))).toEqual([]);
    // Exactly on the line is not below.
    const onLine = [at(10, 0), at(20, 0), at(30, 0), at(40, 0.4)];
    expect(rules(decisionAlerts(goal, onLine))).toEqual([]);
  });

  it('stays quiet once the goal is mastered, maintained or discontinued', () => {
    const low = [at(40, 0.1), at(50, 0.1), at(60, 0.1), at(70, 0.1)];
    for (const phase of ['mastered', 'maintenance', 'discontinued'] as const) {
      expect(decisionAlerts(makeGoal({ phase }), low)).toEqual([]);
    }
    expect(decisionAlerts(goal, [])).toEqual([]);
  });
});

describe('decision rule: mastery candidate', () => {
  const goal = makeGoal();
  const hit = (day: number, setting: ProgressPoint['setting'] = 'therapy_room') =>
    at(day, 1, { setting });

  it('fires when the criterion is met on the last 3 sessions in each setting, the classroom among them', () => {
    const both = [hit(10), hit(11, 'classroom'), hit(12), hit(13, 'classroom'), hit(14)];
    const alerts = decisionAlerts(goal, [...both, hit(15, 'classroom')]);
    expect(rules(alerts)).toEqual(['mastery_candidate']);
    expect(alerts[0]!.explanation).toContain('at least 80% of trials');
    expect(alerts[0]!.explanation).toContain('last 3 sessions');
    expect(alerts[0]!.explanation).toContain('in the classroom and the therapy room');
    expect(rules(decisionAlerts(goal, both))).not.toContain('mastery_candidate');
  });

  it('fires for a push-in goal on classroom data alone', () => {
    const alerts = decisionAlerts(
      goal,
      [10, 12, 14].map((d) => hit(d, 'classroom')),
    );
    expect(rules(alerts)).toEqual(['mastery_candidate']);
    expect(alerts[0]!.explanation).toContain('in the classroom.');
  });

  it('does not fire with only two qualifying sessions or a failed session in the window', () => {
    expect(rules(decisionAlerts(goal, [hit(12, 'classroom'), hit(14)]))).not.toContain(
      'mastery_candidate',
    );
    const failed = [hit(10, 'classroom'), at(12, 0.5), hit(14)];
    expect(rules(decisionAlerts(goal, failed))).not.toContain('mastery_candidate');
  });

  it('works for a behaviour that should decrease', () => {
    const down = makeGoal({
      measurementType: 'frequency',
      baseline: 6,
      target: 1,
      direction: 'down',
    });
    const p = (day: number, raw: number, setting: ProgressPoint['setting'] = 'therapy_room') =>
      pointOn(day, normalizeScore(down, raw), { raw, setting });
    const c = 'classroom' as const;
    expect(rules(decisionAlerts(down, [p(10, 1, c), p(12, 0, c), p(14, 1, c)]))).toEqual([
      'mastery_candidate',
    ]);
    expect(rules(decisionAlerts(down, [p(10, 1, c), p(12, 2, c), p(14, 1, c)]))).toEqual([]);
    expect(decisionAlerts(down, [p(10, 1, c), p(12, 0, c), p(14, 1, c)])[0]!.explanation).toContain(
      'at most 1 time per session',
    );
  });
});

describe('decision rule: not yet generalised', () => {
  const goal = makeGoal();

  it('fires when the therapy room meets the rule but the classroom does not', () => {
    const points = [at(10, 1), at(11, 0.3, { setting: 'classroom' }), at(12, 1), at(14, 1)];
    const alerts = decisionAlerts(goal, points);
    expect(rules(alerts)).toEqual(['not_generalised']);
    expect(alerts[0]!.explanation).toContain('last 3 therapy-room sessions');
    expect(alerts[0]!.explanation).toContain('latest classroom probe (Jan 12) was 38% of trials');
  });

  it('says so when there is no classroom data at all', () => {
    const alerts = decisionAlerts(goal, [at(10, 1), at(12, 1), at(14, 1)]);
    expect(rules(alerts)).toEqual(['not_generalised']);
    expect(alerts[0]!.explanation).toContain('no classroom data yet');
  });

  it('does not fire with fewer than three qualifying therapy-room sessions', () => {
    expect(rules(decisionAlerts(goal, [at(10, 0.5), at(12, 1), at(14, 1)]))).toEqual([]);
  });

  it('gives way to mastery when the classroom meets the criterion too', () => {
    const classroom = { setting: 'classroom' as const };
    const points = [at(10, 1), at(11, 1, classroom), at(12, 1), at(13, 1, classroom), at(14, 1)];
    expect(rules(decisionAlerts(goal, points))).toEqual(['not_generalised']);
    expect(rules(decisionAlerts(goal, [...points, at(15, 1, classroom)]))).toEqual([
      'mastery_candidate',
    ]);
  });

  it('can fire together with change something', () => {
    // Room at criterion late in the goal, classroom probes dragging the last four points under
    // the aim: both messages are true at once.
    const points = [
      at(80, 1),
      at(81, 0.1, { setting: 'classroom' }),
      at(82, 1),
      at(83, 0.1, { setting: 'classroom' }),
      at(84, 1),
      at(85, 0.1, { setting: 'classroom' }),
      at(86, 0.1, { setting: 'classroom' }),
      at(87, 0.1, { setting: 'classroom' }),
      at(88, 0.1, { setting: 'classroom' }),
    ];
    expect(rules(decisionAlerts(goal, points))).toEqual(['change_something', 'not_generalised']);
  });
});
