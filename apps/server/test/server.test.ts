import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { type Logger, SIGN_IN_FAILED, SIGN_IN_THROTTLE } from '@carryover/api';
import {
  A,
  B,
  buildFixture,
  emails,
  NOW,
  openTestDb,
  PASSWORD,
  studentNames,
} from '@carryover/api/testing';
import type { Connection, DB } from '@carryover/db';
import { testTargets } from '@carryover/db/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY, createServer } from '../src/index';
import { sessionCookieOf } from './support/http';

// The real HTTP server on a random port, spoken to with fetch, against every database.

const targets = await testTargets();

class CapturingLogger implements Logger {
  lines: string[] = [];
  info(line: string) {
    this.lines.push(line);
  }
  warn(line: string) {
    this.lines.push(line);
  }
  error(line: string, err?: unknown) {
    this.lines.push(err === undefined ? line : `${line} ${String(err)}`);
  }
}

function makeWebDist(): { root: string; dist: string } {
  const root = mkdtempSync(join(tmpdir(), 'carryover-web-'));
  const dist = join(root, 'dist');
  mkdirSync(join(dist, 'assets'), { recursive: true });
  writeFileSync(
    join(dist, 'index.html'),
    '<!doctype html><title>Carryover</title><div id="root"></div>',
  );
  writeFileSync(join(dist, 'assets', 'index-abc123.js'), 'console.log("app")');
  writeFileSync(
    join(dist, 'assets', 'big-def456.js'),
    Array.from({ length: 800 }, (_, i) => `export const line${i} = "carryover";\n`).join(''),
  );
  writeFileSync(join(dist, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  writeFileSync(join(root, 'secret.txt'), 'outside the web root');
  return { root, dist };
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function stop(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/** A raw GET, for paths fetch would normalise (`..`). */
function rawGet(base: string, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${base}${path}`, { method: 'GET' }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

/** A raw GET with the given headers: the body's bytes as sent (fetch would decompress them). */
function rawFetch(
  base: string,
  path: string,
  headers: Record<string, string>,
): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${base}${path}`, { method: 'GET', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

// biome-ignore lint/suspicious/noExplicitAny: a response body's shape is what the assertions check.
type Json = any;
const json = (res: Response): Promise<Json> => res.json();

const cookieOf = sessionCookieOf;

for (const target of targets) {
  describe(`HTTP server on ${target.dialect}`, () => {
    let conn: Connection;
    let server: Server;
    let base: string;
    let web: { root: string; dist: string };
    const log = new CapturingLogger();
    let clock = NOW.getTime();
    /** Every URL a test fetched, to check for names. */
    const urls: string[] = [];

    const get = (path: string, init: RequestInit = {}) => {
      urls.push(path);
      return fetch(`${base}${path}`, init);
    };
    const post = (path: string, body: unknown, headers: Record<string, string> = {}) => {
      urls.push(path);
      return fetch(`${base}${path}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Origin: base, ...headers },
        body: JSON.stringify(body),
      });
    };
    const query = (path: string, input: unknown, cookie?: string) =>
      get(
        `/trpc/${path}${input === undefined ? '' : `?input=${encodeURIComponent(JSON.stringify(input))}`}`,
        {
          headers: cookie ? { Cookie: cookie } : {},
        },
      );
    const signIn = async (email: string, password = PASSWORD) => {
      const res = await post('/trpc/auth.signIn', { email, password });
      expect(res.status).toBe(200);
      return cookieOf(res)!;
    };

    beforeAll(async () => {
      conn = await openTestDb(target);
      await buildFixture(conn.db);
      web = makeWebDist();
      server = createServer({ conn, webDistDir: web.dist, log, now: () => new Date(clock) });
      base = await listen(server);
    });
    afterAll(async () => {
      await stop(server);
      await conn?.close();
      rmSync(web.root, { recursive: true, force: true });
    });
    beforeEach(async () => {
      clock = NOW.getTime();
      await conn.db.deleteFrom('login_attempt').execute();
    });

    it('sends the security headers on pages, assets, the API and refusals', async () => {
      const responses = [
        await get('/'),
        await get(`/students/${A.students.ava}`),
        await get('/assets/index-abc123.js'),
        await get('/favicon.svg'),
        await get('/missing.png'),
        await get('/trpc/auth.me'),
        await get('/trpc/no.such.procedure'),
        await fetch(`${base}/trpc/auth.signOut`, { method: 'POST', body: 'x' }),
      ];
      for (const res of responses) {
        expect(res.headers.get('content-security-policy'), res.url).toBe(CONTENT_SECURITY_POLICY);
        expect(res.headers.get('x-content-type-options')).toBe('nosniff');
        expect(res.headers.get('referrer-policy')).toBe('no-referrer');
        expect(res.headers.get('x-frame-options')).toBe('DENY');
        await res.arrayBuffer();
      }
      expect(CONTENT_SECURITY_POLICY).toBe(
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
      );
    });

    it('serves the build: SPA fallback, long-cached assets, no-store API, 404s', async () => {
      const page = await get('/caseload');
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<div id="root">');
      expect(page.headers.get('cache-control')).toBe('no-cache');

      const asset = await get('/assets/index-abc123.js');
      expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(asset.headers.get('content-type')).toContain('text/javascript');
      await asset.text();

      const api = await get('/trpc/auth.me');
      expect(api.headers.get('cache-control')).toBe('no-store');
      expect(await json(api)).toEqual({ result: { data: null } });

      expect((await get('/missing.js')).status).toBe(404);
      expect((await get('/.env')).status).toBe(404);
      expect(await rawGet(base, '/%2e%2e/secret.txt')).toBe(404);
      expect(await rawGet(base, '/../secret.txt')).toBe(404);
      expect((await fetch(`${base}/`, { method: 'DELETE' })).status).toBe(405);
    });

    it('compresses larger API answers and assets as the browser accepts (brotli, gzip), small ones not', async () => {
      const cookie = await signIn(emails.slp);
      // A student's page: every goal's points and lines, well over the 1 kB threshold.
      const input = JSON.stringify({ studentId: A.students.ava });
      const path = `/trpc/student.get?input=${encodeURIComponent(input)}`;
      const plain = await rawFetch(base, path, { Cookie: cookie });
      expect(plain.status).toBe(200);
      expect(plain.headers['content-encoding']).toBeUndefined();
      expect(plain.body.length).toBeGreaterThan(1024);
      const data = JSON.parse(plain.body.toString('utf8')).result.data;

      const br = await rawFetch(base, path, { Cookie: cookie, 'Accept-Encoding': 'gzip, br' });
      expect(br.headers['content-encoding']).toBe('br');
      expect(br.headers.vary).toContain('Accept-Encoding');
      expect(br.body.length).toBeLessThan(plain.body.length * 0.75);
      expect(JSON.parse(brotliDecompressSync(br.body).toString('utf8')).result.data).toEqual(data);
      const gz = await rawFetch(base, path, { Cookie: cookie, 'Accept-Encoding': 'gzip' });
      expect(gz.headers['content-encoding']).toBe('gzip');
      expect(JSON.parse(gunzipSync(gz.body).toString('utf8')).result.data).toEqual(data);

      const asset = await rawFetch(base, '/assets/big-def456.js', { 'Accept-Encoding': 'gzip' });
      expect(asset.headers['content-encoding']).toBe('gzip');
      expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      expect(gunzipSync(asset.body).toString('utf8')).toContain('export const line799');
      // Under 1 kB, compressing costs more than it saves.
      const small = await rawFetch(base, '/assets/index-abc123.js', { 'Accept-Encoding': 'gzip' });
      expect(small.headers['content-encoding']).toBeUndefined();
      expect(small.body.toString('utf8')).toBe('console.log("app")');
    });

    it('says to run the build when there is none', async () => {
      const bare = createServer({ conn, webDistDir: join(web.root, 'nope'), log });
      const bareBase = await listen(bare);
      try {
        const res = await fetch(`${bareBase}/`);
        expect(await res.text()).toContain('pnpm build');
        expect(res.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
      } finally {
        await stop(bare);
      }
    });

    it('sets an HttpOnly, SameSite=Lax session cookie', async () => {
      const res = await post('/trpc/auth.signIn', { email: emails.slp, password: PASSWORD });
      expect(res.status).toBe(200);
      const [cookie] = res.headers.getSetCookie();
      expect(cookie).toMatch(/^carryover_session=[A-Za-z0-9_-]{43}; /);
      expect(cookie).toContain('HttpOnly');
      expect(cookie).toContain('SameSite=Lax');
      expect(cookie).toContain('Path=/');
      expect(cookie).not.toContain('Secure');
      expect(cookie).not.toContain('Domain');
      const body = await json(res);
      expect(body.result.data.email).toBe(emails.slp);
    });

    it('uses a Secure __Host- cookie behind a trusted https proxy, and only then', async () => {
      const proxied = createServer({
        conn,
        webDistDir: null,
        log,
        trustProxy: true,
        now: () => NOW,
      });
      const proxiedBase = await listen(proxied);
      try {
        const signInVia = (url: string, origin: string) =>
          fetch(`${url}/trpc/auth.signIn`, {
            method: 'POST',
            headers: {
              'Content-Type': 'application/json',
              'X-Forwarded-Proto': 'https',
              Origin: origin,
            },
            body: JSON.stringify({ email: emails.ot, password: PASSWORD }),
          });
        const host = proxiedBase.replace('http://', '');
        const res = await signInVia(proxiedBase, `https://${host}`);
        expect(res.status).toBe(200);
        const cookie = res.headers.getSetCookie()[0]!;
        expect(cookie).toMatch(/^__Host-carryover_session=/);
        expect(cookie).toContain('Secure');
        expect(res.headers.get('strict-transport-security')).toBeTruthy();
        // The plain-http cookie name is not accepted over https.
        const token = cookie.split(';')[0]!.split('=')[1]!;
        const me = await fetch(`${proxiedBase}/trpc/auth.me`, {
          headers: { 'X-Forwarded-Proto': 'https', Cookie: `carryover_session=${token}` },
        });
        expect((await json(me)).result.data).toBeNull();
        const meSecure = await fetch(`${proxiedBase}/trpc/auth.me`, {
          headers: { 'X-Forwarded-Proto': 'https', Cookie: `__Host-carryover_session=${token}` },
        });
        expect((await json(meSecure)).result.data.email).toBe(emails.ot);
      } finally {
        await stop(proxied);
      }
      // Without TRUST_PROXY the header is ignored.
      const res = await post(
        '/trpc/auth.signIn',
        { email: emails.ot, password: PASSWORD },
        {
          'X-Forwarded-Proto': 'https',
        },
      );
      expect(res.headers.getSetCookie()[0]).toMatch(/^carryover_session=/);
    });

    it('signing out clears the cookie and the old token stops working', async () => {
      const cookie = await signIn(emails.teacher);
      expect((await query('caseload.list', undefined, cookie)).status).toBe(200);
      const out = await post('/trpc/auth.signOut', {}, { Cookie: cookie });
      expect(out.status).toBe(200);
      expect(out.headers.getSetCookie()[0]).toMatch(/^carryover_session=; .*Max-Age=0/);
      const after = await query('caseload.list', undefined, cookie);
      expect(after.status).toBe(401);
    });

    it('expires an idle session (clock moved, not slept)', async () => {
      const cookie = await signIn(emails.coordinator);
      clock += 29 * 60_000;
      expect((await query('caseload.list', undefined, cookie)).status).toBe(200);
      clock += 31 * 60_000;
      const res = await query('caseload.list', undefined, cookie);
      expect(res.status).toBe(401);
      expect((await json(res)).error.data.code).toBe('UNAUTHORIZED');
    });

    it('refuses mutations that are not JSON (415) and foreign origins (403), before tRPC', async () => {
      const before = await conn.db.selectFrom('login_attempt').selectAll().execute();
      const form = await fetch(`${base}/trpc/auth.signIn`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: `email=${emails.slp}&password=${PASSWORD}`,
      });
      expect(form.status).toBe(415);
      const plain = await fetch(`${base}/trpc/auth.signOut`, {
        method: 'POST',
        headers: { 'Content-Type': 'text/plain' },
        body: '{}',
      });
      expect(plain.status).toBe(415);
      const foreign = await post(
        '/trpc/auth.signIn',
        { email: emails.slp, password: PASSWORD },
        { Origin: 'https://evil.example' },
      );
      expect(foreign.status).toBe(403);
      expect(foreign.headers.getSetCookie()).toEqual([]);
      const crossSiteRead = await get('/trpc/auth.me', {
        headers: { 'Sec-Fetch-Site': 'cross-site' },
      });
      expect(crossSiteRead.status).toBe(403);
      // None of them reached the sign-in procedure.
      expect(await conn.db.selectFrom('login_attempt').selectAll().execute()).toEqual(before);
    });

    it('answers an unknown email and a wrong password identically', async () => {
      const unknown = await post('/trpc/auth.signIn', {
        email: 'nobody@a.test',
        password: PASSWORD,
      });
      const wrong = await post('/trpc/auth.signIn', { email: emails.slp, password: 'wrong' });
      const bodies = [await json(unknown), await json(wrong)];
      expect([unknown.status, wrong.status]).toEqual([401, 401]);
      expect(bodies[0].error.message).toBe(SIGN_IN_FAILED);
      expect(bodies[1].error).toEqual(bodies[0].error);
    });

    it(`throttles sign-in with HTTP 429 after ${SIGN_IN_THROTTLE.maxFailuresPerAccountAndAddress} failures`, async () => {
      for (let i = 0; i < SIGN_IN_THROTTLE.maxFailuresPerAccountAndAddress; i++) {
        expect(
          (await post('/trpc/auth.signIn', { email: emails.admin, password: 'no' })).status,
        ).toBe(401);
      }
      const res = await post('/trpc/auth.signIn', { email: emails.admin, password: PASSWORD });
      expect(res.status).toBe(429);
      expect((await json(res)).error.data.code).toBe('TOO_MANY_REQUESTS');
    });

    it('names the bad field in a 400 and writes nothing (a bad sign-in only counts toward the throttle)', async () => {
      const count = async () =>
        (await conn.db.selectFrom('audit_event').select('id').execute()).length;
      const attempts = async () =>
        (await conn.db.selectFrom('login_attempt').select('id').execute()).length;
      const cookie = await signIn(emails.slp);
      const before = await count();
      const res = await query('student.get', { studentId: '' }, cookie);
      expect(res.status).toBe(400);
      const body = await json(res);
      expect(body.error.message).toBe('Invalid input: studentId');
      expect(Object.keys(body.error.data.fieldErrors)).toEqual(['studentId']);
      const attemptsBefore = await attempts();
      const bad = await post('/trpc/auth.signIn', { email: 'not-an-email', password: 'x' });
      expect(bad.status).toBe(400);
      expect((await json(bad)).error.data.fieldErrors).toHaveProperty('email');
      expect(await count()).toBe(before);
      // One failure for the address, one for the account + address it named.
      expect(await attempts()).toBe(attemptsBefore + 2);
    });

    it('does not find students outside the caller’s scope or district', async () => {
      const cookie = await signIn(emails.ot);
      for (const studentId of [A.students.cara, B.student, 'missing']) {
        const res = await query('student.get', { studentId }, cookie);
        expect(res.status).toBe(404);
        expect((await json(res)).error.message).toBe('Student not found');
      }
    });

    it('keeps student names out of URLs and logs, and logs no query strings or secrets', async () => {
      const cookie = await signIn(emails.admin);
      const list = await query('caseload.list', undefined, cookie);
      const rows = (await json(list)).result.data.items as { studentId: string; name: string }[];
      expect(rows.length).toBe(4);
      for (const row of rows) {
        const res = await query('student.get', { studentId: row.studentId }, cookie);
        expect(res.status).toBe(200);
        expect((await json(res)).result.data.name).toBe(row.name);
      }
      // Method-override POST queries (input in the body) work too.
      const posted = await post(
        '/trpc/student.get',
        { studentId: A.students.ava },
        { Cookie: cookie },
      );
      expect(posted.status).toBe(200);

      const names = studentNames.flat().map((n) => n.toLowerCase());
      for (const url of urls) {
        for (const name of names) expect(decodeURIComponent(url).toLowerCase()).not.toContain(name);
      }
      const token = cookie.split('=')[1]!;
      const logged = log.lines.join('\n');
      expect(logged).toMatch(/GET \/trpc\/student\.get 200 \d+ms/);
      expect(logged).not.toContain('?');
      expect(logged).not.toContain(token);
      expect(logged).not.toContain(PASSWORD);
      for (const name of names) expect(logged.toLowerCase()).not.toContain(name);
    });

    it('turns an unexpected failure into an error id, with details only in the log', async () => {
      // Break one table the resolver reads, after the scope check has passed.
      const broken = conn.db.withPlugin({
        transformQuery(args) {
          const node = args.node as {
            kind: string;
            from?: { froms: { table?: { identifier?: { name: string } } }[] };
          };
          if (
            node.kind === 'SelectQueryNode' &&
            node.from?.froms[0]?.table?.identifier?.name === 'goal_phase_change'
          ) {
            throw new Error('disk I/O error at /var/lib/secret-path');
          }
          return args.node;
        },
        transformResult: async (args) => args.result,
      }) as DB;
      const brokenLog = new CapturingLogger();
      const s = createServer({
        conn: { ...conn, db: broken },
        webDistDir: null,
        log: brokenLog,
        now: () => NOW,
      });
      const url = await listen(s);
      try {
        const signedIn = await fetch(`${url}/trpc/auth.signIn`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ email: emails.slp, password: PASSWORD }),
        });
        const cookie = cookieOf(signedIn)!;
        const res = await fetch(
          `${url}/trpc/student.get?input=${encodeURIComponent(JSON.stringify({ studentId: A.students.ava }))}`,
          { headers: { Cookie: cookie } },
        );
        expect(res.status).toBe(500);
        const text = await res.text();
        expect(text).not.toContain('secret-path');
        expect(text).not.toContain('at ');
        const { error } = JSON.parse(text);
        expect(error.message).toMatch(/^Something went wrong \(error id [0-9a-f]{12}\)\.$/);
        const id = error.data.errorId as string;
        expect(brokenLog.lines.some((l) => l.includes(id) && l.includes('secret-path'))).toBe(true);
      } finally {
        await stop(s);
      }
    });
  });
}
