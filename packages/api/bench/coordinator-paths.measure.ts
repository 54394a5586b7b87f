import { openDatabase } from '@carryover/db';
import { printMedian, profileIfAsked, signedInCaller } from './request-paths';

// Where a coordinator's first page goes, against whatever database DATABASE_URL names:
//   DATABASE_URL=/tmp/d25k.sqlite CARRYOVER_NOW=2027-06-10T23:00:00Z PATH_NAME=fidelity.report \
//     pnpm --filter @carryover/api exec tsx bench/coordinator-paths.measure.ts
// PATH_NAME: caseload.list (default), fidelity.report or outcomes.report, as EMAIL (default the demo
// coordinator). Prints each statement of one call with its time (FULL=1 for whole
// statements), then the median wall and CPU time of RUNS calls (default 20, `printMedian`);
// PROFILE=<file.cpuprofile> writes a V8 CPU profile of those calls.
const RUNS = Number(process.env.RUNS ?? 20);
let logging = false;
const conn = openDatabase(undefined, {
  log: (e) => {
    if (logging)
      console.log(
        `${e.queryDurationMillis.toFixed(2).padStart(8)} ms  ${process.env.FULL ? e.query.sql : e.query.sql.slice(0, 160)}`,
      );
  },
});
const now = () => new Date(process.env.CARRYOVER_NOW ?? Date.now());
const as = await signedInCaller(
  conn,
  process.env.EMAIL ?? 'coordinator@demo.test',
  process.env.DEMO_PASSWORD ?? 'carryover-demo',
  now,
);
const path = process.env.PATH_NAME ?? 'caseload.list';
const run = async () =>
  path === 'fidelity.report'
    ? (await as()).fidelity.report({})
    : path === 'outcomes.report'
      ? (await as()).outcomes.report({})
      : (await as()).caseload.list({});
for (let i = 0; i < 3; i++) await run();
logging = true;
await run();
logging = false;

const stopProfile = await profileIfAsked();
await printMedian(path, run, RUNS);
await stopProfile();
await conn.close();
