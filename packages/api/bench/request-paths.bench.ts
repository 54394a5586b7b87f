import { refreshPlannerStatistics } from '@carryover/db';
import { seedDemoDistrict } from '@carryover/db/demo';
import { openTestSqlite } from '@carryover/db/testing';
import { afterAll, bench, describe } from 'vitest';
import { hashPassword } from '../src/auth/password';
import { busiestTherapistPaths, type RequestPaths } from './request-paths';

// District scale (issue 11): a therapist's caseload and one student's page, on SQLite, as the
// district grows. Each size is seeded as the CLI seeds it (statistics made afterwards); the
// therapist is the one with the most current services. The caseload's time should stay flat
// with the district (it reads per-goal summaries, not observations); at the end the median
// CPU time per call is printed, which a busy machine disturbs far less than wall time.

const PASSWORD = 'bench-password';
const TODAY = '2026-03-11';
const now = () => new Date(`${TODAY}T15:00:00.000Z`);
const passwordHash = await hashPassword(PASSWORD);
const runs = { iterations: 20, time: 0, warmupIterations: 1, warmupTime: 0 };
const closers: (() => Promise<void>)[] = [];
const cpuMs = new Map<string, number[]>();
/** The call, with the CPU time this process spent on it recorded under `label`. */
const timed = (label: string, call: () => Promise<unknown>) => async () => {
  const c0 = process.cpuUsage();
  await call();
  const used = process.cpuUsage(c0);
  cpuMs.set(label, [...(cpuMs.get(label) ?? []), (used.user + used.system) / 1000]);
};
afterAll(async () => {
  for (const close of closers) await close();
  for (const [label, xs] of cpuMs) {
    const median = [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
    console.info(`${label}: CPU median ${median.toFixed(1)} ms (n=${xs.length})`);
  }
});

// REQUEST_PATHS_SIZES (comma-separated) runs fewer sizes, e.g. `200,5000` on a busy machine.
const sizes = (process.env.REQUEST_PATHS_SIZES ?? '200,5000,25000').split(',').map(Number);

for (const students of sizes) {
  describe(`${students.toLocaleString('en')} students (SQLite)`, async () => {
    const conn = await openTestSqlite();
    closers.push(conn.close);
    await seedDemoDistrict(conn.db, { students, today: TODAY, passwordHash });
    await refreshPlannerStatistics(conn.db, { afterBulkLoad: true });
    const paths: RequestPaths = await busiestTherapistPaths(conn, { password: PASSWORD, now });
    const size = `${students.toLocaleString('en')} students`;
    bench('caseload.list (therapist)', timed(`${size}, caseload.list`, paths.caseloadList), runs);
    bench('student.get', timed(`${size}, student.get`, paths.studentGet), runs);
  });
}
