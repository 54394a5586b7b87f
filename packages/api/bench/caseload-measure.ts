import { openDatabase } from '@carryover/db';
import { appRouter } from '../src/root';
import { createCallerFactory, createContextInner } from '../src/trpc';

// Times the caseload's first page through the router against an existing database (for the
// district-scale numbers in the caseload README): the median of N calls and the response size.
//   DATABASE_URL=/tmp/p25k.sqlite tsx bench/caseload-measure.ts coordinator@demo.test carryover-demo 10

const [email = 'coordinator@demo.test', password = 'carryover-demo', runs = '10'] =
  process.argv.slice(2);
const conn = openDatabase();
const createCaller = createCallerFactory(appRouter);
const silent = { info() {}, warn() {}, error() {} };

async function caller(token: string | null, onCookie?: (t: string) => void) {
  const ctx = await createContextInner({
    db: conn.db,
    dialect: conn.dialect,
    sessionToken: token,
    ip: '203.0.113.9',
    now: () => new Date(),
    setCookie: (t) => onCookie?.(t),
    clearCookie: () => {},
    log: silent,
  });
  return createCaller(ctx);
}

let token: string | null = null;
await (await caller(null, (t) => (token = t))).auth.signIn({ email, password });
const times: number[] = [];
const cpu: number[] = [];
let bytes = 0;
let rows = 0;
for (let i = 0; i < Number(runs); i++) {
  const c = await caller(token);
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const result = await c.caseload.list();
  times.push(performance.now() - t0);
  const used = process.cpuUsage(c0);
  cpu.push((used.user + used.system) / 1000);
  bytes = Buffer.byteLength(JSON.stringify(result));
  rows = Array.isArray(result) ? result.length : (result as { items: unknown[] }).items.length;
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.info(
  `${conn.dialect} ${email}: ${rows} rows, ${(bytes / 1024).toFixed(1)} kB; median ${median(times).toFixed(0)} ms ` +
    `wall (${median(cpu).toFixed(0)} ms CPU) over ${times.length} calls ` +
    `(min ${Math.min(...times).toFixed(0)}, max ${Math.max(...times).toFixed(0)})`,
);
await conn.close();
