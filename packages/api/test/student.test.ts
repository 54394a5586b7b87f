import type { Connection } from '@carryover/db';
import { verifyAuditChain } from '@carryover/db';
import { testTargets } from '@carryover/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STUDENT_NOT_FOUND } from '../src/scope';
import { A, as, auditedStudents, B, buildFixture, emails, openTestDb } from './fixtures';

const targets = await testTargets();

for (const target of targets) {
  describe(`student records on ${target.dialect}`, () => {
    let conn: Connection;
    beforeAll(async () => {
      conn = await openTestDb(target);
      await buildFixture(conn.db);
    });
    afterAll(() => conn?.close());

    const events = (actor: string) =>
      conn.db
        .selectFrom('audit_event')
        .selectAll()
        .where('actor_id', '=', actor)
        .orderBy('seq')
        .execute();

    it('returns the full record of a student in scope', async () => {
      const slp = await as(conn, emails.slp);
      const ava = await slp.student.get({ studentId: A.students.ava });
      expect(ava.name).toBe('Ava Lopez');
      expect(ava.homeroom).toBe('Room 12');
      const slpService = ava.services.find((s) => s.discipline === 'SLP')!;
      expect(slpService.model).toBe('split');
      expect(slpService.providerName).toBe('Sam Speech');
      expect(slpService.split).toEqual([
        { model: 'pull_out', minutes: 30 },
        { model: 'push_in', minutes: 30 },
      ]);
      const otService = ava.services.find((s) => s.discipline === 'OT')!;
      expect(otService.split).toEqual([{ model: 'pull_out', minutes: 120 }]);
      expect(otService.per).toBe('month');

      const artic = ava.goals.find((g) => g.id === A.goals.avaArtic)!;
      expect(artic.points.map((p) => p.raw)).toEqual([65, 70, 75]);
      expect(artic.points.map((p) => p.setting)).toEqual([
        'therapy_room',
        'classroom',
        'classroom',
      ]);
      // Each point names who recorded it (the graph's "recorded by" column).
      expect(artic.points.map((p) => p.recordedBy)).toEqual(
        Array(3).fill({ name: 'Sam Speech', role: 'therapist' }),
      );
      expect(artic.progress.status).toBe('on_track');
      expect(artic.unit).toBe('% of trials');
      expect(artic.modelChanges).toEqual([
        {
          date: '2026-01-12',
          from: 'pull_out',
          to: 'push_in',
          reason: 'Carry the sounds into writing time',
        },
      ]);
      expect(artic.routines).toEqual([
        { id: A.routines.writing, name: 'writing', classroom: 'Room 12' },
      ]);

      const cara = await slp.student.get({ studentId: A.students.cara });
      expect(cara.goals[0]!.phaseChanges).toEqual([{ date: '2026-02-20', phase: 'mastered' }]);

      const trail = await events(A.staff.slp);
      const reads = trail.filter((e) => e.action === 'student.get');
      expect(reads.map((e) => [e.student_id, e.outcome])).toEqual([
        [A.students.ava, 'ok'],
        [A.students.cara, 'ok'],
      ]);
    });

    it('answers NOT_FOUND, identically, for out of scope, other district and missing ids', async () => {
      const ot = await as(conn, emails.ot);
      const attempts = [A.students.cara, B.student, 'no-such-student'];
      const errors = await Promise.all(
        attempts.map((studentId) => ot.student.get({ studentId }).catch((e) => e)),
      );
      for (const err of errors) {
        expect(err.code).toBe('NOT_FOUND');
        expect(err.message).toBe(STUDENT_NOT_FOUND);
      }
      // Each refusal is in the trail as denied.
      const denied = (await events(A.staff.ot)).filter((e) => e.outcome === 'denied');
      expect(denied.map((e) => e.entity_id).sort()).toEqual([...attempts].sort());
      expect(denied.every((e) => e.action === 'student.get' && e.district_id === A.district)).toBe(
        true,
      );
      // The in-district student is linked; the other district's is not named in this district.
      expect(denied.find((e) => e.entity_id === A.students.cara)?.student_id).toBe(A.students.cara);
      expect(denied.find((e) => e.entity_id === B.student)?.student_id).toBeNull();
      // Nothing was written in the other district's trail.
      const foreign = await conn.db
        .selectFrom('audit_event')
        .selectAll()
        .where('district_id', '=', B.district)
        .execute();
      expect(foreign).toEqual([]);
    });

    it('denies when the scope check itself fails', async () => {
      // A plugin that breaks every query on the student table, as a broken scope query would.
      const broken = conn.db.withPlugin({
        transformQuery(args) {
          const node = args.node as {
            kind: string;
            from?: { froms: { table?: { identifier?: { name: string } } }[] };
          };
          const table = node.from?.froms[0]?.table?.identifier?.name;
          if (node.kind === 'SelectQueryNode' && table === 'student')
            throw new Error('scope query failed');
          return args.node;
        },
        transformResult: async (args) => args.result,
      });
      const teacher = await as(conn, emails.teacher, { db: broken });
      await expect(teacher.student.get({ studentId: A.students.ava })).rejects.toMatchObject({
        code: 'NOT_FOUND',
        message: STUDENT_NOT_FOUND,
      });
      const trail = await events(A.staff.teacher);
      expect(trail.at(-1)).toMatchObject({ action: 'student.get', outcome: 'denied' });
    });

    it('records every student of a caseload read, in one event for the request', async () => {
      const admin = await as(conn, emails.admin);
      const before = (await events(A.staff.admin)).length;
      const { items: rows } = await admin.caseload.list();
      expect(rows.length).toBeGreaterThan(1);
      const reads = (await events(A.staff.admin)).slice(before);
      expect(reads).toHaveLength(1);
      expect(reads[0]).toMatchObject({ action: 'caseload.list', outcome: 'ok', entity: 'student' });
      const listed = await auditedStudents(conn.db, { actorId: A.staff.admin });
      expect(
        listed.filter((r) => r.seq === Number(reads[0]!.seq)).map((r) => r.student_id),
      ).toEqual([...new Set(rows.map((r) => r.studentId))]);
    });

    it('detects a student swapped in, or removed from, the student list of a read', async () => {
      expect(await verifyAuditChain(conn.db, A.district)).toMatchObject({ ok: true });
      const listed = await conn.db
        .selectFrom('audit_event_student')
        .selectAll()
        .where('district_id', '=', A.district)
        .orderBy('seq')
        .orderBy('position')
        .execute();
      const victim = listed.find((r) => r.position === 1)!;
      const seq = Number(victim.seq);
      const row = { district_id: A.district, seq, position: victim.position };
      await conn.db
        .updateTable('audit_event_student')
        .set({ student_id: A.students.cara })
        .where('district_id', '=', row.district_id)
        .where('seq', '=', seq)
        .where('position', '=', row.position)
        .execute();
      expect(await verifyAuditChain(conn.db, A.district)).toMatchObject({
        ok: false,
        brokenAtSeq: seq,
      });
      await conn.db
        .deleteFrom('audit_event_student')
        .where('district_id', '=', row.district_id)
        .where('seq', '=', seq)
        .where('position', '=', row.position)
        .execute();
      expect(await verifyAuditChain(conn.db, A.district)).toMatchObject({
        ok: false,
        brokenAtSeq: seq,
      });
      await conn.db.insertInto('audit_event_student').values(victim).execute();
      expect(await verifyAuditChain(conn.db, A.district)).toMatchObject({ ok: true });
    });

    it('keeps a hash chain that verifies, and detects a tampered row', async () => {
      const result = await verifyAuditChain(conn.db, A.district);
      expect(result.ok).toBe(true);
      const rows = await conn.db
        .selectFrom('audit_event')
        .select(['seq', 'id'])
        .where('district_id', '=', A.district)
        .orderBy('seq')
        .execute();
      expect(rows.map((r) => Number(r.seq))).toEqual(rows.map((_, i) => i + 1));
      const victim = rows[Math.floor(rows.length / 2)]!;
      // An UPDATE straight on the table, as someone with database access might do.
      await conn.db
        .updateTable('audit_event')
        .set({ action: 'nothing.to.see' })
        .where('id', '=', victim.id)
        .execute();
      expect(await verifyAuditChain(conn.db, A.district)).toMatchObject({
        ok: false,
        brokenAtSeq: Number(victim.seq),
      });
    });
  });

  describe(`audit appends on ${target.dialect}`, () => {
    it('stay one unbroken chain under concurrent writers', async () => {
      const conn = await openTestDb(target);
      try {
        await buildFixture(conn.db);
        const callers = await Promise.all(
          [emails.slp, emails.ot, emails.admin, emails.teacher].map((e) => as(conn, e)),
        );
        await Promise.all(
          callers.flatMap((c) => [c.caseload.list(), c.caseload.list(), c.caseload.list()]),
        );
        expect(await verifyAuditChain(conn.db, A.district)).toMatchObject({ ok: true });
      } finally {
        await conn.close();
      }
    });
  });
}
