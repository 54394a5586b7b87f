import { z } from 'zod';
import { Discipline, GoalDomain, Id, IsoDate, ServiceModel } from './model';

// Inputs of the coordinator's Outcomes (push-in vs pull-out) and Workload views. The API
// enforces them; the web page checks its filters with the same messages.

export const gradeBands = ['PK', 'K–2', '3–5', '6–8', '9–12'] as const;
export const GradeBand = z.enum(gradeBands, { error: 'Choose a grade band from the list' });
export type GradeBand = z.infer<typeof GradeBand>;

/** The floors a user may choose for "insufficient data": fewest students under a model. */
export const outcomeFloors = [5, 10, 20, 30] as const;
export const DEFAULT_OUTCOME_FLOOR = 10;

const optionalDate = (label: string) =>
  IsoDate.optional()
    .or(z.literal('').transform(() => undefined))
    .describe(label);

export const OutcomesFilterInput = z
  .object({
    schoolId: Id.optional(),
    discipline: Discipline.optional(),
    domain: GoalDomain.optional(),
    gradeBand: GradeBand.optional(),
    from: optionalDate('First day'),
    to: optionalDate('Last day'),
    minStudents: z
      .number()
      .int()
      .refine((n) => (outcomeFloors as readonly number[]).includes(n), {
        message: `Choose ${outcomeFloors.join(', ')} students`,
      })
      .default(DEFAULT_OUTCOME_FLOOR),
  })
  .superRefine((f, ctx) => {
    if (f.from && f.to && f.to < f.from)
      ctx.addIssue({ code: 'custom', path: ['to'], message: 'The range ends before it starts' });
  });
export type OutcomesFilterInput = z.input<typeof OutcomesFilterInput>;
export type OutcomesFilter = z.output<typeof OutcomesFilterInput>;

export const StratumDimensionInput = z.enum(['discipline_domain', 'grade_band', 'school']);
export const OutcomeInput = z.enum(['all', 'therapy_room', 'classroom']);

/** The episodes behind one number: a model, optionally within one stratum and one outcome. */
export const OutcomesEpisodesInput = z.object({
  filters: OutcomesFilterInput,
  model: ServiceModel.optional(),
  stratum: z
    .object({ dimension: StratumDimensionInput, key: z.string().min(1).max(200) })
    .optional(),
  outcome: OutcomeInput.default('all'),
});
export type OutcomesEpisodesInput = z.input<typeof OutcomesEpisodesInput>;

/** Workload: a reporting period by id, else the current one. */
export const WorkloadInput = z.object({ periodId: Id.optional() }).optional();
export type WorkloadInput = z.input<typeof WorkloadInput>;
