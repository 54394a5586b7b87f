import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { createServer as createNetServer } from 'node:net';
import { availableParallelism, cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import {
  appRouter,
  createCallerFactory,
  createContextInner,
  MAX_SESSIONS_PER_USER,
  readSessionToken,
} from '@carryover/api';
import { type Connection, type Dialect, migrateToLatest, openDatabase } from '@carryover/db';
import { instantAt } from '@carryover/domain';
import autocannon from 'autocannon';
import pg from 'pg';
import { schoolYearLastDay } from '../src/school-year';
import { SqlClock } from './sql-clock';

// The request paths over real HTTP: the CLI's `serve` (the primary and its WEB_CONCURRENCY
// worker processes, as in production) on a full-year demo district, SQLite and Postgres, loaded
// from this process over 127.0.0.1. Per path: one user clicking without pause (closed loop,
// one connection), then 50 signed-in users with 1–5 s of think time between clicks (for the
// caseload and student pages, one mix: a therapist's caseload, then 1–3 of its students), and
// student.get's capacity, closed loop at 50 connections. Next to each path, the time its SQL
// statements take (Kysely's own per-statement timing, summed per call) and the whole
// procedure in-process without HTTP, on the same database.

const SERVER_DIR = join(import.meta.dirname, '..');
const PASSWORD = 'carryover-demo';
const ZONE = 'America/Chicago';
const TIMEOUT_S = 60;
/** The served rate limits, multiplied (see RATE_LIMIT_SCALE in the CLI's help). */
const RATE_LIMIT_SCALE = 1000;
/** How long in-process calls warm up before they are timed (at most 30 calls). */
const WARM_UP_MS = 3_000;

/**
 * The bench's groups of rows: the therapists' pages (caseload, student, capacity), the
 * coordinator's pages (Caseload, Fidelity), Outcomes, and writes. A larger district than usual
 * may measure some first: at 200,000 students, Outcomes alone runs for minutes.
 */
export const BENCH_PATH_GROUPS = ['pages', 'coordinator', 'outcomes', 'writes'] as const;
export type BenchPathGroup = (typeof BENCH_PATH_GROUPS)[number];

export interface HttpBenchOptions {
  students: number;
  dialects: Dialect[];
  paths: ReadonlySet<BenchPathGroup>;
  /** Seconds of each single-user closed loop and of the capacity run. */
  seconds: number;
  /** Seconds of each 50-user scenario. */
  usersSeconds: number;
  users: number;
  workers: number;
  postgresUrl: string;
  log: (line: string) => void;
}

export function benchOptionsFromEnv(log: (line: string) => void): HttpBenchOptions {
  const int = (name: string, fallback: number) => {
    const n = Number(process.env[name] ?? fallback);
    if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive whole number`);
    return n;
  };
  const dialects = (process.env.BENCH_DIALECTS ?? 'sqlite,postgres')
    .split(',')
    .map((d) => d.trim()) as Dialect[];
  for (const d of dialects)
    if (d !== 'sqlite' && d !== 'postgres')
      throw new Error(`BENCH_DIALECTS lists sqlite and/or postgres, got ${d}`);
  const paths = (process.env.BENCH_PATHS ?? BENCH_PATH_GROUPS.join(','))
    .split(',')
    .map((p) => p.trim()) as BenchPathGroup[];
  for (const p of paths)
    if (!BENCH_PATH_GROUPS.includes(p))
      throw new Error(`BENCH_PATHS lists ${BENCH_PATH_GROUPS.join(', ')}; got ${p}`);
  return {
    students: int('BENCH_STUDENTS', 200),
    dialects,
    paths: new Set(paths),
    seconds: int('BENCH_SECONDS', 10),
    usersSeconds: int('BENCH_USERS_SECONDS', 30),
    users: int('BENCH_USERS', 50),
    workers: int('WEB_CONCURRENCY', availableParallelism()),
    postgresUrl:
      process.env.BENCH_POSTGRES_URL ??
      process.env.TEST_POSTGRES_URL ??
      'postgres://postgres@127.0.0.1:5432/test',
    log,
  };
}

export interface BenchRow {
  db: string;
  what: string;
  '1 user p50': number | string;
  '1 user p95': number | string;
  '1 user p99': number | string;
  'N users p50': number | string;
  'N users p95': number | string;
  'N users p99': number | string;
  'req/s': number | string;
  errors: number | string;
  'SQL p50': number | string;
  'in-process p50': number | string;
  'HTTP/SQL': number | string;
  /** The answer's JSON, in kB (the issue's coordinator first page: ≤ 200 kB). */
  'answer kB': number | string;
  'peak RSS MiB': number | string;
}

export interface HttpBenchResult {
  students: number;
  workers: number;
  machine: string;
  rows: BenchRow[];
}

const round = (n: number, digits = 1) => Number(n.toFixed(digits));

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

const median = (xs: number[]) =>
  percentile(
    [...xs].sort((a, b) => a - b),
    50,
  );

export function machineLine(): string {
  const [one, five] = loadavg();
  return (
    `${cpus().length} × ${cpus()[0]?.model.trim()}, ${round(totalmem() / 2 ** 30, 0)} GiB, ` +
    `Node ${process.versions.node}; load average ${one?.toFixed(1)} (1 min), ${five?.toFixed(1)} (5 min) at the start`
  );
}

// ---------------------------------------------------------------------------------------------
// The databases: a seeded full-year district per size, cached; each run works on a copy.

function spawnCli(args: string[], env: Record<string, string>): ChildProcess {
  // `node --import tsx`: the primary is this child itself, its workers are its children.
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
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

async function seedWithCli(students: number, databaseUrl: string, log: (l: string) => void) {
  const started = performance.now();
  const run = spawnCli(['seed', '--students', String(students), '--full-year'], {
    DATABASE_URL: databaseUrl,
  });
  const code = await awaitExit(run);
  if (code !== 0) throw new Error(`seed exited with ${code}`);
  const s = (performance.now() - started) / 1000;
  log(`Seeded ${students} students in ${round(s, 0)} s`);
  return s;
}

interface RunDatabase {
  url: string;
  /** Seconds the seed took, when this run made it; null when it was cached. */
  seedSeconds: number | null;
  sizeBytes(): Promise<number>;
  drop(): Promise<void>;
}

async function sqliteDatabase(o: HttpBenchOptions, lastDay: string): Promise<RunDatabase> {
  const file = join(tmpdir(), `carryover-http-bench-${o.students}-${lastDay}.sqlite`);
  let seedSeconds: number | null = null;
  if (existsSync(file)) o.log(`Reusing ${file}`);
  else {
    const partial = file.replace(/\.sqlite$/, '.partial.sqlite');
    for (const f of [partial, `${partial}-wal`, `${partial}-shm`]) rmSync(f, { force: true });
    o.log(`Seeding ${o.students} students (full year) into ${file}…`);
    seedSeconds = await seedWithCli(o.students, partial, o.log);
    renameSync(partial, file);
  }
  // Each run gets its own copy: the write path adds sessions, the cached seed stays as seeded.
  const runFile = join(tmpdir(), `carryover-http-bench-run-${process.pid}.sqlite`);
  copyFileSync(file, runFile);
  return {
    url: runFile,
    seedSeconds,
    sizeBytes: async () => statSync(file).size,
    drop: async () => {
      for (const f of [runFile, `${runFile}-wal`, `${runFile}-shm`]) rmSync(f, { force: true });
    },
  };
}

async function postgresDatabase(o: HttpBenchOptions, lastDay: string): Promise<RunDatabase> {
  const cached = `carryover_bench_${o.students}_${lastDay.replaceAll('-', '')}`;
  const run = `carryover_bench_run_${process.pid}`;
  const urlOf = (name: string) => {
    const u = new URL(o.postgresUrl);
    u.pathname = `/${name}`;
    return u.toString();
  };
  const admin = new pg.Client({ connectionString: o.postgresUrl });
  await admin.connect();
  let seedSeconds: number | null = null;
  try {
    const exists = await admin.query('select 1 from pg_database where datname = $1', [cached]);
    if (exists.rowCount) o.log(`Reusing Postgres database ${cached}`);
    else {
      const partial = `${cached}_partial`;
      await admin.query(`drop database if exists ${partial}`);
      await admin.query(`create database ${partial}`);
      o.log(`Seeding ${o.students} students (full year) into Postgres ${cached}…`);
      seedSeconds = await seedWithCli(o.students, urlOf(partial), o.log);
      await admin.query(`alter database ${partial} rename to ${cached}`);
    }
    // A file-level copy of the seeded database: fast, and the cached one stays as seeded.
    await admin.query(`drop database if exists ${run}`);
    await admin.query(`create database ${run} template ${cached}`);
  } finally {
    await admin.end();
  }
  const withAdmin = async <T>(fn: (c: pg.Client) => Promise<T>) => {
    const c = new pg.Client({ connectionString: o.postgresUrl });
    await c.connect();
    try {
      return await fn(c);
    } finally {
      await c.end();
    }
  };
  return {
    url: urlOf(run),
    seedSeconds,
    sizeBytes: () =>
      withAdmin(async (c) =>
        Number((await c.query('select pg_database_size($1) as n', [cached])).rows[0].n),
      ),
    drop: () => withAdmin((c) => c.query(`drop database if exists ${run}`).then(() => {})),
  };
}

// ---------------------------------------------------------------------------------------------
// The server and its memory.

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

function rssKiB(pid: number): number {
  try {
    const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/);
    return m ? Number(m[1]) : 0;
  } catch {
    return 0; // the process has just exited
  }
}

/** The primary and every process under it (its workers). */
function processTree(pid: number): number[] {
  const out = [pid];
  for (let i = 0; i < out.length; i++) {
    try {
      const kids = readFileSync(`/proc/${out[i]}/task/${out[i]}/children`, 'utf8');
      for (const k of kids.split(/\s+/)) if (k) out.push(Number(k));
    } catch {}
  }
  return out;
}

const treeRssKiB = (pid: number) => processTree(pid).reduce((sum, p) => sum + rssKiB(p), 0);

/** Samples the RSS of the server's processes, summed, every 200 ms while `work` runs. */
async function withPeakRss<T>(pid: number, work: () => Promise<T>): Promise<[T, number]> {
  let peak = treeRssKiB(pid);
  const timer = setInterval(() => {
    peak = Math.max(peak, treeRssKiB(pid));
  }, 200);
  try {
    const value = await work();
    return [value, round(Math.max(peak, treeRssKiB(pid)) / 1024, 0)];
  } finally {
    clearInterval(timer);
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

// ---------------------------------------------------------------------------------------------
// HTTP.

interface Call {
  path: string;
  method: 'GET' | 'POST';
  input?: unknown;
  /** A fresh body per request (writes with a new idempotency key each). */
  body?: () => unknown;
}

const queryUrl = (base: string, call: Call) =>
  `${base}/trpc/${call.path}${call.input === undefined ? '' : `?input=${encodeURIComponent(JSON.stringify(call.input))}`}`;

interface Latency {
  requests: number;
  perSecond: number;
  p50: number;
  p95: number;
  p99: number;
  failed: number;
}

function latency(times: number[], failed: number, seconds: number): Latency {
  const sorted = [...times].sort((a, b) => a - b);
  return {
    requests: sorted.length,
    perSecond: round(sorted.length / seconds),
    p50: round(percentile(sorted, 50)),
    p95: round(percentile(sorted, 95)),
    p99: round(percentile(sorted, 99)),
    failed,
  };
}

/** Closed loop (autocannon): `connections` clients, each sending its next request at once. */
async function closedLoop(
  base: string,
  cookie: string,
  call: Call,
  connections: number,
  seconds: number,
): Promise<Latency> {
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
  return latency(times, failed + result.errors + result.timeouts, seconds);
}

/**
 * Sessions for many simulated users through few accounts: an account keeps at most
 * MAX_SESSIONS_PER_USER sessions (a newer sign-in ends the oldest), so past that the simulated
 * users share its sessions in turn.
 */
function sessionPool(base: string) {
  const byEmail = new Map<string, string[]>();
  const turns = new Map<string, number>();
  return async (email: string): Promise<string> => {
    const cookies = byEmail.get(email) ?? [];
    byEmail.set(email, cookies);
    if (cookies.length < MAX_SESSIONS_PER_USER) {
      const cookie = await signIn(base, email);
      cookies.push(cookie);
      return cookie;
    }
    const turn = turns.get(email) ?? 0;
    turns.set(email, turn + 1);
    return cookies[turn % cookies.length] as string;
  };
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
async function send(base: string, cookie: string, call: Call): Promise<any> {
  const res =
    call.method === 'GET'
      ? await fetch(queryUrl(base, call), { headers: { cookie } })
      : await fetch(`${base}/trpc/${call.path}`, {
          method: 'POST',
          headers: { cookie, origin: base, 'content-type': 'application/json' },
          body: JSON.stringify(call.body ? call.body() : call.input),
        });
  if (res.status !== 200) throw new Error(`${call.path}: HTTP ${res.status}`);
  return ((await res.json()) as { result: { data: unknown } }).result.data;
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

const think = () => new Promise((r) => setTimeout(r, 1000 + Math.random() * 4000));

/** Users clicking with think time until `seconds` are up; `visit` is one user's next click. */
async function thinkingUsers(
  users: number,
  seconds: number,
  visit: (user: number, until: number, timed: Timed) => Promise<void>,
): Promise<void> {
  const until = performance.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: users }, async (_, user) => {
      await think();
      while (performance.now() < until) {
        await visit(user, until, timed);
        await think();
      }
    }),
  );
}

type Timed = <T>(kind: string, fn: () => Promise<T>) => Promise<T | null>;
const samples = new Map<string, { times: number[]; failed: number }>();
const timed: Timed = async (kind, fn) => {
  const s = samples.get(kind) ?? { times: [], failed: 0 };
  samples.set(kind, s);
  const t0 = performance.now();
  try {
    const value = await fn();
    s.times.push(performance.now() - t0);
    return value;
  } catch (err) {
    // The first few failures say why (a status, a reset socket, a timeout) in the bench's log.
    if (++s.failed <= 3) console.log(`${kind} failed: ${failureReason(err)}`);
    return null;
  }
};

function failureReason(err: unknown): string {
  const e = err as { message?: string; cause?: { code?: string; message?: string } };
  return [e.message, e.cause?.code, e.cause?.message].filter(Boolean).join(' — ');
}
const takeSamples = (kind: string, seconds: number) => {
  const s = samples.get(kind) ?? { times: [], failed: 0 };
  samples.delete(kind);
  return latency(s.times, s.failed, seconds);
};

// ---------------------------------------------------------------------------------------------
// In-process: the procedure without HTTP, and its SQL statements' own time.

interface InProcess {
  sqlMs: number;
  totalMs: number;
  /** Length of the answer as JSON (before compression), from the warm-up call. */
  answerBytes: number;
}

/**
 * Medians of sequential in-process calls, bounded in count and time, after warm-up calls: a few
 * seconds' worth, so that each connection of a Postgres pool has prepared and planned the path's
 * statements as the long-running server's have.
 */
async function inProcess(
  call: () => Promise<unknown>,
  sqlClock: SqlClock,
  budgetMs: number,
): Promise<InProcess> {
  const answerBytes = JSON.stringify(await call()).length;
  const warmUntil = performance.now() + WARM_UP_MS;
  for (let i = 1; i < 30 && performance.now() < warmUntil; i++) await call();
  const sql: number[] = [];
  const total: number[] = [];
  const until = performance.now() + budgetMs;
  while (total.length < 21 && (total.length < 3 || performance.now() < until)) {
    sqlClock.reset();
    const t0 = performance.now();
    await call();
    total.push(performance.now() - t0);
    sql.push(sqlClock.busyMs());
  }
  return { sqlMs: round(median(sql), 2), totalMs: round(median(total), 2), answerBytes };
}

// ---------------------------------------------------------------------------------------------

export async function runHttpBench(o: HttpBenchOptions): Promise<HttpBenchResult> {
  const machine = machineLine();
  const rows: BenchRow[] = [];
  for (const dialect of o.dialects) rows.push(...(await benchDialect(o, dialect)));
  return { students: o.students, workers: o.workers, machine, rows };
}

async function benchDialect(o: HttpBenchOptions, dialect: Dialect): Promise<BenchRow[]> {
  const lastDay = schoolYearLastDay(new Date(), ZONE);
  const asOf = instantAt(lastDay, 18 * 60, ZONE);
  const database =
    dialect === 'sqlite' ? await sqliteDatabase(o, lastDay) : await postgresDatabase(o, lastDay);
  const sqlClock = new SqlClock();
  const conn: Connection = openDatabase(database.url, { log: sqlClock.log });
  let server: ChildProcess | undefined;
  try {
    await migrateToLatest(conn.db);
    const started = await startServer(database.url, asOf, o.workers);
    server = started.server;
    o.log(
      `${dialect}: serving ${o.students} students as of ${asOf.toISOString()} at ${started.base}`,
    );
    return await measure(o, dialect, database, conn, sqlClock, started, asOf, lastDay);
  } finally {
    if (server) await stopServer(server);
    await conn.close();
    await database.drop();
  }
}

/**
 * A server on a free port over `url`, serving as of `asOf`, once it says it is serving. It
 * computes no Outcomes ahead (that background work would load every measurement after start)
 * unless `computeAhead`; `ahead` resolves with the log line that says the pass ended.
 */
async function startServer(url: string, asOf: Date, workers: number, computeAhead = false) {
  const port = await freePort();
  const server = spawnCli(['serve'], {
    DATABASE_URL: url,
    PORT: String(port),
    HOST: '127.0.0.1',
    CARRYOVER_NOW: asOf.toISOString(),
    WEB_CONCURRENCY: String(workers),
    // Fifty simulated users share a few demo accounts (one coordinator per district): the
    // per-user limits would measure the limiter, not the server.
    RATE_LIMIT_SCALE: String(RATE_LIMIT_SCALE),
    OUTCOMES_PRECOMPUTE: computeAhead ? 'on' : 'off',
  });
  const ahead = new Promise<string>((resolve) => {
    let seen = '';
    const onData = (chunk: Buffer) => {
      seen += chunk.toString();
      const line = seen.match(/outcomes computed ahead: .*/)?.[0];
      if (line) {
        server.stdout?.off('data', onData);
        resolve(line);
      } else seen = seen.slice(-500);
    };
    if (computeAhead) server.stdout?.on('data', onData);
  });
  await serverReady(server);
  return { server, base: `http://127.0.0.1:${port}`, pid: server.pid as number, ahead };
}

async function stopServer(server: ChildProcess): Promise<void> {
  if (server.exitCode !== null) return;
  server.kill('SIGTERM');
  await awaitExit(server);
}

async function datasetLine(conn: Connection, database: RunDatabase): Promise<string> {
  const count = async (table: 'student' | 'therapy_session' | 'observation' | 'audit_event') =>
    Number(
      (
        await conn.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  const fmt = (n: number) =>
    n >= 1e6 ? `${round(n / 1e6, 2)} M` : n >= 1e4 ? `${round(n / 1e3, 0)} k` : String(n);
  const size = await database.sizeBytes();
  const seeded =
    database.seedSeconds === null ? 'seed cached' : `seeded in ${round(database.seedSeconds, 0)} s`;
  return (
    `dataset: ${fmt(await count('student'))} students, ${fmt(await count('therapy_session'))} sessions, ` +
    `${fmt(await count('observation'))} observations, ${fmt(await count('audit_event'))} audit events; ` +
    `${round(size / 2 ** 30, 2)} GiB; ${seeded}`
  );
}

async function measure(
  o: HttpBenchOptions,
  dialect: Dialect,
  database: RunDatabase,
  conn: Connection,
  sqlClock: SqlClock,
  { base, pid }: { base: string; pid: number },
  asOf: Date,
  today: string,
): Promise<BenchRow[]> {
  const db = dialect === 'sqlite' ? 'SQLite' : 'Postgres';
  const rows: BenchRow[] = [];
  const empty = {
    '1 user p50': '—',
    '1 user p95': '—',
    '1 user p99': '—',
    'N users p50': '—',
    'N users p95': '—',
    'N users p99': '—',
    'req/s': '—',
    errors: '—',
    'SQL p50': '—',
    'in-process p50': '—',
    'HTTP/SQL': '—',
    'answer kB': '—',
    'peak RSS MiB': '—',
  } satisfies Omit<BenchRow, 'db' | 'what'>;
  rows.push({ db, what: await datasetLine(conn, database), ...empty });

  const session = sessionPool(base);
  const therapist = await session('slp@demo.test');
  const coordinator = await session('coordinator@demo.test');
  const caseload = await send(base, therapist, { path: 'caseload.list', method: 'GET', input: {} });
  const studentId = (caseload.items as { studentId: string }[])[0]?.studentId;
  if (!studentId) throw new Error('slp@demo.test has no students');

  // The users: therapists with caseloads, each with their own session and students.
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
  const users: { cookie: string; students: string[] }[] = [];
  for (let i = 0; i < o.users; i++) {
    const cookie = await session(staff[i % staff.length]?.email as string);
    const list = await send(base, cookie, { path: 'caseload.list', method: 'GET', input: {} });
    users.push({
      cookie,
      students: (list.items as { studentId: string }[]).map((s) => s.studentId),
    });
  }
  const coordinators: string[] = [];
  for (let i = 0; i < o.users; i++) coordinators.push(await session('coordinator@demo.test'));

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
  const sessionBody = (forStudent: string) => ({
    idempotencyKey: `bench-${randomBytes(12).toString('base64url')}`,
    date: today,
    startTime: '13:00',
    endTime: '13:30',
    model: 'pull_out',
    setting: 'therapy_room',
    students: [{ studentId: forStudent, attendance: 'student_absent_excused' }],
  });
  const caseloadCall: Call = { path: 'caseload.list', method: 'GET', input: {} };
  const studentCall = (id: string): Call => ({
    path: 'student.get',
    method: 'GET',
    input: { studentId: id },
  });
  const outcomesCall: Call = { path: 'outcomes.report', method: 'GET', input: {} };
  const fidelityCall: Call = { path: 'fidelity.report', method: 'GET', input: {} };
  const logCall = (id: string): Call => ({
    path: 'sessions.log',
    method: 'POST',
    body: () => sessionBody(id),
  });

  // In-process first, while the server idles; only for the groups this run measures.
  const has = (group: BenchPathGroup) => o.paths.has(group);
  const ifMeasured = (group: BenchPathGroup, call: () => Promise<unknown>) =>
    has(group) ? inProcess(call, sqlClock, 5_000) : Promise.resolve(null);
  const inProc = {
    caseload: await ifMeasured('pages', async () => (await callerFor(therapist)).caseload.list({})),
    student: await ifMeasured('pages', async () =>
      (await callerFor(therapist)).student.get({ studentId }),
    ),
    coordinator: await ifMeasured('coordinator', async () =>
      (await callerFor(coordinator)).caseload.list({}),
    ),
    fidelity: await ifMeasured('coordinator', async () =>
      (await callerFor(coordinator)).fidelity.report({}),
    ),
    log: await ifMeasured('writes', async () =>
      // biome-ignore lint/suspicious/noExplicitAny: the body is SessionLogInput-shaped.
      (await callerFor(therapist)).sessions.log(sessionBody(studentId) as any),
    ),
  };
  o.log(`${db}: in-process ${JSON.stringify(inProc)}`);

  const row = (
    what: string,
    one: Latency | null,
    many: Latency | null,
    rss: number,
    raw: InProcess | null,
    perSecond?: number,
  ): BenchRow => ({
    db,
    what,
    '1 user p50': one?.p50 ?? '—',
    '1 user p95': one?.p95 ?? '—',
    '1 user p99': one?.p99 ?? '—',
    'N users p50': many?.p50 ?? '—',
    'N users p95': many?.p95 ?? '—',
    'N users p99': many?.p99 ?? '—',
    'req/s': perSecond ?? '—',
    errors: (one?.failed ?? 0) + (many?.failed ?? 0),
    'SQL p50': raw ? raw.sqlMs : '—',
    'in-process p50': raw ? raw.totalMs : '—',
    'HTTP/SQL': raw && one && raw.sqlMs > 0 ? round(one.p50 / raw.sqlMs, 2) : '—',
    'answer kB': raw ? round(raw.answerBytes / 1000, 1) : '—',
    'peak RSS MiB': rss,
  });

  const single = async (cookie: string, call: Call) => {
    const [l, rss] = await withPeakRss(pid, () => closedLoop(base, cookie, call, 1, o.seconds));
    await untilIdle(base);
    return [l, rss] as const;
  };

  if (has('pages')) {
    // Caseload and student pages: one user each, then the therapists' mix.
    const [caseloadOne, r1] = await single(therapist, caseloadCall);
    const [studentOne, r2] = await single(therapist, studentCall(studentId));
    const [, r3] = await withPeakRss(pid, () =>
      thinkingUsers(o.users, o.usersSeconds, async (u, until) => {
        const user = users[u] as (typeof users)[number];
        await timed('caseload', () => send(base, user.cookie, caseloadCall));
        const visits = 1 + Math.floor(Math.random() * 3);
        for (let i = 0; i < visits && user.students.length > 0 && performance.now() < until; i++) {
          await think();
          const id = user.students[Math.floor(Math.random() * user.students.length)] as string;
          await timed('student', () => send(base, user.cookie, studentCall(id)));
        }
      }),
    );
    const caseloadMany = takeSamples('caseload', o.usersSeconds);
    const studentMany = takeSamples('student', o.usersSeconds);
    rows.push(
      row(
        'caseload.list (therapist)',
        caseloadOne,
        caseloadMany,
        Math.max(r1, r3),
        inProc.caseload,
      ),
    );
    rows.push(row('student.get', studentOne, studentMany, Math.max(r2, r3), inProc.student));
    o.log(`${db}: therapists' mix done`);

    // Capacity: student.get, closed loop at 50 connections.
    const [capacity, r4] = await withPeakRss(pid, () =>
      closedLoop(base, therapist, studentCall(studentId), o.users, o.seconds),
    );
    await untilIdle(base);
    rows.push(
      row(
        `student.get, closed loop × ${o.users} connections`,
        null,
        capacity,
        r4,
        inProc.student,
        capacity.perSecond,
      ),
    );
  }

  /** One path: a single user, then `o.users` users each clicking it with think time. */
  const onePath = async (
    what: string,
    cookieOne: string,
    callFor: (user: number) => Call,
    cookieFor: (user: number) => string,
    raw: InProcess | null,
  ) => {
    const [one, ra] = await single(cookieOne, callFor(0));
    const [, rb] = await withPeakRss(pid, () =>
      thinkingUsers(o.users, o.usersSeconds, async (u) => {
        await timed(what, () => send(base, cookieFor(u), callFor(u)));
      }),
    );
    await untilIdle(base);
    rows.push(row(what, one, takeSamples(what, o.usersSeconds), Math.max(ra, rb), raw));
    o.log(`${db}: ${what} done`);
  };

  if (has('coordinator')) {
    await onePath(
      'caseload.list (coordinator, first page)',
      coordinator,
      () => caseloadCall,
      (u) => coordinators[u] as string,
      inProc.coordinator,
    );
    await onePath(
      'fidelity.report (coordinator, first page)',
      coordinator,
      () => fidelityCall,
      (u) => coordinators[u] as string,
      inProc.fidelity,
    );
  }

  const oneOutcomesCall = async (at: string, cookie: string) => {
    const t0 = performance.now();
    const ok = await send(at, cookie, outcomesCall).then(
      (r: { stale?: boolean }) => r,
      (err) => {
        o.log(`outcomes call failed: ${err}`);
        return null;
      },
    );
    return { ms: round(performance.now() - t0), ok: ok !== null, stale: ok?.stale === true };
  };
  const oneCallRow = (what: string, call: { ms: number; ok: boolean }, rss: number) =>
    row(
      what,
      {
        requests: 1,
        perSecond: 0,
        p50: call.ms,
        p95: call.ms,
        p99: call.ms,
        failed: call.ok ? 0 : 1,
      },
      null,
      rss,
      null,
    );
  if (has('outcomes')) {
    // Outcomes, in four rows. The first compute of a scope: no stored comparison (a cached
    // database keeps the last run's), one worker computes. A new process: a second server,
    // started now, whose first call reads the stored comparison. Cached: every worker warmed.
    // After a change: the stored figures served as stale while a fresh compute starts.
    await conn.db.deleteFrom('stored_comparison').execute();
    const [cold, rCold] = await withPeakRss(pid, () => oneOutcomesCall(base, coordinator));
    rows.push(oneCallRow('outcomes.report, first compute (one call)', cold, rCold));
    const fresh = await startServer(database.url, asOf, 1);
    try {
      // The same session: it lives in the database, not in a process.
      const [stored, rStored] = await withPeakRss(fresh.pid, () =>
        oneOutcomesCall(fresh.base, coordinator),
      );
      rows.push(oneCallRow('outcomes.report, new process, stored (one call)', stored, rStored));
    } finally {
      await stopServer(fresh.server);
    }
    // The same, with no stored comparison, on a server that computes the default scopes ahead
    // after it starts: how long that background pass takes, and the first view after it.
    await conn.db.deleteFrom('stored_comparison').execute();
    const startedAt = performance.now();
    const ahead = await startServer(database.url, asOf, 1, true);
    try {
      const [line, rAhead] = await withPeakRss(ahead.pid, () => ahead.ahead);
      const passMs = round(performance.now() - startedAt);
      o.log(`${dialect}: ${line} (${round(passMs / 1000, 1)} s after the server was started)`);
      rows.push(
        oneCallRow(
          'outcomes computed ahead after start (background pass, all default scopes)',
          { ms: passMs, ok: /, 0 failed/.test(line) },
          rAhead,
        ),
      );
      const [first, rFirst] = await withPeakRss(ahead.pid, () =>
        oneOutcomesCall(ahead.base, coordinator),
      );
      rows.push(oneCallRow('outcomes.report, first view after the pass (one call)', first, rFirst));
    } finally {
      await stopServer(ahead.server);
    }
    // Each worker keeps its own cache: parallel calls open sockets that reach every worker. A
    // cold call the client gave up on still finishes and fills its worker's cache.
    await Promise.all(
      Array.from({ length: o.workers * 2 }, () => send(base, coordinator, outcomesCall)),
    ).catch((err) => o.log(`outcomes warm-up failed: ${err}`));
    await onePath(
      'outcomes.report, cached',
      coordinator,
      () => outcomesCall,
      (u) => coordinators[u] as string,
      null,
    );
  }

  if (has('writes')) {
    // Last: writes bump the district's data version, which retires cached Outcomes results.
    await onePath(
      'sessions.log (write)',
      therapist,
      (u) => (u === 0 ? logCall(studentId) : logCall(users[u]?.students[0] ?? studentId)),
      (u) => (u === 0 ? therapist : (users[u]?.cookie as string)),
      inProc.log,
    );
  }

  // The writes moved the data version: the stored figures come back at once, marked stale.
  if (!has('writes') || !has('outcomes')) return rows;
  const [afterWrites, rAfter] = await withPeakRss(pid, () => oneOutcomesCall(base, coordinator));
  if (!afterWrites.stale) o.log('outcomes after the writes was not marked stale');
  rows.push(oneCallRow('outcomes.report, after writes, stale (one call)', afterWrites, rAfter));
  return rows;
}

/** The rows as a Markdown table (for the README), columns padded. */
export function markdownTable(rows: BenchRow[]): string {
  if (rows.length === 0) return '';
  const headers = Object.keys(rows[0] as BenchRow) as (keyof BenchRow)[];
  const cell = (v: unknown) =>
    typeof v === 'number' ? v.toLocaleString('en-US', { maximumFractionDigits: 2 }) : String(v);
  const table = [headers.map(String), ...rows.map((r) => headers.map((h) => cell(r[h])))];
  const widths = headers.map((_, i) => Math.max(3, ...table.map((line) => line[i]?.length ?? 0)));
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => c.padEnd(widths[i] as number)).join(' | ')} |`;
  return [
    line(table[0] as string[]),
    `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`,
    ...table.slice(1).map(line),
  ].join('\n');
}
