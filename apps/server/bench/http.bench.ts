import { afterAll, bench, describe } from 'vitest';
import { benchOptionsFromEnv, type HttpBenchResult, runHttpBench } from './http-paths';

// The request paths over HTTP against the real server; see http-paths.ts. Sizes and durations:
// BENCH_STUDENTS (default 200), BENCH_SECONDS per path and concurrency (10), BENCH_USERS (50),
// BENCH_USERS_SECONDS (60). The seeded district is cached in the OS temp dir per size.
const once = { iterations: 1, time: 0, warmupIterations: 0, warmupTime: 0 };
let result: HttpBenchResult | undefined;

describe('HTTP request paths', () => {
  bench(
    'request paths over HTTP (autocannon) and in-process',
    async () => {
      result = await runHttpBench(benchOptionsFromEnv((line) => console.log(line)));
    },
    once,
  );
});

afterAll(() => {
  if (!result) return;
  console.log(
    `\n${result.students} students (SQLite, full school year, served as of ${result.asOf}); ` +
      `server peak RSS ${result.serverPeakRssMiB} MiB`,
  );
  console.table(result.rows);
});
