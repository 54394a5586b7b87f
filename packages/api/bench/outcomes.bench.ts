import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Connection, migrateToLatest, openDatabase } from '@carryover/db';
import { seedDemoDistrict } from '@carryover/db/demo';
import { openTestSqlite } from '@carryover/db/testing';
import type { OutcomesFilter } from '@carryover/domain';
import { afterAll, bench, describe } from 'vitest';
import { hashPassword } from '../src/auth/password';
import { outcomesCache } from '../src/workers/pool';
import { as, PASSWORD } from '../test/fixtures';

// outcomes.report end to end on SQLite: session, scope, data version, worker thread (start,
// load + filter + episodes + comparison, B = 2000), cache. Reports the cold time (a fresh
// worker), the longest event-loop stall and the process's peak RSS meanwhile, the worker's
// own peak heap, a cached repeat and a cache miss for one discipline.
//
// 25,000 students: the district is seeded once (minutes) into OUTCOMES_BENCH_25K_DB, default
// <tmpdir>/carryover-outcomes-bench-25k.sqlite, and reused while the file exists. Set
// OUTCOMES_BENCH_25K=0 to skip it.
const once = { iterations: 1, time: 0, warmupIterations: 0, warmupTime: 0 };
const TODAY = '2026-03-11';

async function demoDistrict(students: number, file: string | null): Promise<Connection> {
  if (file && existsSync(file)) {
    const conn = openDatabase(file);
    await migrateToLatest(conn.db);
    return conn;
  }
  const conn = file ? openDatabase(file) : await openTestSqlite();
  if (file) await migrateToLatest(conn.db);
  await seedDemoDistrict(conn.db, {
    students,
    today: TODAY,
    passwordHash: await hashPassword(PASSWORD),
    emailDomain: 'bench.test',
  });
  return conn;
}

/** Samples the event loop's longest gap and the process's RSS every 5 ms while `fn` runs. */
async function watched<T>(fn: () => Promise<T>) {
  let last = performance.now();
  let stallMs = 0;
  let peakRssMb = process.memoryUsage.rss() / 2 ** 20;
  const timer = setInterval(() => {
    const now = performance.now();
    stallMs = Math.max(stallMs, now - last);
    last = now;
    peakRssMb = Math.max(peakRssMb, process.memoryUsage.rss() / 2 ** 20);
  }, 5);
  const t0 = performance.now();
  try {
    const value = await fn();
    return { value, ms: performance.now() - t0, stallMs, peakRssMb };
  } finally {
    clearInterval(timer);
  }
}

async function measure(conn: Connection, label: string, adminEmail: string) {
  outcomesCache.clear();
  await outcomesCache.terminate();
  const admin = await as(conn, adminEmail);
  const rssBeforeMb = process.memoryUsage.rss() / 2 ** 20;
  const all: OutcomesFilter = { minStudents: 10 };
  const cold = await watched(() => admin.outcomes.report(all));
  const coldMemory = outcomesCache.stats().lastJobMemory;
  const cached = await watched(() => admin.outcomes.report(all));
  const slp = await watched(() => admin.outcomes.report({ ...all, discipline: 'SLP' }));
  const stats = outcomesCache.stats();
  console.info(
    `${label}: cold ${cold.ms.toFixed(0)} ms (worker load+compare ${cold.value.computeMs} ms, ` +
      `${cold.value.report.counts.episodes} episodes), longest event-loop stall ` +
      `${cold.stallMs.toFixed(0)} ms, process RSS ${rssBeforeMb.toFixed(0)} → peak ` +
      `${cold.peakRssMb.toFixed(0)} MB, worker heap peak ${coldMemory?.peakHeapMb ?? '?'} MB ` +
      `(process RSS seen by the worker ${coldMemory?.peakRssMb ?? '?'} MB); cached ${cached.ms.toFixed(1)} ms ` +
      `(cached=${cached.value.cached}, stall ${cached.stallMs.toFixed(0)} ms); ` +
      `SLP miss ${slp.ms.toFixed(0)} ms (stall ${slp.stallMs.toFixed(0)} ms, peak RSS ` +
      `${slp.peakRssMb.toFixed(0)} MB); worker ran ${stats.ranOnWorker}, main thread ` +
      `${stats.ranOnMainThread}`,
  );
}

const small = await demoDistrict(200, null);
const largeFile =
  process.env.OUTCOMES_BENCH_25K === '0'
    ? null
    : (process.env.OUTCOMES_BENCH_25K_DB ?? join(tmpdir(), 'carryover-outcomes-bench-25k.sqlite'));
const large = largeFile ? await demoDistrict(25_000, largeFile) : null;
const largeAdmin = large
  ? (
      await large.db
        .selectFrom('staff_user')
        .select('email')
        .where('role', '=', 'admin')
        .orderBy('email')
        .executeTakeFirstOrThrow()
    ).email
  : '';

afterAll(async () => {
  await outcomesCache.terminate();
  await small.close();
  await large?.close();
});

describe('outcomes.report end to end (SQLite)', () => {
  bench(
    '200 students: cold, cached, one discipline',
    () => measure(small, '200 students', 'admin@bench.test'),
    once,
  );
  if (large)
    bench(
      '25,000 students: cold, cached, one discipline',
      () => measure(large, '25,000 students', largeAdmin),
      once,
    );
});
