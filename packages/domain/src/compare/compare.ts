import { dayNumber } from '../dates';
import { type ServiceModel, serviceModels } from '../model';
import { type BootstrapResult, ClusterSums, clusterBootstrap, type Statistic } from './bootstrap';
import { buildEpisodes, gradeBand } from './episodes';
import { solveLinear } from './stats';
import type {
  ComparisonGoal,
  Episode,
  EpisodeOptions,
  EpisodeSet,
  ExcludedEpisode,
  GasScore,
  ModelSwitch,
} from './types';

// The coordinator's comparison of service-delivery models (docs/domain.md, "Comparing push-in and
// pull-out"). Pure and seeded: the same input and options give the same report, to the bit.

export const COMPARISON_ESTIMAND =
  'Mean rate of improvement (share of the baseline→target gap closed per week: the least-squares ' +
  'slope of scores, fitted within each setting) of ' +
  'model episodes served under each model, every counted episode weighted equally; the ' +
  'difference is push-in minus pull-out. Intervals: expanded-percentile bootstrap resampling students ' +
  '(every episode of a drawn student comes along), so points, goals and episodes of one ' +
  'student are never treated as independent.';

export const NOT_RANDOMISED_WARNING =
  'Models are not assigned at random: therapists choose push-in for some goals and students ' +
  'and pull-out for others (for example push-in for functional classroom goals, pull-out for ' +
  'articulation). These figures describe what happened under each model; they do not prove ' +
  'that one model causes better progress. Read the within-student evidence and the strata ' +
  'before the district-wide means.';

export type Outcome = 'all' | 'therapy_room' | 'classroom';
export type StratumDimension = 'discipline_domain' | 'grade_band' | 'school';
export type Clustering = 'student' | 'school' | 'therapist';

export interface ComparisonOptions extends EpisodeOptions {
  /** Seed of every random draw; same seed, same intervals. Default 1. */
  seed?: number;
  /** Bootstrap replicates. Default 2000. */
  replicates?: number;
  /** Interval level. Default 0.95. */
  level?: number;
  /** Fewest students under a model for its figure (and a difference using it) to be shown. Default 10. */
  minStudents?: number;
  /** Outcomes given per stratum (each costs bootstrap time in proportion). Default ['all']. */
  strataOutcomes?: Outcome[];
  /** Fewest clusters for a school- or therapist-clustered interval. Default 10. */
  minClusters?: number;
  /**
   * 'expanded_percentile' (default): percentile intervals widened for the number of students
   * behind each figure (Hesterberg's expanded percentile), which keeps false claims near 5%
   * with the few dozen students a stratum or a small district has. 'percentile': plain.
   */
  interval?: 'expanded_percentile' | 'percentile';
}

export interface ComparisonInput {
  goals: readonly ComparisonGoal[];
  gas?: readonly GasScore[];
  /** Prebuilt episodes (from `buildEpisodes(goals)`); built here when absent. */
  episodes?: EpisodeSet;
}

export interface Estimate {
  /** Null when below the floor or undefined. */
  estimate: number | null;
  low: number | null;
  high: number | null;
  students: number;
  /** Units averaged: episodes, goals, students or goal-periods (see the section). */
  n: number;
  insufficient: boolean;
}

export interface Difference {
  estimate: number | null;
  low: number | null;
  high: number | null;
  /** The interval excludes 0. */
  claimed: boolean;
  insufficient: boolean;
}

export interface ModelComparison {
  byModel: Record<ServiceModel, Estimate>;
  pushInMinusPullOut: Difference;
}

export interface StratumRow {
  dimension: StratumDimension;
  key: string;
  students: number;
  goals: number;
  episodes: number;
  excludedEpisodes: number;
  /** Push-in or pull-out has fewer than `minStudents` students here. */
  insufficient: boolean;
  outcomes: Partial<Record<Outcome, ModelComparison>>;
}

