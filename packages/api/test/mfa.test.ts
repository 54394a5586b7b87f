import type { Connection } from '@carryover/db';
import { testTargets } from '@carryover/db/testing';
import { PASSWORD_MESSAGES } from '@carryover/domain';
import { Secret, TOTP } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appRouter, PASSWORD_STAGE_PROCEDURES, PUBLIC_PROCEDURES } from '../src/root';
import { MFA_REQUIRED_FOR_ROLE } from '../src/router/account';
import { MFA_CODE_WRONG, MFA_MAX_FAILURES } from '../src/router/auth';
import {
  A,
  B,
  buildFixture,
  callerFor,
  emails,
  NOW,
  openTestDb,
  PASSWORD,
  signIn,
} from './fixtures';

// Two-step sign-in, sessions and deactivation, against the district's default policy (admins
// and coordinators must use a second factor). Codes are made by otpauth itself, the library
// the server uses, from the secret the enrolment showed, as an authenticator app would.

const targets = await testTargets();

/** A procedure of a caller by its dotted path. */
function procedureAt(caller: unknown, path: string): (input?: unknown) => Promise<unknown> {
  let node = caller as Record<string, unknown>;
  for (const part of path.split('.')) node = node[part] as Record<string, unknown>;
  return node as unknown as (input?: unknown) => Promise<unknown>;
}

const at = (ms: number) => () => new Date(NOW.getTime() + ms);
const codeFor = (secret: string, now: Date) =>
  new TOTP({
    secret: Secret.fromBase32(secret),
    digits: 6,
    period: 30,
    algorithm: 'SHA1',
  }).generate({
    timestamp: now.getTime(),
  });

