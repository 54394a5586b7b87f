import { describe, expect, it } from 'vitest';
import { covers, SIMULATIONS, scenario, simulate, table, wilson } from './compare-sim';

// (a) With a planted push-in advantage of known size, the 95% interval covers it in ≥ 90% of
// simulated districts — for the mean per model and for the difference, all settings and the
// classroom alone.

const PUSH_IN = 0.03;
const PULL_OUT = 0.015;
const TRUTH = PUSH_IN - PULL_OUT;
const effects = scenario({
  functional: table(PUSH_IN, PULL_OUT),
  articulation: table(PUSH_IN, PULL_OUT),
  other: table(PUSH_IN, PULL_OUT),
});

describe('comparison on simulated districts with a planted push-in advantage', () => {
  it(`covers the planted values in ≥ 90% of ${SIMULATIONS} districts`, async () => {
    const hits = { diff: 0, classroomDiff: 0, pushIn: 0, pullOut: 0, claimed: 0 };
    let n = 0;
    let estimates = 0;
    for (let i = 0; i < SIMULATIONS; i++) {
      const r = await simulate(effects, 150, 10_000 + i, {
        replicates: 1000,
        strataOutcomes: [],
      });
      const d = r.roi.pushInMinusPullOut;
      if (d.insufficient) continue;
      n++;
      estimates += d.estimate!;
      if (covers(d, TRUTH)) hits.diff++;
      if (covers(r.classroom.pushInMinusPullOut, TRUTH)) hits.classroomDiff++;
      if (covers(r.roi.byModel.push_in, PUSH_IN)) hits.pushIn++;
      if (covers(r.roi.byModel.pull_out, PULL_OUT)) hits.pullOut++;
      if (d.claimed) hits.claimed++;
    }
    console.log(
      [
        `planted push-in − pull-out = ${TRUTH}/week; ${n} of ${SIMULATIONS} districts (150 students) had both models above the floor`,
        `mean estimate of the difference: ${(estimates / n).toFixed(4)}`,
        `coverage, difference (all settings): ${wilson(hits.diff, n)}`,
        `coverage, difference (classroom): ${wilson(hits.classroomDiff, n)}`,
        `coverage, push-in mean ${PUSH_IN}: ${wilson(hits.pushIn, n)}`,
        `coverage, pull-out mean ${PULL_OUT}: ${wilson(hits.pullOut, n)}`,
        `difference claimed (power): ${wilson(hits.claimed, n)}`,
      ].join('\n'),
    );
    expect(n).toBeGreaterThanOrEqual(0.95 * SIMULATIONS);
    expect(hits.diff / n).toBeGreaterThanOrEqual(0.9);
    expect(hits.classroomDiff / n).toBeGreaterThanOrEqual(0.9);
    expect(hits.pushIn / n).toBeGreaterThanOrEqual(0.9);
    expect(hits.pullOut / n).toBeGreaterThanOrEqual(0.9);
  }, 600_000);
});
