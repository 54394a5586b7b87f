import type { Connection } from '@carryover/db';
import { testTargets } from '@carryover/db/testing';
import { PASSWORD_MESSAGES } from '@carryover/domain';
import { getErrorShape, type TRPCError } from '@trpc/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyPassword } from '../src/auth/password';
import { COMMON_PASSWORD_COUNT, isCommonPassword } from '../src/data/breached';
import { appRouter } from '../src/root';
import { WRONG_CURRENT_PASSWORD } from '../src/router/account';
import {
  A,
  as,
  buildFixture,
  callerFor,
  emails,
  openTestDb,
  PASSWORD,
  signIn,
  silentLogger,
} from './fixtures';

// Point 3 of the security issue: the password policy, enforced where a password is chosen.

const targets = await testTargets();

const fieldErrorsOf = (error: unknown, path: string) =>
  getErrorShape({
    config: appRouter._def._config,
    error: error as TRPCError,
    type: 'mutation',
    path,
    input: undefined,
    ctx: { log: silentLogger } as never,
  }).data.fieldErrors;

describe('the bundled breach list', () => {
  it('holds thousands of common passwords and matches any case', () => {
    expect(COMMON_PASSWORD_COUNT()).toBeGreaterThan(5000);
    expect(isCommonPassword('password')).toBe(true);
    expect(isCommonPassword('1qaz2wsx3edc')).toBe(true);
    expect(isCommonPassword('QWERTY123456')).toBe(true);
    expect(isCommonPassword('carryover tortoise lantern 42')).toBe(false);
  });
});

for (const target of targets) {
  describe(`account.changePassword on ${target.dialect}`, () => {
    let conn: Connection;
    beforeAll(async () => {
      conn = await openTestDb(target);
      await buildFixture(conn.db);
    });
    afterAll(() => conn?.close());

    const hashOf = async (id: string) =>
      (
        await conn.db
          .selectFrom('staff_user')
          .select('password_hash')
          .where('id', '=', id)
          .executeTakeFirstOrThrow()
      ).password_hash;

    it('refuses short and breached passwords with a field error, changing nothing', async () => {
      const ot = await as(conn, emails.ot);
      const before = await hashOf(A.staff.ot);
      for (const [newPassword, message] of [
        ['eleven-char', PASSWORD_MESSAGES.tooShort],
        ['1qaz2wsx3edc', PASSWORD_MESSAGES.common],
        ['QwertyUiop123', PASSWORD_MESSAGES.common],
        [PASSWORD, PASSWORD_MESSAGES.sameAsCurrent],
      ] as const) {
        const err = await ot.account
          .changePassword({ currentPassword: PASSWORD, newPassword })
          .catch((e) => e);
        expect(err.code).toBe('BAD_REQUEST');
        expect(fieldErrorsOf(err, 'account.changePassword')).toEqual({ newPassword: [message] });
      }
      expect(await hashOf(A.staff.ot)).toBe(before);
    });

    it('refuses a wrong current password, audited as denied', async () => {
      const ot = await as(conn, emails.ot);
      const err = await ot.account
        .changePassword({
          currentPassword: 'not my password',
          newPassword: 'a brand new passphrase',
        })
        .catch((e) => e);
      expect(fieldErrorsOf(err, 'account.changePassword')).toEqual({
        currentPassword: [WRONG_CURRENT_PASSWORD],
      });
      const last = await conn.db
        .selectFrom('audit_event')
        .selectAll()
        .where('actor_id', '=', A.staff.ot)
        .orderBy('seq', 'desc')
        .executeTakeFirstOrThrow();
      expect(last).toMatchObject({ action: 'account.changePassword', outcome: 'denied' });
    });

    it('accepts 64+ characters and Unicode, and ends the user’s other sessions', async () => {
      const other = await signIn(conn, emails.slp);
      const token = await signIn(conn, emails.slp);
      const { caller } = await callerFor(conn, { token });
      const newPassword = `${'Größe zählt — 大きさ '.repeat(4)}🐢 and a tail`;
      expect([...newPassword].length).toBeGreaterThan(64);
      // Typed with a decomposed "ö": the same password once normalised.
      await caller.account.changePassword({
        currentPassword: PASSWORD,
        newPassword: newPassword.normalize('NFD'),
      });
      expect(await verifyPassword(newPassword, await hashOf(A.staff.slp))).toBe(true);
      expect(await verifyPassword(PASSWORD, await hashOf(A.staff.slp))).toBe(false);
      // This session goes on; the other one is gone.
      expect((await caller.auth.me())?.email).toBe(emails.slp);
      const stale = await callerFor(conn, { token: other });
      expect(await stale.caller.auth.me()).toBeNull();
      // And the new password signs in.
      const fresh = await callerFor(conn);
      await fresh.caller.auth.signIn({ email: emails.slp, password: newPassword });
      expect(fresh.cookies.set).toHaveLength(1);
    });
  });
}
