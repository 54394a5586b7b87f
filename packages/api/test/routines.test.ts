import type { Connection } from '@carryover/db';
import { testTargets } from '@carryover/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { A, as, buildFixture, emails, openTestDb } from './fixtures';

// Routines: the teacher edits their own classrooms', therapists those of their schools' classes,
// admins any; every refusal and bad input writes nothing.

const targets = await testTargets();

for (const target of targets) {
  describe(`routines on ${target.dialect}`, () => {
    let conn: Connection;
    beforeAll(async () => {
      conn = await openTestDb(target);
      await buildFixture(conn.db);
    });
    afterAll(() => conn?.close());

    const routines = () => conn.db.selectFrom('routine').selectAll().orderBy('id').execute();

    it('a teacher lists and edits their classroom routines', async () => {
      const teacher = await as(conn, emails.teacher);
      const list = await teacher.routines.list();
      expect(list.map((c) => c.id)).toEqual([A.classrooms.north2]);
      expect(list[0]?.canEdit).toBe(true);
      expect(list[0]?.routines.map((r) => r.name)).toEqual(['arrival', 'writing']);
      const { id } = await teacher.routines.save({
        classroomId: A.classrooms.north2,
        name: 'lunch',
        weekdays: [5, 1, 3],
        startTime: '11:30',
        endTime: '12:00',
      });
      const row = (await routines()).find((r) => r.id === id)!;
      expect(row.weekdays).toBe('1,3,5');
      await teacher.routines.save({
        classroomId: A.classrooms.north2,
        routineId: A.routines.writing,
        expectedVersion: 1,
        name: 'writing',
        weekdays: [1, 2, 3, 4],
        startTime: '10:15',
        endTime: '11:00',
      });
      const writing = (await routines()).find((r) => r.id === A.routines.writing)!;
      expect(writing.start_time).toBe('10:15');
    });

    it("refuses another classroom, another classroom's routine and bad times, writing nothing", async () => {
      const teacher = await as(conn, emails.teacher);
      const before = await routines();
      const base = { name: 'math' as const, weekdays: [1], startTime: '09:00', endTime: '09:45' };
      await expect(
        teacher.routines.save({ ...base, classroomId: A.classrooms.south3 }),
      ).rejects.toMatchObject({ code: 'NOT_FOUND' });
      await expect(
        teacher.routines.save({ ...base, classroomId: A.classrooms.north2, endTime: '08:00' }),
      ).rejects.toMatchObject({ code: 'BAD_REQUEST' });
      await expect(
        teacher.routines.save({ ...base, classroomId: A.classrooms.north2, weekdays: [] }),
      ).rejects.toMatchObject({ code: 'BAD_REQUEST' });
      const admin = await as(conn, emails.admin);
      await expect(
        admin.routines.save({
          ...base,
          classroomId: A.classrooms.south3,
          routineId: A.routines.arrival,
          expectedVersion: 1,
        }),
      ).rejects.toMatchObject({ code: 'BAD_REQUEST' });
      const coordinator = await as(conn, emails.coordinator);
      await expect(
        coordinator.routines.save({ ...base, classroomId: A.classrooms.south3 }),
      ).rejects.toMatchObject({ code: 'NOT_FOUND' });
      const other = await as(conn, emails.otherDistrict);
      await expect(
        other.routines.save({ ...base, classroomId: A.classrooms.north2 }),
      ).rejects.toMatchObject({ code: 'NOT_FOUND' });
      expect(await routines()).toEqual(before);
      expect(await other.routines.list()).toEqual([]);
    });

    it('a therapist edits routines of classrooms in their schools only', async () => {
      const ot = await as(conn, emails.ot);
      const list = await ot.routines.list();
      expect(list.map((c) => c.id)).toEqual([A.classrooms.north2]);
      await expect(
        ot.routines.save({
          classroomId: A.classrooms.south3,
          name: 'math',
          weekdays: [1],
          startTime: '09:00',
          endTime: '09:30',
        }),
      ).rejects.toMatchObject({ code: 'NOT_FOUND' });
    });
  });
}
