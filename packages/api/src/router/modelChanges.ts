import {
  applyModelChange,
  findGoalOfStudent,
  findServiceOfStudent,
  newId,
  recordAuditMany,
} from '@carryover/db';
import { ModelChangeInput } from '@carryover/domain';
import { TRPCError, type TRPCRouterRecord } from '@trpc/server';
import { recordDenied } from '../audit';
import { assertStudentInScope } from '../scope';
import { type Context, fieldError, roles, type Viewer } from '../trpc';
import { GOAL_NOT_FOUND, GOAL_WRITERS } from './goals';

// Model changes (issue 7): a goal's or a service's delivery model changes on a date for a
// reason; the history is kept and drawn on the goal graph. A service may become a split with
// minutes per model that add up to its mandate. Therapists change their own discipline's.

export const SERVICE_NOT_FOUND = 'Service not found';

type Ctx = Pick<Context, 'db' | 'now' | 'log'> & { viewer: Viewer };

async function ownDiscipline(ctx: Ctx, path: string, studentId: string, discipline: string) {
  if (ctx.viewer.role !== 'therapist' || ctx.viewer.discipline === discipline) return;
  await recordDenied(ctx, { action: path, entity: 'model_change', studentId });
  fieldError('goalId', `Only the ${discipline} changes this model`);
}

export const modelChangesRouter = {
  create: roles(...GOAL_WRITERS)
    .input(ModelChangeInput)
    .mutation(async ({ ctx, input, path }) => {
      const d = ctx.viewer.districtId;
      await assertStudentInScope(ctx, input.studentId, path);
      let fromModel: string;
      let split: { model: string; minutes: number }[] | null = null;
      if (input.goalId) {
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
        await ownDiscipline(ctx, path, input.studentId, found.goal.discipline);
        if (input.split) fieldError('split', "Minutes are split on the goal's service");
        fromModel = found.goal.current_model;
      } else {
        const service = await findServiceOfStudent(ctx.db, d, input.studentId, input.serviceId!);
        if (!service) {
          await recordDenied(ctx, {
            action: path,
            entity: 'service',
            entityId: input.serviceId ?? null,
            studentId: input.studentId,
          });
          throw new TRPCError({ code: 'NOT_FOUND', message: SERVICE_NOT_FOUND });
        }
        await ownDiscipline(ctx, path, input.studentId, service.discipline);
        fromModel = service.model;
        if (input.split) {
          const total = input.split.push_in + input.split.pull_out + input.split.consult;
          if (total !== service.minutes) {
            fieldError(
              'split',
              `The minutes add up to ${total}; the service mandates ${service.minutes} a ${service.per}`,
            );
          }
          split = [
            { model: 'push_in', minutes: input.split.push_in },
            { model: 'pull_out', minutes: input.split.pull_out },
            { model: 'consult', minutes: input.split.consult },
          ];
        }
      }
      if (fromModel === input.toModel && !split) {
        fieldError('toModel', 'That is the model already in force');
      }
      const id = newId();
      const at = ctx.now().toISOString();
      await ctx.db.transaction().execute(async (trx) => {
        await applyModelChange(
          trx,
          {
            districtId: d,
            id,
            goalId: input.goalId ?? null,
            serviceId: input.goalId ? null : (input.serviceId ?? null),
            fromModel,
            toModel: input.toModel,
            changedOn: input.changedOn,
            reason: input.reason,
            changedBy: ctx.viewer.id,
            createdAt: at,
          },
          split,
        );
        await recordAuditMany(trx, [
          {
            districtId: d,
            actorId: ctx.viewer.id,
            action: path,
            entity: 'model_change',
            entityId: id,
            studentId: input.studentId,
            outcome: 'ok',
            at,
          },
        ]);
      });
      return { id };
    }),
} satisfies TRPCRouterRecord;
