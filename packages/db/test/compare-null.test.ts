import { describe, expect, it } from 'vitest';
import { SIMULATIONS, scenario, simulate, table, wilson } from './compare-sim';

// (b) With no planted difference between push-in and pull-out, a difference is claimed (the
// 95% interval excludes 0) in at most 7% of simulated districts.

const effects = scenario({
  functional: table(0.02, 0.02),
  articulation: table(0.02, 0.02),
  other: table(0.02, 0.02),
});

describe('comparison on simulated districts with no planted difference', () => {
  it(`claims a difference in ≤ 7% of ${SIMULATIONS} districts`, async () => {
    const claims = { all: 0, classroom: 0, adjusted: 0, within: 0 };
    let n = 0;
    let withinN = 0;
    for (let i = 0; i < SIMULATIONS; i++) {
      const r = await simulate(effects, 150, 20_000 + i, {
        replicates: 1000,
        strataOutcomes: [],
      });
      if (r.roi.pushInMinusPullOut.insufficient) continue;
      n++;
      if (r.roi.pushInMinusPullOut.claimed) claims.all++;
      if (r.classroom.pushInMinusPullOut.claimed) claims.classroom++;
      if (r.adjusted.pushInMinusPullOut.claimed) claims.adjusted++;
      const w = r.withinStudent.switchedGoals.difference;
      if (!w.insufficient) {
        withinN++;
        if (w.claimed) claims.within++;
      }
    }
    console.log(
      [
        `no planted difference; ${n} of ${SIMULATIONS} districts (150 students) had both models above the floor`,
        `difference claimed (all settings): ${wilson(claims.all, n)}`,
        `difference claimed (classroom): ${wilson(claims.classroom, n)}`,
        `difference claimed (adjusted): ${wilson(claims.adjusted, n)}`,
        `within-goal switch difference claimed: ${wilson(claims.within, withinN)}`,
      ].join('\n'),
    );
    expect(n).toBeGreaterThanOrEqual(0.95 * SIMULATIONS);
    expect(claims.all / n).toBeLessThanOrEqual(0.07);
    expect(claims.classroom / n).toBeLessThanOrEqual(0.07);
    expect(claims.adjusted / n).toBeLessThanOrEqual(0.07);
  }, 600_000);
});
