import {
  buildEpisodes,
  buildEpisodesFromColumns,
  compareModels,
  digestSettingGas,
  finishDigests,
} from '@carryover/domain';
import { bench, describe } from 'vitest';
import { openDatabase } from '../src/client';
import { simulateComparisonInput } from '../src/demo';
import { loadComparisonColumns, loadComparisonInput } from '../src/queries/comparison';
import { loadComparisonDigests } from '../src/queries/comparison-digests';

// The full push-in / pull-out comparison (episodes + every bootstrap: ROI by model and setting,
// strata, within-student, adjusted with student/school/therapist clusters, B = 2000) on the
// demo district at 200 and 25,000 students. The district is generated in memory by the demo
// generator (the same rows seedDemoDistrict writes; see test/compare-db.test.ts) so the timing
// is of the comparison, not of the database. One run each.
const once = { iterations: 1, time: 0, warmupIterations: 0, warmupTime: 0 };
const TODAY = '2026-11-27';

describe('compare push-in and pull-out (default demo effects)', () => {
  for (const students of [200, 25_000]) {
    bench(
      `${students} students`,
      async () => {
        const input = await simulateComparisonInput({ students, today: TODAY });
        const points = input.goals.reduce((s, g) => s + g.observations.length, 0);
        const t0 = performance.now();
        const episodes = buildEpisodes(input.goals);
        const t1 = performance.now();
        const report = compareModels({ ...input, episodes }, { replicates: 2000, seed: 1 });
        const t2 = performance.now();
        const d = report.roi.pushInMinusPullOut;
        console.info(
          `${students} students, ${input.goals.length} goals, ${points} points → ${episodes.episodes.length} episodes: ` +
            `episodes ${((t1 - t0) / 1000).toFixed(2)} s + comparison ${((t2 - t1) / 1000).toFixed(2)} s = ` +
            `${((t2 - t0) / 1000).toFixed(2)} s (B = 2000, ${report.strata.length} strata); ` +
            `push-in − pull-out ${d.estimate?.toFixed(4)} [${d.low?.toFixed(4)}, ${d.high?.toFixed(4)}]; ` +
            `heap ${(process.memoryUsage().heapUsed / 2 ** 20).toFixed(0)} MiB`,
        );
      },
      once,
    );
  }
});

// The worker's data paths on a seeded database file (COMPARE_BENCH_DB, e.g. the CLI's
// `seed --students 25000`): the object input (as the worker loaded it before) against the
// columns it loads now, each load followed by episodes and the comparison. CPU milliseconds
// (this thread) as well as wall time, since the machine is shared; heap after each stage.
const file = process.env.COMPARE_BENCH_DB;
describe.skipIf(!file)('comparison from a database file', () => {
  const cpu = () => process.cpuUsage().user / 1000;
  const heap = () => `${(process.memoryUsage().heapUsed / 2 ** 20).toFixed(0)} MiB`;
  for (const form of ['objects', 'columns', 'digests'] as const)
    bench(
      `load as ${form}, episodes, comparison`,
      async () => {
        const conn = openDatabase(file);
        try {
          const { id } = await conn.db
            .selectFrom('district')
            .select('id')
            .executeTakeFirstOrThrow();
          const asOf = TODAY;
          const c0 = cpu();
          const t0 = performance.now();
          let goals: Parameters<typeof compareModels>[0]['goals'];
          let gas: Parameters<typeof compareModels>[0]['gas'];
          let episodes: ReturnType<typeof buildEpisodes>;
          let loaded = '';
          let c1: number;
          let settingGas: Parameters<typeof compareModels>[0]['settingGas'];
          if (form === 'digests') {
            // The worker's default path: kept per-goal digests, no observation read.
            const input = await loadComparisonDigests(conn.db, id, { asOf });
            loaded = heap();
            c1 = cpu();
            ({ goals, gas } = input);
            episodes = finishDigests(input.goals, input.digests, asOf);
            settingGas = (goalId, setting, first, last) =>
              digestSettingGas(input.digests.get(goalId)!, setting, first, last);
          } else if (form === 'objects') {
            const input = await loadComparisonInput(conn.db, id, { asOf });
            loaded = heap();
            c1 = cpu();
            ({ goals, gas } = input);
            episodes = buildEpisodes(input.goals);
          } else {
            const input = await loadComparisonColumns(conn.db, id, { asOf });
            loaded = heap();
            c1 = cpu();
            goals = input.columns.goals;
            gas = input.gas;
            episodes = buildEpisodesFromColumns(input.columns);
          }
          const c2 = cpu();
          compareModels(
            { goals, gas, episodes, ...(settingGas ? { settingGas } : {}) },
            { replicates: 2000, seed: 1 },
          );
          const c3 = cpu();
          console.info(
            `${form}: ${episodes.episodes.length} episodes; CPU ms load ${(c1 - c0).toFixed(0)}, ` +
              `episodes ${(c2 - c1).toFixed(0)}, comparison ${(c3 - c2).toFixed(0)}; wall ` +
              `${((performance.now() - t0) / 1000).toFixed(1)} s; heap after load ${loaded}, ` +
              `after all ${heap()}; RSS ${(process.memoryUsage.rss() / 2 ** 20).toFixed(0)} MiB`,
          );
        } finally {
          await conn.close();
        }
      },
      once,
    );
});
