import type { Connection } from '@carryover/db';
import { testTargets } from '@carryover/db/testing';
import { getErrorShape, TRPCError } from '@trpc/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appRouter } from '../src/root';
import {
  A,
  addReportingPeriods,
  as,
  buildFixture,
  emails,
  openTestDb,
  PERIODS,
  silentLogger,
} from './fixtures';

// Optimistic concurrency on every edit form (issue 12): two people load the same version of a
// goal, report line, push-in plan, routine, touch-base or action item and both save. The first
// save lands; the second gets CONFLICT (HTTP 409) naming who changed what and when, writes
// nothing, and is audited as denied. Saving again on the new version keeps both changes.

const targets = await testTargets();

/** 15:42 UTC is 10:42 in the fixture district (America/Chicago, daylight time). */
const AT_10_42 = () => new Date('2026-03-11T15:42:00.000Z');

interface ConflictShape {
  message: string;
  data: {
    httpStatus: number;
    conflict: { version: number; changedBy: string; fields: string[]; fieldWords: string[] };
  };
}

function shapeOf(error: unknown, path: string): ConflictShape {
  expect(error).toBeInstanceOf(TRPCError);
  return getErrorShape({
    config: appRouter._def._config,
    error: error as TRPCError,
    type: 'mutation',
    path,
    input: undefined,
    ctx: { log: silentLogger } as never,
  }) as unknown as ConflictShape;
}

/** The error is a 409 naming `who` at 10:42 and the fields they changed. */
function expectConflict(
  error: unknown,
  path: string,
  who: string,
  fields: string[],
  words: string,
): ConflictShape['data']['conflict'] {
  expect((error as TRPCError).code).toBe('CONFLICT');
  const shape = shapeOf(error, path);
  expect(shape.data.httpStatus).toBe(409);
  expect(shape.data.conflict).toMatchObject({ changedBy: who, fields });
  expect(shape.message).toContain(`Changed by ${who} at 10:42: ${words}.`);
  return shape.data.conflict;
}

