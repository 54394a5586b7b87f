import { dayNumber } from '../dates';
import type { Discipline, GoalDomain, IsoDate, ServiceModel } from '../model';
import type { ComparisonInput, Outcome, StratumDimension } from './compare';
import { type ComparisonColumns, gradeBand } from './episodes';
import type { ComparisonGoal, Episode, GasScore } from './types';

// Narrowing a comparison input before `compareModels`: the coordinator's filters (school,
// discipline, goal domain, grade band, date range) and the viewer's scope (schools). Pure, so
// the worker thread and a test give the same subset.

export interface ComparisonFilter {
  schoolId?: string;
  discipline?: Discipline;
  domain?: GoalDomain;
  /** As `gradeBand()` names it: 'K–2', '3–5', '6–8', '9–12' (or a grade it cannot band). */
  gradeBand?: string;
  /** First day of data to use (inclusive). */
  from?: IsoDate;
  /** Last day of data to use (inclusive). */
  to?: IsoDate;
}

function modelAt(goal: ComparisonGoal, date: IsoDate): ServiceModel {
  const d = dayNumber(date);
  let model = goal.initialModel;
  let best = -Infinity;
  for (const c of goal.modelChanges) {
    const cd = dayNumber(c.date);
    if (cd <= d && cd >= best) {
      best = cd;
      model = c.toModel;
    }
  }
  return model;
}

/** One goal cut to [from, to]: episodes start no earlier than `from` and end after `to`. */
function clipGoal(goal: ComparisonGoal, from?: IsoDate, to?: IsoDate): ComparisonGoal {
  if (!from && !to) return goal;
  const inRange = (date: IsoDate) => (!from || date >= from) && (!to || date <= to);
  let clipped = goal;
  if (from && goal.spec.startDate < from) {
    clipped = {
      ...goal,
      spec: { ...goal.spec, startDate: from },
      initialModel: modelAt(goal, from),
      modelChanges: goal.modelChanges.filter((c) => c.date > from),
    };
  }
  const asOf = to && (!goal.asOf || goal.asOf > to) ? to : goal.asOf;
  return {
    ...clipped,
    observations: goal.observations.filter((o) => inRange(o.date)),
    deliveredMinutes: goal.deliveredMinutes.filter((m) => inRange(m.date)),
    ...(asOf ? { asOf } : {}),
  };
}

/**
 * The goals (and GAS scores) that `filter` and `scope` keep. `scope.schoolIds` is the viewer's
 * schools (absent: the whole district). A date range keeps data inside it: observations and
 * minutes, episodes clipped at its ends, GAS at periods ending inside it.
 */
export function filterComparisonInput(
  input: ComparisonInput,
  filter: ComparisonFilter,
  scope: { schoolIds?: ReadonlySet<string> } = {},
): ComparisonInput {
  const { from, to } = filter;
  const goals = input.goals
    .filter(
      (g) =>
        (!scope.schoolIds || scope.schoolIds.has(g.schoolId)) &&
        (!filter.schoolId || g.schoolId === filter.schoolId) &&
        (!filter.discipline || g.discipline === filter.discipline) &&
        (!filter.domain || g.domain === filter.domain) &&
        (!filter.gradeBand || gradeBand(g.grade) === filter.gradeBand) &&
        (!to || g.spec.startDate <= to),
    )
    .map((g) => clipGoal(g, from, to));
  const kept = new Set(goals.map((g) => g.id));
  const gas = (input.gas ?? []).filter(
    (s) => kept.has(s.goalId) && (!from || s.periodEnd >= from) && (!to || s.periodEnd <= to),
  );
  return { goals, gas };
}

/**
 * `filterComparisonInput` over columns: the same goals kept and clipped (their metadata), the
 * same GAS, and the date range as a window on the shared point and minute arrays.
 */
export function filterComparisonColumns(
  input: { columns: ComparisonColumns; gas: readonly GasScore[] },
  filter: ComparisonFilter,
  scope: { schoolIds?: ReadonlySet<string> } = {},
): { columns: ComparisonColumns; gas: GasScore[] } {
  const { columns } = input;
  const kept = filterComparisonInput(
    { goals: columns.goals.map((g, i) => ({ ...g, index: i })), gas: input.gas },
    filter,
    scope,
  );
  const index = (kept.goals as (ComparisonGoal & { index: number })[]).map((g) => g.index);
  const pick = (a: Int32Array) => Int32Array.from(index, (i) => a[i]!);
  const { from, to } = filter;
  return {
    columns: {
      ...columns,
      goals: kept.goals,
      pointFrom: pick(columns.pointFrom),
      pointTo: pick(columns.pointTo),
      minuteFrom: pick(columns.minuteFrom),
      minuteTo: pick(columns.minuteTo),
      ...(from || to
        ? {
            window: {
              from: from ? dayNumber(from) : Number.NEGATIVE_INFINITY,
              to: to ? dayNumber(to) : Number.POSITIVE_INFINITY,
            },
          }
        : {}),
    },
    gas: kept.gas as GasScore[],
  };
}

/** The stratum an episode falls in, keyed as `compareModels` keys its strata. */
export function stratumKey(e: Episode, dimension: StratumDimension): string {
  return dimension === 'discipline_domain'
    ? `${e.discipline} · ${e.domain}`
    : dimension === 'grade_band'
      ? e.gradeBand
      : e.schoolId;
}

/** Whether an episode is behind a figure: its model, stratum and an outcome it has a rate for. */
export function episodeBehind(
  e: Episode,
  select: {
    model?: ServiceModel;
    stratum?: { dimension: StratumDimension; key: string };
    outcome?: Outcome;
  },
): boolean {
  if (select.model && e.model !== select.model) return false;
  if (select.stratum && stratumKey(e, select.stratum.dimension) !== select.stratum.key)
    return false;
  if (select.outcome === 'therapy_room' && e.roomRoi === null) return false;
  if (select.outcome === 'classroom' && e.classroomRoi === null) return false;
  return true;
}
