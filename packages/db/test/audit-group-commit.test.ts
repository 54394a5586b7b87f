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
      const appendStatements = statements.filter((s) => s.startsWith('insert into "audit_event"'));
      expect(appendStatements).toHaveLength(1);
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
        const appends = statements.filter((s) => s.startsWith('insert into "audit_event"'));
        // One event per turn: one append each before; now the first, then a few batches.
        expect(appends.length).toBeLessThanOrEqual(5);
        expect(await headSeq()).toBe(before + 20);
        expect(await actionsAfter(before)).toEqual(calls.map((_, i) => `while out ${i}`));
        expect(await verifyAuditChain(conn.db, 'd1')).toEqual({ ok: true, count: before + 20 });
      });

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
