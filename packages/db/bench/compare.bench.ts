import { buildEpisodes, compareModels } from '@carryover/domain';
import { bench, describe } from 'vitest';
import { simulateComparisonInput } from '../src/demo';

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
