import type { Connection } from '@carryover/db';
import { testTargets } from '@carryover/db/testing';
import type { PushInPlanSaveInput } from '@carryover/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { A, as, buildFixture, emails, openTestDb } from './fixtures';

// Push-in plans: therapists plan for students they serve at a routine of the student's
// classroom; the classroom's teacher sees and acknowledges; every refusal writes nothing.

const targets = await testTargets();

const plan = (over: Partial<PushInPlanSaveInput> = {}): PushInPlanSaveInput => ({
  studentId: A.students.ben,
  routineId: A.routines.writing,
  therapistRole: 'Models the pencil grip at the table',
  teacherRole: 'Prompts the grip during independent writing',
  strategies: 'Pencil grip, slant board',
  activities: 'Journal entry',
  agreedOn: '2026-03-10',
  reviewOn: '2026-04-21',
  ...over,
});

for (const target of targets) {
  describe(`plans on ${target.dialect}`, () => {
    let conn: Connection;
    beforeAll(async () => {
      conn = await openTestDb(target);
      await buildFixture(conn.db);
    });
    afterAll(() => conn?.close());

    const count = async () =>
      Number(
        (
          await conn.db
            .selectFrom('push_in_plan')
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    const deniedFor = async (actor: string) =>
      conn.db
        .selectFrom('audit_event')
        .select('action')
        .where('actor_id', '=', actor)
        .where('outcome', '=', 'denied')
        .execute();

    it('a therapist plans push-in, the teacher sees it and acknowledges it', async () => {
      const ot = await as(conn, emails.ot);
      const { id } = await ot.plans.save(plan());
      const teacher = await as(conn, emails.teacher);
      const { plans } = await teacher.plans.list();
      const mine = plans.find((p) => p.id === id)!;
      expect(mine.studentName).toBe('Ben Okafor');
      expect(mine.routineName).toBe('writing');
      expect(mine.acknowledgedAt).toBeNull();
      const got = await teacher.plans.get({ planId: id });
      expect(got.canAcknowledge).toBe(true);
      await teacher.plans.acknowledge({ planId: id });
      const after = await ot.plans.get({ planId: id });
      expect(after.plan.acknowledgedByName).toBeTruthy();
      expect(after.plan.reviewDue).toBe(false);
    });

    it('refuses a review before the agreement, a routine of another classroom, a student not served — writing nothing', async () => {
      const ot = await as(conn, emails.ot);
      const slp = await as(conn, emails.slp);
      const before = await count();
      await expect(ot.plans.save(plan({ reviewOn: '2026-03-01' }))).rejects.toMatchObject({
        code: 'BAD_REQUEST',
      });
      // Cara's classroom is Room 3B; Room 12's writing routine is not hers.
      await expect(
        slp.plans.save(plan({ studentId: A.students.cara, routineId: A.routines.writing })),
      ).rejects.toMatchObject({ code: 'BAD_REQUEST' });
      // The SLP no longer serves Ben (service ended).
      await expect(slp.plans.save(plan())).rejects.toMatchObject({ code: 'NOT_FOUND' });
      expect(await count()).toBe(before);
      expect((await deniedFor(A.staff.slp)).map((e) => e.action)).toEqual([
        'plans.save',
        'plans.save',
      ]);
    });

    it('teachers cannot write plans; other teachers and staff cannot acknowledge', async () => {
      const ot = await as(conn, emails.ot);
      const { id } = await ot.plans.save(plan({ studentId: A.students.ava }));
      const teacher = await as(conn, emails.teacher);
      await expect(teacher.plans.save(plan())).rejects.toMatchObject({ code: 'FORBIDDEN' });
      await expect(ot.plans.acknowledge({ planId: id })).rejects.toMatchObject({
        code: 'FORBIDDEN',
      });
      const coordinator = await as(conn, emails.coordinator);
      await expect(coordinator.plans.get({ planId: id })).rejects.toMatchObject({
        code: 'NOT_FOUND',
      });
      const otherDistrict = await as(conn, emails.otherDistrict);
      await expect(otherDistrict.plans.get({ planId: id })).rejects.toMatchObject({
        code: 'NOT_FOUND',
      });
      const row = await conn.db
        .selectFrom('push_in_plan')
        .select('acknowledged_at')
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
      expect(row.acknowledged_at).toBeNull();
    });

    it("teachers see only their own classroom's plans", async () => {
      const slp = await as(conn, emails.slp);
      const { id } = await slp.plans
        .save(plan({ studentId: A.students.cara, routineId: 'rt-3b-lunch' }))
        .catch(() => ({ id: null }));
      // Room 3B has no routine in the fixture: the save is refused and nothing leaks anyway.
      expect(id).toBeNull();
      const teacher = await as(conn, emails.teacher);
      const { plans } = await teacher.plans.list();
      expect(plans.every((p) => p.classroomId === A.classrooms.north2)).toBe(true);
      await expect(teacher.plans.list({ studentId: A.students.cara })).rejects.toMatchObject({
        code: 'NOT_FOUND',
      });
    });
  });
}