export interface AdjustedEstimate {
  covariates: string[];
  episodes: number;
  /** Coefficient of push-in against pull-out (the reference), holding the covariates fixed. */
  pushInMinusPullOut: { estimate: number | null; intervals: Record<Clustering, AdjustedInterval> };
  /**
   * Coefficients of the model fitted to push-in and pull-out episodes with a baseline level and
   * minutes delivered (pull-out the reference; per score unit, per minute per week).
   */
  coefficients: Record<
    string,
    { estimate: number | null; low: number | null; high: number | null }
  >;
}

export interface AdjustedInterval {
  clusters: number;
  low: number | null;
  high: number | null;
  claimed: boolean;
  /** Why there is no interval (too few clusters, model missing). */
  note?: string;
}

export interface ComparisonReport {
  estimand: string;
  warning: string;
  method: {
    replicates: number;
    level: number;
    seed: number;
    minObservations: number;
    minSettingObservations: number;
    minStudents: number;
    interval: string;
  };
  counts: {
    students: number;
    goals: number;
    episodes: number;
    excludedEpisodes: Record<ExcludedEpisode['reason'], number>;
    goalsWithoutData: number;
  };
  /** ROI of episodes, all settings (pairs within a setting). */
  roi: ModelComparison;
  /** ROI from therapy-room points only. */
  therapyRoom: ModelComparison;
  /** ROI from classroom points only: carryover into the real routine. */
  classroom: ModelComparison;
  strata: StratumRow[];
  withinStudent: {
    /** Goals with consecutive push-in and pull-out episodes: push-in ROI minus pull-out ROI, goals weighted equally. */
    switchedGoals: { goals: number; students: number; difference: Difference };
    /** By direction of the switch; growth alone pushes NAP above 0.5, so compare the directions. */
    byDirection: {
      from: ServiceModel;
      to: ServiceModel;
      goals: number;
      meanRoiChange: number;
      medianNap: number;
      medianNapClassroom: number | null;
    }[];
    /** Students with episodes under both push-in and pull-out (any goals): their own push-in mean minus pull-out mean, students weighted equally. */
    bothWays: { students: number; difference: Difference };
    switches: ModelSwitch[];
  };
  adjusted: AdjustedEstimate;
  /** Mean goal-attainment score (−2…+2) per model at each reporting period and pooled; goal-periods weighted equally. */
  gas: {
    periods: { periodId: string; periodEnd: string; comparison: ModelComparison }[];
    pooled: ModelComparison;
  };
}

const OUTCOMES: Outcome[] = ['all', 'therapy_room', 'classroom'];

function outcomeValue(e: Episode, o: Outcome): number | null {
  return o === 'all' ? e.roi : o === 'therapy_room' ? e.roomRoi : e.classroomRoi;
}

function modelAt(goal: ComparisonGoal, date: string): ServiceModel {
  const d = dayNumber(date);
  let model = goal.initialModel;
  let best = -Infinity;
  goal.modelChanges.forEach((c) => {
    const cd = dayNumber(c.date);
    if (cd <= d && cd >= best) {
      best = cd;
      model = c.toModel;
    }
  });
  return model;
}

/**
 * The full push-in / pull-out comparison for a district (or any set of goals): per-model mean
 * ROI with intervals, the same for classroom and therapy-room data, strata with counts, the
 * within-student evidence, an adjusted estimate and GAS per reporting period.
 */
