import type { Connection } from '@carryover/db';
import { testTargets } from '@carryover/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { A, as, buildFixture, emails, openTestDb } from './fixtures';

// Touch-base meetings: participants, students discussed, notes, action items; a warning (a
// refusal until confirmed) when it overlaps a participant's push-in; home lists open items.

const targets = await testTargets();

for (const target of targets) {
  describe(`team on ${target.dialect}`, () => {
    let conn: Connection;
    beforeAll(async () => {
      conn = await openTestDb(target);
      await buildFixture(conn.db);
      const ot = await as(conn, emails.ot);
      // Push-in for Ben at writing, Mon–Fri 10:00–10:45.
      await ot.plans.save({
        studentId: A.students.ben,
        routineId: A.routines.writing,
        therapistRole: 'Models the grip',
        teacherRole: 'Prompts the grip',
        strategies: 'Slant board',
        activities: 'Journal',
        agreedOn: '2026-03-02',
        reviewOn: '2026-04-13',
      });
    });
    afterAll(() => conn?.close());

    const meetings = async () =>
      Number(
        (
          await conn.db
            .selectFrom('touch_base')
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    const meeting = (over = {}) => ({
      metOn: '2026-03-11',
      startTime: '10:30',
      participantIds: [A.staff.teacher],
      studentIds: [A.students.ben],
      notes: 'Grip improving in the therapy room.',
      actionItems: [
        { ownerId: A.staff.teacher, text: 'Send two writing samples', dueOn: '2026-03-18' },
      ],
      ...over,
    });

    it('warns about a push-in at that time and writes nothing until confirmed', async () => {
      const ot = await as(conn, emails.ot);
      const before = await meetings();
      const err = await ot.team.create(meeting()).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'BAD_REQUEST' });
      expect(
        String((err as Error).cause && JSON.stringify((err as { cause: unknown }).cause)),
      ).toContain('not discussed in front of students');
      expect(await meetings()).toBe(before);
      await ot.team.create(meeting({ scheduleAnyway: true }));
      expect(await meetings()).toBe(before + 1);
    });

    it('records a meeting outside push-in; both see it; the owner sees the item at home and closes it', async () => {
      const ot = await as(conn, emails.ot);
      const { id } = await ot.team.create(meeting({ startTime: '14:00' }));
      const teacher = await as(conn, emails.teacher);
      const list = await teacher.team.list();
      const m = list.find((x) => x.id === id)!;
      expect(m.participants.map((p) => p.id).sort()).toEqual([A.staff.ot, A.staff.teacher].sort());
      expect(m.students.map((s) => s.name)).toEqual(['Ben Okafor']);
      const home = await teacher.home.get();
      const item = home.actionItems.find((a) => a.text === 'Send two writing samples')!;
      expect(item).toBeDefined();
      expect(home.pushInsToday.map((p) => p.studentName)).toEqual(['Ben Okafor']);
      expect(home.students.map((s) => s.name)).toEqual(['Ava Lopez', 'Ben Okafor']);
      expect(await teacher.team.setActionItemDone({ actionItemId: item.id, done: true })).toEqual({
        id: item.id,
        duplicate: false,
      });
      const after = await teacher.home.get();
      expect(after.actionItems.find((a) => a.id === item.id)).toBeUndefined();
      // Sent again from the browser's outbox (a retry after a lost answer): nothing changes.
      const row = () =>
        conn.db
          .selectFrom('action_item')
          .select(['done_on', 'version'])
          .where('district_id', '=', A.district)
          .where('id', '=', item.id)
          .executeTakeFirstOrThrow();
      const once = await row();
      expect(await teacher.team.setActionItemDone({ actionItemId: item.id, done: true })).toEqual({
        id: item.id,
        duplicate: true,
      });
      expect(await row()).toEqual(once);
    });

    it('refuses students out of scope, strangers and foreign owners, writing nothing', async () => {
      const ot = await as(conn, emails.ot);
      const before = await meetings();
      await expect(
        ot.team.create(meeting({ startTime: '14:00', studentIds: [A.students.cara] })),
      ).rejects.toMatchObject({ code: 'NOT_FOUND' });
      await expect(
        ot.team.create(meeting({ startTime: '14:00', participantIds: ['u-b-slp'] })),
      ).rejects.toMatchObject({ code: 'BAD_REQUEST' });
      await expect(
        ot.team.create(
          meeting({
            startTime: '14:00',
            actionItems: [{ ownerId: A.staff.slp, text: 'Not in the room', dueOn: '2026-03-20' }],
          }),
        ),
      ).rejects.toMatchObject({ code: 'BAD_REQUEST' });
      await expect(
        ot.team.create(
          meeting({
            startTime: '14:00',
            actionItems: [{ ownerId: A.staff.teacher, text: 'Backdated', dueOn: '2026-03-01' }],
          }),
        ),
      ).rejects.toMatchObject({ code: 'BAD_REQUEST' });
      expect(await meetings()).toBe(before);
      const slp = await as(conn, emails.slp);
      expect(await slp.team.list()).toEqual([]);
      const item = await conn.db.selectFrom('action_item').select('id').executeTakeFirstOrThrow();
      await expect(
        slp.team.setActionItemDone({ actionItemId: item.id, done: true }),
      ).rejects.toMatchObject({ code: 'NOT_FOUND' });
    });
  });
}
