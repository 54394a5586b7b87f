import type { GoalDomain, ServiceModel } from '@carryover/domain';

/**
 * What the demo district's outcomes are made of — the "truth" analytics tests must recover.
 *
 * Scale: the normalised score of docs/domain.md, `score = (raw − baseline) / (target − baseline)`
 * (0 = the goal's baseline, 1 = its target; prompt-level and "down" goals are handled by that
 * formula because their target is below their baseline). ROI = expected score change per
 * week, i.e. the share of the baseline→target gap closed per week.
 *
 * For goal g of student s, on day t, in setting σ ∈ {therapy_room, classroom}:
 *
 *   latent_σ(t) = L0 + m_s · m_g · Σ_episodes roi[group(domain)][model][σ] · weeks_in_episode(t)
 *                 − (σ = classroom ? classroomOffset[model in force at t] : 0)
 *   latent is capped at `latentCap`;  observed score = latent + N(0, observationNoiseSd²),
 *   then turned into raw units (binomial trials of 10 for percent; unbiased stochastic
 *   rounding for prompt level, count and rubric; seconds rounded).
 *
 * Weeks count from the later of the goal's start and the school-year start. Goals still in
 * the `baseline` phase do not grow. A `split` goal's ROI and offset are the mean of push-in
 * and pull-out. Analytics clamp scores to [0, 1], which attenuates slopes near either end.
 *
 * Where the effects can be seen: pull-out sessions are in the therapy room, push-in and
 * consult in the classroom, and teachers add classroom probes (session_id null) for every
 * model. So push-in episodes have classroom data only: the articulation effect shows as
 * pull-out room ROI ≈ 0.05 vs push-in (classroom) ROI ≈ 0.03. A teacher probe's `model` is
 * the goal's model in force, which can be `split`. On 300 students to early March
 * (test/demo.test.ts), mean per-goal OLS slopes came out at: functional classroom push-in
 * 0.044 vs pull-out 0.021; articulation pull-out room 0.045 vs push-in 0.029; other domains
 * 0.029 vs 0.030.
 */
export const PLANTED_EFFECTS = {
  scale: 'normalised score: 0 = baseline, 1 = target; ROI = score change per week',
  domainGroups: {
    functional: ['self_care', 'classroom_participation'],
    articulation: ['articulation'],
    other: [
      'fine_motor',
      'handwriting',
      'expressive_language',
      'receptive_language',
      'fluency',
      'social_communication',
      'gross_motor',
      'mobility',
      'sensory_regulation',
      'executive_function',
    ],
  },
  /** ROI (share of gap per week) by domain group, model and setting. */
  roi: {
    // Push-in: +0.020/week in the classroom for functional goals; therapy room equal.
    functional: {
      push_in: { therapy_room: 0.03, classroom: 0.05 },
      pull_out: { therapy_room: 0.03, classroom: 0.03 },
      consult: { therapy_room: 0.015, classroom: 0.015 },
    },
    // Pull-out: +0.020/week in the therapy room for articulation; classroom equal.
    articulation: {
      push_in: { therapy_room: 0.03, classroom: 0.03 },
      pull_out: { therapy_room: 0.05, classroom: 0.03 },
      consult: { therapy_room: 0.015, classroom: 0.015 },
    },
    // No difference between push-in and pull-out.
    other: {
      push_in: { therapy_room: 0.03, classroom: 0.03 },
      pull_out: { therapy_room: 0.03, classroom: 0.03 },
      consult: { therapy_room: 0.015, classroom: 0.015 },
    },
  },
  /**
   * Classroom scores sit this far (score units) below the therapy-room track while the model
   * is in force: the carryover gap is 0.10 larger under pull-out than under push-in.
   */
  classroomOffset: { push_in: 0.05, pull_out: 0.15, consult: 0.1, split: 0.1 },
  /** Per-student multiplier on every ROI of the student: lognormal, mean 1. */
  studentMultiplierSdLog: 0.3,
  /** Per-goal multiplier on ROI: lognormal, mean 1. */
  goalMultiplierSdLog: 0.15,
  /**
   * Level at the year start of goals begun before it: the progress of last year's school weeks
   * (see priorYearLevel in index.ts) plus uniform noise on [0, 0.25]; 0 for new goals.
   */
  initialLevelMax: 0.25,
  observationNoiseSd: 0.08,
  latentCap: 1.1,
  /**
   * Models are not assigned at random: a service with a functional goal is more often push-in,
   * one with an articulation goal more often pull-out. Assignment does not depend on the
   * student or goal multipliers, so comparisons within a domain group are unbiased.
   */
  modelChangeShareOfServices: 0.15,
} as const;

export type DomainGroup = keyof typeof PLANTED_EFFECTS.roi;

type SettingRoi = { therapy_room: number; classroom: number };

/**
 * The shape of PLANTED_EFFECTS with plain numbers, so simulations can plant other effects
 * (`DemoOptions.effects`). The demo itself always uses PLANTED_EFFECTS.
 */
export interface PlantedEffects {
  roi: Record<DomainGroup, Record<'push_in' | 'pull_out' | 'consult', SettingRoi>>;
  classroomOffset: Record<ServiceModel, number>;
  studentMultiplierSdLog: number;
  goalMultiplierSdLog: number;
  initialLevelMax: number;
  /**
   * Simulation only (absent in the demo): the initial level is uniform on
   * [initialLevelMin, initialLevelMax] for every goal, new goals included, so validation runs
   * can keep scores away from the clamp at 0.
   */
  initialLevelMin?: number;
  observationNoiseSd: number;
  latentCap: number;
}

export function resolveEffects(overrides?: Partial<PlantedEffects>): PlantedEffects {
  return { ...(PLANTED_EFFECTS as unknown as PlantedEffects), ...overrides };
}

export function domainGroup(domain: GoalDomain): DomainGroup {
  if (domain === 'self_care' || domain === 'classroom_participation') return 'functional';
  if (domain === 'articulation') return 'articulation';
  return 'other';
}

/** Planted ROI for a model in force (split = mean of push-in and pull-out). */
export function plantedRoi(
  domain: GoalDomain,
  model: ServiceModel,
  setting: 'therapy_room' | 'classroom',
  effects: Pick<PlantedEffects, 'roi'> = PLANTED_EFFECTS,
): number {
  const table = effects.roi[domainGroup(domain)];
  if (model === 'split') return (table.push_in[setting] + table.pull_out[setting]) / 2;
  return table[model][setting];
}

export function classroomOffset(
  model: ServiceModel,
  effects: Pick<PlantedEffects, 'classroomOffset'> = PLANTED_EFFECTS,
): number {
  return effects.classroomOffset[model];
}
