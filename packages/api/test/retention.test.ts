import { existsSync, readFileSync } from 'node:fs';
import { auditLinkHash, type Connection, verifyAuditChain } from '@carryover/db';
import { testTargets } from '@carryover/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONFIRM_NAME_MISMATCH } from '../src/router/admin';
import { STUDENT_NOT_FOUND } from '../src/scope';
import { A, as, auditedStudents, B, buildFixture, emails, openTestDb } from './fixtures';

// Point 13: deleting a student (admin only, confirmed by the student's name) removes their
// rows and leaves one deletion event in the audit trail; the chain still verifies.

const targets = await testTargets();

const STUDENT_TABLES = [
  'observation',
  'session_student',
  'session_note_amendment',
  'goal',
  'service',
  'push_in_plan',
  'assistant_assignment',
  'touch_base_student',
  'progress_report',
] as const;

for (const target of targets) {
  describe(`admin.deleteStudent on ${target.dialect}`, () => {
    let conn: Connection;
    beforeAll(async () => {
      conn = await openTestDb(target);
      await buildFixture(conn.db);
    });
    afterAll(() => conn?.close());

    const rowsOf = async (studentId: string) => {
      const out: Record<string, number> = {};
      for (const t of STUDENT_TABLES) {
        out[t] = (
          await conn.db
            .selectFrom(t)
            .select('student_id')
            .where('student_id', '=', studentId)
            .execute()
        ).length;
      }
      return out;
    };

    it('is refused to other roles, for other districts, and without the right name', async () => {
      const slp = await as(conn, emails.slp);
      await expect(
        slp.admin.deleteStudent({ studentId: A.students.ava, confirmName: 'Ava Lopez' }),
      ).rejects.toMatchObject({ code: 'FORBIDDEN' });
      const admin = await as(conn, emails.admin);
      await expect(
        admin.admin.deleteStudent({ studentId: B.student, confirmName: 'Zed Brown' }),
      ).rejects.toMatchObject({ code: 'NOT_FOUND', message: STUDENT_NOT_FOUND });
      const wrong = await admin.admin
        .deleteStudent({ studentId: A.students.ava, confirmName: 'Ava' })
        .catch((e) => e);
      expect(wrong).toMatchObject({ code: 'BAD_REQUEST', message: CONFIRM_NAME_MISMATCH });
      expect((await rowsOf(A.students.ava)).goal).toBe(2);
    });

    it('removes every row of the student and keeps only the deletion event', async () => {
      // Give Ava some history in the trail first, by several people.
      await (await as(conn, emails.slp)).student.get({ studentId: A.students.ava });
      await (await as(conn, emails.teacher)).student.get({ studentId: A.students.ava });
      await (await as(conn, emails.admin)).admin.exportStudentRecord({ studentId: A.students.ava });
      await (await as(conn, emails.slp)).student.get({ studentId: A.students.cara });
      // A read of many students that lists her among others.
      await (await as(conn, emails.admin)).caseload.list();
      const listedBefore = await conn.db
        .selectFrom('audit_event_student')
        .selectAll()
        .where('student_id', '=', A.students.ava)
        .execute();
      expect(listedBefore.length).toBeGreaterThanOrEqual(1);
      const before = await conn.db
        .selectFrom('audit_event')
        .selectAll()
        .where('student_id', '=', A.students.ava)
        .execute();
      expect(before.length).toBeGreaterThanOrEqual(3);
      const benRowsBefore = await rowsOf(A.students.ben);

      const admin = await as(conn, emails.admin);
      const result = await admin.admin.deleteStudent({
        studentId: A.students.ava,
        confirmName: '  ava  lopez ',
      });
      expect(result.redactedEvents).toBeGreaterThanOrEqual(before.length + listedBefore.length);

      expect(Object.values(await rowsOf(A.students.ava)).every((n) => n === 0)).toBe(true);
      const student = await conn.db
        .selectFrom('student')
        .select('id')
        .where('id', '=', A.students.ava)
        .execute();
      expect(student).toEqual([]);
      const goals = await conn.db
        .selectFrom('goal_routine')
        .select('goal_id')
        .where('goal_id', 'in', [A.goals.avaArtic, A.goals.avaHandwriting])
        .execute();
      expect(goals).toEqual([]);
      // Sessions only Ava attended are gone; the group session with Ben stays, and Ben is intact.
      const sessions = await conn.db
        .selectFrom('therapy_session')
        .select('id')
        .orderBy('id')
        .execute();
      expect(sessions.map((s) => s.id)).toEqual(['ses-1', 'ses-3', 'ses-5']);
      expect(await rowsOf(A.students.ben)).toEqual(benRowsBefore);

      // The trail: nothing points at Ava except the one deletion event.
      const linked = await conn.db
        .selectFrom('audit_event')
        .selectAll()
        .where((eb) =>
          eb.or([eb('student_id', '=', A.students.ava), eb('entity_id', '=', A.students.ava)]),
        )
        .execute();
      expect(linked).toHaveLength(1);
      expect(linked[0]).toMatchObject({
        action: 'admin.deleteStudent',
        entity: 'student_deletion',
        actor_id: A.staff.admin,
        student_id: null,
        outcome: 'ok',
      });
      // Her earlier events remain as events (who, when, what) without the link or its salt.
      const redacted = await conn.db
        .selectFrom('audit_event')
        .selectAll()
        .where('redacted_by_seq', '=', Number(linked[0]!.seq))
        .execute();
      expect(redacted.map((e) => e.id).sort()).toEqual(
        before
          .map((e) => e.id)
          .sort()
          .concat()
          .sort(),
      );
      expect(redacted.every((e) => e.link_salt === null && e.entity_id === null)).toBe(true);
      // The student lists that named her keep the entry, without her id or its salt.
      expect(
        await conn.db
          .selectFrom('audit_event_student')
          .select('seq')
          .where('student_id', '=', A.students.ava)
          .execute(),
      ).toEqual([]);
      const listedAfter = await conn.db
        .selectFrom('audit_event_student')
        .selectAll()
        .where('redacted_by_seq', '=', Number(linked[0]!.seq))
        .execute();
      expect(listedAfter.map((r) => [Number(r.seq), r.position, r.link_hash]).sort()).toEqual(
        listedBefore.map((r) => [Number(r.seq), r.position, r.link_hash]).sort(),
      );
      expect(listedAfter.every((r) => r.link_salt === null)).toBe(true);
      // Cara's events keep theirs.
      const cara = await conn.db
        .selectFrom('audit_event')
        .select('id')
        .where('student_id', '=', A.students.cara)
        .execute();
      expect(cara.length).toBeGreaterThan(0);

      // The chain still verifies after the retention delete…
      expect(await verifyAuditChain(conn.db, A.district)).toMatchObject({ ok: true });
      // …and the leftover commitment cannot be tied to Ava without the deleted salt.
      for (const e of redacted) {
        expect(e.link_hash).not.toBe(auditLinkHash('', A.students.ava, A.students.ava));
      }
    });

    it("lists mentions of the deleted student in other students' notes, and audits them as reads", async () => {
      await conn.db
        .updateTable('student')
        .set({ first_name: 'Quillon', last_name: 'Farthingale' })
        .where('id', '=', A.students.dev)
        .execute();
      const note = (sessionId: string, studentId: string, text: string) =>
        conn.db
          .updateTable('session_student')
          .set({ note: text })
          .where('session_id', '=', sessionId)
          .where('student_id', '=', studentId)
          .execute();
      await note('ses-3', A.students.ben, 'Paired with Quillon Farthingale for turn-taking.');
      await note('ses-1', A.students.cara, 'quillon came along and modelled the sound.');
      // A namesake's notes name the namesake: there only the full name counts.
      await conn.db
        .updateTable('student')
        .set({ first_name: 'Quillon' })
        .where('id', '=', A.students.ben)
        .execute();
      await note('ses-5', A.students.ben, 'Quillon practised /r/. A Quillonesque effort.');
      await conn.db
        .insertInto('touch_base')
        .values({
          district_id: A.district,
          id: 'tb-mention',
          met_on: '2026-03-04',
          start_time: null,
          notes: 'Seat QUILLON away from the door.',
          created_by: A.staff.slp,
          created_at: '2026-03-04T15:00:00.000Z',
        })
        .execute();

      const admin = await as(conn, emails.admin);
      const { mentions } = await admin.admin.deleteStudent({
        studentId: A.students.dev,
        confirmName: 'Quillon Farthingale',
      });
      expect(mentions.map((m) => [m.where, m.studentId, m.matched, m.excerpt]).sort()).toEqual(
        [
          [
            'session note',
            A.students.ben,
            'full name',
            'Paired with Quillon Farthingale for turn-taking.',
          ],
          [
            'session note',
            A.students.cara,
            'first name',
            'quillon came along and modelled the sound.',
          ],
          ['touch-base notes', null, 'first name', 'Seat QUILLON away from the door.'],
        ].sort(),
      );
      // Earlier reads of deleted students lost their link (null).
      const reads = (
        await auditedStudents(conn.db, { actorId: A.staff.admin, action: 'admin.deleteStudent' })
      ).filter((r) => r.student_id !== null);
      expect(reads.map((r) => r.student_id).sort()).toEqual(
        [A.students.ben, A.students.cara].sort(),
      );
    });

    it.skipIf(target.dialect !== 'sqlite')(
      "leaves none of the deleted student's bytes in the database file (secure_delete, then VACUUM)",
      async () => {
        await conn.db
          .updateTable('student')
          .set({ first_name: 'Ozymandias', last_name: 'Thistlewood' })
          .where('id', '=', A.students.ben)
          .execute();
        await conn.db
          .updateTable('session_student')
          .set({ note: 'Ozymandias Thistlewood practised /s/ in words.' })
          .where('student_id', '=', A.students.ben)
          .execute();
        const fileBytes = () =>
          [conn.location, `${conn.location}-wal`]
            .filter((f) => existsSync(f))
            .map((f) => readFileSync(f).toString('latin1'))
            .join('');
        expect(fileBytes()).toContain('Thistlewood');
        const admin = await as(conn, emails.admin);
        await admin.admin.deleteStudent({
          studentId: A.students.ben,
          confirmName: 'Ozymandias Thistlewood',
        });
        expect(fileBytes()).not.toContain('Thistlewood');
        expect(fileBytes()).not.toContain('Ozymandias');
      },
    );

    it('detects linkage removed without a deletion, and a changed link', async () => {
      const victim = await conn.db
        .selectFrom('audit_event')
        .selectAll()
        .where('student_id', '=', A.students.cara)
        .orderBy('seq')
        .executeTakeFirstOrThrow();
      // Re-pointing an event at another student breaks its commitment.
      await conn.db
        .updateTable('audit_event')
        .set({ student_id: A.students.dev })
        .where('id', '=', victim.id)
        .execute();
      expect(await verifyAuditChain(conn.db, A.district)).toMatchObject({
        ok: false,
        brokenAtSeq: Number(victim.seq),
      });
      // Stripping the link as if redacted, without a deletion event to account for it, too.
      await conn.db
        .updateTable('audit_event')
        .set({
          student_id: null,
          entity_id: null,
          link_salt: null,
          redacted_by_seq: victim.seq + 1,
        })
        .where('id', '=', victim.id)
        .execute();
      expect(await verifyAuditChain(conn.db, A.district)).toMatchObject({
        ok: false,
        brokenAtSeq: Number(victim.seq),
      });
    });
  });
}
