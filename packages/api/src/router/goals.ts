import {
  type AuditInput,
  findGoalOfStudent,
  insertGoal,
  insertGoalModelChange,
  insertPhaseChange,
  loadGoalFormContext,
  newId,
  recordAuditMany,
  replaceGoalRoutines,
  routinesOfStudentSchool,
  serviceForDiscipline,
  updateGoalRow,
} from '@carryover/db';
import {
  classroomLabels,
  type Direction,
  type Discipline,
  effectiveDateProblem,
  GoalCreateInput,
  type GoalEditView,
  type GoalFormContext,
  GoalGetInput,
  type GoalPhase,
  GoalUpdateInput,
  goalDatesProblem,
  goalDirection,
  MasteryRule,
  type MeasurementType,
  type Role,
  type ServiceModel,
} from '@carryover/domain';
import { TRPCError, type TRPCRouterRecord } from '@trpc/server';
import type { z } from 'zod';
import { recordDenied } from '../audit';
import { editorOf, writeAtVersion } from '../conflict';
import { assertStudentInScope, STUDENT_NOT_FOUND, studentProcedure } from '../scope';
import { type Context, fieldError, roles, todayFor, type Viewer } from '../trpc';

// Goals: the edit form's data, create and edit. Therapists write goals of their own
// discipline; coordinators and admins any. Phase and model changes are kept as history.

export const GOAL_NOT_FOUND = 'Goal not found';
export const GOAL_WRITERS: Role[] = ['therapist', 'coordinator', 'admin'];

type Ctx = Pick<Context, 'db' | 'now' | 'log'> & { viewer: Viewer };

/** A refusal of a write about a student: audited as denied, answered as a field error. */
async function refuse(
  ctx: Ctx,
  path: string,
  studentId: string,
  field: string,
  message: string,
): Promise<never> {
  await recordDenied(ctx, { action: path, entity: 'goal', studentId });
  return fieldError(field, message);
}

function audit(ctx: Ctx, action: string, goalId: string, studentId: string): AuditInput {
  return {
    districtId: ctx.viewer.districtId,
    actorId: ctx.viewer.id,
    action,
    entity: 'goal',
    entityId: goalId,
    studentId,
    outcome: 'ok',
    at: ctx.now().toISOString(),
  };
}

/** A therapist writes goals of their own discipline only. */
async function assertDiscipline(
  ctx: Ctx,
  discipline: string,
  path: string,
  studentId: string,
): Promise<void> {
  if (ctx.viewer.role !== 'therapist' || ctx.viewer.discipline === discipline) return;
  await refuse(
    ctx,
    path,
    studentId,
    'discipline',
    `You write ${ctx.viewer.discipline ?? 'your own discipline'}'s goals; ask the ${discipline} to change this one.`,
  );
}

type Fields = z.output<typeof GoalCreateInput>;

function goalColumns(input: Fields) {
  return {
    discipline: input.discipline,
    domain: input.domain,
    text: input.text,
    measurement_type: input.measurementType,
    baseline: input.baseline,
    target: input.target,
    direction: goalDirection(input),
    rubric_max: input.measurementType === 'rubric' ? (input.rubricMax ?? null) : null,
    mastery_rule: JSON.stringify(input.masteryRule),
    start_date: input.startDate,
    target_date: input.targetDate,
    phase: input.phase,
    current_model: input.currentModel,
  };
}

async function checkRoutines(
  ctx: Ctx,
  path: string,
  studentId: string,
  routineIds: readonly string[],
) {
  const valid = await routinesOfStudentSchool(ctx.db, ctx.viewer.districtId, studentId, routineIds);
  if (routineIds.some((id) => !valid.has(id))) {
    await refuse(ctx, path, studentId, 'routineIds', "Choose routines of the student's school");
  }
}

