import type {
  Direction,
  Discipline,
  GoalDomain,
  GoalEditView,
  GoalFormContext,
  GoalPhase,
  IsoDate,
  MeasurementType,
  ServiceModel,
} from '@carryover/domain';
import { goalTemplates, labels } from '@carryover/domain';

// What the goal form holds, how a goal fills it, and how its fields read in words.

export const measurementLabel: Record<MeasurementType, string> = {
  percent: 'Percent of trials correct',
  prompt_level: 'Level of prompting',
  frequency: 'Count per session',
  duration: 'Duration (seconds)',
  rubric: 'Rubric score',
};
export const phaseLabel: Record<GoalPhase, string> = {
  baseline: 'Baseline',
  intervention: 'Intervention',
  mastered: 'Mastered',
  maintenance: 'Maintenance',
  discontinued: 'Discontinued',
};

export interface FormState {
  discipline: Discipline;
  domain: GoalDomain;
  text: string;
  measurementType: MeasurementType;
  baseline: string;
  target: string;
  direction: Direction | '';
  rubricMax: string;
  consecutiveSessions: string;
  minSettings: string;
  requireClassroom: boolean;
  startDate: string;
  targetDate: string;
  phase: GoalPhase;
  currentModel: ServiceModel;
  routineIds: string[];
  modelChangeReason: string;
  effectiveDate: string;
}

export function fromGoal(g: GoalEditView, today: IsoDate): FormState {
  return {
    discipline: g.discipline,
    domain: g.domain,
    text: g.text,
    measurementType: g.measurementType,
    baseline: String(g.baseline),
    target: String(g.target),
    direction: g.direction ?? '',
    rubricMax: g.rubricMax == null ? '' : String(g.rubricMax),
    consecutiveSessions: String(g.masteryRule.consecutiveSessions),
    minSettings: String(g.masteryRule.minSettings),
    requireClassroom: g.masteryRule.requireClassroom,
    startDate: g.startDate,
    targetDate: g.targetDate,
    phase: g.phase,
    currentModel: g.currentModel,
    routineIds: g.routineIds,
    modelChangeReason: '',
    effectiveDate: today,
  };
}

export function blank(discipline: Discipline, today: IsoDate): FormState {
  const start = today;
  const [y, m, d] = start.split('-');
  return {
    discipline,
    domain: goalTemplates(discipline)[0]?.domain ?? 'fine_motor',
    text: '',
    measurementType: 'percent',
    baseline: '',
    target: '',
    direction: '',
    rubricMax: '4',
    consecutiveSessions: '3',
    minSettings: '2',
    requireClassroom: true,
    startDate: start,
    targetDate: `${Number(y) + 1}-${m}-${d === '29' && m === '02' ? '28' : d}`,
    phase: 'intervention',
    currentModel: 'pull_out',
    routineIds: [],
    modelChangeReason: '',
    effectiveDate: start,
  };
}

export const num = (s: string) => (s.trim() === '' ? Number.NaN : Number(s));

/** What the conflict banner calls the goal's fields. */
export const fieldLabels: Partial<Record<keyof FormState, string>> = {
  discipline: 'Discipline',
  domain: 'Domain',
  text: 'Goal text',
  measurementType: 'Measurement type',
  baseline: 'Baseline',
  target: 'Target (criterion)',
  direction: 'Direction',
  rubricMax: 'Top of the rubric',
  consecutiveSessions: 'Consecutive sessions at criterion',
  minSettings: 'Settings',
  requireClassroom: 'Including the classroom',
  startDate: 'Start date',
  targetDate: 'Target date',
  phase: 'Phase',
  currentModel: 'Service model',
  routineIds: 'Routines',
};

/** A field's value in words, for the conflict banner. */
export function showField(context: GoalFormContext, key: keyof FormState, value: unknown): string {
  if (key === 'routineIds' && Array.isArray(value)) {
    const names = context.routines
      .filter((r) => value.includes(r.id))
      .map((r) => routineLabel(r.name));
    return names.length > 0 ? names.join(', ') : 'none';
  }
  if (key === 'domain') return labels.domain[value as GoalDomain] ?? String(value);
  if (key === 'currentModel') return labels.model[value as ServiceModel] ?? String(value);
  if (key === 'phase') return phaseLabel[value as GoalPhase] ?? String(value);
  if (key === 'measurementType') return measurementLabel[value as MeasurementType] ?? String(value);
  if (typeof value === 'boolean') return value ? 'Yes' : 'No';
  return value === '' || value == null ? '—' : String(value);
}

export function routineLabel(name: string): string {
  const words = name.replace(/_/g, ' ').trim();
  return words === 'pe' ? 'PE' : words.charAt(0).toUpperCase() + words.slice(1);
}
