import { openDatabase } from '@carryover/db';
import { busiestTherapistPaths, printMedian } from './request-paths';

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

await printMedian('caseload.list', paths.caseloadList, RUNS);
await printMedian('student.get', paths.studentGet, RUNS);
await conn.close();
