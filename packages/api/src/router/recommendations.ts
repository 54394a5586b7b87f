import {
  applyModelChange,
  insertPlan,
  insertRecommendationDecision,
  loadRecommendationInputs,
  newId,
  type RecommendationInputs,
  recordAuditMany,
} from '@carryover/db';
import {
  addDays,
  type Discipline,
  dateIn,
  type GoalDomain,
  type IsoDate,
  PLAN_REVIEW_DAYS,
  type Recommendation,
  RecommendationAcceptInput,
  RecommendationDismissInput,
  type RecommendationRule,
  recommendationsFor,
  type ServiceModel,
  StudentGetInput,
} from '@carryover/domain';
import { TRPCError, type TRPCRouterRecord } from '@trpc/server';
import { recordDenied, recordStudentReads } from '../audit';
import { assertStudentInScope } from '../scope';
import { type Context, fieldError, roles, todayFor, type Viewer, zoneFor } from '../trpc';
import { goalSpecOf, pointOf } from '../views';
import { GOAL_WRITERS } from './goals';

// Recommendations (issue 7): explainable rules from @carryover/domain run on each active goal's
// data. Accepting one creates the model change (and a draft push-in plan where it pushes in at a
// routine of the student's classroom); dismissing keeps the reason, and the recommendation stays
// hidden until the goal has new data after the dismissal.

type Ctx = Pick<Context, 'db' | 'now' | 'log'> & { viewer: Viewer };

export interface GoalRecommendations {
  studentId: string;
  studentName: string;
  goalId: string;
  goalText: string;
  domain: GoalDomain;
  discipline: Discipline;
  currentModel: ServiceModel;
  /**
   * Why the viewer may read but not act on these (a therapist of another discipline); null when
   * they may accept or dismiss. The page shows it in place of the buttons.
   */
  readOnlyReason: string | null;
  recommendations: (Recommendation & { goalId: string })[];
}

/** The words a therapist of another discipline reads instead of accept and dismiss. */
export function otherDisciplineWords(discipline: string): string {
  return `Read only: the ${discipline} therapist decides on ${discipline} goals.`;
}

/** Null when the viewer may decide on a goal of this discipline; else why not, in words. */
function readOnlyReasonFor(viewer: Pick<Viewer, 'role' | 'discipline'>, discipline: string) {
  return viewer.role === 'therapist' && viewer.discipline !== discipline
    ? otherDisciplineWords(discipline)
    : null;
}

export function computeRecommendations(
  data: RecommendationInputs,
  viewer: Pick<Viewer, 'role' | 'discipline'>,
  /** The district's zone: a dismissal at 7 pm in Chicago is dated that day there. */
  timeZone: string,
): GoalRecommendations[] {
  const out: GoalRecommendations[] = [];
  const students = new Map(data.students.map((s) => [s.id, s]));
  for (const goal of data.goals) {
    const student = students.get(goal.student_id);
    if (!student) continue;
    const spec = goalSpecOf(goal);
    const points = data.observations
      .filter((o) => o.goal_id === goal.id)
      .flatMap((o) => pointOf(spec, o) ?? []);
    const lastData: IsoDate =
      points
        .map((p) => p.date)
        .sort()
        .at(-1) ?? '';
    const recs = recommendationsFor({
      spec,
      domain: goal.domain as GoalDomain,
      currentModel: goal.current_model as ServiceModel,
      points,
      linkedRoutines: data.linked
        .filter((r) => r.goal_id === goal.id && r.classroom_id === student.homeroom_id)
        .map((r) => ({ id: r.id, name: r.name, classroom: r.classroom })),
      homeroomRoutines: data.homeroom
        .filter((r) => r.classroom_id === student.homeroom_id)
        .map((r) => ({ id: r.id, name: r.name, classroom: r.classroom })),
    }).filter(
      (rec) =>
        !data.decisions.some(
          (dec) =>
            dec.goal_id === goal.id &&
            dec.rule === rec.rule &&
            dec.decision === 'dismissed' &&
            dateIn(new Date(dec.decided_at), timeZone) >= lastData,
        ),
    );
    if (recs.length === 0) continue;
    out.push({
      studentId: student.id,
      studentName: `${student.first_name} ${student.last_name}`,
      goalId: goal.id,
      goalText: goal.text,
      domain: goal.domain as GoalDomain,
      discipline: goal.discipline as Discipline,
      currentModel: goal.current_model as ServiceModel,
      readOnlyReason: readOnlyReasonFor(viewer, goal.discipline),
      recommendations: recs.map((r) => ({ ...r, goalId: goal.id })),
    });
  }
  return out;
}

