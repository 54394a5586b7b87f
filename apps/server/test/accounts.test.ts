import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Connection, openDatabase, postgresDatabase } from '@carryover/db';
import { TEST_POSTGRES_URL, testTargets } from '@carryover/db/testing';
import { Secret, TOTP } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseTrustProxy } from '../src/http-security';
import { createServer } from '../src/index';

// The first admin of a real deployment, end to end: the CLI's `create-admin` prints a one-time
// link; over real HTTP the link sets the admin's own password, holds the session at
// enrolment, and a code made by otpauth from the QR's secret finishes it. Then TRUST_PROXY as
// a list of proxy addresses: X-Forwarded-For believed only from them.

const serverDir = join(import.meta.dirname, '..');
const targets = await testTargets();
const quiet = { info() {}, warn() {}, error() {} };
/** Tests that start the CLI or servers and hash passwords: up to 30 s on a busy 2-core machine. */
const SLOW_TEST_TIMEOUT = 120_000;

function cli(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', ...args], {
      cwd: serverDir,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => {
      out += String(d);
    });
    child.stderr.on('data', (d) => {
      out += String(d);
    });
    child.on('exit', (code) => resolve({ code, out }));
  });
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function stop(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

// biome-ignore lint/suspicious/noExplicitAny: a response body's shape is what the assertions check.
type Json = any;

/** A browser-like client: keeps its cookies, posts JSON from the page's own origin. */
function client(base: string, headers: Record<string, string> = {}) {
  const jar = new Map<string, string>();
  const remember = (res: Response) => {
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const [name, value] = pair!.split('=') as [string, string];
      if (value) jar.set(name, value);
      else jar.delete(name);
    }
  };
  const cookie = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  const call = async (kind: 'query' | 'mutation', path: string, input?: unknown) => {
    // Queries go as POST with method override, as the web app sends them (no input in URLs).
    const res = await fetch(`${base}/trpc/${path}`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        Origin: base,
        Cookie: cookie(),
        ...(kind === 'query' ? { 'X-HTTP-Method-Override': 'GET' } : {}),
        ...headers,
      },
      body: JSON.stringify(input ?? null),
    });
    remember(res);
    return { status: res.status, body: (await res.json()) as Json };
  };
  return {
    jar,
    query: (path: string, input?: unknown) => call('query', path, input),
    mutate: (path: string, input?: unknown) => call('mutation', path, input),
  };
}

const codeFor = (secret: string, at: Date) =>
  new TOTP({ secret: Secret.fromBase32(secret), digits: 6, period: 30 }).generate({
    timestamp: at.getTime(),
  });

