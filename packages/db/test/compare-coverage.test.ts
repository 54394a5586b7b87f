import { describe, it } from 'vitest';
import { coverageRun, expectCoverage, SIMULATIONS } from './compare-sim';

// (a) With a planted push-in advantage of known size, the 95% interval covers it in ≥ 90% of
// simulated districts — for the mean per model and for the difference, all settings and the
// classroom alone. CI subset: the first SIMULATIONS districts of the full 300, which run in
// `pnpm bench` (bench/compare-sim.bench.ts).

describe('comparison on simulated districts with a planted push-in advantage', () => {
  it(`covers the planted values in ≥ 90% of ${SIMULATIONS} districts`, async () => {
    const r = await coverageRun(SIMULATIONS);
    console.log(r.report);
    expectCoverage(r, SIMULATIONS);
  }, 600_000);
});
