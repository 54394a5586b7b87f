import { describe, it } from 'vitest';
import { expectFewFalseClaims, nullRun, SIMULATIONS } from './compare-sim';

// (b) With no planted difference between push-in and pull-out, a difference is claimed (the
// 95% interval excludes 0) in at most 7% of simulated districts. CI subset: the first
// SIMULATIONS districts of the full 300, which run in `pnpm bench` (bench/compare-sim.bench.ts).

describe('comparison on simulated districts with no planted difference', () => {
  it(`claims a difference in ≤ 7% of ${SIMULATIONS} districts`, async () => {
    const r = await nullRun(SIMULATIONS);
    console.log(r.report);
    expectFewFalseClaims(r, SIMULATIONS);
  }, 600_000);
});
