import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type Connection,
  openDatabase,
  postgresUrlOf,
  sqliteHandleOf,
  systemClock,
  verifyAuditChain,
} from '@carryover/db';
import { openTestPostgres, testTargets } from '@carryover/db/testing';
import { dateIn } from '@carryover/domain';
import { describe, expect, it } from 'vitest';
import { DEMO_PASSWORD, freePort } from './support/e2e';
import { sessionCookieOf } from './support/http';

// The real CLI serving from several worker processes, each with its own database connection,
// under concurrent audited requests: every request answers, and each district's audit chain
// stays one unbroken, gapless sequence (appends serialised across processes, not only within
// one), on SQLite and on Postgres.

const WORKERS = 2;
const SERVER_DIR = join(import.meta.dirname, '..');

interface Cli {
  base: string;
  log: string[];
  child: ChildProcess;
  stop(): Promise<number | null>;
}

async function startCli(
  databaseUrl: string,
  workers = WORKERS,
  env: Record<string, string> = {},
): Promise<Cli> {
  // `start` seeds only a local SQLite demo, never a Postgres database: seed explicitly first.
  const seeded = spawnSync(
    process.execPath,
    ['--import', 'tsx', 'src/main.ts', 'seed', '--students', '30'],
    { cwd: SERVER_DIR, env: { ...process.env, DATABASE_URL: databaseUrl }, encoding: 'utf8' },
  );
  if (seeded.status !== 0) throw new Error(`seed failed:\n${seeded.stdout}${seeded.stderr}`);
  const port = await freePort();
  const log: string[] = [];
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', 'start'], {
    cwd: SERVER_DIR,
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      PORT: String(port),
      HOST: '127.0.0.1',
      WEB_CONCURRENCY: String(workers),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (d) => log.push(String(d)));
  child.stderr?.on('data', (d) => log.push(String(d)));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    return exited;
  };
  // The primary prints this once every worker listens.
  const deadline = Date.now() + 100_000;
  while (!log.join('').includes('Carryover is serving')) {
    if (child.exitCode !== null) throw new Error(`server exited early:\n${log.join('')}`);
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`server did not start:\n${log.join('')}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { base: `http://127.0.0.1:${port}`, log, child, stop };
}

async function signIn(base: string, email: string): Promise<string> {
  const res = await fetch(`${base}/trpc/auth.signIn`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: base },
    body: JSON.stringify({ email, password: DEMO_PASSWORD }),
  });
  expect(res.status).toBe(200);
  const cookie = sessionCookieOf(res);
  if (!cookie) throw new Error('no session cookie');
  return cookie;
}

async function get(base: string, cookie: string, path: string, input: unknown) {
  const url = `${base}/trpc/${path}?input=${encodeURIComponent(JSON.stringify(input))}`;
  const res = await fetch(url, { headers: { cookie } });
  // biome-ignore lint/suspicious/noExplicitAny: the test reads a few fields of tRPC's JSON.
  return { status: res.status, body: (await res.json()) as { result?: { data: any } } };
}

async function post(base: string, cookie: string, path: string, input: unknown) {
  const res = await fetch(`${base}/trpc/${path}`, {
    method: 'POST',
    headers: { cookie, origin: base, 'content-type': 'application/json' },
    body: JSON.stringify(input),
  });
  await res.arrayBuffer();
  return { status: res.status };
}

/**
 * With OUTCOMES_PRECOMPUTE on, one worker (not each) computes the demo's Outcomes scope once the
 * server listens (its admin and its coordinator of every school share one); the coordinator's
 * first view then reads the stored comparison instead of waiting for one.
 */
async function expectOutcomesComputedAhead(cli: Cli, conn: Connection): Promise<void> {
  const ahead = () => cli.log.join('').match(/\[worker \d+\] outcomes computed ahead: .*/g) ?? [];
  const deadline = Date.now() + 60_000;
  while (ahead().length === 0 && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 100));
  expect(ahead()).toHaveLength(1);
  expect(ahead()[0]).toMatch(/computed ahead: 1 scope in \d+ s, 0 already current, 0 failed/);
  const stored = await conn.db
    .selectFrom('stored_comparison')
    .select('scope_key')
    .where('district_id', '=', await districtOf(conn))
    .execute();
  expect(stored).toHaveLength(1);
  const coordinator = await signIn(cli.base, 'coordinator@demo.test');
  const report = await get(cli.base, coordinator, 'outcomes.report', {});
  expect(report.status).toBe(200);
  expect(report.body.result?.data).toMatchObject({ cached: true, stale: false });
}

