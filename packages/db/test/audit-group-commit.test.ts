import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connection } from '../src/client';
import {
  type AuditInput,
  recordAuditGrouped,
  recordAuditMany,
  verifyAuditChain,
} from '../src/queries/audit';
import { testTargets } from '../src/testing';

// Reads' audit events of concurrent requests share one commit; each still waits for its own
// event to be stored, the chain stays whole, and one bad event refuses only its own request.
const targets = await testTargets();

const event = (districtId: string, action: string): AuditInput => ({
  districtId,
  actorId: 'someone',
  action,
  entity: 'student',
  studentIds: ['s1', 's2'],
  outcome: 'ok',
});

for (const target of targets) {
  describe(`grouped audit appends on ${target.dialect}`, () => {
    let conn: Connection;
    const statements: string[] = [];
    beforeAll(async () => {
      conn = await target.open({
        log: (e) => {
          statements.push(e.query.sql.toLowerCase());
        },
      });
    });
    afterAll(async () => {
      await conn?.close();
    });

    const headSeq = async () =>
      Number(
        (
          await conn.db
            .selectFrom('audit_event')
            .select((eb) => eb.fn.max('seq').as('seq'))
            .where('district_id', '=', 'd1')
            .executeTakeFirstOrThrow()
        ).seq ?? 0,
      );

    /** Statements that append to the chain: Kysely's inserts, or Postgres's one-statement append. */
    const appendsIn = (list: readonly string[]) =>
      list.filter((s) => /insert into "?audit_event"? /.test(s));

    /** The actions of the events appended after `seq`, in chain order. */
    const actionsAfter = async (seq: number) =>
      (
        await conn.db
          .selectFrom('audit_event')
          .select('action')
          .where('district_id', '=', 'd1')
          .where('seq', '>', seq)
          .orderBy('seq')
          .execute()
      ).map((a) => a.action);

    it('appends the events asked for in one turn in one transaction, each awaited to its commit', async () => {
      const before = await headSeq();
      statements.length = 0;
      const calls = Array.from({ length: 25 }, (_, i) =>
        recordAuditGrouped(conn.db, event('d1', `read ${i}`)).then(async () => {
          // Resolved only once stored: the event is there when its caller goes on.
          const row = await conn.db
            .selectFrom('audit_event')
            .select('seq')
            .where('district_id', '=', 'd1')
            .where('action', '=', `read ${i}`)
            .executeTakeFirst();
          return row !== undefined;
        }),
      );
      expect(await Promise.all(calls)).toEqual(Array(25).fill(true));
      expect(appendsIn(statements)).toHaveLength(1);
      expect(await headSeq()).toBe(before + 25);
      // In the order asked.
      expect(await actionsAfter(before)).toEqual(calls.map((_, i) => `read ${i}`));
      expect(await verifyAuditChain(conn.db, 'd1')).toEqual({ ok: true, count: before + 25 });
    });

    // On Postgres an append waits on the network, turns of the event loop go by while it is out,
    // and the events asked for in those turns must queue for the next commit rather than start
    // appends of their own. (SQLite's appends finish within the turn they start in.)
    if (target.dialect === 'postgres')
      it('queues the events asked for while an append is out, for one next commit', async () => {
        const before = await headSeq();
        statements.length = 0;
        const calls: Promise<void>[] = [];
        for (let i = 0; i < 20; i++) {
          calls.push(recordAuditGrouped(conn.db, event('d1', `while out ${i}`)));
          await new Promise((resolve) => setImmediate(resolve));
        }
        await Promise.all(calls);
        const appends = appendsIn(statements);
        // One event per turn: one append each before; now the first, then a few batches.
        expect(appends.length).toBeLessThanOrEqual(5);
        expect(await headSeq()).toBe(before + 20);
        expect(await actionsAfter(before)).toEqual(calls.map((_, i) => `while out ${i}`));
        expect(await verifyAuditChain(conn.db, 'd1')).toEqual({ ok: true, count: before + 20 });
      });

    // Postgres appends outside a transaction in one statement, from the head the handle last
    // saw (queries/audit.ts); these check that a stale or vanished head never forks the chain.
    if (target.dialect === 'postgres') {
      const district = 'd-one';
      const chainOf = async () =>
        await conn.db
          .selectFrom('audit_event')
          .select(['seq', 'action'])
          .where('district_id', '=', district)
          .orderBy('seq')
          .execute();

      it('appends in one statement once the handle knows the head', async () => {
        await recordAuditGrouped(conn.db, event(district, 'first'));
        statements.length = 0;
        await recordAuditGrouped(conn.db, event(district, 'second'));
        expect(statements).toHaveLength(1);
        expect(appendsIn(statements)).toHaveLength(1);
        expect((await chainOf()).map((r) => r.action).slice(-2)).toEqual(['first', 'second']);
        expect(await verifyAuditChain(conn.db, district)).toMatchObject({ ok: true });
      });

      it('keeps one whole chain when handles append side by side from stale heads', async () => {
        // Each handle (another server process, in effect) remembers only its own appends.
        const handles = [conn.db, conn.db.withoutPlugins(), conn.db.withoutPlugins()];
        const before = (await chainOf()).length;
        const calls: Promise<void>[] = [];
        for (let round = 0; round < 15; round++) {
          for (const [h, db] of handles.entries())
            calls.push(recordAuditGrouped(db, event(district, `round ${round} handle ${h}`)));
          await new Promise((resolve) => setImmediate(resolve));
        }
        await Promise.all(calls);
        const chain = await chainOf();
        expect(chain).toHaveLength(before + 45);
        expect(new Set(chain.map((r) => r.action)).size).toBe(chain.length);
        expect(chain.map((r) => r.seq)).toEqual(chain.map((_, i) => i + 1));
        expect(await verifyAuditChain(conn.db, district)).toEqual({
          ok: true,
          count: before + 45,
        });
      });

      it('waits while a transaction holds the district’s chain, then follows its events', async () => {
        const other = conn.db.withoutPlugins();
        await recordAuditGrouped(other, event(district, 'other knows the head'));
        const head = (await chainOf()).length;
        let followed = false;
        let following: Promise<void> | undefined;
        await conn.db.transaction().execute(async (trx) => {
          // A write's append takes the district's lock, then reads the head, then inserts.
          await sql`select pg_advisory_xact_lock(hashtext(${district}))`.execute(trx);
          following = recordAuditGrouped(other, event(district, 'after the write')).then(() => {
            followed = true;
          });
          await new Promise((resolve) => setTimeout(resolve, 150));
          // Nothing appended meanwhile: the head this transaction reads stays the head.
          expect(followed).toBe(false);
          expect(await chainOf()).toHaveLength(head);
          await recordAuditMany(trx, [event(district, 'in the write')]);
          await recordAuditMany(trx, [event(district, 'still in the write')]);
        });
        await following;
        expect((await chainOf()).map((r) => r.action).slice(-3)).toEqual([
          'in the write',
          'still in the write',
          'after the write',
        ]);
        expect(await verifyAuditChain(conn.db, district)).toMatchObject({ ok: true });
      });

      it('appends after the real head when the remembered one is gone or was replaced', async () => {
        const remembering = conn.db.withoutPlugins();
        await recordAuditGrouped(remembering, event(district, 'remembered'));
        const dropNewest = async () => {
          const newest = (await chainOf()).at(-1)!;
          await conn.db
            .deleteFrom('audit_event_student')
            .where('district_id', '=', district)
            .where('seq', '=', newest.seq)
            .execute();
          await conn.db
            .deleteFrom('audit_event')
            .where('district_id', '=', district)
            .where('seq', '=', newest.seq)
            .execute();
        };
        // A database restored from before the remembered event: its seq is free again.
        await dropNewest();
        await recordAuditGrouped(remembering, event(district, 'after a restore'));
        expect(await verifyAuditChain(conn.db, district)).toMatchObject({ ok: true });
        // The same seq, written again by another appender: same position, another hash.
        await dropNewest();
        await recordAuditMany(conn.db.withoutPlugins(), [event(district, 'someone else')]);
        await recordAuditGrouped(remembering, event(district, 'after the replacement'));
        expect((await chainOf()).map((r) => r.action).slice(-2)).toEqual([
          'someone else',
          'after the replacement',
        ]);
        expect(await verifyAuditChain(conn.db, district)).toMatchObject({ ok: true });
      });
    }

    it('refuses only the bad event of a batch; the others are stored', async () => {
      const before = await headSeq();
      const bad = { ...event('d1', 'bad'), action: null as unknown as string };
      const results = await Promise.allSettled([
        recordAuditGrouped(conn.db, event('d1', 'good a')),
        recordAuditGrouped(conn.db, bad),
        recordAuditGrouped(conn.db, event('d1', 'good b')),
      ]);
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      expect(await headSeq()).toBe(before + 2);
      expect(await verifyAuditChain(conn.db, 'd1')).toEqual({ ok: true, count: before + 2 });
    });

    it('appends at once inside a caller’s transaction, which then owns the event', async () => {
      const before = await headSeq();
      await expect(
        conn.db.transaction().execute(async (trx) => {
          await recordAuditGrouped(trx, event('d1', 'in a transaction'));
          throw new Error('rolled back');
        }),
      ).rejects.toThrow('rolled back');
      expect(await headSeq()).toBe(before);
      await recordAuditMany(conn.db, [event('d1', 'after')]);
      expect(await headSeq()).toBe(before + 1);
    });
  });
}
