import type { Connection } from '@carryover/db';
import { testTargets } from '@carryover/db/testing';
import { TRPCError } from '@trpc/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appRouter, PUBLIC_PROCEDURES } from '../src/root';
import { createCallerFactory, createContextInner, createTRPCRouter, roles } from '../src/trpc';
import { A, as, buildFixture, callerFor, emails, NOW, openTestDb, signIn } from './fixtures';

// Walks the real router: any procedure not on the public allow-list must refuse a caller
// without a session, so a new procedure cannot be added without protection by accident.

const [target] = await testTargets();
if (!target) throw new Error('no test database');

type AnyCaller = Record<string, unknown>;

function procedureAt(caller: AnyCaller, path: string): (input?: unknown) => Promise<unknown> {
  let node: unknown = caller;
  for (const part of path.split('.')) node = (node as AnyCaller)[part];
  return node as (input?: unknown) => Promise<unknown>;
}

describe('every procedure', () => {
  let conn: Connection;
  beforeAll(async () => {
    conn = await openTestDb(target);
    await buildFixture(conn.db);
  });
  afterAll(() => conn?.close());

  const paths = Object.keys(appRouter._def.procedures);

  it('is found by walking the router', () => {
    expect(paths).toEqual(
      expect.arrayContaining([
        'auth.signIn',
        'auth.signOut',
        'auth.me',
        'caseload.list',
        'student.get',
      ]),
    );
    for (const p of PUBLIC_PROCEDURES) expect(paths).toContain(p);
  });

  const guarded = paths.filter((p) => !(PUBLIC_PROCEDURES as readonly string[]).includes(p));

  it.each(guarded)('%s answers UNAUTHORIZED without a session', async (path) => {
    const { caller } = await callerFor(conn);
    // Inputs that would be valid, invalid and absent: the session check comes first.
    for (const input of [undefined, {}, { studentId: A.students.ava }]) {
      const err = await procedureAt(caller as unknown as AnyCaller, path)(input).catch((e) => e);
      expect(err).toBeInstanceOf(TRPCError);
      expect((err as TRPCError).code).toBe('UNAUTHORIZED');
    }
  });

  it('answers UNAUTHORIZED for a token that is not a session', async () => {
    const { caller } = await callerFor(conn, { token: 'x'.repeat(43) });
    await expect(caller.caseload.list()).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
  });

  it('roles() refuses other roles with FORBIDDEN and audits the refusal', async () => {
    const router = createTRPCRouter({
      adminOnly: roles('admin').query(() => 'secret'),
    });
    const make = async (email: string) =>
      createCallerFactory(router)(
        await createContextInner({
          db: conn.db,
          dialect: conn.dialect,
          sessionToken: await signIn(conn, email),
          now: () => NOW,
        }),
      );
    expect(await (await make(emails.admin)).adminOnly()).toBe('secret');
    await expect((await make(emails.slp)).adminOnly()).rejects.toMatchObject({ code: 'FORBIDDEN' });
    const denied = await conn.db
      .selectFrom('audit_event')
      .selectAll()
      .where('actor_id', '=', A.staff.slp)
      .where('outcome', '=', 'denied')
      .execute();
    expect(denied.map((e) => e.action)).toContain('adminOnly');
  });

  it('still works for a signed-in caller (sanity)', async () => {
    const caller = await as(conn, emails.slp);
    expect((await caller.auth.me())?.email).toBe(emails.slp);
  });
});
