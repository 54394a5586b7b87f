import { openDatabase } from '@carryover/db';
import { printMedian, signedInCaller } from './request-paths';

// Server-side time of the Fidelity and Workload pages' calls for a district's admin, against
// whatever database DATABASE_URL names, e.g. a demo district made with `seed --students 25000`:
//   DATABASE_URL=/tmp/d25k.sqlite pnpm --filter @carryover/api exec tsx bench/fidelity.measure.ts
// Prints the median of RUNS calls of each, after one warm-up call.

const RUNS = Number(process.env.RUNS ?? 5);
const conn = openDatabase();
const admin = await conn.db
  .selectFrom('staff_user')
  .select(['email'])
  .where('role', '=', 'admin')
  .orderBy('email')
  .executeTakeFirstOrThrow();
const password = process.env.DEMO_PASSWORD ?? 'carryover-demo';
const as = await signedInCaller(conn, admin.email, password);
// The coordinator with the most schools: their first Fidelity page.
const coordinator = await conn.db
  .selectFrom('staff_user')
  .innerJoin('staff_school', (j) =>
    j
      .onRef('staff_school.district_id', '=', 'staff_user.district_id')
      .onRef('staff_school.staff_id', '=', 'staff_user.id'),
  )
  .select(['staff_user.email', (eb) => eb.fn.countAll<number>().as('schools')])
  .where('staff_user.role', '=', 'coordinator')
  .groupBy('staff_user.email')
  .orderBy('schools', 'desc')
  .orderBy('staff_user.email')
  .executeTakeFirst();
const asCoordinator = coordinator ? await signedInCaller(conn, coordinator.email, password) : null;
const students = await conn.db
  .selectFrom('student')
  .select((eb) => eb.fn.countAll<number>().as('n'))
  .executeTakeFirstOrThrow();
console.log(
  `${conn.dialect} ${conn.location}: ${students.n} students; admin ${admin.email}; ` +
    `coordinator ${coordinator?.email ?? 'none'} (${coordinator?.schools ?? 0} schools)`,
);

const only = process.env.ONLY?.split(',');
const calls: Record<string, () => Promise<unknown>> = {
  'fidelity.report': async () => (await as()).fidelity.report(),
  ...(asCoordinator
    ? { 'fidelity.report (coordinator)': async () => (await asCoordinator()).fidelity.report() }
    : {}),
  'fidelity.groups': async () => (await as()).fidelity.groups({ groupBy: 'school' }),
  'fidelity.csv': async () => (await as()).fidelity.csv(),
  'workload.team': async () => (await as()).workload.team(),
};
for (const [label, call] of Object.entries(calls))
  if (!only || only.includes(label)) await printMedian(label, call, RUNS, 0);
await conn.close();
