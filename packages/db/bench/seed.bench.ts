import { bench, describe } from 'vitest';
import { seedDemoDistrict } from '../src/demo';
import { openTestSqlite } from '../src/testing';

// One run each: the 25k district is a soak test of batching and memory, not a microbenchmark.
const once = { iterations: 1, time: 0, warmupIterations: 0, warmupTime: 0 };
const TODAY = '2026-11-27';

describe('seed demo district (SQLite file)', () => {
  for (const students of [200, 25_000]) {
    bench(
      `${students} students`,
      async () => {
        const conn = await openTestSqlite();
        try {
          const t0 = performance.now();
          const r = await seedDemoDistrict(conn.db, { students, today: TODAY, passwordHash: 'x' });
          const rows = Object.values(r.counts).reduce((s, n) => s + n, 0);
          const secs = (performance.now() - t0) / 1000;
          console.info(
            `${students} students: ${rows} rows in ${secs.toFixed(1)} s, heap ${(process.memoryUsage().heapUsed / 2 ** 20).toFixed(0)} MiB`,
          );
        } finally {
          await conn.close();
        }
      },
      once,
    );
  }
});
