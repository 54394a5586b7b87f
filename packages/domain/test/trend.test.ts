import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { leastSquares, level, rateOfImprovement, theilSen } from '../src/progress';
import { point, pointOn } from './helpers';

type Fit = { slope: number; intercept: number };
const at = (fit: Fit, x: number) => fit.intercept + fit.slope * x;

/** A line sampled at 6–30 distinct, sorted integer days. */
const linearSeries = fc
  .record({
    slope: fc.double({ min: -1, max: 1, noNaN: true }),
    intercept: fc.double({ min: -1, max: 1, noNaN: true }),
    days: fc.uniqueArray(fc.integer({ min: 0, max: 365 }), { minLength: 6, maxLength: 30 }),
  })
  .map(({ slope, intercept, days }) => ({
    slope,
    intercept,
    points: [...days].sort((a, b) => a - b).map((day) => ({ day, y: intercept + slope * day })),
  }));

describe('theilSen', () => {
  it('is exact on a perfect line', () => {
    expect(theilSen([0, 1, 2, 5, 9].map((day) => ({ day, y: 3 - 2 * day })))).toEqual({
      slope: -2,
      intercept: 3,
    });
    fc.assert(
      fc.property(
        fc.integer({ min: -50, max: 50 }),
        fc.integer({ min: -50, max: 50 }),
        fc.uniqueArray(fc.integer({ min: -500, max: 500 }), { minLength: 2, maxLength: 25 }),
        (slope, intercept, days) => {
          const fit = theilSen(days.map((day) => ({ day, y: intercept + slope * day })));
          expect(fit).toEqual({ slope, intercept });
        },
      ),
    );
  });

  it('takes the median of pairwise slopes and ignores same-day pairs', () => {
    // Pairs: (0,0)-(1,1) = 1, (0,0)-(2,4) = 2, (1,1)-(2,4) = 3; (1,1)-(1,9) has no slope.
    const fit = theilSen([
      { day: 0, y: 0 },
      { day: 1, y: 1 },
      { day: 2, y: 4 },
    ]);
    expect(fit?.slope).toBe(2);
    expect(fit?.intercept).toBe(0); // median of 0, -1, 0
  });

  it('is null without two distinct days', () => {
    expect(theilSen([])).toBeNull();
    expect(theilSen([{ day: 3, y: 1 }])).toBeNull();
    expect(
      theilSen([
        { day: 3, y: 1 },
        { day: 3, y: 2 },
      ]),
    ).toBeNull();
  });

  it('does not depend on input order', () => {
    const series = fc.array(
      fc.record({
        day: fc.integer({ min: 0, max: 200 }),
        y: fc.double({ min: -10, max: 10, noNaN: true }),
      }),
      { minLength: 0, maxLength: 25 },
    );
    fc.assert(
      fc.property(
        series.chain((pts) =>
          fc.tuple(fc.constant(pts), fc.shuffledSubarray(pts, { minLength: pts.length })),
        ),
        ([pts, shuffled]) => {
          expect(theilSen(shuffled)).toEqual(theilSen(pts));
        },
      ),
    );
  });

  it('moves less than least squares when one point goes wild', () => {
    fc.assert(
      fc.property(
        linearSeries,
        fc.nat(),
        fc.double({ min: 10, max: 1000, noNaN: true }),
        fc.boolean(),
        ({ points }, which, size, up) => {
          const i = which % points.length;
          const wild = points.map((p, j) => (j === i ? { ...p, y: p.y + (up ? size : -size) } : p));
          const xs = [points[0]!.day, points.at(-1)!.day];
          const moved = (fit: (p: typeof points) => Fit | null) => {
            const clean = fit(points)!;
            const dirty = fit(wild)!;
            return Math.max(...xs.map((x) => Math.abs(at(dirty, x) - at(clean, x))));
          };
          expect(moved(theilSen)).toBeLessThan(moved(leastSquares));
          expect(moved(theilSen)).toBeLessThan(1e-6); // one point in ≥ 6 cannot move it at all
        },
      ),
    );
  });
});

