import { refreshPlannerStatistics } from '@carryover/db';
import { seedDemoDistrict } from '@carryover/db/demo';
import { openTestSqlite } from '@carryover/db/testing';
import { afterAll, bench, describe } from 'vitest';
import { hashPassword } from '../src/auth/password';
import { busiestTherapistPaths, signedInCaller } from './request-paths';

// A therapist's reporting chore at district scale (issue 15), on SQLite: "Generate all drafts"
// for the busiest therapist's caseload (timed once: a second run only finds the drafts), then
// the admin finalises them all, and the two reads a print makes: one report (with its goal
// graphs) and the whole caseload's final reports as one document (`reports.printAll`). The
// median CPU time per call is printed at the end, which a busy machine disturbs far less.

const PASSWORD = 'bench-password';
const TODAY = '2026-03-11';
const now = () => new Date(`${TODAY}T15:00:00.000Z`);
const passwordHash = await hashPassword(PASSWORD);
const runs = { iterations: 10, time: 0, warmupIterations: 1, warmupTime: 0 };
const closers: (() => Promise<void>)[] = [];
const cpuMs = new Map<string, number[]>();
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

const students = Number(process.env.REPORTS_BENCH_STUDENTS ?? 500);

describe(`progress reports, ${students.toLocaleString('en')} students (SQLite)`, async () => {
  const conn = await openTestSqlite();
  closers.push(conn.close);
  await seedDemoDistrict(conn.db, { students, today: TODAY, passwordHash });
  await refreshPlannerStatistics(conn.db, { afterBulkLoad: true });
  const { therapistId } = await busiestTherapistPaths(conn, { password: PASSWORD, now });
  const emailOf = async (where: { id?: string; role?: string }) => {
    let q = conn.db.selectFrom('staff_user').select('email');
    if (where.id) q = q.where('id', '=', where.id);
    if (where.role) q = q.where('role', '=', where.role);
    return (await q.orderBy('email').executeTakeFirstOrThrow()).email;
  };
  const therapist = await signedInCaller(conn, await emailOf({ id: therapistId }), PASSWORD, now);
  const admin = await signedInCaller(conn, await emailOf({ role: 'admin' }), PASSWORD, now);
  const period = (await (await therapist()).reports.periods()).find((p) => p.current);
  if (!period) throw new Error('the demo district has no current reporting period');
  const periodId = period.id;

  // Generate all drafts, as the Reports page does: one scoped, audited `generate` per student.
  const rows = await (await therapist()).reports.list({ periodId });
  const todo = rows.filter((r) => !r.report && r.goalCount > 0);
  const t0 = performance.now();
  const ids: string[] = [];
  for (const r of todo)
    ids.push((await (await therapist()).reports.generate({ studentId: r.studentId, periodId })).id);
  const took = performance.now() - t0;
  console.info(
    `generate all drafts: ${ids.length} reports in ${took.toFixed(0)} ms (${(took / Math.max(1, ids.length)).toFixed(1)} ms each)`,
  );

  // The admin marks every discipline ready and finalises each (the snapshot keeps the graphs).
  for (const reportId of ids) {
    const view = await (await admin()).reports.get({ reportId });
    for (const r of view.readiness)
      await (await admin()).reports.markReady({ reportId, discipline: r.discipline, ready: true });
    await (await admin()).reports.finalize({ reportId });
  }
  const first = ids[0] as string;
  const label = `${students.toLocaleString('en')} students`;
  bench(
    'reports.get (a final report with its goal graphs)',
    timed(`${label}, reports.get`, async () =>
      (await therapist()).reports.get({ reportId: first }),
    ),
    runs,
  );
  bench(
    `reports.printAll (${ids.length} final reports)`,
    timed(`${label}, reports.printAll (${ids.length} reports)`, async () =>
      (await therapist()).reports.printAll({ periodId }),
    ),
    runs,
  );
});
