import { openDatabase } from '@carryover/db';
import { signedInCaller } from './request-paths';
let logging = false;
const conn = openDatabase(undefined, { log: (e) => { if (logging) console.log(`${e.queryDurationMillis.toFixed(2).padStart(8)} ms  ${(process.env.FULL ? e.query.sql : e.query.sql.slice(0, 220))}`); } });
const now = () => new Date(process.env.CARRYOVER_NOW ?? Date.now());
const as = await signedInCaller(conn, process.env.EMAIL ?? 'coordinator@demo.test', 'carryover-demo', now);
const path = process.env.PATH_NAME ?? 'caseload.list';
const run = async () => path === 'fidelity.report' ? (await as()).fidelity.report({}) : (await as()).caseload.list({});
for (let i = 0; i < 3; i++) await run();
logging = true; const t = performance.now(); await run(); logging = false;
console.log('total', (performance.now() - t).toFixed(1));
if (process.env.PROFILE) {
  const { Session } = await import('node:inspector/promises');
  const { writeFileSync } = await import('node:fs');
  const session = new Session(); session.connect();
  await session.post('Profiler.enable'); await session.post('Profiler.start');
  for (let i = 0; i < 20; i++) await run();
  const { profile } = await session.post('Profiler.stop');
  writeFileSync(process.env.PROFILE, JSON.stringify(profile));
}
await conn.close();
