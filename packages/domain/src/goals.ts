import { z } from 'zod';
import { dayNumber } from './dates';
import {
  Direction,
  Discipline,
  ExpectedVersion,
  GoalDomain,
  GoalPhase,
  Id,
  IsoDate,
  MasteryRule,
  type MeasurementType,
  MeasurementType as MeasurementTypeSchema,
  promptLevels,
  ServiceModel,
} from './model';
import { directionFor } from './progress';

// Goals as a therapist writes them: the form's schema (the API enforces the same one) and the
// words used to speak about a goal's values in alerts and report narratives.

const MAX_TEXT = 1000;

const number = (what: string) =>
  z.number({ error: `Enter the ${what} as a number` }).refine(Number.isFinite, {
    message: `Enter the ${what} as a number`,
  });

/** The editable fields of a goal. Checks across fields are in `checkGoalFields`. */
export const GoalFields = z.object({
  discipline: Discipline,
  domain: GoalDomain,
  text: z
    .string()
    .trim()
    .min(10, 'Write the goal (at least 10 characters)')
    .max(MAX_TEXT, `Keep the goal under ${MAX_TEXT} characters`),
  measurementType: MeasurementTypeSchema,
  baseline: number('baseline'),
  target: number('target'),
  /** Stated for frequency and duration; derived for the other types. */
  direction: Direction.nullish(),
  rubricMax: z.number().int('Use a whole number').min(1).max(10).nullish(),
  masteryRule: MasteryRule,
  startDate: IsoDate,
  targetDate: IsoDate,
  phase: GoalPhase,
  currentModel: ServiceModel,
  routineIds: z.array(Id).max(12, 'Link at most 12 routines').default([]),
});
export type GoalFields = z.input<typeof GoalFields>;

type Checked = z.output<typeof GoalFields>;

/** The goal's direction as stored: derived for percent, rubric and prompt level. */
export function goalDirection(
  fields: Pick<Checked, 'measurementType' | 'direction'>,
): 'up' | 'down' {
  return directionFor(fields.measurementType, fields.direction ?? null);
}

function checkGoalFields(v: Checked, ctx: z.RefinementCtx): void {
  const issue = (path: string, message: string) =>
    ctx.addIssue({ code: 'custom', path: [path], message });
  try {
    if (dayNumber(v.targetDate) <= dayNumber(v.startDate)) {
      issue('targetDate', 'The target date must be after the start date');
    }
  } catch {
    // The date schemas report malformed dates themselves.
  }
  const inRange = (lo: number, hi: number, integer: boolean, words: string) => {
    for (const key of ['baseline', 'target'] as const) {
      const value = v[key];
      if (value < lo || value > hi || (integer && !Number.isInteger(value))) {
        issue(key, words);
      }
    }
  };
  switch (v.measurementType) {
    case 'percent':
      inRange(0, 100, false, 'Use a percentage from 0 to 100');
      break;
    case 'prompt_level':
      inRange(0, promptLevels.length - 1, true, 'Choose a prompt level');
      break;
    case 'rubric':
      if (v.rubricMax == null) issue('rubricMax', 'Give the top of the rubric scale');
      else inRange(0, v.rubricMax, true, `Use a whole rubric score from 0 to ${v.rubricMax}`);
      break;
    case 'frequency':
    case 'duration':
      if (v.direction == null) issue('direction', 'Say whether the number should go up or down');
      inRange(0, 1e6, false, 'Use a number of 0 or more');
      break;
  }
  if (v.baseline === v.target) {
    issue('target', 'The target must differ from the baseline');
    return;
  }
  const direction = goalDirection(v);
  if (direction === 'up' && v.target < v.baseline) {
    issue(
      'target',
      v.measurementType === 'frequency' || v.measurementType === 'duration'
        ? 'For a behaviour that should increase, the target must be above the baseline'
        : 'The target must be above the baseline',
    );
  }
  if (direction === 'down' && v.target > v.baseline) {
    issue(
      'target',
      v.measurementType === 'prompt_level'
        ? 'The target must need less help than the baseline'
        : 'For a behaviour that should decrease, the target must be below the baseline',
    );
  }
}

