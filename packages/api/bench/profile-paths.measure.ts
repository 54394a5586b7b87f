import { openDatabase } from '@carryover/db';
import { busiestTherapistPaths, profileIfAsked } from './request-paths';

// Where one request path's in-process time goes, against whatever database DATABASE_URL names:
//   DATABASE_URL=/tmp/d5k.sqlite PATH_NAME=student.get RUNS=300 \
//     pnpm --filter @carryover/api exec tsx bench/profile-paths.measure.ts
// PATH_NAME: student.get (default) or caseload.list, for the busiest therapist as in
// request-paths.measure.ts. Prints the CPU time per call (mean, 10th percentile, median).
// PROFILE=<file.cpuprofile> writes a V8 CPU profile of the timed calls only (after a warm-up, not
// start-up; open it in Chrome's DevTools). LOG_SQL=1 (or `full`) prints each statement of one
// call with its time. On a busy machine the profile's samples are wall-clock: read shares, and
// compare before and after in alternating runs.
const RUNS = Number(process.env.RUNS ?? 200);
const which = process.env.PATH_NAME ?? 'student.get';
let logging = false;
const conn = openDatabase(undefined, {
  log: (e) => {
    if (logging)
      console.log(
        `${e.queryDurationMillis.toFixed(2).padStart(7)} ms  ${process.env.LOG_SQL === 'full' ? e.query.sql : e.query.sql.slice(0, 150)}`,
      );
  },
});
const paths = await busiestTherapistPaths(conn, {
  password: process.env.DEMO_PASSWORD ?? 'carryover-demo',
});
const call = which === 'caseload.list' ? paths.caseloadList : paths.studentGet;
for (let i = 0; i < 5; i++) await call();
if (process.env.LOG_SQL) {
  logging = true;
  await call();
  logging = false;
}
const stopProfile = await profileIfAsked();
const cpu: number[] = [];
const c0 = process.cpuUsage();
for (let i = 0; i < RUNS; i++) {
  const c = process.cpuUsage();
  await call();
  const u = process.cpuUsage(c);
  cpu.push((u.user + u.system) / 1000);
}
const used = process.cpuUsage(c0);
cpu.sort((a, b) => a - b);
const at = (q: number) => (cpu[Math.floor(q * (cpu.length - 1))] as number).toFixed(2);
await stopProfile();
console.log(
  `${which}: CPU per call mean ${((used.user + used.system) / 1000 / RUNS).toFixed(2)} ms, ` +
    `p10 ${at(0.1)}, median ${at(0.5)} (n=${RUNS})`,
);
await conn.close();