for (const target of targets) {
  describe(`optimistic concurrency on ${target.dialect}`, () => {
    let conn: Connection;
    beforeAll(async () => {
      conn = await openTestDb(target);
      await buildFixture(conn.db);
      await addReportingPeriods(conn.db);
    });
    afterAll(() => conn?.close());

    const lastEvent = async (actor: string) =>
      conn.db
        .selectFrom('audit_event')
        .select(['action', 'outcome'])
        .where('actor_id', '=', actor)
        .orderBy('seq', 'desc')
        .limit(1)
        .executeTakeFirstOrThrow();
    const row =
      (table: 'goal' | 'routine' | 'push_in_plan' | 'touch_base' | 'action_item') =>
      async (id: string) =>
        conn.db.selectFrom(table).selectAll().where('id', '=', id).executeTakeFirstOrThrow();

    it('goal: the second save gets CONFLICT naming the first editor, writes nothing; reapplied, both changes hold', async () => {
      const key = { studentId: A.students.ava, goalId: A.goals.avaArtic };
      const slp = await as(conn, emails.slp, { now: AT_10_42 });
      const admin = await as(conn, emails.admin);
      const slpLoaded = await slp.goals.get(key);
      const adminLoaded = await admin.goals.get(key);
      expect(adminLoaded.version).toBe(slpLoaded.version);
      const edit = (g: typeof slpLoaded, change: Partial<typeof slpLoaded>) => ({
        ...g,
        ...key,
        expectedVersion: g.version,
        ...change,
      });

      const first = await slp.goals.update(edit(slpLoaded, { target: 85 }));
      expect(first.version).toBe(slpLoaded.version + 1);
      const afterFirst = await row('goal')(A.goals.avaArtic);
      const adminText = 'Ava will produce /r/ in conversation with 80% accuracy.';
      const err = await admin.goals
        .update(edit(adminLoaded, { text: adminText }))
        .catch((e: unknown) => e);
      const conflict = expectConflict(err, 'goals.update', 'Sam Speech', ['target'], 'target');
      expect(conflict.version).toBe(first.version);
      expect(await row('goal')(A.goals.avaArtic)).toEqual(afterFirst);
      expect(await lastEvent(A.staff.admin)).toEqual({
        action: 'goals.update',
        outcome: 'denied',
      });

      // The admin's form reloads the newer version and saves their change on top of it.
      const reloaded = await admin.goals.get(key);
      expect(reloaded.version).toBe(conflict.version);
      await admin.goals.update(edit(reloaded, { text: adminText }));
      const both = await admin.goals.get(key);
      expect([both.target, both.text, both.version]).toEqual([85, adminText, first.version + 1]);
    });

    it('report line: the second save gets CONFLICT naming the first editor, writes nothing', async () => {
      const admin = await as(conn, emails.admin);
      const ot = await as(conn, emails.ot, { now: AT_10_42 });
      const { id: reportId } = await admin.reports.generate({
        studentId: A.students.ava,
        periodId: PERIODS.q3.id,
      });
      const lineOf = async (caller: typeof admin) =>
        (await caller.reports.get({ reportId })).goals.find(
          (g) => g.goalId === A.goals.avaHandwriting,
        )!;
      const otLoaded = await lineOf(ot);
      const adminLoaded = await lineOf(admin);
      const save = (l: typeof otLoaded, change: object) => ({
        reportId,
        goalId: l.goalId,
        expectedVersion: l.version,
        statusCode: l.statusCode,
        gasScore: l.gasScore,
        gasOverrideReason: l.gasOverrideReason,
        narrative: l.narrative,
        ...change,
      });
      await ot.reports.updateGoal(save(otLoaded, { narrative: 'Handwriting starts in April.' }));
      const stored = () =>
        conn.db
          .selectFrom('progress_report_goal')
          .selectAll()
          .where('report_id', '=', reportId)
          .where('goal_id', '=', A.goals.avaHandwriting)
          .executeTakeFirstOrThrow();
      const afterFirst = await stored();
      const err = await admin.reports
        .updateGoal(save(adminLoaded, { statusCode: 'insufficient_progress' }))
        .catch((e: unknown) => e);
      expectConflict(err, 'reports.updateGoal', 'Olive Occupational', ['narrative'], 'narrative');
      expect(await stored()).toEqual(afterFirst);
      expect(await lastEvent(A.staff.admin)).toEqual({
        action: 'reports.updateGoal',
        outcome: 'denied',
      });
    });

    it('push-in plan: a revision over the teacher’s acknowledgement gets CONFLICT naming the teacher, writes nothing', async () => {
      const ot = await as(conn, emails.ot);
      const teacher = await as(conn, emails.teacher, { now: AT_10_42 });
      const fields = {
        studentId: A.students.ben,
        routineId: A.routines.writing,
        therapistRole: 'Models the grip',
        teacherRole: 'Prompts the grip',
        strategies: 'Slant board',
        activities: 'Journal',
        agreedOn: '2026-03-02',
        reviewOn: '2026-04-13',
      };
      const { id: planId } = await ot.plans.save(fields);
      const otLoaded = (await ot.plans.get({ planId })).plan;
      expect((await teacher.plans.get({ planId })).plan.version).toBe(otLoaded.version);
      await teacher.plans.acknowledge({ planId });
      const afterFirst = await row('push_in_plan')(planId);
      const err = await ot.plans
        .save({ ...fields, planId, expectedVersion: otLoaded.version, strategies: 'Pencil grip' })
        .catch((e: unknown) => e);
      expectConflict(err, 'plans.save', 'Tara Teacher', ['acknowledged_at'], 'acknowledgement');
      expect(await row('push_in_plan')(planId)).toEqual(afterFirst);
      expect(await lastEvent(A.staff.ot)).toEqual({ action: 'plans.save', outcome: 'denied' });
    });

    it('routine: the second save gets CONFLICT naming the first editor, writes nothing', async () => {
      const teacher = await as(conn, emails.teacher, { now: AT_10_42 });
      const admin = await as(conn, emails.admin);
      const routineOf = async (caller: typeof admin) =>
        (await caller.routines.list())
          .find((c) => c.id === A.classrooms.north2)!
          .routines.find((r) => r.id === A.routines.arrival)!;
      const teacherLoaded = await routineOf(teacher);
      const adminLoaded = await routineOf(admin);
      const save = (r: typeof teacherLoaded, change: object) => ({
        classroomId: A.classrooms.north2,
        routineId: r.id,
        expectedVersion: r.version,
        name: r.name as 'arrival',
        weekdays: r.weekdays,
        startTime: r.startTime,
        endTime: r.endTime,
        ...change,
      });
      await teacher.routines.save(save(teacherLoaded, { startTime: '07:55' }));
      const afterFirst = await row('routine')(A.routines.arrival);
      const err = await admin.routines
        .save(save(adminLoaded, { weekdays: [1, 2, 3] }))
        .catch((e: unknown) => e);
      expectConflict(err, 'routines.save', 'Tara Teacher', ['start_time'], 'start time');
      expect(await row('routine')(A.routines.arrival)).toEqual(afterFirst);
      expect(await lastEvent(A.staff.admin)).toEqual({
        action: 'routines.save',
        outcome: 'denied',
      });
    });

    /** A meeting the SLP recorded with the teacher, with one action item the teacher owns. */
    const meetingWithTeacher = async () => {
      const slp = await as(conn, emails.slp);
      const teacher = await as(conn, emails.teacher, { now: AT_10_42 });
      const { id } = await slp.team.create({
        metOn: '2026-03-11',
        studentIds: [A.students.ava],
        participantIds: [A.staff.teacher],
        notes: 'Talked about the writing routine.',
        actionItems: [
          { ownerId: A.staff.teacher, text: 'Try the slant board', dueOn: '2026-03-18' },
        ],
        scheduleAnyway: true,
      });
      const meetingOf = async (caller: typeof slp) =>
        (await caller.team.list()).find((m) => m.id === id)!;
      return { id, slp, teacher, meetingOf };
    };

    it('touch-base: the second save gets CONFLICT naming the first editor, writes nothing', async () => {
      const { id: touchBaseId, slp, teacher, meetingOf } = await meetingWithTeacher();
      const slpLoaded = await meetingOf(slp);
      const teacherLoaded = await meetingOf(teacher);
      expect(slpLoaded.version).toBe(teacherLoaded.version);
      await teacher.team.updateTouchBase({
        touchBaseId,
        expectedVersion: teacherLoaded.version,
        notes: 'Talked about the writing routine. Ava used the board twice.',
      });
      const afterFirst = await row('touch_base')(touchBaseId);
      const err = await slp.team
        .updateTouchBase({
          touchBaseId,
          expectedVersion: slpLoaded.version,
          notes: 'Talked about writing and arrival.',
        })
        .catch((e: unknown) => e);
      expectConflict(err, 'team.updateTouchBase', 'Tara Teacher', ['notes'], 'notes');
      expect(await row('touch_base')(touchBaseId)).toEqual(afterFirst);
      expect(await lastEvent(A.staff.slp)).toEqual({
        action: 'team.updateTouchBase',
        outcome: 'denied',
      });
    });

    it('action item: the second save gets CONFLICT naming the first editor, writes nothing; ticking it done counts as a change', async () => {
      const { slp, teacher, meetingOf } = await meetingWithTeacher();
      const loaded = (await meetingOf(slp)).actionItems[0]!;
      expect((await meetingOf(teacher)).actionItems[0]!.version).toBe(loaded.version);
      await teacher.team.updateActionItem({
        actionItemId: loaded.id,
        expectedVersion: loaded.version,
        text: 'Try the slant board at writing',
        dueOn: loaded.dueOn,
      });
      const afterFirst = await row('action_item')(loaded.id);
      const err = await slp.team
        .updateActionItem({
          actionItemId: loaded.id,
          expectedVersion: loaded.version,
          text: loaded.text,
          dueOn: '2026-03-25',
        })
        .catch((e: unknown) => e);
      expectConflict(err, 'team.updateActionItem', 'Tara Teacher', ['text'], 'text');
      expect(await row('action_item')(loaded.id)).toEqual(afterFirst);
      expect(await lastEvent(A.staff.slp)).toEqual({
        action: 'team.updateActionItem',
        outcome: 'denied',
      });

      // Ticking it done moves the version on too: an edit loaded before cannot undo it.
      const before = (await meetingOf(slp)).actionItems[0]!;
      await teacher.team.setActionItemDone({ actionItemId: before.id, done: true });
      const doneErr = await slp.team
        .updateActionItem({
          actionItemId: before.id,
          expectedVersion: before.version,
          text: before.text,
          dueOn: '2026-03-25',
        })
        .catch((e: unknown) => e);
      expectConflict(doneErr, 'team.updateActionItem', 'Tara Teacher', ['done_on'], 'done');
    });

    it('of 10 parallel saves at the same version exactly one lands, the rest get CONFLICT', async () => {
      const teacher = await as(conn, emails.teacher);
      const loaded = (await teacher.routines.list())
        .find((c) => c.id === A.classrooms.north2)!
        .routines.find((r) => r.id === A.routines.writing)!;
      const results = await Promise.allSettled(
        Array.from({ length: 10 }, (_, i) =>
          teacher.routines.save({
            classroomId: A.classrooms.north2,
            routineId: loaded.id,
            expectedVersion: loaded.version,
            name: 'writing',
            weekdays: loaded.weekdays,
            startTime: `10:${String(10 + i)}`,
            endTime: loaded.endTime,
          }),
        ),
      );
      const landed = results.filter((r) => r.status === 'fulfilled');
      expect(landed).toHaveLength(1);
      for (const r of results.filter((x) => x.status === 'rejected'))
        expect(((r as PromiseRejectedResult).reason as TRPCError).code).toBe('CONFLICT');
      const stored = await row('routine')(A.routines.writing);
      expect(stored.version).toBe(loaded.version + 1);
    });

    it('a save that changes nothing keeps the version; an edit without the loaded version is a field error', async () => {
      const admin = await as(conn, emails.admin);
      const key = { studentId: A.students.cara, goalId: A.goals.caraLanguage };
      const goal = await admin.goals.get(key);
      const same = await admin.goals.update({ ...goal, ...key, expectedVersion: goal.version });
      expect(same.version).toBe(goal.version);
      const err = await admin.routines
        .save({
          classroomId: A.classrooms.north2,
          routineId: A.routines.writing,
          name: 'writing',
          weekdays: [1],
          startTime: '10:00',
          endTime: '10:45',
        })
        .catch((e: unknown) => e);
      expect((err as TRPCError).code).toBe('BAD_REQUEST');
      expect(
        (shapeOf(err, 'routines.save').data as unknown as { fieldErrors: object }).fieldErrors,
      ).toHaveProperty('expectedVersion');
    });
  });
}
