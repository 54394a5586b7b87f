import { openDatabase } from '@carryover/db';
import { appRouter } from '../src/root';
import { createCallerFactory, createContextInner } from '../src/trpc';

// Server-side time of the Fidelity and Workload pages' calls for a district's admin, against
// whatever database DATABASE_URL names, e.g. a demo district made with `seed --students 25000`:
//   DATABASE_URL=/tmp/d25k.sqlite pnpm --filter @carryover/api exec tsx bench/fidelity.measure.ts
// Prints the median of RUNS calls of each, after one warm-up call.

const RUNS = Number(process.env.RUNS ?? 5);
const conn = openDatabase();
const createCaller = createCallerFactory(appRouter);
const silent = { info() {}, warn() {}, error() {} };
const admin = await conn.db
  .selectFrom('staff_user')
  .select(['email'])
  .where('role', '=', 'admin')
  .orderBy('email')
  .executeTakeFirstOrThrow();
const cookies: string[] = [];
const caller = async (sessionToken: string | null) =>
  createCaller(
    await createContextInner({
      db: conn.db,
      dialect: conn.dialect,
      sessionToken,
      ip: '203.0.113.7',
      now: () => new Date(),
      log: silent,
      setCookie: (token) => cookies.push(token),
      clearCookie: () => {},
    }),
  );
await (await caller(null)).auth.signIn({
  email: admin.email,
  password: process.env.DEMO_PASSWORD ?? 'carryover-demo',
});
const token = cookies.at(-1) ?? null;
const students = await conn.db
  .selectFrom('student')
  .select((eb) => eb.fn.countAll<number>().as('n'))
  .executeTakeFirstOrThrow();
console.log(`${conn.dialect} ${conn.location}: ${students.n} students; admin ${admin.email}`);

async function median(label: string, call: () => Promise<unknown>): Promise<void> {
  await call();
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    await call();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const mid = times[Math.floor(times.length / 2)] as number;
  console.log(
    `${label}: median ${mid.toFixed(0)} ms (min ${times[0]?.toFixed(0)}, max ${times.at(-1)?.toFixed(0)}, n=${RUNS})`,
  );
}

const only = process.env.ONLY?.split(',');
const calls: Record<string, () => Promise<unknown>> = {
  'fidelity.report': async () => (await caller(token)).fidelity.report(),
  'fidelity.groups': async () => (await caller(token)).fidelity.groups({ groupBy: 'school' }),
  'fidelity.csv': async () => (await caller(token)).fidelity.csv(),
  'workload.team': async () => (await caller(token)).workload.team(),
};
for (const [label, call] of Object.entries(calls))
  if (!only || only.includes(label)) await median(label, call);
await conn.close();