/** Fires audited reads and writes from two users at once; returns every status. */
async function concurrentAuditedRequests(base: string): Promise<number[]> {
  const therapist = await signIn(base, 'slp@demo.test');
  const coordinator = await signIn(base, 'coordinator@demo.test');
  const caseload = await get(base, therapist, 'caseload.list', {});
  expect(caseload.status).toBe(200);
  const items: { studentId: string }[] = caseload.body.result?.data.items ?? [];
  const studentIds = items.map((s) => s.studentId);
  expect(studentIds.length).toBeGreaterThan(1);
  const today = dateIn(systemClock(), 'America/Chicago');
  const requests: (() => Promise<{ status: number }>)[] = [];
  for (let i = 0; i < 40; i++) {
    const studentId = studentIds[i % studentIds.length] as string;
    requests.push(() => get(base, therapist, 'student.get', { studentId }));
    requests.push(() => get(base, coordinator, 'student.get', { studentId }));
    if (i % 4 === 0) requests.push(() => get(base, coordinator, 'caseload.list', {}));
    if (i % 2 === 0)
      requests.push(() =>
        post(base, therapist, 'sessions.log', {
          idempotencyKey: `cluster-${randomBytes(9).toString('base64url')}`,
          date: today,
          startTime: '13:00',
          endTime: '13:30',
          model: 'pull_out',
          setting: 'therapy_room',
          students: [{ studentId, attendance: 'student_absent_excused' }],
        }),
      );
  }
  // All at once: many sockets, which the primary deals out to every worker.
  const results = await Promise.all(requests.map((r) => r()));
  return results.map((r) => r.status);
}

async function expectIntactChains(conn: Connection): Promise<void> {
  const districts = await conn.db.selectFrom('district').select('id').execute();
  expect(districts.length).toBe(1);
  for (const { id } of districts) {
    const verified = await verifyAuditChain(conn.db, id);
    expect(verified).toMatchObject({ ok: true });
    const seqs = await conn.db
      .selectFrom('audit_event')
      .select((eb) => [
        eb.fn.countAll<number>().as('n'),
        eb.fn.count<number>('seq').distinct().as('distinct'),
        eb.fn.min<number>('seq').as('min'),
        eb.fn.max<number>('seq').as('max'),
      ])
      .where('district_id', '=', id)
      .executeTakeFirstOrThrow();
    // Gapless from 1: as many events as the highest seq, each seq once.
    expect(Number(seqs.min)).toBe(1);
    expect(Number(seqs.distinct)).toBe(Number(seqs.n));
    expect(Number(seqs.max)).toBe(Number(seqs.n));
    // Every request above left events: 80 reads, 10 caseloads, 20 sessions at least.
    expect(Number(seqs.n)).toBeGreaterThan(110);
  }
}

