import {
  acknowledgePlan,
  findPlanRow,
  findRoutine,
  insertPlan,
  listPlans,
  newId,
  type PlanRow,
  recordAuditMany,
  studentHomeroom,
  updateAtVersion,
} from '@carryover/db';
import {
  addDays,
  type IsoDate,
  PlanIdInput,
  PlanListInput,
  PushInPlanSaveInput,
  parseWeekdays,
} from '@carryover/domain';
import { TRPCError, type TRPCRouterRecord } from '@trpc/server';
import { recordDenied, recordStudentReads } from '../audit';
import { editorOf, writeAtVersion } from '../conflict';
import { assertStudentInScope } from '../scope';
import {
  type Context,
  fieldError,
  protectedProcedure,
  roles,
  todayFor,
  type Viewer,
} from '../trpc';

// Push-in plans (issue 7): the agreement between therapist and teacher for one student at one
// routine. Therapists write plans for students they serve, at a routine of the student's
// classroom; the classroom's teacher acknowledges them; both see when a review is due.

export const PLAN_NOT_FOUND = 'Push-in plan not found';
/** A review this close (or past) is shown as due. */
export const REVIEW_DUE_DAYS = 14;

type Ctx = Pick<Context, 'db' | 'now' | 'log'> & { viewer: Viewer };

export function planView(p: PlanRow, today: IsoDate) {
  return {
    id: p.id,
    studentId: p.student_id,
    studentName: `${p.first_name} ${p.last_name}`,
    classroomId: p.classroom_id,
    classroom: p.classroom_name,
    routineId: p.routine_id,
    routineName: p.routine_name,
    weekdays: parseWeekdays(p.weekdays),
    startTime: p.start_time,
    endTime: p.end_time,
    therapistId: p.therapist_id,
    therapistName: p.therapist_name,
    therapistDiscipline: p.therapist_discipline,
    teacherName: p.teacher_name ?? null,
    therapistRole: p.therapist_role,
    teacherRole: p.teacher_role,
    strategies: p.strategies,
    activities: p.activities,
    agreedOn: p.agreed_on,
    reviewOn: p.review_on,
    status: (p.status ?? 'agreed') as 'draft' | 'agreed',
    reviewDue: p.review_on <= addDays(today, REVIEW_DUE_DAYS),
    acknowledgedAt: p.acknowledged_at,
    acknowledgedByName: p.acknowledged_by_name ?? null,
    /** Sent back with an edit: a save over a newer version is refused. */
    version: Number(p.version),
  };
}
export type PlanView = ReturnType<typeof planView>;

function auditRow(ctx: Ctx, action: string, planId: string, studentId: string) {
  return {
    districtId: ctx.viewer.districtId,
    actorId: ctx.viewer.id,
    action,
    entity: 'push_in_plan',
    entityId: planId,
    studentId,
    outcome: 'ok' as const,
    at: ctx.now().toISOString(),
  };
}

async function planNotFound(ctx: Ctx, path: string, planId: string): Promise<never> {
  await recordDenied(ctx, { action: path, entity: 'push_in_plan', entityId: planId });
  throw new TRPCError({ code: 'NOT_FOUND', message: PLAN_NOT_FOUND });
}

export const plansRouter = {
  list: protectedProcedure.input(PlanListInput).query(async ({ ctx, input, path }) => {
    if (input?.studentId) await assertStudentInScope(ctx, input.studentId, path);
    const today = todayFor(ctx);
    const rows = await listPlans(ctx.db, ctx.viewer, today, { studentId: input?.studentId });
    await recordStudentReads(ctx, path, [...new Set(rows.map((r) => r.student_id))]);
    return { today, plans: rows.map((r) => planView(r, today)) };
  }),

  get: protectedProcedure.input(PlanIdInput).query(async ({ ctx, input, path }) => {
    const today = todayFor(ctx);
    const [row] = await listPlans(ctx.db, ctx.viewer, today, { planId: input.planId });
    if (!row) return planNotFound(ctx, path, input.planId);
    await recordStudentReads(ctx, path, [row.student_id]);
    return { today, plan: planView(row, today), canAcknowledge: row.teacher_id === ctx.viewer.id };
  }),

  save: roles('therapist')
    .input(PushInPlanSaveInput)
    .mutation(async ({ ctx, input, path }) => {
      const d = ctx.viewer.districtId;
      await assertStudentInScope(ctx, input.studentId, path);
      if (input.planId) {
        const existing = await findPlanRow(ctx.db, d, input.planId);
        if (
          !existing ||
          existing.therapist_id !== ctx.viewer.id ||
          existing.student_id !== input.studentId
        ) {
          return planNotFound(ctx, path, input.planId);
        }
      }
      const homeroom = await studentHomeroom(ctx.db, d, input.studentId);
      const routine = await findRoutine(ctx.db, d, input.routineId);
      if (!routine || homeroom === null || routine.classroom_id !== homeroom) {
        await recordDenied(ctx, {
          action: path,
          entity: 'push_in_plan',
          entityId: input.planId ?? null,
          studentId: input.studentId,
        });
        fieldError('routineId', "Choose a routine of the student's classroom");
      }
      const id = input.planId ?? newId();
      const fields = {
        classroom_id: routine.classroom_id,
        routine_id: routine.id,
        therapist_role: input.therapistRole,
        teacher_role: input.teacherRole,
        strategies: input.strategies,
        activities: input.activities,
        agreed_on: input.agreedOn,
        review_on: input.reviewOn,
        status: 'agreed' as const,
        // A revised plan is a new agreement: the teacher acknowledges it again.
        acknowledged_at: null,
        acknowledged_by: null,
      };
      const target = {
        action: path,
        entity: 'push_in_plan',
        entityId: id,
        studentId: input.studentId,
      };
      const version = await writeAtVersion(ctx, target, async (trx) => {
        let saved = { version: 1 };
        if (input.planId) {
          // The schema requires expectedVersion with a planId.
          const expected = input.expectedVersion ?? 0;
          saved = await updateAtVersion(
            trx,
            'push_in_plan',
            { district_id: d, id },
            expected,
            fields,
            editorOf(ctx),
          );
        } else
          await insertPlan(trx, {
            district_id: d,
            id,
            student_id: input.studentId,
            therapist_id: ctx.viewer.id,
            created_at: ctx.now().toISOString(),
            ...fields,
          });
        await recordAuditMany(trx, [auditRow(ctx, path, id, input.studentId)]);
        return saved.version;
      });
      return { id, version };
    }),

  acknowledge: roles('teacher')
    .input(PlanIdInput)
    .mutation(async ({ ctx, input, path }) => {
      const d = ctx.viewer.districtId;
      const plan = await findPlanRow(ctx.db, d, input.planId);
      if (!plan || plan.teacher_id !== ctx.viewer.id) return planNotFound(ctx, path, input.planId);
      if ((plan.status ?? 'agreed') === 'draft') {
        await recordDenied(ctx, {
          action: path,
          entity: 'push_in_plan',
          entityId: plan.id,
          studentId: plan.student_id,
        });
        fieldError('planId', 'This plan is a draft: agree its roles with the therapist first');
      }
      await ctx.db.transaction().execute(async (trx) => {
        await acknowledgePlan(trx, d, plan.id, editorOf(ctx));
        await recordAuditMany(trx, [auditRow(ctx, path, plan.id, plan.student_id)]);
      });
      return { id: plan.id };
    }),
} satisfies TRPCRouterRecord;
