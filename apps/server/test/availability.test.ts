import { readFileSync } from 'node:fs';
import { request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import {
  appRouter,
  type CostClass,
  costOf,
  hashPassword,
  type Logger,
  procedureMeta,
  RATE_LIMITS,
  RateLimiter,
} from '@carryover/api';
import { buildFixture, emails, NOW, openTestDb, PASSWORD } from '@carryover/api/testing';
import type { Connection } from '@carryover/db';
import { seedDemoDistrict } from '@carryover/db/demo';
import { testTargets } from '@carryover/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostileBatch, signInOverHttp } from '../bench/hostile-batch';
import { PERMISSIONS_POLICY } from '../src/http-security';
import { createServer } from '../src/index';
import { MAX_BATCH_CALLS, MAX_JSON_DEPTH } from '../src/request-limits';

// Issue 12, availability: one user's requests must not stall everyone. Batch cap, per-user
// rate limits by cost class, body and JSON-depth bounds before parsing, the longest event-loop
// stall under a hostile batch, and the Permissions-Policy and PUBLIC_URL host headers — all
// against the real HTTP server on every database.

const targets = await testTargets();

const quiet: Logger = { info: () => {}, warn: () => {}, error: () => {} };

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function stop(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/** A request with headers fetch will not send (Host) or a chunked body of its own making. */
function rawRequest(
  base: string,
  path: string,
  options: { method?: string; headers?: Record<string, string>; chunks?: string[] },
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      `${base}${path}`,
      { method: options.method ?? 'GET', headers: options.headers },
      (res) => {
        let body = '';
        res.on('data', (d) => {
          body += d;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    // The server may answer and close before the whole body is written: that is the point.
    req.on('error', (err) =>
      (err as NodeJS.ErrnoException).code === 'EPIPE' ? null : reject(err),
    );
    for (const chunk of options.chunks ?? []) req.write(chunk);
    req.end();
  });
}

// biome-ignore lint/suspicious/noExplicitAny: a response body's shape is what the assertions check.
const json = (res: Response): Promise<any> => res.json();

const nestedArrays = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

describe('batch links of the web app', () => {
  it('send at most the server’s batch cap', () => {
    const source = readFileSync(join(import.meta.dirname, '../../web/src/trpc.ts'), 'utf8');
    const links = source.match(/httpBatch(Stream)?Link\(\{[^}]*\}/g) ?? [];
    expect(links.length).toBeGreaterThan(0);
    const limit = Number(source.match(/const MAX_BATCH_ITEMS = (\d+)/)?.[1]);
    expect(limit).toBeGreaterThan(0);
    expect(limit).toBeLessThanOrEqual(MAX_BATCH_CALLS);
    for (const link of links) expect(link).toContain('maxItems: MAX_BATCH_ITEMS');
  });
});

describe('cost classes', () => {
  it('are declared on the heavy reads and exports; queries default to cheap, mutations to writes', () => {
    const cost = (path: string, role: Parameters<typeof costOf>[2]): CostClass => {
      const meta = procedureMeta(appRouter, path);
      const type = (
        appRouter._def.procedures as unknown as Record<string, { _def: { type: 'query' } }>
      )[path]!._def.type;
      return costOf(meta?.cost, type, role);
    };
    expect(cost('caseload.list', 'coordinator')).toBe('heavyRead');
    expect(cost('caseload.list', 'admin')).toBe('heavyRead');
    expect(cost('caseload.list', 'teacher')).toBe('cheapRead');
    expect(cost('caseload.list', 'therapist')).toBe('cheapRead');
    for (const path of [
      'fidelity.report',
      'fidelity.groups',
      'workload.team',
      'outcomes.report',
      'outcomes.episodes',
    ])
      expect(cost(path, 'admin'), path).toBe('heavyRead');
    for (const path of [
      'fidelity.csv',
      'sessions.billingCsv',
      'admin.exportAccessRecord',
      'admin.exportStudentRecord',
    ])
      expect(cost(path, 'admin'), path).toBe('export');
    expect(cost('student.get', 'therapist')).toBe('cheapRead');
    expect(cost('sessions.log', 'therapist')).toBe('write');
    expect(procedureMeta(appRouter, 'auth.signIn')?.maxBodyBytes).toBe(1024);
    expect(procedureMeta(appRouter, 'no.such')).toBeUndefined();
  });

  it('divide each limit among the server processes', () => {
    let clock = 0;
    const one = new RateLimiter({ now: () => clock });
    const four = new RateLimiter({ processes: 4, now: () => clock });
    const allowed = (limiter: RateLimiter) => {
      let n = 0;
      while (limiter.take('u', 'heavyRead').ok) n++;
      return n;
    };
    expect(allowed(one)).toBe(RATE_LIMITS.heavyRead.burst);
    expect(allowed(four)).toBe(RATE_LIMITS.heavyRead.burst / 4);
    // Refill: a minute later, a process of four has a quarter of the sustained rate back.
    clock += 60_000;
    expect(allowed(four)).toBe(
      Math.min(RATE_LIMITS.heavyRead.burst, RATE_LIMITS.heavyRead.perMinute) / 4,
    );
  });

  it('scale every limit for a load test (RATE_LIMIT_SCALE), and ignore a scale that is not positive', () => {
    const allowed = (limiter: RateLimiter) => {
      let n = 0;
      while (limiter.take('u', 'heavyRead').ok) n++;
      return n;
    };
    const clock = () => 0;
    expect(allowed(new RateLimiter({ scale: 10, processes: 2, now: clock }))).toBe(
      (RATE_LIMITS.heavyRead.burst * 10) / 2,
    );
    expect(allowed(new RateLimiter({ scale: 0, now: clock }))).toBe(RATE_LIMITS.heavyRead.burst);
    expect(allowed(new RateLimiter({ scale: -3, now: clock }))).toBe(RATE_LIMITS.heavyRead.burst);
  });
});

for (const target of targets) {
  describe(`request bounds over HTTP on ${target.dialect}`, () => {
    let conn: Connection;
    let server: Server;
    let base: string;
    const clock = NOW.getTime();
    let limiterClock = 0;
    const limits = {
      cheapRead: { burst: 5, perMinute: 60 },
      heavyRead: { burst: 2, perMinute: 6 },
      write: { burst: 5, perMinute: 60 },
      export: { burst: 1, perMinute: 1 },
    };
    const WEEK = { from: '2026-03-09', to: '2026-03-15' };

    beforeAll(async () => {
      conn = await openTestDb(target);
      await buildFixture(conn.db);
      server = createServer({
        conn,
        webDistDir: null,
        log: quiet,
        now: () => new Date(clock),
        rateLimiter: new RateLimiter({ limits, now: () => limiterClock }),
      });
      base = await listen(server);
    });
    afterAll(async () => {
      await stop(server);
      await conn?.close();
    });

    const signIn = async (email: string) => {
      const res = await fetch(`${base}/trpc/auth.signIn`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email, password: PASSWORD }),
      });
      expect(res.status).toBe(200);
      return res.headers.get('set-cookie')!.split(';')[0]!;
    };
    const call = (path: string, cookie: string, input: unknown = undefined) =>
      fetch(
        `${base}/trpc/${path}${input === undefined ? '' : `?input=${encodeURIComponent(JSON.stringify(input))}`}`,
        { headers: { cookie } },
      );
    const auditCount = async () =>
      Number(
        (
          await conn.db
            .selectFrom('audit_event')
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );

    it(`refuses a batch of more than ${MAX_BATCH_CALLS} calls whole, with a clear error`, async () => {
      const cookie = await signIn(emails.slp);
      const batch = (n: number) =>
        fetch(
          `${base}/trpc/${Array.from({ length: n }, () => 'auth.me').join(',')}?batch=1&input=${encodeURIComponent(
            JSON.stringify({}),
          )}`,
          { headers: { cookie } },
        );
      const over = await batch(MAX_BATCH_CALLS + 1);
      expect(over.status).toBe(400);
      expect((await json(over)).error.message).toBe(
        `Too many calls in one batch: ${MAX_BATCH_CALLS + 1} (at most ${MAX_BATCH_CALLS}).`,
      );
      const atCap = await batch(MAX_BATCH_CALLS);
      expect(atCap.status).toBe(200);
      expect(await json(atCap)).toHaveLength(MAX_BATCH_CALLS);
    });

    it('answers TOO_MANY_REQUESTS with Retry-After once a user’s heavy reads run out; per user and class; nothing audited', async () => {
      limiterClock += 3_600_000; // every bucket full
      const coordinator = await signIn(emails.coordinator);
      for (let i = 0; i < limits.heavyRead.burst; i++)
        expect((await call('caseload.list', coordinator)).status).toBe(200);
      const before = await auditCount();
      const refused = await call('caseload.list', coordinator);
      expect(refused.status).toBe(429);
      expect(refused.headers.get('retry-after')).toBe('10'); // 6 a minute: one every 10 s
      const body = await json(refused);
      expect(body.error.data).toMatchObject({ code: 'TOO_MANY_REQUESTS', retryAfterSeconds: 10 });
      expect(body.error.message).toBe('Too many requests: try again in 10 s.');
      expect(await auditCount()).toBe(before);
      // Other classes of the same user, and the same class of another user, are unaffected.
      expect((await call('reports.periods', coordinator)).status).toBe(200);
      const admin = await signIn(emails.admin);
      expect((await call('caseload.list', admin)).status).toBe(200);
      // The caseload is a cheap read for a teacher (one class's students).
      const teacher = await signIn(emails.teacher);
      for (let i = 0; i < limits.heavyRead.burst + 1; i++)
        expect((await call('caseload.list', teacher)).status).toBe(200);
      // A token comes back after Retry-After.
      limiterClock += 10_000;
      expect((await call('caseload.list', coordinator)).status).toBe(200);
      expect((await call('caseload.list', coordinator)).status).toBe(429);
      // Exports have their own, smaller bucket.
      const slp = await signIn(emails.slp);
      expect((await call('fidelity.csv', slp, WEEK)).status).toBe(200);
      const second = await call('fidelity.csv', slp, WEEK);
      expect(second.status).toBe(429);
      expect(second.headers.get('retry-after')).toBe('60');
    });

    it('refuses 0.8 MB of nested arrays to auth.signIn at once, by its size, before parsing (413)', async () => {
      const attempts = async () =>
        (await conn.db.selectFrom('login_attempt').select('id').execute()).length;
      const before = await attempts();
      const body = nestedArrays(400_000);
      const res = await fetch(`${base}/trpc/auth.signIn`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      expect(res.status).toBe(413);
      expect((await json(res)).error.message).toBe(
        'The request body is too large (at most 1024 bytes for this call).',
      );
      // Without a Content-Length, reading stops at the limit.
      const chunked = await rawRequest(base, '/trpc/auth.signIn', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
        chunks: Array.from({ length: 8 }, () => '['.repeat(512)),
      });
      expect(chunked.status).toBe(413);
      expect(await attempts()).toBe(before);
      // An honest sign-in still fits.
      await signIn(emails.slp);
    });

    it(`refuses JSON nested deeper than ${MAX_JSON_DEPTH} levels before parsing (400), in a body or a URL`, async () => {
      const tooDeep = nestedArrays(MAX_JSON_DEPTH + 1);
      const message = `The request's JSON is nested too deeply (at most ${MAX_JSON_DEPTH} levels).`;
      const signInBody = `{"email":${tooDeep},"password":"x"}`;
      expect(signInBody.length).toBeLessThan(1024);
      const res = await fetch(`${base}/trpc/auth.signIn`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: signInBody,
      });
      expect(res.status).toBe(400);
      expect((await json(res)).error.message).toBe(message);
      const cookie = await signIn(emails.slp);
      // 200 kB of nesting to a signed-in query: under the body limit, over the depth.
      const post = await fetch(`${base}/trpc/caseload.list?batch=1`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', cookie },
        body: `{"0":${nestedArrays(100_000)}}`,
      });
      expect(post.status).toBe(400);
      expect((await json(post)).error.message).toBe(message);
      const inUrl = await call(
        'caseload.list',
        cookie,
        JSON.parse(nestedArrays(MAX_JSON_DEPTH + 1)),
      );
      expect(inUrl.status).toBe(400);
      // Brackets inside strings are text, not nesting.
      const text = await call('caseload.list', cookie, { search: '['.repeat(MAX_JSON_DEPTH + 1) });
      expect(text.status).toBe(200);
    });

    it('sends Permissions-Policy turning off camera, microphone, geolocation and the like', async () => {
      const res = await fetch(`${base}/trpc/auth.me`);
      const policy = res.headers.get('permissions-policy');
      expect(policy).toBe(PERMISSIONS_POLICY);
      for (const feature of ['camera', 'microphone', 'geolocation', 'payment', 'usb'])
        expect(policy).toContain(`${feature}=()`);
      const page = await fetch(`${base}/`);
      expect(page.headers.get('permissions-policy')).toBe(PERMISSIONS_POLICY);
    });

    it('with PUBLIC_URL set, refuses a request for any other Host (400)', async () => {
      const pinned = createServer({
        conn,
        webDistDir: null,
        log: quiet,
        publicUrl: 'https://carryover.example.org',
      });
      const pinnedBase = await listen(pinned);
      try {
        const wrong = await rawRequest(pinnedBase, '/trpc/auth.me', {
          headers: { host: 'attacker.example' },
        });
        expect(wrong.status).toBe(400);
        expect(JSON.parse(wrong.body).error.message).toBe(
          'Unknown host: use the address Carryover is served at.',
        );
        expect((await rawRequest(pinnedBase, '/', { headers: { host: 'localhost' } })).status).toBe(
          400,
        );
        const right = await rawRequest(pinnedBase, '/trpc/auth.me', {
          headers: { host: 'Carryover.Example.org' },
        });
        expect(right.status).toBe(200);
        // Without PUBLIC_URL any Host is served, as before.
        expect(
          (await rawRequest(base, '/trpc/auth.me', { headers: { host: 'anything.example' } }))
            .status,
        ).toBe(200);
      } finally {
        await stop(pinned);
      }
    });
  });

  describe(`event-loop stalls under a hostile batch on ${target.dialect}`, () => {
    let conn: Connection;
    let server: Server;
    let base: string;
    const DOMAIN = 'stall.test';

    beforeAll(async () => {
      conn = await openTestDb(target);
      await seedDemoDistrict(conn.db, {
        students: 200,
        seed: 3,
        passwordHash: await hashPassword('carryover-demo'),
        emailDomain: DOMAIN,
      });
      // The server as deployed: default rate limits, one process.
      server = createServer({ conn, webDistDir: null, log: quiet });
      base = await listen(server);
    }, 120_000);
    afterAll(async () => {
      await stop(server);
      await conn?.close();
    });

    // The bound: one query, or one call's computing between two queries, never a request or
    // a batch. Generous for a demo district on a busy shared 2-core machine, where the
    // caseload's figures for a page (computed in one step) took up to 0.6 s under load; before
    // the per-query turn, these batches held the loop for tens of seconds.
    const STALL_BOUND_MS = 3_000;

    it(`a coordinator's 50 caseload reads and a teacher's 40 never hold the event loop ${STALL_BOUND_MS} ms`, async () => {
      const histogram = monitorEventLoopDelay({ resolution: 10 });
      const coordinator = await signInOverHttp(base, `coordinator@${DOMAIN}`);
      const teacher = await signInOverHttp(base, `teacher@${DOMAIN}`);
      // As one batch: refused whole by the cap, before any work.
      const whole = await hostileBatch(base, coordinator, 'caseload.list', 50);
      expect(whole.status).toBe(400);
      // As the cap allows: batches of 20, all at once, beside the teacher's 40.
      histogram.enable();
      const [coord, teach] = await Promise.all([
        hostileBatch(base, coordinator, 'caseload.list', 50, {}, MAX_BATCH_CALLS),
        hostileBatch(base, teacher, 'caseload.list', 40, {}, MAX_BATCH_CALLS),
      ]);
      histogram.disable();
      const longestMs = histogram.max / 1e6;
      console.log(
        `longest event-loop stall (${target.dialect}, 200 students): ${Math.round(longestMs)} ms; ` +
          `probe ${coord.longestStallMs} / ${teach.longestStallMs} ms; ` +
          `coordinator ${JSON.stringify(coord.outcomes)}, teacher ${JSON.stringify(teach.outcomes)}`,
      );
      // The coordinator's caseload is a heavy read: the rate limit refuses the rest.
      expect(coord.outcomes.ok).toBeGreaterThanOrEqual(RATE_LIMITS.heavyRead.burst);
      expect(coord.outcomes.TOO_MANY_REQUESTS).toBeGreaterThan(0);
      expect(teach.outcomes).toEqual({ ok: 40 });
      expect(longestMs).toBeLessThan(STALL_BOUND_MS);
      expect(Math.max(coord.longestStallMs, teach.longestStallMs)).toBeLessThan(STALL_BOUND_MS);
      // At most one audit event per call answered, not one per student read.
      const events = await conn.db
        .selectFrom('audit_event')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('action', '=', 'caseload.list')
        .executeTakeFirstOrThrow();
      expect(Number(events.n)).toBeGreaterThan(0);
      expect(Number(events.n)).toBeLessThanOrEqual((coord.outcomes.ok ?? 0) + 40);
    }, 400_000);
  });
}