for (const target of targets) {
  describe(`two-step sign-in on ${target.dialect}`, () => {
    let conn: Connection;
    beforeAll(async () => {
      conn = await openTestDb(target);
      await buildFixture(conn.db);
      // District A takes the default policy: the fixture's opt-out removed.
      const row = await conn.db
        .selectFrom('district')
        .select('settings')
        .where('id', '=', A.district)
        .executeTakeFirstOrThrow();
      const { mfaRequiredRoles: _, ...settings } = JSON.parse(row.settings);
      await conn.db
        .updateTable('district')
        .set({ settings: JSON.stringify(settings) })
        .where('id', '=', A.district)
        .execute();
    });
    afterAll(() => conn?.close());

    /** Enrolled coordinator's secret, once the enrolment test has run. */
    let coordinatorSecret = '';

    it('holds a coordinator at enrolment after the password, until a code from the app confirms it', async () => {
      const first = await callerFor(conn);
      const step = await first.caller.auth.signIn({
        email: emails.coordinator,
        password: PASSWORD,
      });
      expect(step.next).toBe('enrol');
      expect(first.cookies.devices).toEqual([]); // no device cookie for half a sign-in
      const token = first.cookies.set[0]!.token;

      const held = await callerFor(conn, { token });
      expect(await held.caller.auth.me()).toBeNull();
      expect(await held.caller.auth.pending()).toMatchObject({
        stage: 'enrol',
        email: emails.coordinator,
      });
      // Everything but finishing sign-in answers as if signed out.
      const allowed = new Set<string>([...PUBLIC_PROCEDURES, ...PASSWORD_STAGE_PROCEDURES]);
      for (const path of Object.keys(appRouter._def.procedures).filter((p) => !allowed.has(p))) {
        const err = await procedureAt(
          held.caller,
          path,
        )({ studentId: A.students.cara }).catch((e: unknown) => e);
        expect((err as { code?: string }).code, path).toBe('UNAUTHORIZED');
      }

      const start = await held.caller.account.mfaStart();
      expect(start.qrCode).toMatch(/^data:image\/svg\+xml;base64,/);
      expect(Buffer.from(start.qrCode.split(',')[1]!, 'base64').toString()).toContain('<svg');
      expect(start.uri).toContain(`secret=${start.secret}`);
      expect(start.uri).toContain('issuer=Carryover');
      await expect(held.caller.account.mfaConfirm({ code: '000000' })).rejects.toMatchObject({
        code: 'BAD_REQUEST',
      });
      const confirmed = await held.caller.account.mfaConfirm({ code: codeFor(start.secret, NOW) });
      expect(confirmed.recoveryCodes).toHaveLength(10);
      for (const c of confirmed.recoveryCodes) expect(c).toMatch(/^[a-z0-9]{5}-[a-z0-9]{5}$/);
      // Only hashes are stored.
      const stored = await conn.db
        .selectFrom('recovery_code')
        .select('id')
        .where('user_id', '=', A.staff.coordinator)
        .execute();
      expect(stored).toHaveLength(10);
      expect(JSON.stringify(stored)).not.toContain(confirmed.recoveryCodes[0]!);

      // The held session was replaced by a full one with a new token, and a device cookie.
      expect(held.cookies.set).toHaveLength(1);
      expect(held.cookies.devices).toHaveLength(1);
      expect(await (await callerFor(conn, { token })).caller.auth.pending()).toBeNull();
      const full = await callerFor(conn, { token: held.cookies.set[0]!.token });
      expect((await full.caller.auth.me())?.email).toBe(emails.coordinator);
      expect((await full.caller.caseload.list({})).items.length).toBeGreaterThan(0);

      // The secret is never returned again: not by a new start, not by the status.
      await expect(full.caller.account.mfaStart()).rejects.toMatchObject({ code: 'CONFLICT' });
      const status = await full.caller.account.mfaStatus();
      expect(status).toEqual({ enrolled: true, required: true, recoveryCodesLeft: 10 });
      expect(JSON.stringify(status)).not.toContain(start.secret);
      // A coordinator may not turn it off.
      await expect(
        full.caller.account.mfaDisable({ currentPassword: PASSWORD }),
      ).rejects.toMatchObject({ code: 'FORBIDDEN', message: MFA_REQUIRED_FOR_ROLE });
      coordinatorSecret = start.secret;
    });

    it('asks an enrolled user for a code, and accepts each code once', async () => {
      expect(coordinatorSecret).not.toBe('');
      const later = new Date(NOW.getTime() + 5 * 60_000);
      const s1 = await callerFor(conn, { now: () => later });
      expect(
        (await s1.caller.auth.signIn({ email: emails.coordinator, password: PASSWORD })).next,
      ).toBe('mfa');
      const pending = await callerFor(conn, { token: s1.cookies.set[0]!.token, now: () => later });
      expect(await pending.caller.auth.me()).toBeNull();
      await expect(pending.caller.caseload.list({})).rejects.toMatchObject({
        code: 'UNAUTHORIZED',
      });
      await expect(pending.caller.auth.verifyMfa({ code: '000000' })).rejects.toMatchObject({
        code: 'BAD_REQUEST',
        message: MFA_CODE_WRONG,
      });
      const code = codeFor(coordinatorSecret, later);
      expect((await pending.caller.auth.verifyMfa({ code })).email).toBe(emails.coordinator);
      const fullToken = pending.cookies.set[0]!.token;
      expect(
        (await (await callerFor(conn, { token: fullToken, now: () => later })).caller.auth.me())
          ?.role,
      ).toBe('coordinator');

      // The same code again (a replay within its 30 s) is refused.
      const s2 = await callerFor(conn, { now: () => later });
      await s2.caller.auth.signIn({ email: emails.coordinator, password: PASSWORD });
      const replay = await callerFor(conn, { token: s2.cookies.set[0]!.token, now: () => later });
      await expect(replay.caller.auth.verifyMfa({ code })).rejects.toMatchObject({
        code: 'BAD_REQUEST',
      });
    });

    it('spends a recovery code once, and ends the pending session after too many wrong codes', async () => {
      // The teacher (optional for the role) enrols on the Account page and keeps the codes.
      const token = await signIn(conn, emails.teacher);
      const teacher = await callerFor(conn, { token });
      const start = await teacher.caller.account.mfaStart();
      const { recoveryCodes } = await teacher.caller.account.mfaConfirm({
        code: codeFor(start.secret, NOW),
      });
      const later = new Date(NOW.getTime() + 10 * 60_000);
      const pendingFor = async () => {
        const s = await callerFor(conn, { now: () => later });
        expect(
          (await s.caller.auth.signIn({ email: emails.teacher, password: PASSWORD })).next,
        ).toBe('mfa');
        const pendingToken = s.cookies.set[0]!.token;
        return {
          ...(await callerFor(conn, { token: pendingToken, now: () => later })),
          pendingToken,
        };
      };
      const first = await pendingFor();
      // Typed with spaces and capitals, as people do.
      const typed = ` ${recoveryCodes[0]!.toUpperCase().replace('-', ' ')} `;
      expect((await first.caller.auth.verifyMfa({ code: typed })).email).toBe(emails.teacher);
      const again = await pendingFor();
      await expect(again.caller.auth.verifyMfa({ code: recoveryCodes[0]! })).rejects.toMatchObject({
        code: 'BAD_REQUEST',
      });
      expect(
        (await (await callerFor(conn, { token, now: () => later })).caller.account.mfaStatus())
          .recoveryCodesLeft,
      ).toBe(9);

      // Wrong codes: after MFA_MAX_FAILURES the pending session is ended.
      const guesser = await pendingFor();
      for (let i = 0; i < MFA_MAX_FAILURES - 1; i++)
        await expect(guesser.caller.auth.verifyMfa({ code: '000000' })).rejects.toMatchObject({
          code: 'BAD_REQUEST',
        });
      await expect(guesser.caller.auth.verifyMfa({ code: '000000' })).rejects.toMatchObject({
        code: 'TOO_MANY_REQUESTS',
      });
      // The next request with that cookie finds no session.
      const after = await callerFor(conn, { token: guesser.pendingToken, now: () => later });
      await expect(
        after.caller.auth.verifyMfa({ code: codeFor(start.secret, later) }),
      ).rejects.toMatchObject({
        code: 'UNAUTHORIZED',
      });
      // An optional user may turn it off again with the password.
      await conn.db.deleteFrom('login_attempt').execute();
      await (await callerFor(conn, { token, now: () => later })).caller.account.mfaDisable({
        currentPassword: PASSWORD,
      });
      expect(
        (await (await callerFor(conn, { token, now: () => later })).caller.account.mfaStatus())
          .enrolled,
      ).toBe(false);
    });

    it("lists the user's own sessions with device and address, and ends one of them", async () => {
      await conn.db.deleteFrom('auth_session').where('user_id', '=', A.staff.slp).execute();
      const laptop = await callerFor(conn, { ip: '198.51.100.1', userAgent: 'Laptop Firefox' });
      await laptop.caller.auth.signIn({ email: emails.slp, password: PASSWORD });
      const phone = await callerFor(conn, {
        ip: '198.51.100.2',
        userAgent: 'Phone Safari',
        now: at(1000),
      });
      await phone.caller.auth.signIn({ email: emails.slp, password: PASSWORD });
      const laptopToken = laptop.cookies.set[0]!.token;
      const phoneToken = phone.cookies.set[0]!.token;
      const me = await callerFor(conn, { token: phoneToken, now: at(2000) });
      const list = await me.caller.account.sessions();
      expect(list.map((s) => [s.userAgent, s.address, s.current])).toEqual([
        ['Phone Safari', '198.51.100.2', true],
        ['Laptop Firefox', '198.51.100.1', false],
      ]);
      const laptopId = list[1]!.id;
      // Another user cannot end it: the same answer as a missing one.
      const other = await callerFor(conn, { token: await signIn(conn, emails.ot) });
      await expect(other.caller.account.endSession({ sessionId: laptopId })).rejects.toMatchObject({
        code: 'NOT_FOUND',
      });
      expect(
        await (await callerFor(conn, { token: laptopToken, now: at(2000) })).caller.auth.me(),
      ).not.toBeNull();
      await me.caller.account.endSession({ sessionId: laptopId });
      expect(
        await (await callerFor(conn, { token: laptopToken, now: at(3000) })).caller.auth.me(),
      ).toBeNull();
      expect((await me.caller.account.sessions()).map((s) => s.userAgent)).toEqual([
        'Phone Safari',
      ]);
      const audit = await conn.db
        .selectFrom('audit_event')
        .select(['action', 'outcome', 'actor_id'])
        .where('district_id', '=', A.district)
        .where('action', '=', 'account.endSession')
        .execute();
      expect(audit).toEqual(
        expect.arrayContaining([
          { action: 'account.endSession', outcome: 'ok', actor_id: A.staff.slp },
          { action: 'account.endSession', outcome: 'denied', actor_id: A.staff.ot },
        ]),
      );
    });

    it('lets an admin deactivate a user: every session ends, sign-in is refused, audited', async () => {
      const adminToken = await (async () => {
        // The admin must enrol first (default policy): do it as the Account page would.
        const s = await callerFor(conn);
        await s.caller.auth.signIn({ email: emails.admin, password: PASSWORD });
        const held = await callerFor(conn, { token: s.cookies.set[0]!.token });
        const start = await held.caller.account.mfaStart();
        await held.caller.account.mfaConfirm({ code: codeFor(start.secret, NOW) });
        return held.cookies.set[0]!.token;
      })();
      const admin = (await callerFor(conn, { token: adminToken })).caller;
      const users = await admin.admin.users();
      expect(users.find((u) => u.id === A.staff.admin)).toMatchObject({
        mfaEnrolled: true,
        active: true,
      });
      expect(JSON.stringify(users)).not.toMatch(/scrypt|totp/i);

      const otTokens = [
        await signIn(conn, emails.ot),
        await signIn(conn, emails.ot, { ip: '198.51.100.9' }),
      ];
      // Other roles are refused (and audited by roles()).
      const assistant = (await callerFor(conn, { token: await signIn(conn, emails.slpa) })).caller;
      await expect(
        assistant.admin.setUserActive({ userId: A.staff.ot, active: false }),
      ).rejects.toMatchObject({
        code: 'FORBIDDEN',
      });
      // Another district's user is not found, and nothing changes there.
      await expect(
        admin.admin.setUserActive({ userId: B.therapist, active: false }),
      ).rejects.toMatchObject({
        code: 'NOT_FOUND',
      });
      await expect(
        admin.admin.setUserActive({ userId: A.staff.admin, active: false }),
      ).rejects.toMatchObject({
        code: 'BAD_REQUEST',
      });

      await admin.admin.setUserActive({ userId: A.staff.ot, active: false });
      for (const token of otTokens)
        expect(await (await callerFor(conn, { token })).caller.auth.me()).toBeNull();
      const left = await conn.db
        .selectFrom('auth_session')
        .select('id')
        .where('user_id', '=', A.staff.ot)
        .execute();
      expect(left).toEqual([]);
      await expect(
        (await callerFor(conn, { ip: '198.51.100.77' })).caller.auth.signIn({
          email: emails.ot,
          password: PASSWORD,
        }),
      ).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
      const events = await conn.db
        .selectFrom('audit_event')
        .select(['actor_id', 'entity_id', 'outcome'])
        .where('district_id', '=', A.district)
        .where('action', '=', 'admin.setUserActive')
        .execute();
      expect(events).toContainEqual({
        actor_id: A.staff.admin,
        entity_id: A.staff.ot,
        outcome: 'ok',
      });
      expect(events).toContainEqual({
        actor_id: A.staff.admin,
        entity_id: B.therapist,
        outcome: 'denied',
      });

      await admin.admin.setUserActive({ userId: A.staff.ot, active: true });
      expect(await signIn(conn, emails.ot, { ip: '198.51.100.78' })).toMatch(/^[A-Za-z0-9_-]{43}$/);
    });
  });

  describe(`password strength on ${target.dialect}`, () => {
    let conn: Connection;
    beforeAll(async () => {
      conn = await openTestDb(target);
      await buildFixture(conn.db);
    });
    afterAll(() => conn?.close());

    it('refuses blank, invisible, repeated, sequential and context passwords with a reason, writing nothing', async () => {
      const token = await signIn(conn, emails.slp);
      const { caller } = await callerFor(conn, { token });
      const hashBefore = await conn.db
        .selectFrom('staff_user')
        .select('password_hash')
        .where('id', '=', A.staff.slp)
        .executeTakeFirstOrThrow();
      const cases: [string, string][] = [
        [' '.repeat(12), PASSWORD_MESSAGES.blank],
        ['\u200b'.repeat(12), PASSWORD_MESSAGES.invisible],
        ['\u00a0\u200b'.repeat(8), PASSWORD_MESSAGES.invisible],
        ['111111111111', PASSWORD_MESSAGES.repeated],
        ['abcabcabcabc', PASSWORD_MESSAGES.repeated],
        ['abcdefghijklm', PASSWORD_MESSAGES.sequential],
        ['carryover2026', PASSWORD_MESSAGES.context],
        ['CARRYOVER-for-me', PASSWORD_MESSAGES.context],
        ['riverside unified 1', PASSWORD_MESSAGES.context],
        ['slp-is-my-password', PASSWORD_MESSAGES.context],
        ['Password1234', PASSWORD_MESSAGES.common],
        // Full-width letters are the same password once NFKC-normalised.
        ['ｃａｒｒｙｏｖｅｒ２０２６', PASSWORD_MESSAGES.context],
        ['jennifer1985!', PASSWORD_MESSAGES.weak],
      ];
      for (const [newPassword, message] of cases) {
        const err = await caller.account
          .changePassword({ currentPassword: PASSWORD, newPassword })
          .catch((e: unknown) => e);
        expect((err as { code?: string }).code, JSON.stringify(newPassword)).toBe('BAD_REQUEST');
        expect((err as Error).message, JSON.stringify(newPassword)).toBe(message);
      }
      const hashAfter = await conn.db
        .selectFrom('staff_user')
        .select('password_hash')
        .where('id', '=', A.staff.slp)
        .executeTakeFirstOrThrow();
      expect(hashAfter).toEqual(hashBefore);
      // A good passphrase is accepted.
      expect(
        await caller.account.changePassword({
          currentPassword: PASSWORD,
          newPassword: 'tulip orbit canyon mild',
        }),
      ).toEqual({ ok: true });
    });
  });
}
