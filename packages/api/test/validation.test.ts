import type { Connection } from '@carryover/db';
import { testTargets } from '@carryover/db/testing';
import { getErrorShape, TRPCError } from '@trpc/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appRouter } from '../src/root';
import { A, as, buildFixture, callerFor, emails, openTestDb, silentLogger } from './fixtures';

// Bad input is refused with the offending field named, and nothing is written.

const targets = await testTargets();

/** The shape the HTTP adapter would send for an error thrown by a call. */
function shapeOf(error: unknown, path: string) {
  return getErrorShape({
    config: appRouter._def._config,
    error: error as TRPCError,
    type: 'query',
    path,
    input: undefined,
    ctx: { log: silentLogger } as never,
  });
}

for (const target of targets) {
  describe(`input validation on ${target.dialect}`, () => {
    let conn: Connection;
    beforeAll(async () => {
      conn = await openTestDb(target);
      await buildFixture(conn.db);
    });
    afterAll(() => conn?.close());

    const count = async (table: 'audit_event' | 'login_attempt' | 'auth_session') =>
      Number(
        (
          await conn.db
            .selectFrom(table)
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );

    it('student.get with an empty id: BAD_REQUEST naming studentId, no audit row', async () => {
      const slp = await as(conn, emails.slp);
      const before = await count('audit_event');
      const err = await slp.student.get({ studentId: '' }).catch((e) => e);
      expect(err).toBeInstanceOf(TRPCError);
      expect(err.code).toBe('BAD_REQUEST');
      const shape = shapeOf(err, 'student.get');
      expect(shape.message).toBe('Invalid input: studentId');
      expect(Object.keys(shape.data.fieldErrors ?? {})).toEqual(['studentId']);
      expect(shape.data.httpStatus).toBe(400);
      expect(await count('audit_event')).toBe(before);
    });

    it('signIn with a non-email: BAD_REQUEST naming email, a throttle failure, no session', async () => {
      const { caller, cookies } = await callerFor(conn);
      const before = [await count('login_attempt'), await count('auth_session')];
      const err = await caller.auth
        .signIn({ email: 'not-an-email', password: 'x' })
        .catch((e) => e);
      expect(err.code).toBe('BAD_REQUEST');
      const shape = shapeOf(err, 'auth.signIn');
      expect(shape.message).toBe('Invalid input: email');
      expect(shape.data.fieldErrors).toEqual({ email: ['Enter an email address'] });
      // A malformed sign-in counts toward the throttle: against its address, and the name it tried
      // from that address.
      expect([await count('login_attempt'), await count('auth_session')]).toEqual([
        before[0]! + 2,
        before[1],
      ]);
      expect(cookies.set).toEqual([]);
    });

    it('caseload.list with an unknown status names the field', async () => {
      const slp = await as(conn, emails.slp);
      const err = await slp.caseload.list({ status: 'great' as never }).catch((e) => e);
      expect(shapeOf(err, 'caseload.list').data.fieldErrors).toHaveProperty('status');
    });

    it('an unexpected error reaches the client as an id only, and the log has the details', async () => {
      const cause = new Error('relation "secret_table" does not exist');
      const shape = shapeOf(
        new TRPCError({ code: 'INTERNAL_SERVER_ERROR', message: cause.message, cause }),
        'student.get',
      );
      expect(shape.message).toMatch(/^Something went wrong \(error id [0-9a-f]{12}\)\.$/);
      expect(JSON.stringify(shape)).not.toContain('secret_table');
      expect(shape.data).not.toHaveProperty('stack', expect.anything());
      const id = shape.data.errorId!;
      expect(silentLogger.lines.some((l) => l.includes(id))).toBe(true);
    });

    it('other errors keep their message', async () => {
      const teacher = await as(conn, emails.teacher);
      const err = await teacher.student.get({ studentId: A.students.cara }).catch((e) => e);
      expect(shapeOf(err, 'student.get')).toMatchObject({
        message: 'Student not found',
        data: { code: 'NOT_FOUND', httpStatus: 404, fieldErrors: null },
      });
    });
  });
}