export const goalsRouter = {
  /** The goal form's choices: routines of the student's school and their services' disciplines. */
  formContext: studentProcedure.query(async ({ ctx, input }): Promise<GoalFormContext> => {
    const data = await loadGoalFormContext(ctx.db, ctx.viewer.districtId, input.studentId);
    if (!data) throw new TRPCError({ code: 'NOT_FOUND', message: STUDENT_NOT_FOUND });
    const homeroom = data.student.homeroom_id;
    const routines = [...data.routines].sort(
      (a, b) => Number(b.classroom_id === homeroom) - Number(a.classroom_id === homeroom),
    );
    const classrooms = classroomLabels(
      routines.map((r) => ({
        id: r.classroom_id,
        name: r.classroom_name,
        teacherName: r.teacher_name,
      })),
    );
    return {
      studentId: data.student.id,
      studentName: `${data.student.first_name} ${data.student.last_name}`,
      routines: routines.map((r) => ({
        id: r.id,
        name: r.name,
        classroom: classrooms.get(r.classroom_id) ?? r.classroom_name,
        startTime: r.start_time,
      })),
      disciplines: data.disciplines as Discipline[],
    };
  }),

  get: studentProcedure.input(GoalGetInput).query(async ({ ctx, input }): Promise<GoalEditView> => {
    const found = await findGoalOfStudent(
      ctx.db,
      ctx.viewer.districtId,
      input.studentId,
      input.goalId,
    );
    if (!found) throw new TRPCError({ code: 'NOT_FOUND', message: GOAL_NOT_FOUND });
    const g = found.goal;
    let masteryRule: MasteryRule;
    try {
      masteryRule = MasteryRule.parse(JSON.parse(g.mastery_rule));
    } catch {
      masteryRule = MasteryRule.parse({});
    }
    return {
      id: g.id,
      studentId: g.student_id,
      discipline: g.discipline as Discipline,
      domain: g.domain as GoalEditView['domain'],
      text: g.text,
      measurementType: g.measurement_type as MeasurementType,
      baseline: g.baseline,
      target: g.target,
      direction: g.direction as Direction,
      rubricMax: g.rubric_max,
      masteryRule,
      startDate: g.start_date,
      targetDate: g.target_date,
      phase: g.phase as GoalPhase,
      currentModel: g.current_model as ServiceModel,
      routineIds: found.routineIds,
      version: Number(g.version),
    };
  }),

  create: roles(...GOAL_WRITERS)
    .input(GoalCreateInput)
    .mutation(async ({ ctx, input, path }) => {
      await assertStudentInScope(ctx, input.studentId, path);
      await assertDiscipline(ctx, input.discipline, path, input.studentId);
      await checkRoutines(ctx, path, input.studentId, input.routineIds);
      const d = ctx.viewer.districtId;
      const today = todayFor(ctx);
      const datesProblem = goalDatesProblem(input, today);
      if (datesProblem)
        await refuse(ctx, path, input.studentId, datesProblem.field, datesProblem.message);
      const serviceId = await serviceForDiscipline(
        ctx.db,
        d,
        input.studentId,
        input.discipline,
        today,
      );
      const id = newId();
      await ctx.db.transaction().execute(async (trx) => {
        await insertGoal(
          trx,
          {
            district_id: d,
            id,
            student_id: input.studentId,
            service_id: serviceId,
            ...goalColumns(input),
            created_at: ctx.now().toISOString(),
          },
          input.routineIds,
          { id: newId(), changedOn: input.startDate, changedBy: ctx.viewer.id },
        );
        await recordAuditMany(trx, [audit(ctx, path, id, input.studentId)]);
      });
      return { id };
    }),

  update: roles(...GOAL_WRITERS)
    .input(GoalUpdateInput)
    .mutation(async ({ ctx, input, path }) => {
      await assertStudentInScope(ctx, input.studentId, path);
      const d = ctx.viewer.districtId;
      const found = await findGoalOfStudent(ctx.db, d, input.studentId, input.goalId);
      if (!found) {
        await recordDenied(ctx, {
          action: path,
          entity: 'goal',
          entityId: input.goalId,
          studentId: input.studentId,
        });
        throw new TRPCError({ code: 'NOT_FOUND', message: GOAL_NOT_FOUND });
      }
      const before = found.goal;
      // Both the goal's discipline now and the one it would get must be the therapist's own.
      await assertDiscipline(ctx, before.discipline, path, input.studentId);
      await assertDiscipline(ctx, input.discipline, path, input.studentId);
      await checkRoutines(ctx, path, input.studentId, input.routineIds);
      const modelChanged = before.current_model !== input.currentModel;
      const reason = input.modelChangeReason?.trim() ?? '';
      if (modelChanged && reason.length < 3) {
        await refuse(
          ctx,
          path,
          input.studentId,
          'modelChangeReason',
          'Say why the model changes (it is kept with the change)',
        );
      }
      const today = todayFor(ctx);
      // A goal's stored dates stay as they are; changed ones must be plausible.
      const datesChanged =
        before.start_date !== input.startDate || before.target_date !== input.targetDate;
      const datesProblem = datesChanged ? goalDatesProblem(input, today) : null;
      if (datesProblem)
        await refuse(ctx, path, input.studentId, datesProblem.field, datesProblem.message);
      const effective = input.effectiveDate ?? today;
      const effectiveProblem = input.effectiveDate
        ? effectiveDateProblem(input.effectiveDate, input.startDate, today)
        : null;
      if (effectiveProblem)
        await refuse(ctx, path, input.studentId, 'effectiveDate', effectiveProblem);
      // Sorted here, not by SQL: Postgres collations order ids differently from JS.
      const routinesChanged =
        [...new Set(input.routineIds)].sort().join() !== [...found.routineIds].sort().join();
      const target = {
        action: path,
        entity: 'goal',
        entityId: input.goalId,
        studentId: input.studentId,
      };
      const version = await writeAtVersion(ctx, target, async (trx) => {
        const saved = await updateGoalRow(
          trx,
          d,
          input.goalId,
          input.expectedVersion,
          goalColumns(input),
          editorOf(ctx),
          routinesChanged ? ['routines'] : [],
        );
        await replaceGoalRoutines(trx, d, input.goalId, input.routineIds);
        if (before.phase !== input.phase) {
          await insertPhaseChange(trx, {
            district_id: d,
            id: newId(),
            goal_id: input.goalId,
            phase: input.phase,
            changed_on: effective,
            changed_by: ctx.viewer.id,
          });
        }
        if (modelChanged) {
          await insertGoalModelChange(trx, {
            district_id: d,
            id: newId(),
            goal_id: input.goalId,
            service_id: null,
            from_model: before.current_model,
            to_model: input.currentModel,
            changed_on: effective,
            reason,
            changed_by: ctx.viewer.id,
            created_at: ctx.now().toISOString(),
          });
        }
        await recordAuditMany(trx, [audit(ctx, path, input.goalId, input.studentId)]);
        return saved.version;
      });
      return { id: input.goalId, version };
    }),
} satisfies TRPCRouterRecord;
