import { seedDemoDistrict } from '@carryover/db/demo';
import { openTestSqlite } from '@carryover/db/testing';
import { afterAll, bench, describe } from 'vitest';
import { hashPassword } from '../src/auth/password';
import { outcomesCache } from '../src/workers/pool';
import { as, PASSWORD } from '../test/fixtures';

// outcomes.report end to end at demo size (200 students) on SQLite: session, scope, data
// version, worker thread (load + filter + episodes + comparison, B = 2000), cache. Reports the
// cold time, the longest event-loop stall meanwhile, and a cached repeat.
const once = { iterations: 1, time: 0, warmupIterations: 0, warmupTime: 0 };
const conn = await openTestSqlite();
await seedDemoDistrict(conn.db, {
  students: 200,
  today: '2026-03-11',
  passwordHash: await hashPassword(PASSWORD),
  emailDomain: 'bench.test',
});
afterAll(async () => {
  await outcomesCache.terminate();
  await conn.close();
});

describe('outcomes.report end to end (demo size, SQLite)', () => {
  bench(
    '200 students, cold then cached',
    async () => {
      outcomesCache.clear();
      const admin = await as(conn, 'admin@bench.test');
      let last = performance.now();
      let worst = 0;
      const timer = setInterval(() => {
        const now = performance.now();
        worst = Math.max(worst, now - last);
        last = now;
      }, 5);
      const t0 = performance.now();
      const cold = await admin.outcomes.report({});
      const t1 = performance.now();
      clearInterval(timer);
      const warm = await admin.outcomes.report({});
      const t2 = performance.now();
      console.info(
        `outcomes.report: cold ${(t1 - t0).toFixed(0)} ms (worker load+compare ${cold.computeMs} ms, ` +
          `${cold.report.counts.episodes} episodes), longest event-loop gap ${worst.toFixed(0)} ms; ` +
          `cached repeat ${(t2 - t1).toFixed(0)} ms (cached=${warm.cached})`,
      );
    },
    once,
  );
});
