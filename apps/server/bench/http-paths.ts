import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  appRouter,
  createCallerFactory,
  createContextInner,
  readSessionToken,
} from '@carryover/api';
import { type Connection, migrateToLatest, openDatabase } from '@carryover/db';
import { instantAt } from '@carryover/domain';
import autocannon from 'autocannon';
import { schoolYearLastDay } from '../src/school-year';

// The request paths over real HTTP: the CLI's `serve` in its own process (so the load generator
// does not share its event loop) on a SQLite copy of a seeded full-year demo district, loaded by
// autocannon from this process, only over 127.0.0.1. Next to each path, the same procedure
// called in-process without HTTP (createCallerFactory), to see what HTTP and the server add.

const SERVER_DIR = join(import.meta.dirname, '..');
const PASSWORD = 'carryover-demo';
const ZONE = 'America/Chicago';
const TIMEOUT_S = 30;

export interface HttpBenchOptions {
  students: number;
  /** Seconds per path and concurrency. */
  seconds: number;
  /** Seconds of the simulated-staff scenario. */
  usersSeconds: number;
  users: number;
  log: (line: string) => void;
}

export function benchOptionsFromEnv(log: (line: string) => void): HttpBenchOptions {
  const int = (name: string, fallback: number) => {
    const n = Number(process.env[name] ?? fallback);
    if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive whole number`);
    return n;
  };
  return {
    students: int('BENCH_STUDENTS', 200),
    seconds: int('BENCH_SECONDS', 10),
    usersSeconds: int('BENCH_USERS_SECONDS', 60),
    users: int('BENCH_USERS', 50),
    log,
  };
}

export interface PathRow {
  path: string;
  connections: number | string;
  requests: number;
  'req/s': number;
  'p50 ms': number;
  'p95 ms': number;
  'p99 ms': number;
  'non-2xx+errors': number;
  'peak RSS MiB': number;
  'raw p50 ms': number | string;
  'HTTP/raw p50': number | string;
}

export interface HttpBenchResult {
  students: number;
  asOf: string;
  rows: PathRow[];
  users: { page: string; requests: number; 'p50 ms': number; 'p95 ms': number; errors: number }[];
  serverPeakRssMiB: number;
}

/** A seeded full-year district, made once per size and kept in the OS temp dir. */
async function seededFile(
  students: number,
  lastDay: string,
  log: (line: string) => void,
): Promise<string> {
  const file = join(tmpdir(), `carryover-http-bench-${students}-${lastDay}.sqlite`);
  if (existsSync(file)) {
    log(`Reusing ${file}`);
    return file;
  }
  const partial = file.replace(/\.sqlite$/, '.partial.sqlite');
  for (const f of [partial, `${partial}-wal`, `${partial}-shm`]) rmSync(f, { force: true });
  log(`Seeding ${students} students (full year) into ${file}…`);
  const run = spawnCli(['seed', '--students', String(students), '--full-year'], {
    DATABASE_URL: partial,
  });
  const code = await awaitExit(run);
  if (code !== 0) throw new Error(`seed exited with ${code}`);
  renameSync(partial, file);
  return file;
}

function spawnCli(args: string[], env: Record<string, string>): ChildProcess {
  // `node --import tsx` rather than the tsx binary: one process, whose PID is the server's.
  return spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', ...args], {
    cwd: SERVER_DIR,
    env: { ...withoutClock(process.env), ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
}

/** The bench sets the served clock itself; a faked clock of the caller's would shift it. */
function withoutClock(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { CARRYOVER_NOW: _now, CARRYOVER_CLOCK_ANCHOR: _anchor, ...rest } = env;
  return rest;
}

function awaitExit(child: ChildProcess): Promise<number | null> {
  child.stdout?.resume();
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createNetServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const address = s.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      s.close(() => resolve(port));
    });
  });
}

function procStatusKiB(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(new RegExp(`${field}:\\s+(\\d+)`));
  return m ? Number(m[1]) : 0;
}

/** Samples the server's RSS every 100 ms while `work` runs; the peak in MiB. */
async function withPeakRss<T>(pid: number, work: () => Promise<T>): Promise<[T, number]> {
  let peak = procStatusKiB(pid, 'VmRSS');
  const timer = setInterval(() => {
    peak = Math.max(peak, procStatusKiB(pid, 'VmRSS'));
  }, 100);
  try {
    const value = await work();
    return [value, round(Math.max(peak, procStatusKiB(pid, 'VmRSS')) / 1024)];
  } finally {
    clearInterval(timer);
  }
}

const round = (n: number, digits = 1) => Number(n.toFixed(digits));

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

interface Call {
  path: string;
  method: 'GET' | 'POST';
  input?: unknown;
  /** A fresh body per request (writes with a new idempotency key each). */
  body?: () => unknown;
}

const queryUrl = (base: string, call: Call) =>
  `${base}/trpc/${call.path}${call.input === undefined ? '' : `?input=${encodeURIComponent(JSON.stringify(call.input))}`}`;

interface Load {
  requests: number;
  perSecond: number;
  p50: number;
  p95: number;
  p99: number;
  failed: number;
}

/** Closed loop: `connections` clients, each sending its next request when the last answers. */
async function load(
  base: string,
  cookie: string,
  call: Call,
  connections: number,
  seconds: number,
) {
  const times: number[] = [];
  let failed = 0;
  const body = call.body;
  let instance: autocannon.Instance | undefined;
  const done = new Promise<autocannon.Result>((resolve, reject) => {
    instance = autocannon(
      {
        url: call.method === 'GET' ? queryUrl(base, call) : `${base}/trpc/${call.path}`,
        method: call.method,
        connections,
        duration: seconds,
        timeout: TIMEOUT_S,
        headers: { cookie, origin: base, 'content-type': 'application/json' },
        ...(body
          ? { requests: [{ setupRequest: (req) => ({ ...req, body: JSON.stringify(body()) }) }] }
          : {}),
      },
      (err, result) => (err ? reject(err) : resolve(result)),
    );
  });
  instance?.on('response', (_client, statusCode, _bytes, responseTime) => {
    times.push(responseTime);
    if (statusCode < 200 || statusCode > 299) failed++;
  });
  const result = await done;
  times.sort((a, b) => a - b);
  return {
    requests: times.length,
    perSecond: round(times.length / seconds),
    p50: round(percentile(times, 50)),
    p95: round(percentile(times, 95)),
    p99: round(percentile(times, 99)),
    failed: failed + result.errors + result.timeouts,
  } satisfies Load;
}

/** Median of sequential in-process calls (after one warm-up), bounded in count and time. */
async function rawMedian(call: () => Promise<unknown>, budgetMs: number): Promise<number> {
  await call();
  const times: number[] = [];
  const until = performance.now() + budgetMs;
  while (times.length < 21 && (times.length < 3 || performance.now() < until)) {
    const t0 = performance.now();
    await call();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return round(percentile(times, 50));
}

/**
 * Waits until the server has worked off what a closed-loop run left in flight (requests it
 * accepted before the clients stopped), so the next run does not queue behind them.
 */
async function untilIdle(base: string): Promise<void> {
  const until = performance.now() + 300_000;
  let quick = 0;
  while (quick < 2 && performance.now() < until) {
    const t0 = performance.now();
    await fetch(`${base}/trpc/auth.me`).then((r) => r.arrayBuffer());
    quick = performance.now() - t0 < 50 ? quick + 1 : 0;
  }
}

async function signIn(base: string, email: string): Promise<string> {
  const res = await fetch(`${base}/trpc/auth.signIn`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: base },
    body: JSON.stringify({ email, password: PASSWORD }),
  });
  if (res.status !== 200) throw new Error(`sign-in as ${email}: HTTP ${res.status}`);
  // The session cookie, not the device cookie a sign-in also sets.
  const cookie = res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0] as string)
    .find((c) => /^(__Host-)?carryover_session=/.test(c));
  if (!cookie) throw new Error(`sign-in as ${email}: no cookie`);
  return cookie;
}

// biome-ignore lint/suspicious/noExplicitAny: the bench reads a few fields of tRPC's JSON.
async function trpcGet(base: string, cookie: string, call: Call): Promise<any> {
  const res = await fetch(queryUrl(base, call), { headers: { cookie } });
  if (res.status !== 200) throw new Error(`${call.path}: HTTP ${res.status}`);
  return ((await res.json()) as { result: { data: unknown } }).result.data;
}

export async function runHttpBench(o: HttpBenchOptions): Promise<HttpBenchResult> {
  const lastDay = schoolYearLastDay(new Date(), ZONE);
  const asOf = instantAt(lastDay, 18 * 60, ZONE);
  const seeded = await seededFile(o.students, lastDay, o.log);
  // Each run gets its own copy: the write path adds sessions, the cached seed stays as seeded.
  const runFile = join(tmpdir(), `carryover-http-bench-run-${process.pid}.sqlite`);
  copyFileSync(seeded, runFile);
  const conn: Connection = openDatabase(runFile);
  let server: ChildProcess | undefined;
  try {
    await migrateToLatest(conn.db);
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    server = spawnCli(['serve'], {
      DATABASE_URL: runFile,
      PORT: String(port),
      HOST: '127.0.0.1',
      CARRYOVER_NOW: asOf.toISOString(),
    });
    await serverReady(server);
    const pid = server.pid as number;
    o.log(`Serving ${o.students} students as of ${asOf.toISOString()} at ${base} (pid ${pid})`);
    return await measure(o, conn, base, pid, asOf, lastDay);
  } finally {
    if (server && server.exitCode === null) {
      server.kill('SIGTERM');
      await awaitExit(server);
    }
    await conn.close();
    for (const f of [runFile, `${runFile}-wal`, `${runFile}-shm`]) rmSync(f, { force: true });
  }
}

function serverReady(server: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const onData = (chunk: Buffer) => {
      seen += chunk.toString();
      if (seen.includes('Carryover is serving')) {
        server.stdout?.off('data', onData);
        // Request log lines keep coming: drain them so the pipe never blocks the server.
        server.stdout?.resume();
        resolve();
      }
    };
    server.stdout?.on('data', onData);
    server.once('exit', (code) => reject(new Error(`server exited with ${code}: ${seen}`)));
  });
}

async function measure(
  o: HttpBenchOptions,
  conn: Connection,
  base: string,
  pid: number,
  asOf: Date,
  today: string,
): Promise<HttpBenchResult> {
  const therapist = await signIn(base, 'slp@demo.test');
  const coordinator = await signIn(base, 'coordinator@demo.test');
  const caseload = await trpcGet(base, therapist, {
    path: 'caseload.list',
    method: 'GET',
    input: {},
  });
  const studentId = (caseload.items as { studentId: string }[])[0]?.studentId;
  if (!studentId) throw new Error('slp@demo.test has no students');

  const createCaller = createCallerFactory(appRouter);
  const silent = { info() {}, warn() {}, error() {} };
  const callerFor = async (cookie: string) =>
    createCaller(
      await createContextInner({
        db: conn.db,
        dialect: conn.dialect,
        sessionToken: readSessionToken(cookie, { secure: false }),
        ip: '127.0.0.1',
        now: () => asOf,
        log: silent,
        setCookie: () => {},
        clearCookie: () => {},
      }),
    );

  const sessionBody = () => ({
    idempotencyKey: `bench-${randomBytes(12).toString('base64url')}`,
    date: today,
    startTime: '13:00',
    endTime: '13:30',
    model: 'pull_out',
    setting: 'therapy_room',
    students: [{ studentId, attendance: 'student_absent_excused' }],
  });

  type Scenario = {
    label: string;
    cookie: string;
    call: Call;
    raw: (() => Promise<unknown>) | null;
    cold?: boolean;
  };
  const scenarios: Scenario[] = [
    {
      label: 'caseload.list (therapist)',
      cookie: therapist,
      call: { path: 'caseload.list', method: 'GET', input: {} },
      raw: async () => (await callerFor(therapist)).caseload.list({}),
    },
    {
      label: 'student.get',
      cookie: therapist,
      call: { path: 'student.get', method: 'GET', input: { studentId } },
      raw: async () => (await callerFor(therapist)).student.get({ studentId }),
    },
    {
      label: 'caseload.list (coordinator, page 1)',
      cookie: coordinator,
      call: { path: 'caseload.list', method: 'GET', input: {} },
      raw: async () => (await callerFor(coordinator)).caseload.list({}),
    },
    {
      label: 'fidelity.report (coordinator)',
      cookie: coordinator,
      call: { path: 'fidelity.report', method: 'GET' },
      raw: async () => (await callerFor(coordinator)).fidelity.report(),
    },
    {
      label: 'outcomes.report (coordinator)',
      cookie: coordinator,
      call: { path: 'outcomes.report', method: 'GET', input: {} },
      // The in-process caller has its own worker and cache: timed once warm, like the server's.
      // Not at district size, where its cold start alone takes minutes and a GiB.
      raw:
        o.students <= 5_000 ? async () => (await callerFor(coordinator)).outcomes.report({}) : null,
      cold: true,
    },
    // Last: a write bumps the district's data version, which retires cached Outcomes results.
    {
      label: 'sessions.log (therapist, write)',
      cookie: therapist,
      call: { path: 'sessions.log', method: 'POST', body: sessionBody },
      // biome-ignore lint/suspicious/noExplicitAny: the body is SessionLogInput-shaped.
      raw: async () => (await callerFor(therapist)).sessions.log(sessionBody() as any),
    },
  ];

  // Every in-process timing first, while the server is idle: both processes write audit
  // events to one SQLite file, and a reader that turns writer loses to the other (BUSY_SNAPSHOT).
  const raws = new Map<Scenario, number>();
  for (const s of scenarios) {
    if (s.raw) raws.set(s, await rawMedian(s.raw, 5_000));
    o.log(`${s.label}: in-process p50 ${raws.get(s) ?? '(skipped)'} ms`);
  }

  const rows: PathRow[] = [];
  for (const s of scenarios) {
    if (s.cold) {
      const [[ms, ok], rss] = await withPeakRss(pid, async () => {
        const t0 = performance.now();
        const ok = await trpcGet(base, s.cookie, s.call).then(
          () => true,
          (err) => {
            o.log(`${s.label}: cold call failed: ${err}`);
            return false;
          },
        );
        return [performance.now() - t0, ok] as const;
      });
      o.log(`${s.label}: cold ${round(ms)} ms`);
      rows.push(
        row(
          `${s.label}, cold (one call)`,
          1,
          {
            requests: 1,
            perSecond: round(1000 / ms, 2),
            p50: round(ms),
            p95: round(ms),
            p99: round(ms),
            failed: ok ? 0 : 1,
          },
          rss,
          '—',
        ),
      );
      if (!ok) continue;
    }
    const raw = raws.get(s) ?? Number.NaN;
    for (const connections of [1, 50]) {
      const [l, rss] = await withPeakRss(pid, () =>
        load(base, s.cookie, s.call, connections, o.seconds),
      );
      await untilIdle(base);
      o.log(`${s.label} ×${connections}: p50 ${l.p50} ms, ${l.perSecond}/s, ${l.failed} failed`);
      rows.push(row(`${s.label}${s.cold ? ', cached' : ''}`, connections, l, rss, raw));
    }
  }
  const [users, usersRss] = await withPeakRss(pid, () => simulatedStaff(o, conn, base));
  rows.push(
    ...users.map((u) => ({
      path: `${o.users} users: ${u.page}`,
      connections: `${o.users} users`,
      requests: u.requests,
      'req/s': round(u.requests / o.usersSeconds),
      'p50 ms': u['p50 ms'],
      'p95 ms': u['p95 ms'],
      'p99 ms': u['p99 ms'],
      'non-2xx+errors': u.errors,
      'peak RSS MiB': usersRss,
      'raw p50 ms': '—',
      'HTTP/raw p50': '—',
    })),
  );
  return {
    students: o.students,
    asOf: asOf.toISOString(),
    rows,
    users: users.map(({ page, requests, errors, ...u }) => ({
      page,
      requests,
      'p50 ms': u['p50 ms'],
      'p95 ms': u['p95 ms'],
      errors,
    })),
    serverPeakRssMiB: round(procStatusKiB(pid, 'VmHWM') / 1024),
  };
}

function row(
  path: string,
  connections: number,
  l: Load,
  rss: number,
  raw: number | string,
): PathRow {
  return {
    path,
    connections,
    requests: l.requests,
    'req/s': l.perSecond,
    'p50 ms': l.p50,
    'p95 ms': l.p95,
    'p99 ms': l.p99,
    'non-2xx+errors': l.failed,
    'peak RSS MiB': rss,
    'raw p50 ms': typeof raw === 'number' && Number.isFinite(raw) ? raw : '—',
    'HTTP/raw p50': typeof raw === 'number' && raw > 0 ? round(l.p50 / raw) : '—',
  };
}

/**
 * `users` signed-in staff with caseloads, each looping: their caseload, then 1–3 of its
 * students, with 1–5 s of think time before every page, until the time is up.
 */
async function simulatedStaff(o: HttpBenchOptions, conn: Connection, base: string) {
  const staff = await conn.db
    .selectFrom('staff_user')
    .innerJoin('service', (j) =>
      j
        .onRef('service.district_id', '=', 'staff_user.district_id')
        .onRef('service.provider_id', '=', 'staff_user.id'),
    )
    .select('staff_user.email')
    .distinct()
    .where('staff_user.role', '=', 'therapist')
    .orderBy('staff_user.email')
    .limit(o.users)
    .execute();
  if (staff.length === 0) throw new Error('no therapists with services');
  const emails = Array.from(
    { length: o.users },
    (_, i) => staff[i % staff.length]?.email as string,
  );
  const cookies: string[] = [];
  for (const email of emails) cookies.push(await signIn(base, email));

  const times: Record<'caseload' | 'student', number[]> = { caseload: [], student: [] };
  const errors = { caseload: 0, student: 0 };
  const until = performance.now() + o.usersSeconds * 1000;
  const think = () => new Promise((r) => setTimeout(r, 1000 + Math.random() * 4000));
  const page = async (kind: 'caseload' | 'student', cookie: string, call: Call) => {
    const t0 = performance.now();
    try {
      const data = await trpcGet(base, cookie, call);
      times[kind].push(performance.now() - t0);
      return data;
    } catch {
      errors[kind]++;
      return null;
    }
  };
  const user = async (cookie: string) => {
    await think();
    while (performance.now() < until) {
      const list = await page('caseload', cookie, {
        path: 'caseload.list',
        method: 'GET',
        input: {},
      });
      const ids = ((list?.items ?? []) as { studentId: string }[]).map((r) => r.studentId);
      const visits = 1 + Math.floor(Math.random() * 3);
      for (let i = 0; i < visits && ids.length > 0 && performance.now() < until; i++) {
        await think();
        const id = ids[Math.floor(Math.random() * ids.length)] as string;
        await page('student', cookie, {
          path: 'student.get',
          method: 'GET',
          input: { studentId: id },
        });
      }
      await think();
    }
  };
  await Promise.all(cookies.map(user));
  return (['caseload', 'student'] as const).map((kind) => {
    const sorted = times[kind].sort((a, b) => a - b);
    return {
      page: kind === 'caseload' ? 'caseload.list' : 'student.get',
      requests: sorted.length + errors[kind],
      'p50 ms': round(percentile(sorted, 50)),
      'p95 ms': round(percentile(sorted, 95)),
      'p99 ms': round(percentile(sorted, 99)),
      errors: errors[kind],
    };
  });
}