/** How many `student.get` events name this student. */
async function studentReads(conn: Connection, studentId: string): Promise<number> {
  const row = await conn.db
    .selectFrom('audit_event')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('action', '=', 'student.get')
    .where('student_id', '=', studentId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

async function districtOf(conn: Connection): Promise<string> {
  return (await conn.db.selectFrom('district').select('id').executeTakeFirstOrThrow()).id;
}

/** The distinct `[worker N]` tags on request log lines: which processes served. */
function servingWorkers(log: string[]): Set<string> {
  return new Set(log.join('').match(/\[worker \d+\] (?=GET|POST)/g) ?? []);
}

const dialects = (await testTargets()).map((t) => t.dialect);

describe(`the CLI serving from ${WORKERS} worker processes`, () => {
  if (dialects.includes('sqlite')) {
    it('SQLite file: one worker computes Outcomes ahead, concurrent audited requests all answer, the audit chain stays gapless, a dead worker is replaced, SIGTERM stops all', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'carryover-cluster-'));
      const file = join(dir, 'cluster.sqlite');
      const cli = await startCli(file, WORKERS, { OUTCOMES_PRECOMPUTE: 'on' });
      const listening = () => [
        ...cli.log.join('').matchAll(/Worker \d+ \(pid (\d+)\) is listening/g),
      ];
      try {
        const reader = openDatabase(file);
        try {
          await expectOutcomesComputedAhead(cli, reader);
        } finally {
          await reader.close();
        }
        const statuses = await concurrentAuditedRequests(cli.base);
        expect(statuses.filter((s) => s !== 200)).toEqual([]);
        expect(servingWorkers(cli.log).size).toBeGreaterThan(1);

        const pids = listening().map((m) => Number(m[1]));
        expect(pids).toHaveLength(WORKERS);
        process.kill(pids[0] as number, 'SIGKILL');
        const deadline = Date.now() + 60_000;
        while (listening().length < WORKERS + 1 && Date.now() < deadline)
          await new Promise((r) => setTimeout(r, 100));
        expect(cli.log.join('')).toMatch(/died \(signal SIGKILL\); starting a new one/);
        expect(listening()).toHaveLength(WORKERS + 1);
        expect((await fetch(`${cli.base}/trpc/auth.me`)).status).toBe(200);

        expect(await cli.stop()).toBe(0);
        for (const m of listening()) expect(() => process.kill(Number(m[1]), 0)).toThrow();
        expect(cli.log.join('')).toContain('Stopped.');
      } finally {
        await cli.stop();
      }
      // Every worker anchored its events with the key the primary made (audit verify checks both).
      const verified = spawnSync(
        process.execPath,
        ['--import', 'tsx', 'src/main.ts', 'audit', 'verify'],
        {
          cwd: SERVER_DIR,
          env: { ...process.env, DATABASE_URL: file },
          encoding: 'utf8',
        },
      );
      expect(verified.status, `${verified.stdout}${verified.stderr}`).toBe(0);
      const conn = openDatabase(file);
      try {
        await expectIntactChains(conn);
      } finally {
        await conn.close();
        rmSync(dir, { recursive: true, force: true });
      }
    }, 300_000);
  }

  if (dialects.includes('sqlite')) {
    it('SQLite file: a read waiting to store its audit event leaves the server free, and is stored once the write lock frees', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'carryover-relay-'));
      const file = join(dir, 'relay.sqlite');
      // One worker, so the page below is served by the same process as the read.
      const cli = await startCli(file, 1);
      const holder = openDatabase(file);
      try {
        const therapist = await signIn(cli.base, 'slp@demo.test');
        const caseload = await get(cli.base, therapist, 'caseload.list', {});
        const studentId: string = caseload.body.result?.data.items[0].studentId;
        const readsBefore = await studentReads(holder, studentId);
        // Another connection takes the write lock: the read's audit event must wait for it.
        const locker = openDatabase(file);
        sqliteHandleOf(locker.db)?.exec('begin immediate');
        const order: string[] = [];
        const read = get(cli.base, therapist, 'student.get', { studentId }).then((r) => {
          order.push('read');
          return r;
        });
        await new Promise((r) => setTimeout(r, 300));
        // The read's worker and the primary that hands out connections are not asleep on the
        // lock (the primary stores the workers' events and retries without blocking).
        const page = await fetch(`${cli.base}/`);
        expect(page.status).toBe(200);
        order.push('page');
        sqliteHandleOf(locker.db)?.exec('commit');
        await locker.close();
        order.push('released');
        expect((await read).status).toBe(200);
        expect(order).toEqual(['page', 'released', 'read']);
        expect(await studentReads(holder, studentId)).toBe(readsBefore + 1);
        expect(await cli.stop()).toBe(0);
        expect(await verifyAuditChain(holder.db, await districtOf(holder))).toMatchObject({
          ok: true,
        });
      } finally {
        await cli.stop();
        await holder.close();
        rmSync(dir, { recursive: true, force: true });
      }
    }, 120_000);
  }

  if (dialects.includes('postgres')) {
    it('Postgres: one worker computes Outcomes ahead, concurrent audited requests all answer and the audit chain stays gapless', async () => {
      const conn = await openTestPostgres();
      try {
        const cli = await startCli(postgresUrlOf(conn.db) as string, WORKERS, {
          OUTCOMES_PRECOMPUTE: 'on',
        });
        try {
          await expectOutcomesComputedAhead(cli, conn);
          const statuses = await concurrentAuditedRequests(cli.base);
          expect(statuses.filter((s) => s !== 200)).toEqual([]);
          expect(servingWorkers(cli.log).size).toBeGreaterThan(1);
        } finally {
          expect(await cli.stop()).toBe(0);
        }
        await expectIntactChains(conn);
      } finally {
        await conn.close();
      }
    }, 300_000);
  }
});