/**
 * The measure's checks alone (range per type, direction, target ≠ baseline), for a goal-bank
 * template: it has no dates of its own.
 */
export function checkGoalMeasure(
  v: Pick<Checked, 'measurementType' | 'baseline' | 'target' | 'direction' | 'rubricMax'>,
  ctx: z.RefinementCtx,
): void {
  checkGoalFields({ ...v, startDate: '2000-01-01', targetDate: '2000-01-02' } as Checked, ctx);
}

export const GoalCreateInput = GoalFields.extend({ studentId: Id }).superRefine(checkGoalFields);
export type GoalCreateInput = z.input<typeof GoalCreateInput>;

export const GoalUpdateInput = GoalFields.extend({
  studentId: Id,
  goalId: Id,
  expectedVersion: ExpectedVersion,
  /** Required when the model changes: kept with the change, for attribution. */
  modelChangeReason: z.string().trim().max(500, 'Keep the reason under 500 characters').nullish(),
  /** The day a phase or model change takes effect; today when omitted. */
  effectiveDate: IsoDate.nullish(),
}).superRefine(checkGoalFields);
export type GoalUpdateInput = z.input<typeof GoalUpdateInput>;

export const GoalGetInput = z.object({ studentId: Id, goalId: Id });
export type GoalGetInput = z.input<typeof GoalGetInput>;

/** What the goal form needs beyond the goal: the student's routines and services. */
export interface GoalFormContext {
  studentId: string;
  studentName: string;
  routines: { id: string; name: string; classroom: string; startTime: string }[];
  disciplines: Discipline[];
}

/** A goal as the edit form loads it. */
export interface GoalEditView extends Omit<Checked, 'routineIds'> {
  id: string;
  studentId: string;
  routineIds: string[];
  /** Sent back with an edit: a save over a newer version is refused. */
  version: number;
}

// ---------------------------------------------------------------------------------------------
// Words for values and dates (pure, locale-free, so server and browser say the same thing)

const MONTHS = [
  'Jan',
  'Feb',
  'Mar',
  'Apr',
  'May',
  'Jun',
  'Jul',
  'Aug',
  'Sep',
  'Oct',
  'Nov',
  'Dec',
] as const;
const MONTHS_LONG = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
] as const;

/** "Mar 9". */
export function formatIsoDateShort(date: IsoDate): string {
  const [, m, d] = date.split('-').map(Number) as [number, number, number];
  return `${MONTHS[m - 1] ?? '?'} ${d}`;
}

/** "March 9, 2026". */
export function formatIsoDateLong(date: IsoDate): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return `${MONTHS_LONG[m - 1] ?? '?'} ${d}, ${y}`;
}

export const promptLevelWords: Record<(typeof promptLevels)[number], string> = {
  independent: 'independently',
  gestural: 'with a gestural prompt',
  verbal: 'with a verbal prompt',
  visual: 'with a visual prompt',
  model: 'with a model',
  partial_physical: 'with partial physical help',
  full_physical: 'with full physical help',
};

const round1 = (x: number) => Math.round(x * 10) / 10;

/** A raw value in the goal's units, in words: "80% of trials", "3 of 4 points", "verbal prompt". */
export function formatRawValue(
  goal: { measurementType: MeasurementType; rubricMax?: number | null },
  raw: number,
): string {
  switch (goal.measurementType) {
    case 'percent':
      return `${Math.round(raw)}% of trials`;
    case 'prompt_level': {
      const level = promptLevels[Math.max(0, Math.min(promptLevels.length - 1, Math.round(raw)))]!;
      return promptLevelWords[level];
    }
    case 'frequency':
      return `${round1(raw)} time${round1(raw) === 1 ? '' : 's'} per session`;
    case 'duration':
      return raw >= 120 ? `${round1(raw / 60)} minutes` : `${Math.round(raw)} seconds`;
    case 'rubric':
      return goal.rubricMax != null
        ? `${round1(raw)} of ${goal.rubricMax} rubric points`
        : `${round1(raw)} rubric points`;
  }
}
