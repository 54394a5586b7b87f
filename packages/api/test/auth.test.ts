import { createHash } from 'node:crypto';
import { type Connection, recordLoginAttempt } from '@carryover/db';
import { testTargets } from '@carryover/db/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { dummyPasswordHash, hashPassword, scryptRuns, verifyPassword } from '../src/auth/password';
import { SESSION_ABSOLUTE_MS, SESSION_IDLE_MS } from '../src/auth/session';
import { SIGN_IN_THROTTLE } from '../src/auth/throttle';
import { SIGN_IN_FAILED } from '../src/router/auth';
import { buildFixture, callerFor, emails, NOW, openTestDb, PASSWORD, signIn } from './fixtures';

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
      expect(await caller.auth.signOut()).toEqual({ ok: true });
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

    it(`throttles after ${SIGN_IN_THROTTLE.maxFailuresPerAccount} failures on an account`, async () => {
      const attempt = async (password: string, ip: string, now = at(0)) => {
        const { caller } = await callerFor(conn, { ip, now });
        return caller.auth.signIn({ email: emails.coordinator, password }).then(
          () => 'ok',
          (e) => e.code as string,
        );
      };
      for (let i = 0; i < SIGN_IN_THROTTLE.maxFailuresPerAccount; i++) {
        // Different addresses: the account limit alone applies.
        expect(await attempt('wrong', `198.51.100.${i}`)).toBe('UNAUTHORIZED');
      }
      expect(await attempt('wrong', '198.51.100.99')).toBe('TOO_MANY_REQUESTS');
      // Even the right password is refused while throttled.
      expect(await attempt(PASSWORD, '198.51.100.99')).toBe('TOO_MANY_REQUESTS');
      // Once the window has passed, the right password works.
      const later = at(SIGN_IN_THROTTLE.windowMinutes * 60_000 + 1000);
      expect(await attempt(PASSWORD, '198.51.100.99', later)).toBe('ok');
    });

    it(`throttles an address after ${SIGN_IN_THROTTLE.maxFailuresPerAddress} failures`, async () => {
      const ip = '192.0.2.44';
      // All but the last failure are stored as a failed sign-in stores them (each real attempt
      // costs a full scrypt, which made this test crawl on a busy machine); the last goes
      // through sign-in itself and is still allowed.
      for (let i = 1; i < SIGN_IN_THROTTLE.maxFailuresPerAddress; i++) {
        await recordLoginAttempt(conn.db, `address:${ip}`, NOW.toISOString());
      }
      {
        const { caller } = await callerFor(conn, { ip });
        await expect(
          caller.auth.signIn({ email: 'guess@a.test', password: 'x' }),
        ).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
      }
      const { caller } = await callerFor(conn, { ip });
      await expect(
        caller.auth.signIn({ email: emails.admin, password: PASSWORD }),
      ).rejects.toMatchObject({ code: 'TOO_MANY_REQUESTS' });
      // Another address is not affected.
      const other = await callerFor(conn, { ip: '192.0.2.45' });
      expect(
        (await other.caller.auth.signIn({ email: emails.admin, password: PASSWORD })).role,
      ).toBe('admin');
    });
  });
}