describe('leastSquares', () => {
  it('fits a perfect line and the textbook example', () => {
    fc.assert(
      fc.property(linearSeries, ({ slope, intercept, points }) => {
        const fit = leastSquares(points)!;
        expect(fit.slope).toBeCloseTo(slope, 9);
        expect(fit.intercept).toBeCloseTo(intercept, 7);
      }),
    );
    // x = 1..5, y = 2, 4, 5, 4, 5 → slope 0.6, intercept 2.2.
    const fit = leastSquares([2, 4, 5, 4, 5].map((y, i) => ({ day: i + 1, y })))!;
    expect(fit.slope).toBeCloseTo(0.6, 12);
    expect(fit.intercept).toBeCloseTo(2.2, 12);
  });

  it('is null without two distinct days', () => {
    expect(leastSquares([{ day: 1, y: 1 }])).toBeNull();
    expect(
      leastSquares([
        { day: 1, y: 1 },
        { day: 1, y: 3 },
      ]),
    ).toBeNull();
  });
});

describe('level', () => {
  it('is null with no points and the score itself with one', () => {
    expect(level([])).toBeNull();
    expect(level([point('2024-02-01', 0.4)])).toBe(0.4);
    expect(level([point('2024-02-01', 0.4), point('2024-02-02', 0.6)])).toBe(0.5);
  });

  it('is the median of the last three by date, whatever the input order', () => {
    const byDate = [0.9, 0.1, 0.2, 0.7, 0.3].map((s, i) => pointOn(i * 3, s));
    // Last three by date: 0.2, 0.7, 0.3 → 0.3; the early 0.9 must not count.
    expect(level(byDate)).toBe(0.3);
    fc.assert(
      fc.property(fc.shuffledSubarray(byDate, { minLength: byDate.length }), (shuffled) => {
        expect(level(shuffled)).toBe(0.3);
      }),
    );
  });

  it('matches sorting by date then taking the middle of the last three', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 0, max: 300 }), { minLength: 3, maxLength: 20 }),
        fc.infiniteStream(fc.double({ min: 0, max: 1, noNaN: true })),
        (days, scores) => {
          const pts = days.map((d) => pointOn(d, scores.next().value));
          const lastThree = [...pts]
            .sort((a, b) => a.date.localeCompare(b.date))
            .slice(-3)
            .map((p) => p.score)
            .sort((a, b) => a - b);
          expect(level(pts)).toBe(lastThree[1]! + 0);
        },
      ),
    );
  });

  it('orders same-day points by input order', () => {
    const pts = [pointOn(0, 0.5), pointOn(1, 0.9), pointOn(1, 0.1), pointOn(1, 0.2)];
    // Last three are the three day-1 points.
    expect(level(pts)).toBe(0.2);
    const withEarlier = [pointOn(1, 0.9), pointOn(1, 0.8), pointOn(0, 0.5), pointOn(1, 0.1)];
    expect(level(withEarlier)).toBe(0.8);
  });
});

describe('rateOfImprovement', () => {
  const goal = { startDate: '2024-01-01' };

  const weekly = [0, 7, 14, 21, 28, 35];

  it('is the least-squares slope of scores per week', () => {
    const pts = weekly.map((d) => pointOn(d, d / 70)); // 0.1 of the gap per week
    expect(rateOfImprovement(pts, goal)).toBeCloseTo(0.1, 12);
    // Least squares: a point above the line pulls it (Theil–Sen would not move).
    const withOutlier = [...pts, pointOn(42, 1)];
    expect(rateOfImprovement(withOutlier, goal)!).toBeGreaterThan(0.1);
  });

  it('is negative when scores fall and null without six points over three weeks', () => {
    expect(
      rateOfImprovement(
        weekly.map((d) => pointOn(d, 0.5 - d / 35)),
        goal,
      ),
    ).toBeCloseTo(-0.2, 12);
    expect(rateOfImprovement([], goal)).toBeNull();
    expect(rateOfImprovement([pointOn(0, 0.5), pointOn(7, 0.3)], goal)).toBeNull();
    expect(
      rateOfImprovement(
        [0, 1, 2, 3, 4, 20].map((d) => pointOn(d, 0.5)),
        goal,
      ),
    ).toBeNull();
    expect(
      rateOfImprovement(
        [0, 1, 2, 3, 4, 21].map((d) => pointOn(d, 0.5)),
        goal,
      ),
    ).toBe(0);
  });
});
