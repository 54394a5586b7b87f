import { seedDemoDistrict } from '@carryover/db/demo';
import { openTestSqlite } from '@carryover/db/testing';
import { afterAll, bench, describe } from 'vitest';
import { hashPassword } from '../src/auth/password';
import { as, PASSWORD } from '../test/fixtures';

// caseload.list for a coordinator who sees the whole demo district, on SQLite: the first page
// (50 students: sort, filters and scope in SQL; figures, minutes behind and audit for the page
// only) and a page deep in the list. CASELOAD_BENCH_STUDENTS sets the district size (default
// 5,000; the numbers in the README were taken at 25,000 with bench/caseload-measure.ts).
const students = Number(process.env.CASELOAD_BENCH_STUDENTS ?? 5000);
const once = { iterations: 1, time: 0, warmupIterations: 0, warmupTime: 0 };
const conn = await openTestSqlite();
await seedDemoDistrict(conn.db, {
  students,
  today: '2026-03-11',
  passwordHash: await hashPassword(PASSWORD),
  emailDomain: 'bench.test',
});
afterAll(() => conn.close());

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

describe(`caseload.list, coordinator, ${students} students (SQLite)`, () => {
  bench(
    'first page and a deep page, 10 calls each',
    async () => {
      const coordinator = await as(conn, 'coordinator@bench.test');
      const first: number[] = [];
      let bytes = 0;
      let total: number | null = null;
      let cursor: string | null = null;
      for (let i = 0; i < 10; i++) {
        const t0 = performance.now();
        const page = await coordinator.caseload.list();
        first.push(performance.now() - t0);
        bytes = JSON.stringify(page).length;
        total = page.total;
        cursor = page.nextCursor;
      }
      // Ten pages on, by name: a keyset page costs the same wherever it starts.
      for (let i = 0; i < 10 && cursor; i++)
        cursor = (await coordinator.caseload.list({ cursor })).nextCursor;
      const deep: number[] = [];
      for (let i = 0; i < 10 && cursor; i++) {
        const t0 = performance.now();
        await coordinator.caseload.list({ cursor });
        deep.push(performance.now() - t0);
      }
      console.info(
        `caseload.list first page: median ${median(first).toFixed(0)} ms, ${(bytes / 1024).toFixed(0)} kB, ` +
          `total ${total}; page 12: median ${deep.length ? median(deep).toFixed(0) : '-'} ms`,
      );
    },
    once,
  );
});
