import type { Connection } from '@carryover/db';
import { testTargets } from '@carryover/db/testing';
import type { GoalCreateInput } from '@carryover/domain';
import { getErrorShape, type TRPCError } from '@trpc/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appRouter } from '../src/root';
import { GOAL_NOT_FOUND } from '../src/router/goals';
import { STUDENT_NOT_FOUND } from '../src/scope';
import { A, as, B, buildFixture, emails, openTestDb, silentLogger } from './fixtures';

const targets = await testTargets();

/** The field errors the HTTP adapter would send for an error thrown by a call. */
function fieldsOf(error: unknown): Record<string, string[]> {
  const shape = getErrorShape({
    config: appRouter._def._config,
    error: error as TRPCError,
    type: 'mutation',
    path: 'goals',
    input: undefined,
    ctx: { log: silentLogger } as never,
  });
  return (shape.data as { fieldErrors: Record<string, string[]> | null }).fieldErrors ?? {};
}

const newGoal = (over: Partial<GoalCreateInput> = {}): GoalCreateInput => ({
  studentId: A.students.ben,
  discipline: 'OT',
  domain: 'self_care',
  text: 'Ben will complete the arrival routine with no more than a gestural prompt.',
  measurementType: 'prompt_level',
  baseline: 4,
  target: 1,
  masteryRule: {},
  startDate: '2026-03-02',
  targetDate: '2026-06-01',
  phase: 'intervention',
  currentModel: 'push_in',
  routineIds: [A.routines.arrival],
  ...over,
});

