import { openDatabase } from '@carryover/db';
import { busiestTherapistPaths } from './request-paths';

// Server-side time of a therapist's caseload and student page against whatever database
// DATABASE_URL names, e.g. a demo district made with `seed --students 25000`:
//   DATABASE_URL=/tmp/d25k.sqlite pnpm --filter @carryover/api exec tsx bench/request-paths.measure.ts
// Prints the median of RUNS calls of each, after one warm-up call.

const RUNS = Number(process.env.RUNS ?? 21);
const conn = openDatabase();
const paths = await busiestTherapistPaths(conn, {
  password: process.env.DEMO_PASSWORD ?? 'carryover-demo',
});
const students = await conn.db
  .selectFrom('student')
  .select((eb) => eb.fn.countAll<number>().as('n'))
  .executeTakeFirstOrThrow();
console.log(
  `${conn.dialect} ${conn.location}: ${students.n} students; therapist ${paths.therapistId} ` +
    `(${paths.services} current services), student ${paths.studentId}`,
);

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
    `${label}: median ${mid.toFixed(1)} ms (min ${times[0]?.toFixed(1)}, max ${times.at(-1)?.toFixed(1)}, n=${RUNS})`,
  );
}

await median('caseload.list', paths.caseloadList);
await median('student.get', paths.studentGet);
await conn.close();
