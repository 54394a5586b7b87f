import { createHash } from 'node:crypto';
import { type Connection, recordLoginAttempt } from '@carryover/db';
import { testTargets } from '@carryover/db/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  dummyPasswordHash,
  hashPassword,
  SCRYPT_MIN_N,
  scryptRuns,
  verifyPassword,
} from '../src/auth/password';
import { MAX_SESSIONS_PER_USER, SESSION_ABSOLUTE_MS, SESSION_IDLE_MS } from '../src/auth/session';
import { knownDeviceId } from '../src/auth/sign-in';
import { SIGN_IN_THROTTLE } from '../src/auth/throttle';
import { SIGN_IN_FAILED } from '../src/router/auth';
import {
  A,
  buildFixture,
  callerFor,
  emails,
  fixturePasswordHash,
  NOW,
  openTestDb,
  PASSWORD,
  signIn,
} from './fixtures';

describe('passwords', () => {
  it('are scrypt with N=2^15, r=8, p=1, a 32-byte salt and a 64-byte key', async () => {
    const stored = await hashPassword('hunter2');
    const [scheme, N, r, p, salt, key] = stored.split('$');
    expect([scheme, N, r, p]).toEqual(['scrypt', '32768', '8', '1']);
    expect(Buffer.from(salt!, 'base64url')).toHaveLength(32);
    expect(Buffer.from(key!, 'base64url')).toHaveLength(64);
    expect(await verifyPassword('hunter2', stored)).toBe(true);
    expect(await verifyPassword('hunter3', stored)).toBe(false);
    expect(await hashPassword('hunter2')).not.toBe(stored);
    expect(await verifyPassword('hunter2', 'plain-text')).toBe(false);
  });

  it("are checked at the cost their hash names (the fixtures' users are hashed at N=2^10)", async () => {
    const cheap = await hashPassword('hunter2', { N: SCRYPT_MIN_N });
    expect(cheap.split('$').slice(0, 4)).toEqual(['scrypt', '1024', '8', '1']);
    expect(await verifyPassword('hunter2', cheap)).toBe(true);
    expect(await verifyPassword('hunter3', cheap)).toBe(false);
    expect((await fixturePasswordHash()).split('$')[1]).toBe('1024');
    await expect(hashPassword('hunter2', { N: 2 ** 9 })).rejects.toThrow(RangeError);
    await expect(hashPassword('hunter2', { N: 3000 })).rejects.toThrow(RangeError);
    // Below the floor, a stored hash is refused whatever the password.
    expect(await verifyPassword('hunter2', cheap.replace('$1024$', '$512$'))).toBe(false);
  });
});

const targets = await testTargets();