export function compareModels(
  input: ComparisonInput,
  options: ComparisonOptions = {},
): ComparisonReport {
  const seed = options.seed ?? 1;
  const B = options.replicates ?? 2000;
  const level = options.level ?? 0.95;
  const floor = options.minStudents ?? 10;
  const minClusters = options.minClusters ?? 10;
  const strataOutcomes = options.strataOutcomes ?? ['all'];
  const built = input.episodes ?? buildEpisodes(input.goals, options);
  // Fixed orders, so the report depends on the data and the seed, never on row order.
  const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  const set: EpisodeSet = {
    ...built,
    episodes: [...built.episodes].sort(
      (a, b) => cmp(a.studentId, b.studentId) || cmp(a.goalId, b.goalId) || a.index - b.index,
    ),
    switches: [...built.switches].sort(
      (a, b) => cmp(a.studentId, b.studentId) || cmp(a.goalId, b.goalId) || cmp(a.date, b.date),
    ),
  };
  const { episodes } = set;
  const gasScores = [...(input.gas ?? [])].sort(
    (a, b) => cmp(a.goalId, b.goalId) || cmp(a.periodId, b.periodId),
  );
  const goalById = new Map(input.goals.map((g) => [g.id, g]));

  // Students are the resampling unit: index them.
  const studentIndex = new Map<string, number>();
  const sid = (id: string) => {
    let i = studentIndex.get(id);
    if (i === undefined) {
      i = studentIndex.size;
      studentIndex.set(id, i);
    }
    return i;
  };
  const allStudents = new Set(episodes.map((e) => e.studentId));
  for (const g of gasScores) {
    const goal = goalById.get(g.goalId);
    if (goal) allStudents.add(goal.studentId);
  }
  for (const id of [...allStudents].sort(cmp)) sid(id);

  const sums = new ClusterSums();
  const stats: Statistic[] = [];
  const statClusters: number[] = [];
  const statIndex = (f: Statistic, clusters: number) => {
    statClusters.push(clusters);
    return stats.push(f) - 1;
  };
  const studentsIn = (group: string) => support.get(group)?.students.size ?? 0;
  /** Distinct students and units per ratio group, counted at the point estimate. */
  const support = new Map<string, { students: Set<number>; n: number }>();
  const addRatio = (group: string, student: number, value: number) => {
    const s = sums.cell(`${group}|s`);
    const n = sums.cell(`${group}|n`);
    sums.add(student, s, value);
    sums.add(student, n, 1);
    let sup = support.get(group);
    if (!sup) {
      sup = { students: new Set(), n: 0 };
      support.set(group, sup);
    }
    sup.students.add(student);
    sup.n++;
  };
  const ratio = (group: string): Statistic => {
    const s = sums.cell(`${group}|s`);
    const n = sums.cell(`${group}|n`);
    return (S) => (S[n]! > 0 ? S[s]! / S[n]! : Number.NaN);
  };
  const enough = (group: string) => (support.get(group)?.students.size ?? 0) >= floor;

  // --- Episode ROI: overall and per stratum, per model and outcome.
  const strataKeys: [StratumDimension, (e: Episode) => string][] = [
    ['discipline_domain', (e) => `${e.discipline} · ${e.domain}`],
    ['grade_band', (e) => e.gradeBand],
    ['school', (e) => e.schoolId],
  ];
  for (const e of episodes) {
    const st = sid(e.studentId);
    for (const o of OUTCOMES) {
      const v = outcomeValue(e, o);
      if (v === null) continue;
      addRatio(`roi|*|${o}|${e.model}`, st, v);
      if (!strataOutcomes.includes(o)) continue;
      for (const [dim, key] of strataKeys) addRatio(`roi|${dim}:${key(e)}|${o}|${e.model}`, st, v);
    }
  }

  // Deferred: comparisons are assembled after the bootstrap fills in intervals.
  type Pending = () => ModelComparison;
  const plan = (prefix: string): Pending => {
    const ids = {} as Record<ServiceModel, number | null>;
    for (const m of serviceModels)
      ids[m] = enough(`${prefix}|${m}`)
        ? statIndex(ratio(`${prefix}|${m}`), studentsIn(`${prefix}|${m}`))
        : null;
    const both = ids.push_in !== null && ids.pull_out !== null;
    const diff = both
      ? statIndex(
          (
            (a, b) => (S: Float64Array) =>
              a(S) - b(S)
          )(ratio(`${prefix}|push_in`), ratio(`${prefix}|pull_out`)),
          Math.min(studentsIn(`${prefix}|push_in`), studentsIn(`${prefix}|pull_out`)),
        )
      : null;
    return () => {
      const byModel = {} as Record<ServiceModel, Estimate>;
      for (const m of serviceModels) byModel[m] = estimate(`${prefix}|${m}`, ids[m]);
      return { byModel, pushInMinusPullOut: difference(diff) };
    };
  };
  let result: BootstrapResult = { point: [], intervals: [] };
  const estimate = (group: string, idx: number | null): Estimate => {
    const sup = support.get(group);
    const students = sup?.students.size ?? 0;
    const n = sup?.n ?? 0;
    if (idx === null)
      return { estimate: null, low: null, high: null, students, n, insufficient: true };
    const iv = result.intervals[idx];
    return {
      estimate: result.point[idx]!,
      low: iv?.low ?? null,
      high: iv?.high ?? null,
      students,
      n,
      insufficient: false,
    };
  };
  const difference = (idx: number | null): Difference => {
    if (idx === null)
      return { estimate: null, low: null, high: null, claimed: false, insufficient: true };
    const iv = result.intervals[idx];
    const low = iv?.low ?? null;
    const high = iv?.high ?? null;
    return {
      estimate: result.point[idx]!,
      low,
      high,
      claimed: low !== null && high !== null && (low > 0 || high < 0),
      insufficient: false,
    };
  };

  const main = {
    all: plan('roi|*|all'),
    therapy_room: plan('roi|*|therapy_room'),
    classroom: plan('roi|*|classroom'),
  };

  // --- Strata.
  const strataPlans: {
    dim: StratumDimension;
    key: string;
    plans: Partial<Record<Outcome, Pending>>;
  }[] = [];
  const strataCounts = new Map<
    string,
    { students: Set<string>; goals: Set<string>; episodes: number; excluded: number }
  >();
  const countFor = (name: string) => {
    let c = strataCounts.get(name);
    if (!c) {
      c = { students: new Set(), goals: new Set(), episodes: 0, excluded: 0 };
      strataCounts.set(name, c);
    }
    return c;
  };
  for (const e of episodes)
    for (const [dim, key] of strataKeys) {
      const c = countFor(`${dim}:${key(e)}`);
      c.students.add(e.studentId);
      c.goals.add(e.goalId);
      c.episodes++;
    }
  for (const x of set.excluded) {
    const g = goalById.get(x.goalId);
    if (!g) continue;
    const pseudo = {
      discipline: g.discipline,
      domain: g.domain,
      gradeBand: gradeBand(g.grade),
      schoolId: g.schoolId,
    } as Episode;
    for (const [dim, key] of strataKeys) countFor(`${dim}:${key(pseudo)}`).excluded++;
  }
  const strataNames = [...strataCounts.keys()].sort();
  for (const name of strataNames) {
    const colon = name.indexOf(':');
    const dim = name.slice(0, colon) as StratumDimension;
    const plans: Partial<Record<Outcome, Pending>> = {};
    for (const o of strataOutcomes) plans[o] = plan(`roi|${name}|${o}`);
    strataPlans.push({ dim, key: name.slice(colon + 1), plans });
  }

  // --- Within-student evidence.
  const switchGroup = 'within|switch';
  const switchStudents = new Set<number>();
  let switchGoals = 0;
  for (const sw of set.switches) {
    const pair = [sw.fromModel, sw.toModel];
    if (!(pair.includes('push_in') && pair.includes('pull_out'))) continue;
    const d = sw.toModel === 'push_in' ? sw.roiAfter - sw.roiBefore : sw.roiBefore - sw.roiAfter;
    const st = sid(sw.studentId);
    addRatio(switchGroup, st, d);
    switchStudents.add(st);
    switchGoals++;
  }
  const perStudent = new Map<number, { push: number[]; pull: number[] }>();
  for (const e of episodes) {
    if (e.model !== 'push_in' && e.model !== 'pull_out') continue;
    const st = sid(e.studentId);
    const r = perStudent.get(st) ?? { push: [], pull: [] };
    (e.model === 'push_in' ? r.push : r.pull).push(e.roi);
    perStudent.set(st, r);
  }
  const bothGroup = 'within|both';
  for (const [st, r] of perStudent)
    if (r.push.length && r.pull.length) addRatio(bothGroup, st, mean(r.push) - mean(r.pull));
  const switchStat = enough(switchGroup)
    ? statIndex(ratio(switchGroup), studentsIn(switchGroup))
    : null;
  const bothStat = enough(bothGroup) ? statIndex(ratio(bothGroup), studentsIn(bothGroup)) : null;

  // --- GAS.
  const gasPeriods = new Map<string, string>();
  for (const g of gasScores) {
    const goal = goalById.get(g.goalId);
    if (!goal || !Number.isInteger(g.score) || g.score < -2 || g.score > 2) continue;
    const model = modelAt(goal, g.periodEnd);
    const st = sid(goal.studentId);
    addRatio(`gas|${g.periodId}|${model}`, st, g.score);
    addRatio(`gas|*|${model}`, st, g.score);
    if (!gasPeriods.has(g.periodId) || gasPeriods.get(g.periodId)! < g.periodEnd)
      gasPeriods.set(g.periodId, g.periodEnd);
  }
  const gasPlans = [...gasPeriods]
    .sort((a, b) => (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0))
    .map(([periodId, periodEnd]) => ({ periodId, periodEnd, plan: plan(`gas|${periodId}`) }));
  const gasPooled = plan('gas|*');

  // --- Adjusted estimate (student clusters share the main bootstrap).
  const adj = adjustedDesign(episodes, floor);
  const olsStudent = adj ? addOls(sums, adj, (e) => sid(e.studentId), 'ols') : null;
  const olsClusters = adj ? adj.minClustersBy((e) => e.studentId) : 0;
  const olsStats = olsStudent
    ? adj!.columns.map((_, j) => statIndex(olsStudent.coef(j), olsClusters))
    : [];
  const expanded = (options.interval ?? 'expanded_percentile') === 'expanded_percentile';

  const nStudents = studentIndex.size;
  result = clusterBootstrap(sums.compile(nStudents), stats, {
    replicates: B,
    seed,
    stream: 1,
    level,
    ...(expanded ? { clusters: statClusters } : {}),
  });

  const adjusted = buildAdjusted(adj, result, olsStats, {
    B,
    seed,
    level,
    minClusters,
    expanded,
  });

  const byDirection = new Map<string, ModelSwitch[]>();
  for (const sw of set.switches) {
    const k = `${sw.fromModel}>${sw.toModel}`;
    const list = byDirection.get(k);
    if (list) list.push(sw);
    else byDirection.set(k, [sw]);
  }
  const excludedCounts = { too_few_points: 0, too_short: 0, no_spread: 0 };
  for (const x of set.excluded) excludedCounts[x.reason]++;

  return {
    estimand: COMPARISON_ESTIMAND,
    warning: NOT_RANDOMISED_WARNING,
    method: {
      replicates: B,
      level,
      seed,
      minObservations: options.minObservations ?? 5,
      minSettingObservations: options.minSettingObservations ?? 5,
      minStudents: floor,
      interval: expanded
        ? 'expanded percentile (Hesterberg), student-cluster bootstrap'
        : 'percentile, student-cluster bootstrap',
    },
    counts: {
      students: new Set(episodes.map((e) => e.studentId)).size,
      goals: new Set(episodes.map((e) => e.goalId)).size,
      episodes: episodes.length,
      excludedEpisodes: excludedCounts,
      goalsWithoutData: set.goalsWithoutData,
    },
    roi: main.all(),
    therapyRoom: main.therapy_room(),
    classroom: main.classroom(),
    strata: strataPlans.map(({ dim, key, plans }) => {
      const c = strataCounts.get(`${dim}:${key}`)!;
      const outcomes: Partial<Record<Outcome, ModelComparison>> = {};
      for (const o of strataOutcomes) outcomes[o] = plans[o]!();
      const first = outcomes[strataOutcomes[0]!];
      return {
        dimension: dim,
        key,
        students: c.students.size,
        goals: c.goals.size,
        episodes: c.episodes,
        excludedEpisodes: c.excluded,
        insufficient: first ? first.pushInMinusPullOut.insufficient : true,
        outcomes,
      };
    }),
    withinStudent: {
      switchedGoals: {
        goals: switchGoals,
        students: switchStudents.size,
        difference: difference(switchStat),
      },
      byDirection: [...byDirection].map(([, list]) => {
        const naps = list.map((s) => s.nap);
        const napsC = list.flatMap((s) => (s.napClassroom === null ? [] : [s.napClassroom]));
        return {
          from: list[0]!.fromModel,
          to: list[0]!.toModel,
          goals: list.length,
          meanRoiChange: mean(list.map((s) => s.roiAfter - s.roiBefore)),
          medianNap: medianOf(naps),
          medianNapClassroom: napsC.length ? medianOf(napsC) : null,
        };
      }),
      bothWays: {
        students: support.get(bothGroup)?.students.size ?? 0,
        difference: difference(bothStat),
      },
      switches: set.switches,
    },
    adjusted,
    gas: {
      periods: gasPlans.map((p) => ({
        periodId: p.periodId,
        periodEnd: p.periodEnd,
        comparison: p.plan(),
      })),
      pooled: gasPooled(),
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Adjusted estimate: OLS of episode ROI on model indicators (pull-out the reference), baseline
// level and dose (minutes delivered per week), both centred. Its X'X and X'y are sums over
// clusters, so the same bootstrap machinery resamples students, schools or therapists.

interface Design {
  columns: string[];
  rows: { e: Episode; x: Float64Array; y: number }[];
  /** Fewest clusters holding push-in or pull-out episodes, for clusters given by `by`. */
  minClustersBy(by: (e: Episode) => string): number;
}

function adjustedDesign(episodes: readonly Episode[], floor: number): Design | null {
  const usable = episodes.filter(
    (e) => e.minutesPerWeek !== null && e.baselineLevel !== null && e.roiAfterBaseline !== null,
  );
  const studentsBy = new Map<ServiceModel, Set<string>>();
  for (const e of usable) {
    const s = studentsBy.get(e.model) ?? new Set();
    s.add(e.studentId);
    studentsBy.set(e.model, s);
  }
  const has = (m: ServiceModel) => (studentsBy.get(m)?.size ?? 0) >= floor;
  if (!has('push_in') || !has('pull_out')) return null;
  // Push-in and pull-out episodes only: the question is their difference, and each extra
  // model column would add to every bootstrap replicate's cost at district scale.
  const models: ServiceModel[] = ['pull_out', 'push_in'];
  const rowsIn = usable.filter((e) => models.includes(e.model));
  const mb = mean(rowsIn.map((e) => e.baselineLevel!));
  const md = mean(rowsIn.map((e) => e.minutesPerWeek!));
  const columns = ['intercept', 'push_in', 'baseline_level', 'minutes_per_week'];
  const p = columns.length;
  const rows = rowsIn.map((e) => {
    const x = new Float64Array(p);
    x[0] = 1;
    const mi = models.indexOf(e.model);
    if (mi > 0) x[mi] = 1;
    x[p - 2] = e.baselineLevel! - mb;
    x[p - 1] = e.minutesPerWeek! - md;
    return { e, x, y: e.roiAfterBaseline! };
  });
  const minClustersBy = (by: (e: Episode) => string) => {
    const push = new Set<string>();
    const pull = new Set<string>();
    for (const r of rows) {
      if (r.e.model === 'push_in') push.add(by(r.e));
      if (r.e.model === 'pull_out') pull.add(by(r.e));
    }
    return Math.min(push.size, pull.size);
  };
  return { columns, rows, minClustersBy };
}

function addOls(sums: ClusterSums, d: Design, cluster: (e: Episode) => number, prefix: string) {
  const p = d.columns.length;
  const xx: number[] = [];
  for (let i = 0; i < p; i++)
    for (let j = 0; j < p; j++)
      xx.push(sums.cell(`${prefix}|xx|${Math.min(i, j)}|${Math.max(i, j)}`));
  const xy = d.columns.map((_, i) => sums.cell(`${prefix}|xy|${i}`));
  for (const r of d.rows) {
    const c = cluster(r.e);
    for (let i = 0; i < p; i++) {
      for (let j = i; j < p; j++) sums.add(c, xx[i * p + j]!, r.x[i]! * r.x[j]!);
      sums.add(c, xy[i]!, r.x[i]! * r.y);
    }
  }
  const a = new Float64Array(p * p);
  const b = new Float64Array(p);
  const beta = new Float64Array(p);
  let solved = false;
  const solve = (S: Float64Array): boolean => {
    // The coefficients of one replicate share one solve: skip it when the sums are unchanged.
    let same = solved;
    for (let k = 0; k < p * p; k++) {
      const v = S[xx[k]!]!;
      if (a[k] !== v) same = false;
      a[k] = v;
    }
    for (let i = 0; i < p; i++) {
      const v = S[xy[i]!]!;
      if (b[i] !== v) same = false;
      b[i] = v;
    }
    if (same) return !Number.isNaN(beta[0]!);
    solved = true;
    if (!solveLinear(a, b, p, beta)) beta.fill(Number.NaN);
    return !Number.isNaN(beta[0]!);
  };
  return {
    coef:
      (j: number): Statistic =>
      (S) =>
        solve(S) ? beta[j]! : Number.NaN,
  };
}

function buildAdjusted(
  d: Design | null,
  studentResult: BootstrapResult,
  studentStats: number[],
  o: { B: number; seed: number; level: number; minClusters: number; expanded: boolean },
): AdjustedEstimate {
  const covariates = [
    'baseline level (first three classroom scores)',
    'minutes delivered per week',
  ];
  const none = (note: string, clusters = 0): AdjustedInterval => ({
    clusters,
    low: null,
    high: null,
    claimed: false,
    note,
  });
  if (!d) {
    const note = 'push-in or pull-out below the floor';
    return {
      covariates,
      episodes: 0,
      pushInMinusPullOut: {
        estimate: null,
        intervals: { student: none(note), school: none(note), therapist: none(note) },
      },
      coefficients: {},
    };
  }
  const toInterval = (r: BootstrapResult, idx: number, clusters: number): AdjustedInterval => {
    const iv = r.intervals[idx];
    const low = iv?.low ?? null;
    const high = iv?.high ?? null;
    return { clusters, low, high, claimed: low !== null && high !== null && (low > 0 || high < 0) };
  };
  const other = (by: (e: Episode) => string, stream: number): AdjustedInterval => {
    const ids = new Map<string, number>();
    for (const r of d.rows) if (!ids.has(by(r.e))) ids.set(by(r.e), ids.size);
    if (ids.size < o.minClusters)
      return none(`only ${ids.size} clusters (fewer than ${o.minClusters})`, ids.size);
    const sums = new ClusterSums();
    const ols = addOls(sums, d, (e) => ids.get(by(e))!, 'ols');
    const r = clusterBootstrap(sums.compile(ids.size), [ols.coef(1)], {
      replicates: o.B,
      seed: o.seed,
      stream,
      level: o.level,
      ...(o.expanded ? { clusters: [d.minClustersBy(by)] } : {}),
    });
    return toInterval(r, 0, ids.size);
  };
  const coefficients: AdjustedEstimate['coefficients'] = {};
  d.columns.forEach((name, j) => {
    if (j === 0) return;
    const idx = studentStats[j]!;
    const iv = studentResult.intervals[idx];
    coefficients[name] = {
      estimate: studentResult.point[idx]!,
      low: iv?.low ?? null,
      high: iv?.high ?? null,
    };
  });
  const students = new Set(d.rows.map((r) => r.e.studentId)).size;
  return {
    covariates,
    episodes: d.rows.length,
    pushInMinusPullOut: {
      estimate: studentResult.point[studentStats[1]!]!,
      intervals: {
        student: toInterval(studentResult, studentStats[1]!, students),
        school: other((e) => e.schoolId, 2),
        therapist: other((e) => e.providerId, 3),
      },
    },
    coefficients,
  };
}

function mean(xs: readonly number[]): number {
  let s = 0;
  for (const x of xs) s += x;
  return xs.length ? s / xs.length : Number.NaN;
}

function medianOf(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