/** The recommendation as it fires now, or a field error (it may have been acted on already). */
async function current(
  ctx: Ctx,
  path: string,
  studentId: string,
  goalId: string,
  rule: RecommendationRule,
) {
  const data = await loadRecommendationInputs(ctx.db, ctx.viewer, todayFor(ctx), studentId);
  const goal = data.goals.find((g) => g.id === goalId);
  const rec = computeRecommendations(data, ctx.viewer, zoneFor(ctx))
    .find((g) => g.goalId === goalId)
    ?.recommendations.find((r) => r.rule === rule);
  if (!goal || !rec) {
    await recordDenied(ctx, { action: path, entity: 'goal', entityId: goalId, studentId });
    fieldError('rule', 'This recommendation no longer applies to the goal');
  }
  const readOnly = readOnlyReasonFor(ctx.viewer, goal.discipline);
  if (readOnly) {
    await recordDenied(ctx, { action: path, entity: 'goal', entityId: goalId, studentId });
    // FORBIDDEN with the reason as its message: a field error would read "Invalid input: goalId".
    throw new TRPCError({ code: 'FORBIDDEN', message: readOnly });
  }
  const student = data.students.find((s) => s.id === studentId)!;
  return { goal, rec, student };
}

export const recommendationsRouter = {
  list: roles(...GOAL_WRITERS)
    .input(StudentGetInput.partial().optional())
    .query(async ({ ctx, input, path }) => {
      if (input?.studentId) await assertStudentInScope(ctx, input.studentId, path);
      const data = await loadRecommendationInputs(
        ctx.db,
        ctx.viewer,
        todayFor(ctx),
        input?.studentId,
      );
      const goals = computeRecommendations(data, ctx.viewer, zoneFor(ctx));
      await recordStudentReads(ctx, path, [...new Set(goals.map((g) => g.studentId))]);
      return goals;
    }),

  accept: roles(...GOAL_WRITERS)
    .input(RecommendationAcceptInput)
    .mutation(async ({ ctx, input, path }) => {
      await assertStudentInScope(ctx, input.studentId, path);
      const { goal, rec, student } = await current(
        ctx,
        path,
        input.studentId,
        input.goalId,
        input.rule,
      );
      const d = ctx.viewer.districtId;
      const today = todayFor(ctx);
      const at = ctx.now().toISOString();
      const routine = rec.change.routine;
      // A plan belongs to a therapist: the one accepting, else the goal's service provider.
      let therapistId: string | null = ctx.viewer.role === 'therapist' ? ctx.viewer.id : null;
      if (!therapistId && goal.service_id) {
        const svc = await ctx.db
          .selectFrom('service')
          .select('provider_id')
          .where('district_id', '=', d)
          .where('id', '=', goal.service_id)
          .executeTakeFirst();
        therapistId = svc?.provider_id ?? null;
      }
      const draftPlan =
        rec.change.draftsPlan && routine && student.homeroom_id && therapistId
          ? { id: newId(), routineId: routine.id, classroomId: student.homeroom_id, therapistId }
          : null;
      await ctx.db.transaction().execute(async (trx) => {
        await applyModelChange(
          trx,
          {
            districtId: d,
            id: newId(),
            goalId: goal.id,
            serviceId: null,
            fromModel: goal.current_model,
            toModel: rec.change.toModel,
            changedOn: today,
            reason: `Recommendation accepted — ${rec.title}: ${rec.evidence}`,
            changedBy: ctx.viewer.id,
            createdAt: at,
          },
          null,
        );
        await insertRecommendationDecision(trx, {
          district_id: d,
          id: newId(),
          goal_id: goal.id,
          rule: rec.rule,
          decision: 'accepted',
          reason: null,
          decided_by: ctx.viewer.id,
          decided_at: at,
        });
        if (draftPlan) {
          await insertPlan(trx, {
            district_id: d,
            id: draftPlan.id,
            student_id: input.studentId,
            classroom_id: draftPlan.classroomId,
            therapist_id: draftPlan.therapistId,
            routine_id: draftPlan.routineId,
            therapist_role: '',
            teacher_role: '',
            strategies: '',
            activities: '',
            agreed_on: today,
            review_on: addDays(today, PLAN_REVIEW_DAYS),
            status: 'draft',
            acknowledged_at: null,
            acknowledged_by: null,
            created_at: at,
          });
        }
        await recordAuditMany(trx, [
          {
            districtId: d,
            actorId: ctx.viewer.id,
            action: path,
            entity: 'goal',
            entityId: goal.id,
            studentId: input.studentId,
            outcome: 'ok',
            at,
          },
        ]);
      });
      return { planId: draftPlan?.id ?? null, toModel: rec.change.toModel };
    }),

  dismiss: roles(...GOAL_WRITERS)
    .input(RecommendationDismissInput)
    .mutation(async ({ ctx, input, path }) => {
      await assertStudentInScope(ctx, input.studentId, path);
      const { goal, rec } = await current(ctx, path, input.studentId, input.goalId, input.rule);
      const d = ctx.viewer.districtId;
      const at = ctx.now().toISOString();
      await ctx.db.transaction().execute(async (trx) => {
        await insertRecommendationDecision(trx, {
          district_id: d,
          id: newId(),
          goal_id: goal.id,
          rule: rec.rule,
          decision: 'dismissed',
          reason: input.reason,
          decided_by: ctx.viewer.id,
          decided_at: at,
        });
        await recordAuditMany(trx, [
          {
            districtId: d,
            actorId: ctx.viewer.id,
            action: path,
            entity: 'goal',
            entityId: goal.id,
            studentId: input.studentId,
            outcome: 'ok',
            at,
          },
        ]);
      });
      return { ok: true };
    }),
} satisfies TRPCRouterRecord;
