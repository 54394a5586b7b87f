import { bench, describe } from 'vitest';
import { openTestSqlite } from '../src/testing';
import {
  coverageRun,
  endToEndRun,
  expectCoverage,
  expectEndToEndCoverage,
  expectFewFalseClaims,
  expectStratum,
  FULL_E2E_SIMULATIONS,
  FULL_SIMULATIONS,
  FULL_STRATUM_SIMULATIONS,
  nullRun,
  stratumRun,
} from '../test/compare-sim';

// The comparison's validation on simulated districts at full size: 300 districts of 150
// students for coverage and for the null, 40 of 900 for the strata. `npm test` runs the first
// districts of each (test/compare-{coverage,null,stratum,db}.test.ts); here every district, with
// the same seeds and the same thresholds (a threshold missed fails the bench). Each run prints
// its rates and wall time. One run each.
const once = { iterations: 1, time: 0, warmupIterations: 0, warmupTime: 0 };
const seconds = (t0: number) => `${((performance.now() - t0) / 1000).toFixed(1)} s`;

describe('comparison validation on simulated districts (full size)', () => {
  bench(
    `coverage of a planted push-in advantage, ${FULL_SIMULATIONS} districts`,
    async () => {
      const t0 = performance.now();
      const r = await coverageRun(FULL_SIMULATIONS);
      console.info(`${r.report}\nwall time ${seconds(t0)}`);
      expectCoverage(r, FULL_SIMULATIONS);
    },
    once,
  );
  bench(
    `no planted difference, ${FULL_SIMULATIONS} districts`,
    async () => {
      const t0 = performance.now();
      const r = await nullRun(FULL_SIMULATIONS);
      console.info(`${r.report}\nwall time ${seconds(t0)}`);
      expectFewFalseClaims(r, FULL_SIMULATIONS);
    },
    once,
  );
  bench(
    `end to end through SQLite, ${FULL_E2E_SIMULATIONS} districts`,
    async () => {
      const t0 = performance.now();
      const conn = await openTestSqlite();
      try {
        const r = await endToEndRun(conn.db, FULL_E2E_SIMULATIONS);
        console.info(`${r.report}\nwall time ${seconds(t0)}`);
        expectEndToEndCoverage(r);
      } finally {
        await conn.close();
      }
    },
    once,
  );
  bench(
    `strata, a difference in one domain, ${FULL_STRATUM_SIMULATIONS} districts`,
    async () => {
      const t0 = performance.now();
      const r = await stratumRun(FULL_STRATUM_SIMULATIONS);
      console.info(`${r.report}\nwall time ${seconds(t0)}`);
      expectStratum(r, FULL_STRATUM_SIMULATIONS);
    },
    once,
  );
});
