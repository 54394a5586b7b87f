import { deleteGoalTemplate, insertGoalTemplate, listGoalTemplates, newId } from '@carryover/db';
import {
  type Direction,
  type Discipline,
  GoalBankListInput,
  type GoalDomain,
  type GoalTemplate,
  GoalTemplateCreateInput,
  GoalTemplateRemoveInput,
  goalBank,
  type MeasurementType,
  searchGoalTemplates,
} from '@carryover/domain';
import { TRPCError, type TRPCRouterRecord } from '@trpc/server';
import { recordDenied, recordEvent } from '../audit';
import { roles } from '../trpc';
import { GOAL_WRITERS } from './goals';

// The goal bank (issue 16): the built-in templates and the district's own, searched together.
// Anyone who writes goals reads it; only the district's admin adds or removes its templates.
// Templates hold no student data; adding and removing them is audited like other admin changes.

export const TEMPLATE_NOT_FOUND = 'Template not found';

function parseRoutines(stored: string): string[] {
  try {
    const value: unknown = JSON.parse(stored);
    return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
  } catch {
    return [];
  }
}

export const goalBankRouter = {
  /** Built-in and district templates matching the search, the district's first. */
  list: roles(...GOAL_WRITERS)
    .meta({ cost: 'cheapRead' })
    .input(GoalBankListInput)
    .query(async ({ ctx, input }): Promise<GoalTemplate[]> => {
      const rows = await listGoalTemplates(ctx.db, ctx.viewer.districtId);
      const district: GoalTemplate[] = rows.map((r) => ({
        id: r.id,
        discipline: r.discipline as Discipline,
        domain: r.domain as GoalDomain,
        text: r.text,
        measurementType: r.measurement_type as MeasurementType,
        baseline: r.baseline,
        target: r.target,
        direction: r.direction as Direction | null,
        rubricMax: r.rubric_max,
        routines: parseRoutines(r.routines),
        source: 'district',
        createdByName: r.created_by_name,
      }));
      const builtIn = goalBank.map((t) => ({ ...t, source: 'built_in' as const }));
      return searchGoalTemplates([...district, ...builtIn], input ?? {});
    }),

  create: roles('admin')
    .meta({ cost: 'write' })
    .input(GoalTemplateCreateInput)
    .mutation(async ({ ctx, input, path }) => {
      const id = newId();
      await ctx.db.transaction().execute(async (trx) => {
        await insertGoalTemplate(trx, {
          district_id: ctx.viewer.districtId,
          id,
          discipline: input.discipline,
          domain: input.domain,
          text: input.text,
          measurement_type: input.measurementType,
          baseline: input.baseline,
          target: input.target,
          direction: input.direction ?? null,
          rubric_max: input.measurementType === 'rubric' ? (input.rubricMax ?? null) : null,
          routines: JSON.stringify(input.routines),
          created_by: ctx.viewer.id,
          created_at: ctx.now().toISOString(),
        });
        await recordEvent(
          { ...ctx, db: trx },
          { action: path, entity: 'goal_template', entityId: id },
          'ok',
        );
      });
      return { id };
    }),

  /** A district template; another district's, or a built-in one, is NOT_FOUND. */
  remove: roles('admin')
    .meta({ cost: 'write' })
    .input(GoalTemplateRemoveInput)
    .mutation(async ({ ctx, input, path }) => {
      const target = { action: path, entity: 'goal_template', entityId: input.templateId };
      const removed = await ctx.db.transaction().execute(async (trx) => {
        const done = await deleteGoalTemplate(trx, ctx.viewer.districtId, input.templateId);
        if (done) await recordEvent({ ...ctx, db: trx }, target, 'ok');
        return done;
      });
      if (!removed) {
        await recordDenied(ctx, target);
        throw new TRPCError({ code: 'NOT_FOUND', message: TEMPLATE_NOT_FOUND });
      }
      return { ok: true as const };
    }),
} satisfies TRPCRouterRecord;
