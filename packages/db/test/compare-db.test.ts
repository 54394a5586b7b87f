import { compareModels, type GasScore } from '@carryover/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connection } from '../src/client';
import { comparisonInputFromSink, generateDemoRows, seedDemoDistrict } from '../src/demo';
import { loadComparisonInput } from '../src/queries/comparison';
import { testTargets } from '../src/testing';
import {
  E2E_SIMULATIONS,
  endToEndRun,
  expectEndToEndCoverage,
  SIM_TODAY,
  scenario,
  table,
} from './compare-sim';

// End to end through a real database: the comparison input read back by loadComparisonInput
// equals the in-memory input the simulation studies use (so their rates carry over), and a
// smaller coverage study runs generator → database → query → comparison (CI subset; the full
// 30 districts run in `pnpm bench`, bench/compare-sim.bench.ts).

const effects = scenario({
  functional: table(0.03, 0.015),
  articulation: table(0.03, 0.015),
  other: table(0.03, 0.015),
});

/** Order-free form of an input, for comparing the database and memory paths. */
function canonical(input: Awaited<ReturnType<typeof loadComparisonInput>>) {
  return input.goals
    .map((g) => ({
      ...g,
      observations: [...g.observations].sort((a, b) =>
        JSON.stringify(a) < JSON.stringify(b) ? -1 : 1,
      ),
      deliveredMinutes: [...g.deliveredMinutes].sort((a, b) =>
        a.date < b.date ? -1 : a.date > b.date ? 1 : a.minutes - b.minutes,
      ),
      phaseChanges: [...g.phaseChanges].sort((a, b) => (a.date < b.date ? -1 : 1)),
    }))
    .sort((a, b) => (a.id < b.id ? -1 : 1));
}

function sortedGas(gas: readonly GasScore[]) {
  return [...gas].sort((a, b) =>
    a.goalId < b.goalId ? -1 : a.goalId > b.goalId ? 1 : a.periodEnd < b.periodEnd ? -1 : 1,
  );
}

for (const target of await testTargets()) {
  describe(`comparison input from ${target.dialect}`, () => {
    let conn: Connection;
    beforeAll(async () => {
      conn = await target.open();
    });
    afterAll(async () => {
      await conn?.close();
    });

    it('equals the in-memory simulation input and gives the same report', async () => {
      const options = { students: 120, seed: 77, today: SIM_TODAY, effects, passwordHash: 'x' };
      const seeded = await seedDemoDistrict(conn.db, options);
      const fromDb = await loadComparisonInput(conn.db, seeded.districtId, { asOf: SIM_TODAY });
      const { sink } = await generateDemoRows(options);
      // The seed voids one session after generating it; its data counts on neither path.
      expect(seeded.voidedSessionIds?.length).toBe(1);
      const fromMemory = comparisonInputFromSink(sink, SIM_TODAY, seeded.voidedSessionIds);
      expect(canonical(fromDb)).toEqual(canonical(fromMemory));
      // The finalised reports of the ended first period give GAS, the same from both.
      expect(fromDb.gas.length).toBeGreaterThan(0);
      expect(sortedGas(fromDb.gas)).toEqual(sortedGas(fromMemory.gas));
      // Every goal carries its aim line (IEP start to target date) for GAS per setting.
      expect(
        fromDb.goals.every((g) => g.aimLine && g.aimLine.targetDate > g.aimLine.startDate),
      ).toBe(true);
      const a = compareModels(fromDb, { replicates: 200, seed: 3 });
      const b = compareModels(fromMemory, { replicates: 200, seed: 3 });
      expect(a.roi).toEqual(b.roi);
      expect(a.classroom).toEqual(b.classroom);
      expect(a.counts).toEqual(b.counts);
    }, 120_000);

    if (target.dialect === 'sqlite')
      it(`covers the planted difference end to end (${E2E_SIMULATIONS} districts)`, async () => {
        const r = await endToEndRun(conn.db, E2E_SIMULATIONS);
        console.log(r.report);
        // CI subset: the first districts of the 30 in bench/compare-sim.bench.ts.
        expectEndToEndCoverage(r);
      }, 600_000);
  });
}