for (const target of targets) {
  describe(`goals on ${target.dialect}`, () => {
    let conn: Connection;
    beforeAll(async () => {
      conn = await openTestDb(target);
      await buildFixture(conn.db);
    });
    afterAll(() => conn?.close());

    const goalCount = async () =>
      Number(
        (
          await conn.db
            .selectFrom('goal')
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    const lastEvent = async (actor: string) =>
      conn.db
        .selectFrom('audit_event')
        .selectAll()
        .where('actor_id', '=', actor)
        .orderBy('seq', 'desc')
        .limit(1)
        .executeTakeFirstOrThrow();

    it('creates a goal with its routines and first phase, and it shows on the student', async () => {
      const ot = await as(conn, emails.ot);
      const { id } = await ot.goals.create(newGoal());
      const ben = await ot.student.get({ studentId: A.students.ben });
      const goal = ben.goals.find((g) => g.id === id)!;
      expect(goal.domain).toBe('self_care');
      expect(goal.currentModel).toBe('push_in');
      expect(goal.routines.map((r) => r.id)).toEqual([A.routines.arrival]);
      expect(goal.phaseChanges).toEqual([{ date: '2026-03-02', phase: 'intervention' }]);
      expect(goal.alerts).toEqual([]);
      const row = await conn.db
        .selectFrom('goal')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
      // Derived, not taken from input: prompt level is better when lower; linked to Ben's OT service.
      expect(row.direction).toBe('down');
      expect(row.service_id).toBe(A.services.benOt);
      expect(row.district_id).toBe(A.district);
      const event = await conn.db
        .selectFrom('audit_event')
        .selectAll()
        .where('action', '=', 'goals.create')
        .executeTakeFirstOrThrow();
      expect(event).toMatchObject({ outcome: 'ok', entity_id: id, student_id: A.students.ben });

      const edit = await ot.goals.get({ studentId: A.students.ben, goalId: id });
      expect(edit).toMatchObject({ baseline: 4, target: 1, routineIds: [A.routines.arrival] });
    });

    it('refuses bad input field by field and writes nothing', async () => {
      const ot = await as(conn, emails.ot);
      const before = await goalCount();
      const err = await ot.goals
        .create(newGoal({ targetDate: '2026-01-01', target: 6 }))
        .catch((e) => e);
      expect(err.code).toBe('BAD_REQUEST');
      expect(Object.keys(fieldsOf(err)).sort()).toEqual(['target', 'targetDate']);
      expect(await goalCount()).toBe(before);
    });

    it('answers NOT_FOUND alike for students out of scope, in another district, or missing', async () => {
      const ot = await as(conn, emails.ot);
      const before = await goalCount();
      for (const studentId of [A.students.cara, B.student, 'nobody']) {
        await expect(ot.goals.create(newGoal({ studentId }))).rejects.toMatchObject({
          code: 'NOT_FOUND',
          message: STUDENT_NOT_FOUND,
        });
        await expect(ot.goals.formContext({ studentId })).rejects.toMatchObject({
          code: 'NOT_FOUND',
          message: STUDENT_NOT_FOUND,
        });
      }
      expect(await goalCount()).toBe(before);
      expect(await lastEvent(A.staff.ot)).toMatchObject({ outcome: 'denied' });
    });

    it('lets teachers and assistants read but not write goals', async () => {
      for (const email of [emails.teacher, emails.slpa]) {
        const caller = await as(conn, email);
        await expect(
          caller.goals.create(newGoal({ studentId: A.students.cara, discipline: 'SLP' })),
        ).rejects.toMatchObject({ code: 'FORBIDDEN' });
      }
      const teacher = await as(conn, emails.teacher);
      const form = await teacher.goals.formContext({ studentId: A.students.ava });
      expect(form.routines.map((r) => r.id).sort()).toEqual(
        [A.routines.arrival, A.routines.writing].sort(),
      );
      expect(form.disciplines).toEqual(['OT', 'SLP']);
    });

    it("keeps a therapist to their own discipline and the student's school's routines", async () => {
      const ot = await as(conn, emails.ot);
      const before = await goalCount();
      const wrongDiscipline = await ot.goals
        .create(newGoal({ studentId: A.students.ava, discipline: 'SLP', domain: 'articulation' }))
        .catch((e) => e);
      expect(wrongDiscipline.code).toBe('BAD_REQUEST');
      expect(fieldsOf(wrongDiscipline)).toHaveProperty('discipline');

      const slp = await as(conn, emails.slp);
      // Cara's school is South; both routines belong to a North classroom.
      const foreignRoutine = await slp.goals
        .create(
          newGoal({
            studentId: A.students.cara,
            discipline: 'SLP',
            domain: 'fluency',
            routineIds: [A.routines.writing],
          }),
        )
        .catch((e) => e);
      expect(foreignRoutine.code).toBe('BAD_REQUEST');
      expect(fieldsOf(foreignRoutine)).toHaveProperty('routineIds');
      expect(await goalCount()).toBe(before);
      expect(await lastEvent(A.staff.slp)).toMatchObject({ outcome: 'denied' });
    });

    it('edits a goal, keeping phase and model changes as history; a model change needs a reason', async () => {
      const slp = await as(conn, emails.slp);
      const current = await slp.goals.get({ studentId: A.students.ava, goalId: A.goals.avaArtic });
      const edit = {
        ...current,
        expectedVersion: current.version,
        studentId: A.students.ava,
        goalId: A.goals.avaArtic,
        text: 'Ava will produce /r/ in sentences with 80% accuracy.',
        phase: 'maintenance' as const,
        currentModel: 'split' as const,
        effectiveDate: '2026-03-10',
      };
      const noReason = await slp.goals.update(edit).catch((e) => e);
      expect(noReason.code).toBe('BAD_REQUEST');
      expect(fieldsOf(noReason)).toHaveProperty('modelChangeReason');
      const unchanged = await slp.goals.get({
        studentId: A.students.ava,
        goalId: A.goals.avaArtic,
      });
      expect(unchanged.text).toBe(current.text);

      await slp.goals.update({ ...edit, modelChangeReason: 'Half in class, half drill' });
      const ava = await slp.student.get({ studentId: A.students.ava });
      const goal = ava.goals.find((g) => g.id === A.goals.avaArtic)!;
      expect(goal.text).toBe(edit.text);
      expect(goal.phase).toBe('maintenance');
      expect(goal.phaseChanges).toContainEqual({ date: '2026-03-10', phase: 'maintenance' });
      expect(goal.modelChanges.at(-1)).toEqual({
        date: '2026-03-10',
        from: 'push_in',
        to: 'split',
        reason: 'Half in class, half drill',
      });
    });

    it("counts data taken in the goal's linked routine toward mastery, outside the classroom too", async () => {
      const ot = await as(conn, emails.ot);
      const { id } = await ot.goals.create(
        newGoal({
          text: 'Ben will open his lunch containers on his own.',
          measurementType: 'percent',
          baseline: 20,
          target: 80,
          routineIds: [],
        }),
      );
      // Three push-in sessions during the arrival routine, recorded outside the classroom (an
      // imported record: the session form files push-in under the classroom), all at criterion.
      for (const [i, date] of ['2026-03-03', '2026-03-04', '2026-03-05'].entries()) {
        const sessionId = `ses-routine-${i}`;
        await conn.db
          .insertInto('therapy_session')
          .values({
            district_id: A.district,
            id: sessionId,
            session_date: date,
            start_time: '08:00',
            end_time: '08:20',
            minutes: 20,
            provider_id: A.staff.ot,
            model: 'push_in',
            setting: 'other',
            routine_id: A.routines.arrival,
            collaboration_mode: 'co_teach',
            group_size: 1,
            idempotency_key: null,
            created_by: A.staff.ot,
            cosigned_by: null,
            cosigned_at: null,
            created_at: `${date}T08:30:00.000Z`,
          })
          .execute();
        await conn.db
          .insertInto('observation')
          .values({
            district_id: A.district,
            id: `obs-routine-${i}`,
            session_id: sessionId,
            student_id: A.students.ben,
            goal_id: id,
            observed_on: date,
            setting: 'other',
            model: 'push_in',
            trials_correct: 9,
            trials_prompted: 0,
            trials_incorrect: 1,
            prompt_level: null,
            count: null,
            seconds: null,
            rubric_score: null,
            recorded_by: A.staff.ot,
            recorder_role: 'therapist',
            created_at: `${date}T08:30:00.000Z`,
          })
          .execute();
      }
      const linkRoutines = async (routineIds: string[]) => {
        const current = await ot.goals.get({ studentId: A.students.ben, goalId: id });
        await ot.goals.update({
          ...current,
          expectedVersion: current.version,
          studentId: A.students.ben,
          goalId: id,
          routineIds,
        });
        const ben = await ot.student.get({ studentId: A.students.ben });
        return ben.goals.find((g) => g.id === id)!;
      };
      // Not a linked routine: data in "other" alone are not the functional setting.
      const unlinked = await linkRoutines([]);
      expect(unlinked.progress.status).not.toBe('mastered');
      // Linking the routine re-summarises the goal: the same three sessions now master it.
      const linked = await linkRoutines([A.routines.arrival]);
      expect(linked.progress.status).toBe('mastered');
      expect(linked.masteryRuleText).toMatch(/classroom or the goal's linked routine/);
      const summary = await conn.db
        .selectFrom('goal_summary')
        .select('summary')
        .where('district_id', '=', A.district)
        .where('goal_id', '=', id)
        .executeTakeFirstOrThrow();
      expect(JSON.parse(summary.summary).masteryMet).toBe(true);
    });

    it('does not find a goal through another student, or edit another discipline’s goal', async () => {
      const ot = await as(conn, emails.ot);
      // Ben's goal asked for under Ava (both in the OT's scope): not found, like a missing id.
      for (const goalId of [A.goals.benFineMotor, 'no-such-goal']) {
        await expect(ot.goals.get({ studentId: A.students.ava, goalId })).rejects.toMatchObject({
          code: 'NOT_FOUND',
          message: GOAL_NOT_FOUND,
        });
      }
      const artic = await (await as(conn, emails.slp)).goals.get({
        studentId: A.students.ava,
        goalId: A.goals.avaArtic,
      });
      const err = await ot.goals
        .update({
          ...artic,
          expectedVersion: artic.version,
          studentId: A.students.ava,
          goalId: A.goals.avaArtic,
          discipline: 'OT',
        })
        .catch((e) => e);
      expect(err.code).toBe('BAD_REQUEST');
      expect(fieldsOf(err)).toHaveProperty('discipline');
    });

    it("offers the routines of the student's own classroom, telling same-named classrooms apart", async () => {
      const d = A.district;
      // Another Room 12 at the same school and grade, with its own teacher and routine.
      await conn.db
        .insertInto('classroom')
        .values({
          district_id: d,
          id: 'cls-n2-other',
          school_id: A.schools.north,
          teacher_id: A.staff.admin,
          grade: '2',
          name: 'Room 12',
        })
        .execute();
      await conn.db
        .insertInto('routine')
        .values({
          district_id: d,
          id: 'rt-other-arrival',
          classroom_id: 'cls-n2-other',
          name: 'arrival',
          weekdays: '1,2,3,4,5',
          start_time: '08:05',
          end_time: '08:25',
        })
        .execute();
      const ot = await as(conn, emails.ot);
      const before = await ot.goals.formContext({ studentId: A.students.ava });
      expect(before.routines.map((r) => r.id)).not.toContain('rt-other-arrival');
      expect(new Set(before.routines.map((r) => r.classroom))).toEqual(new Set(['Room 12']));
      // Linked once (a goal from before a move): then it shows, and both rooms carry a name.
      await ot.goals.create(
        newGoal({ studentId: A.students.ava, routineIds: ['rt-other-arrival'] }),
      );
      const after = await ot.goals.formContext({ studentId: A.students.ava });
      const label = (id: string) => after.routines.find((r) => r.id === id)?.classroom;
      expect(label(A.routines.arrival)).toBe('Room 12 · Tara Teacher');
      expect(label('rt-other-arrival')).toBe('Room 12 · Ada Admin');
    });
  });
}