for (const target of targets) {
  describe(`sign-in and sessions on ${target.dialect}`, () => {
    let conn: Connection;
    beforeAll(async () => {
      conn = await openTestDb(target);
      await buildFixture(conn.db);
    });
    afterAll(() => conn?.close());
    // Each test starts with a clean throttle.
    beforeEach(async () => {
      await conn.db.deleteFrom('login_attempt').execute();
    });

    const at = (ms: number) => () => new Date(NOW.getTime() + ms);

    it('refuses an unknown email and a wrong password with the same error', async () => {
      const { caller } = await callerFor(conn);
      const unknown = await caller.auth
        .signIn({ email: 'nobody@a.test', password: PASSWORD })
        .catch((e) => e);
      const wrong = await caller.auth
        .signIn({ email: emails.slp, password: 'nope' })
        .catch((e) => e);
      for (const err of [unknown, wrong]) {
        expect(err.code).toBe('UNAUTHORIZED');
        expect(err.message).toBe(SIGN_IN_FAILED);
      }
      expect(await conn.db.selectFrom('auth_session').selectAll().execute()).toHaveLength(0);
    });

    it('spends a password hash on an unknown email too (no timing oracle)', async () => {
      // Counted, not timed: both refusals must run scrypt exactly once, so an unknown email
      // cannot be told apart from a wrong password by how long the answer takes.
      const scryptRunsFor = async (email: string) => {
        const { caller } = await callerFor(conn, {
          ip: `10.0.0.${Math.floor(Math.random() * 250)}`,
        });
        await dummyPasswordHash(); // made once per process; not part of the refusal
        const before = scryptRuns.count;
        await caller.auth.signIn({ email, password: 'wrong' }).catch(() => {});
        return scryptRuns.count - before;
      };
      expect(await scryptRunsFor('nobody@a.test')).toBe(1);
      expect(await scryptRunsFor(emails.admin)).toBe(1);
    });

    it('refuses a deactivated account with the same error', async () => {
      await conn.db
        .updateTable('staff_user')
        .set({ active: 0 })
        .where('email', '=', emails.ot)
        .execute();
      try {
        const { caller } = await callerFor(conn);
        await expect(
          caller.auth.signIn({ email: emails.ot, password: PASSWORD }),
        ).rejects.toMatchObject({
          code: 'UNAUTHORIZED',
          message: SIGN_IN_FAILED,
        });
      } finally {
        await conn.db
          .updateTable('staff_user')
          .set({ active: 1 })
          .where('email', '=', emails.ot)
          .execute();
      }
    });

    it('signs in case-insensitively, stores only the token hash, and returns the viewer', async () => {
      const { caller, cookies } = await callerFor(conn);
      const viewer = await caller.auth.signIn({ email: ' SLP@A.test ', password: PASSWORD });
      expect(viewer).toEqual({
        id: 'u-slp',
        name: 'Sam Speech',
        email: emails.slp,
        role: 'therapist',
        discipline: 'SLP',
        districtId: 'dA',
        districtName: 'Riverside Unified',
        timezone: 'America/Chicago',
        next: 'app',
      });
      const token = cookies.set[0]!.token;
      expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(cookies.set[0]!.maxAgeSeconds).toBe(SESSION_ABSOLUTE_MS / 1000);
      const rows = await conn.db.selectFrom('auth_session').selectAll().execute();
      const ids = rows.map((r) => r.id);
      expect(ids).toContain(createHash('sha256').update(token).digest('hex'));
      expect(ids).not.toContain(token);
      const me = await (await callerFor(conn, { token })).caller.auth.me();
      expect(me?.email).toBe(emails.slp);
      // The browser removes its offline copy at the session's absolute expiry.
      expect(me?.sessionExpiresAt).toBe(rows[0]!.expires_at);
    });

    it('issues a fresh token at every sign-in and ends the previous session', async () => {
      const first = await signIn(conn, emails.slp);
      const { caller, cookies } = await callerFor(conn, { token: first });
      await caller.auth.signIn({ email: emails.slp, password: PASSWORD });
      const second = cookies.set[0]!.token;
      expect(second).not.toBe(first);
      expect(await (await callerFor(conn, { token: first })).caller.auth.me()).toBeNull();
      expect(await (await callerFor(conn, { token: second })).caller.auth.me()).not.toBeNull();
    });

    it('signs out: the session row is gone, the cookie cleared, the token useless', async () => {
      const token = await signIn(conn, emails.teacher);
      const { caller, cookies } = await callerFor(conn, { token });
      expect(await caller.auth.signOut()).toEqual({ ok: true, providerSignOutUrl: null });
      expect(cookies.cleared).toBe(1);
      const hash = createHash('sha256').update(token).digest('hex');
      expect(
        await conn.db.selectFrom('auth_session').selectAll().where('id', '=', hash).execute(),
      ).toHaveLength(0);
      const after = await callerFor(conn, { token });
      expect(await after.caller.auth.me()).toBeNull();
      await expect(after.caller.caseload.list()).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    });

    it('expires after 30 idle minutes, and activity slides the window', async () => {
      const token = await signIn(conn, emails.slp);
      const minute = 60_000;
      // 29 minutes later: still valid, and last_seen_at moves forward.
      expect(
        await (await callerFor(conn, { token, now: at(29 * minute) })).caller.auth.me(),
      ).not.toBeNull();
      // 29 minutes after that (58 since sign-in): still valid thanks to the slide.
      expect(
        await (await callerFor(conn, { token, now: at(58 * minute) })).caller.auth.me(),
      ).not.toBeNull();
      // 30 idle minutes later: gone, and the stale cookie is cleared.
      const idle = await callerFor(conn, { token, now: at(58 * minute + SESSION_IDLE_MS) });
      expect(await idle.caller.auth.me()).toBeNull();
      expect(idle.cookies.cleared).toBe(1);
      // Gone for good, even if the clock went back.
      expect(await (await callerFor(conn, { token, now: at(0) })).caller.auth.me()).toBeNull();
    });

    it('writes last_seen_at at most once a minute', async () => {
      const token = await signIn(conn, emails.slp);
      const hash = createHash('sha256').update(token).digest('hex');
      const lastSeen = async () =>
        (
          await conn.db
            .selectFrom('auth_session')
            .select('last_seen_at')
            .where('id', '=', hash)
            .executeTakeFirstOrThrow()
        ).last_seen_at;
      await callerFor(conn, { token, now: at(30_000) });
      expect(await lastSeen()).toBe(NOW.toISOString());
      await callerFor(conn, { token, now: at(61_000) });
      expect(await lastSeen()).toBe(new Date(NOW.getTime() + 61_000).toISOString());
    });

    it('expires 12 hours after sign-in however active', async () => {
      const token = await signIn(conn, emails.slp);
      const step = 20 * 60_000;
      let t = 0;
      while (t + step < SESSION_ABSOLUTE_MS) {
        t += step;
        expect(
          await (await callerFor(conn, { token, now: at(t) })).caller.auth.me(),
        ).not.toBeNull();
      }
      expect(
        await (await callerFor(conn, { token, now: at(SESSION_ABSOLUTE_MS) })).caller.auth.me(),
      ).toBeNull();
    });

    const attemptAs = async (
      email: string,
      password: string,
      ip: string,
      options: { now?: () => Date; deviceToken?: string | null } = {},
    ) => {
      const { caller } = await callerFor(conn, {
        ip,
        now: options.now ?? at(0),
        deviceToken: options.deviceToken,
      });
      return caller.auth.signIn({ email, password }).then(
        () => 'ok',
        (e) => e.code as string,
      );
    };
    /** Failures as a failed sign-in stores them: a real attempt costs a full scrypt each. */
    const storeFailures = async (key: string, n: number) => {
      for (let i = 0; i < n; i++) await recordLoginAttempt(conn.db, key, NOW.toISOString());
    };

    it(`throttles one address guessing one account after ${SIGN_IN_THROTTLE.maxFailuresPerAccountAndAddress} failures, and no other address`, async () => {
      const ip = '198.51.100.7';
      for (let i = 0; i < SIGN_IN_THROTTLE.maxFailuresPerAccountAndAddress; i++)
        expect(await attemptAs(emails.coordinator, 'wrong', ip)).toBe('UNAUTHORIZED');
      expect(await attemptAs(emails.coordinator, 'wrong', ip)).toBe('TOO_MANY_REQUESTS');
      // Even the right password is refused from that address while throttled…
      expect(await attemptAs(emails.coordinator, PASSWORD, ip)).toBe('TOO_MANY_REQUESTS');
      // …but the owner elsewhere, and colleagues at the same address, sign in.
      expect(await attemptAs(emails.coordinator, PASSWORD, '198.51.100.8')).toBe('ok');
      expect(await attemptAs(emails.teacher, PASSWORD, ip)).toBe('ok');
      // Once the window has passed, the right password works from there too.
      const later = at(SIGN_IN_THROTTLE.windowMinutes * 60_000 + 1000);
      expect(await attemptAs(emails.coordinator, PASSWORD, ip, { now: later })).toBe('ok');
    });

    it('lets a whole school behind one NAT address sign in through many typos', async () => {
      // 150 failures from the school's address (each person mistyping once or twice)…
      const nat = '203.0.113.200';
      await storeFailures(`address:${nat}`, 150);
      // …and everyone still signs in from it.
      for (const email of [emails.slp, emails.ot, emails.teacher])
        expect(await attemptAs(email, PASSWORD, nat)).toBe('ok');
    });

    it(`throttles an address after ${SIGN_IN_THROTTLE.maxFailuresPerAddress} failures across accounts`, async () => {
      const ip = '192.0.2.44';
      await storeFailures(`address:${ip}`, SIGN_IN_THROTTLE.maxFailuresPerAddress - 1);
      expect(await attemptAs('guess@a.test', 'x', ip)).toBe('UNAUTHORIZED');
      expect(await attemptAs(emails.admin, PASSWORD, ip)).toBe('TOO_MANY_REQUESTS');
      // Another address is not affected.
      expect(await attemptAs(emails.admin, PASSWORD, '192.0.2.45')).toBe('ok');
    });

    it('a shared device signs in one account after another, each a known device of its own', async () => {
      const { caller, cookies } = await callerFor(conn, { ip: '198.51.100.40' });
      await caller.auth.signIn({ email: emails.slp, password: PASSWORD });
      const device = cookies.devices.at(-1);
      // The next user of the same browser (the cookie stays) signs in too…
      expect(await attemptAs(emails.ot, PASSWORD, '198.51.100.40', { deviceToken: device })).toBe(
        'ok',
      );
      // …and both accounts now know this device, each as its own row.
      const rows = await conn.db
        .selectFrom('known_device')
        .select('user_id')
        .where('id', 'in', [
          knownDeviceId(device!, A.staff.slp),
          knownDeviceId(device!, A.staff.ot),
        ])
        .execute();
      expect(rows.map((r) => r.user_id).sort()).toEqual([A.staff.ot, A.staff.slp].sort());
    });

    it("a device that signed in before keeps signing in through someone else's guesses", async () => {
      // The owner signs in once from their laptop, which keeps the device cookie.
      const { caller, cookies } = await callerFor(conn, { ip: '198.51.100.30' });
      await caller.auth.signIn({ email: emails.ot, password: PASSWORD });
      const device = cookies.devices.at(-1);
      expect(device).toMatch(/^[A-Za-z0-9_-]{43}$/);
      // Then guesses from many addresses exhaust the account-wide limit…
      await storeFailures(`account:${emails.ot}`, SIGN_IN_THROTTLE.maxFailuresPerAccount);
      expect(await attemptAs(emails.ot, 'wrong', '198.51.100.31')).toBe('TOO_MANY_REQUESTS');
      expect(await attemptAs(emails.ot, PASSWORD, '198.51.100.32')).toBe('TOO_MANY_REQUESTS');
      // …and from the owner's own address with no cookie, too.
      await storeFailures(`pair:${emails.ot}|198.51.100.30`, 10);
      expect(await attemptAs(emails.ot, PASSWORD, '198.51.100.30')).toBe('TOO_MANY_REQUESTS');
      // The laptop still signs in, from that address or any other.
      expect(await attemptAs(emails.ot, PASSWORD, '198.51.100.30', { deviceToken: device })).toBe(
        'ok',
      );
      expect(await attemptAs(emails.ot, PASSWORD, '198.51.100.33', { deviceToken: device })).toBe(
        'ok',
      );
      // Another account's device cookie buys nothing.
      expect(
        await attemptAs(emails.ot, PASSWORD, '198.51.100.34', { deviceToken: 'x'.repeat(43) }),
      ).toBe('TOO_MANY_REQUESTS');
      // Wrong guesses from the device itself are throttled on the device's own count.
      for (let i = 0; i < SIGN_IN_THROTTLE.maxFailuresPerKnownDevice; i++)
        expect(await attemptAs(emails.ot, 'wrong', '198.51.100.35', { deviceToken: device })).toBe(
          'UNAUTHORIZED',
        );
      expect(await attemptAs(emails.ot, PASSWORD, '198.51.100.35', { deviceToken: device })).toBe(
        'TOO_MANY_REQUESTS',
      );
    });

    it('counts a malformed sign-in request toward the throttle', async () => {
      const ip = '198.51.100.50';
      const { caller } = await callerFor(conn, { ip });
      for (let i = 0; i < SIGN_IN_THROTTLE.maxFailuresPerAccountAndAddress; i++) {
        await expect(
          caller.auth.signIn({ email: emails.slpa, password: '' }),
        ).rejects.toMatchObject({ code: 'BAD_REQUEST' });
      }
      expect(await attemptAs(emails.slpa, PASSWORD, ip)).toBe('TOO_MANY_REQUESTS');
      const rows = await conn.db
        .selectFrom('login_attempt')
        .select('key')
        .where('key', '=', `address:${ip}`)
        .execute();
      expect(rows.length).toBeGreaterThanOrEqual(SIGN_IN_THROTTLE.maxFailuresPerAccountAndAddress);
    });

    it('records failed and throttled sign-ins as audit events: account, address, outcome', async () => {
      const ip = '198.51.100.60';
      const events = () =>
        conn.db
          .selectFrom('audit_event')
          .select(['actor_id', 'action', 'entity', 'entity_id', 'outcome'])
          .where('district_id', '=', A.district)
          .where('entity', '=', 'sign_in')
          .where('entity_id', '=', ip)
          .orderBy('seq')
          .execute();
      for (let i = 0; i < SIGN_IN_THROTTLE.maxFailuresPerAccountAndAddress; i++)
        await attemptAs(emails.slp, 'wrong', ip);
      await attemptAs(emails.slp, 'wrong', ip);
      const got = await events();
      expect(got).toHaveLength(SIGN_IN_THROTTLE.maxFailuresPerAccountAndAddress + 1);
      expect(got[0]).toEqual({
        actor_id: A.staff.slp,
        action: 'auth.signIn',
        entity: 'sign_in',
        entity_id: ip,
        outcome: 'denied',
      });
      expect(got.at(-1)).toMatchObject({ action: 'auth.signIn.throttled', outcome: 'denied' });
    });

    it(`keeps at most ${MAX_SESSIONS_PER_USER} sessions per user, ending the oldest`, async () => {
      const tokens: string[] = [];
      for (let i = 0; i <= MAX_SESSIONS_PER_USER; i++)
        tokens.push(await signIn(conn, emails.teacher, { now: at(i * 1000) }));
      const rows = await conn.db
        .selectFrom('auth_session')
        .select('id')
        .where('user_id', '=', A.staff.teacher)
        .execute();
      expect(rows).toHaveLength(MAX_SESSIONS_PER_USER);
      const me = async (token: string) =>
        (await callerFor(conn, { token, now: at(20_000) })).caller.auth.me();
      expect(await me(tokens[0]!)).toBeNull();
      expect(await me(tokens.at(-1)!)).not.toBeNull();
      expect(await me(tokens[1]!)).not.toBeNull();
    });
  });
}
