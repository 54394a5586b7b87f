import { refreshPlannerStatistics } from '@carryover/db';
import { seedDemoDistrict } from '@carryover/db/demo';
import { openTestSqlite } from '@carryover/db/testing';
import { afterAll, bench, describe } from 'vitest';
import { hashPassword } from '../src/auth/password';
import { busiestTherapistPaths, type RequestPaths } from './request-paths';

// District scale (issue 11): a therapist's caseload and one student's page, on SQLite, as the
// district grows. Each size is seeded as the CLI seeds it (statistics made afterwards); the
// therapist is the one with the most current services.

const PASSWORD = 'bench-password';
const TODAY = '2026-03-11';
const now = () => new Date(`${TODAY}T15:00:00.000Z`);
const passwordHash = await hashPassword(PASSWORD);
const runs = { iterations: 20, time: 0, warmupIterations: 1, warmupTime: 0 };
const closers: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const close of closers) await close();
});

for (const students of [200, 5_000, 25_000]) {
  describe(`${students.toLocaleString('en')} students (SQLite)`, async () => {
    const conn = await openTestSqlite();
    closers.push(conn.close);
    await seedDemoDistrict(conn.db, { students, today: TODAY, passwordHash });
    await refreshPlannerStatistics(conn.db, { afterBulkLoad: true });
    const paths: RequestPaths = await busiestTherapistPaths(conn, { password: PASSWORD, now });
    bench('caseload.list (therapist)', () => paths.caseloadList().then(() => {}), runs);
    bench('student.get', () => paths.studentGet().then(() => {}), runs);
  });
}
