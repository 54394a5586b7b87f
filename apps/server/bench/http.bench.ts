import { afterAll, bench, describe } from 'vitest';
import {
  benchOptionsFromEnv,
  type HttpBenchResult,
  markdownTable,
  runHttpBench,
} from './http-paths';

// The request paths over HTTP against the real multi-process server, SQLite and Postgres, in
// one table; see http-paths.ts. BENCH_STUDENTS (default 200; 25000 for the district-scale
// run), BENCH_DIALECTS (sqlite,postgres), BENCH_SECONDS per single-user and capacity run (10),
// BENCH_USERS (50), BENCH_USERS_SECONDS per 50-user run (30), WEB_CONCURRENCY (cores),
// BENCH_PATHS (pages,coordinator,outcomes,writes: the groups of rows to measure). Seeded
// districts are cached per size: SQLite in the OS temp dir, Postgres as a database.
const once = { iterations: 1, time: 0, warmupIterations: 0, warmupTime: 0 };
let result: HttpBenchResult | undefined;

describe('HTTP request paths', () => {
  bench(
    'request paths over HTTP (autocannon, simulated users) and in-process',
    async () => {
      result = await runHttpBench(benchOptionsFromEnv((line) => console.log(line)));
    },
    once,
  );
});

afterAll(() => {
  if (!result) return;
  console.log(
    `\n${result.students} students, full school year; ${result.workers} worker processes; ` +
      `${result.machine}. Times in ms; N users = ${process.env.BENCH_USERS ?? 50} users with ` +
      '1–5 s think time; HTTP/SQL = 1-user HTTP p50 / SQL p50.\n',
  );
  console.log(markdownTable(result.rows));
});