for (const target of targets) {
  describe(`create-admin and the setup link over HTTP on ${target.dialect}`, () => {
    let databaseUrl: string;
    let cleanup: () => Promise<void>;
    let conn: Connection;
    let server: Server;
    let base: string;
    let clock = Date.now();

    beforeAll(async () => {
      if (target.dialect === 'sqlite') {
        const dir = mkdtempSync(join(tmpdir(), 'carryover-accounts-'));
        databaseUrl = join(dir, 'accounts.sqlite');
        cleanup = async () => rmSync(dir, { recursive: true, force: true });
      } else {
        const name = `carryover_accounts_${process.pid}_${Date.now()}`;
        await postgresDatabase('create', TEST_POSTGRES_URL, name);
        const url = new URL(TEST_POSTGRES_URL);
        url.pathname = `/${name}`;
        databaseUrl = url.toString();
        cleanup = () => postgresDatabase('drop', TEST_POSTGRES_URL, name);
      }
    });
    afterAll(async () => {
      if (server) await stop(server);
      await conn?.close();
      await cleanup?.();
    });

    let link = '';
    it(
      'prints a one-time setup link, seeds nothing, and leaves no password that signs in',
      async () => {
        const run = await cli(
          [
            'create-admin',
            '--email',
            'Head@Lakeside.test',
            '--district',
            'Lakeside Unified',
            '--name',
            'Hana Head',
          ],
          { DATABASE_URL: databaseUrl, PUBLIC_URL: 'https://carryover.lakeside.test/' },
        );
        expect(run.code, run.out).toBe(0);
        const match = run.out.match(/https:\/\/carryover\.lakeside\.test\/setup#(\S+)/);
        expect(match, run.out).not.toBeNull();
        link = match![1]!;
        conn = openDatabase(databaseUrl);
        // Only the hash of the link's secret is stored; nothing of a demo district exists.
        const secret = link.split('.')[1]!;
        const tokens = await conn.db.selectFrom('setup_token').selectAll().execute();
        expect(tokens).toHaveLength(1);
        expect(JSON.stringify(tokens)).not.toContain(secret);
        expect(await conn.db.selectFrom('student').select('id').execute()).toEqual([]);
        expect(
          (await conn.db.selectFrom('district').select('name').execute()).map((d) => d.name),
        ).toEqual(['Lakeside Unified']);
        server = createServer({
          conn: conn,
          webDistDir: null,
          log: quiet,
          now: () => new Date(clock),
        });
        base = await listen(server);
        const guess = await client(base).mutate('auth.signIn', {
          email: 'head@lakeside.test',
          password: '!setup-link-pending',
        });
        expect(guess.status).toBe(401);
      },
      SLOW_TEST_TIMEOUT,
    );

    it(
      'sets the password through the link, holds the session at enrolment, and enrols with the QR secret',
      async () => {
        const browser = client(base);
        const who = await browser.query('auth.setupLink', { token: link });
        expect(who.status).toBe(200);
        expect(who.body.result.data).toEqual({
          email: 'head@lakeside.test',
          name: 'Hana Head',
          districtName: 'Lakeside Unified',
        });
        // The password policy applies here too, naming the field and why.
        const weak = await browser.mutate('auth.completeSetup', {
          token: link,
          password: 'lakeside-unified',
        });
        expect(weak.status).toBe(400);
        expect(weak.body.error.data.fieldErrors.password).toEqual([
          'Leave out the name of Carryover, your district or your email',
        ]);
        const done = await browser.mutate('auth.completeSetup', {
          token: link,
          password: 'heron lantern quarry 58',
        });
        expect(done.status).toBe(200);
        expect(done.body.result.data).toEqual({ next: 'enrol' });
        // Held at enrolment: the app's data is closed to this session.
        expect((await browser.query('admin.users')).status).toBe(401);
        expect((await browser.query('auth.me')).body.result.data).toBeNull();
        const start = await browser.mutate('account.mfaStart');
        expect(start.status).toBe(200);
        const { secret, qrCode } = start.body.result.data;
        expect(qrCode).toMatch(/^data:image\/svg\+xml;base64,/);
        const confirm = await browser.mutate('account.mfaConfirm', {
          code: codeFor(secret, new Date(clock)),
        });
        expect(confirm.status).toBe(200);
        expect(confirm.body.result.data.recoveryCodes).toHaveLength(10);
        const users = await browser.query('admin.users');
        expect(users.status).toBe(200);
        expect(users.body.result.data).toEqual([
          expect.objectContaining({
            email: 'head@lakeside.test',
            role: 'admin',
            mfaEnrolled: true,
          }),
        ]);
        // The secret never comes back.
        const status = await browser.query('account.mfaStatus');
        expect(JSON.stringify(status.body)).not.toContain(secret);
        expect((await browser.mutate('account.mfaStart')).status).toBe(409);

        // The link is spent.
        const again = await client(base).mutate('auth.completeSetup', {
          token: link,
          password: 'another good passphrase 7',
        });
        expect(again.status).toBe(400);
        expect(again.body.error.data.fieldErrors.token).toEqual([
          'This setup link has expired or was already used',
        ]);

        // Signing in later takes the password, then a code of the next time step.
        clock += 60_000;
        const later = client(base);
        const step1 = await later.mutate('auth.signIn', {
          email: 'head@lakeside.test',
          password: 'heron lantern quarry 58',
        });
        expect(step1.body.result.data.next).toBe('mfa');
        expect((await later.query('admin.users')).status).toBe(401);
        const step2 = await later.mutate('auth.verifyMfa', {
          code: codeFor(secret, new Date(clock)),
        });
        expect(step2.status).toBe(200);
        expect((await later.query('admin.users')).status).toBe(200);
      },
      SLOW_TEST_TIMEOUT,
    );

    it(
      'expires an unused link after 24 hours',
      async () => {
        const run = await cli(
          ['create-admin', '--email', 'head@lakeside.test', '--district', 'Lakeside Unified'],
          {
            DATABASE_URL: databaseUrl,
          },
        );
        expect(run.code, run.out).toBe(0);
        const fresh = run.out.match(/\/setup#(\S+)/)![1]!;
        const saved = clock;
        clock = Date.now() + 24 * 3_600_000 + 60_000;
        try {
          const res = await client(base).query('auth.setupLink', { token: fresh });
          expect(res.status).toBe(404);
        } finally {
          clock = saved;
        }
        expect((await client(base).query('auth.setupLink', { token: fresh })).status).toBe(200);
      },
      SLOW_TEST_TIMEOUT,
    );
  });
}

describe('TRUST_PROXY as proxy addresses', () => {
  it('parses addresses and CIDR ranges, keeps 1, and names a bad entry', () => {
    expect(parseTrustProxy(undefined)).toEqual({ kind: 'none' });
    expect(parseTrustProxy('1')).toEqual({ kind: 'any' });
    const list = parseTrustProxy('10.0.0.0/8, 192.168.1.5 ,::1');
    expect(list.kind).toBe('list');
    if (list.kind !== 'list') return;
    expect(list.list.check('10.20.30.40', 'ipv4')).toBe(true);
    expect(list.list.check('11.0.0.1', 'ipv4')).toBe(false);
    expect(list.list.check('192.168.1.5', 'ipv4')).toBe(true);
    expect(list.list.check('::1', 'ipv6')).toBe(true);
    expect(() => parseTrustProxy('10.0.0.0/33')).toThrow(/bad prefix/);
    expect(() => parseTrustProxy('proxy.local')).toThrow(/not an address/);
  });

  const sqlite = targets.find((t) => t.dialect === 'sqlite')!;
  it(
    'reads X-Forwarded-For only from a listed proxy, right to left past the proxies',
    async () => {
      const { buildFixture, emails, PASSWORD } = await import('@carryover/api/testing');
      const conn = await sqlite.open();
      await buildFixture(conn.db);
      const addressSeen = async (trustProxy: string, forwardedFor: string) => {
        const server = createServer({ conn, webDistDir: null, log: quiet, trustProxy });
        const base = await listen(server);
        try {
          const browser = client(base, { 'X-Forwarded-For': forwardedFor });
          expect(
            (await browser.mutate('auth.signIn', { email: emails.slp, password: PASSWORD })).status,
          ).toBe(200);
          const sessions = await browser.query('account.sessions');
          return sessions.body.result.data.find((s: { current: boolean }) => s.current)
            .address as string;
        } finally {
          await stop(server);
        }
      };
      try {
        // The test's requests come from 127.0.0.1, here the proxy; the client's forged left-most
        // entry is ignored: the right-most address no trusted proxy added is the client.
        expect(
          await addressSeen('127.0.0.1/32, 10.0.0.0/8', '1.2.3.4, 198.51.100.9, 10.1.1.1'),
        ).toBe('198.51.100.9');
        // A peer that is not a listed proxy: its header is ignored.
        expect(await addressSeen('10.0.0.0/8', '198.51.100.9')).toMatch(/127\.0\.0\.1$/);
        // `1` still trusts the peer, whoever it is, and takes the last hop.
        expect(await addressSeen('1', '1.2.3.4, 198.51.100.10')).toBe('198.51.100.10');
      } finally {
        await conn.close();
      }
    },
    SLOW_TEST_TIMEOUT,
  );
});
