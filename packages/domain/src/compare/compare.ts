import { dayNumber } from '../dates';
import { type ServiceModel, serviceModels } from '../model';
import {
  type BootstrapResult,
  ClusterSums,
  clusterBootstrap,
  keepCells,
  type ResampleFactor,
  ratioDifference,
  ratioOf,
  type Statistic,
} from './bootstrap';
import {
  buildEpisodesFromColumns,
  type ComparisonColumns,
  comparisonColumns,
  DEFAULT_BASELINE_DAYS,
  DEFAULT_MIN_WEEKS,
  gradeBand,
} from './episodes';
import { GAS_SETTINGS, type GasSetting, goalScores, settingGas } from './gas';
import { solveLinear, tQuantile } from './stats';
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
  'Within each setting (classroom, therapy room): the mean rate of improvement (share of the ' +
  "baseline→target gap closed per week, least-squares slope of that setting's scores) of the " +
  'episodes served under each model that have enough points in that setting, every counted ' +
  'episode weighted equally; the difference is push-in minus pull-out. It describes the ' +
  "district's episodes as they were served, not what would happen if a model were assigned. " +
  'Intervals: two-way bootstrap resampling students and therapists (every goal of a drawn ' +
  'student under a drawn therapist comes along), expanded for the fewer of the two.';

export type Outcome = 'all' | 'therapy_room' | 'classroom';
export type StratumDimension = 'discipline_domain' | 'grade_band' | 'school';
/**
 * What the bootstrap resamples. 'student_therapist' (default): students and therapists, crossed
 * (pigeonhole bootstrap). 'therapist' or 'student' alone, or 'goal' (as if goals were
 * independent) exist for the validation's mutation tests, which show they under-cover.
 */
export type Clustering = 'student_therapist' | 'therapist' | 'student' | 'goal';

export interface ComparisonOptions extends EpisodeOptions {
  /** Seed of every random draw; same seed, same intervals. Default 1. */
  seed?: number;
  /** Bootstrap replicates. Default 2000. */
  replicates?: number;
  /** Interval level. Default 0.95. */
  level?: number;
  /** Fewest students under a model for its figure (and a difference using it) to be shown. Default 10. */
  minStudents?: number;
  /** Fewest therapists under each model for a push-in − pull-out difference. Default 5. */
  minTherapists?: number;
  /** Outcomes given per stratum (each costs bootstrap time in proportion). Default ['classroom', 'therapy_room']. */
  strataOutcomes?: Outcome[];
  /** Resampling units. Default 'student_therapist'. */
  clustering?: Clustering;
  /** Multiplicity control over every stratum difference. Default 'holm'. */
  strataCorrection?: 'holm' | 'none';
  /**
   * How a stratum difference's interval is made under two-way clustering. 'robust' (default):
   * a two-way cluster-robust standard error, the student- plus the therapist-clustered
   * bootstrap variance minus the goal-level one (Cameron, Gelbach and Miller's combination),
   * with a t interval on the fewer clusters less one. The pigeonhole bootstrap counts goal-level
   * noise through both factors, so its intervals are about twice as wide; with Holm over every
   * stratum that left a stratum almost no power. 'bootstrap': the pigeonhole interval, as the
   * headline rows use.
   */
  strataInterval?: 'robust' | 'bootstrap';
  /**
   * 'expanded_percentile' (default): percentile intervals widened for the number of clusters
   * behind each figure (Hesterberg's expanded percentile). 'percentile': plain.
   */
  interval?: 'expanded_percentile' | 'percentile';
}

export interface ComparisonInput {
  goals: readonly ComparisonGoal[];
  gas?: readonly GasScore[];
  /** Prebuilt episodes (from `buildEpisodes(goals)`); built here when absent. */
  episodes?: EpisodeSet;
  /**
   * The goals' points as columns (`comparisonColumns(goals)`, or the loader's), for GAS per
   * setting. Built from `goals` when absent and `episodes` is too; with prebuilt episodes and
   * no columns, GAS per setting is not computed.
   */
  columns?: ComparisonColumns;
  /**
   * GAS per setting of one goal-period without the points (`digestSettingGas` over kept
   * digests): used instead of `columns` when given.
   */
  settingGas?: (
    goalId: string,
    setting: GasSetting,
    firstDay: number,
    lastDay: number,
  ) => number | null;
}

export interface Estimate {
  /** Null when below the floor or undefined. */
  estimate: number | null;
  low: number | null;
  high: number | null;
  students: number;
  therapists: number;
  /** Units averaged: episodes, goals, students or goal-periods (see the section). */
  n: number;
  insufficient: boolean;
}

export interface Difference {
  estimate: number | null;
  low: number | null;
  high: number | null;
  /** Two-sided bootstrap p-value (matching the interval); null without an interval. */
  p: number | null;
  /** A difference is claimed: the interval excludes 0 (strata: after the multiplicity correction). */
  claimed: boolean;
  insufficient: boolean;
  /** Why there is no difference (too few students or therapists), in words for the page. */
  note?: string;
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

/** Who was served under a model, and how it was measured: the balance table. */
export interface ModelProfile {
  episodes: number;
  students: number;
  goals: number;
  therapists: number;
  points: number;
  /** Share of the model's points in each setting. */
  settingMix: { therapy_room: number; classroom: number; other: number };
  /** Share of the model's episodes with a classroom rate (enough classroom points and weeks). */
  classroomRateShare: number;
  /** Share with a therapy-room rate. */
  roomRateShare: number;
  /** Mean baseline level (0 = baseline, 1 = target) of episodes that have one; null with none. */
  baselineLevel: number | null;
  baselineEpisodes: number;
  /** Shares of episodes per domain, discipline and grade band. */
  domainMix: Record<string, number>;
  disciplineMix: Record<string, number>;
  gradeBandMix: Record<string, number>;
  /** Share of points at or above the target (a ceiling). */
  ceilingShare: number;
  /** Mean minutes delivered per week: a mediator (the model may change it), not adjusted for. */
  minutesPerWeek: number | null;
  /** Mean, over the model's therapists, of the share of their push-in + pull-out episodes under their main model. */
  therapistConcentration: number | null;
  /**
   * Share of the model's episodes that ended in a switch after a stall: chosen for a low rate,
   * so their rates are low by selection (and the next episode's high by regression to the mean).
   */
  stalledSwitchShare: number;
}

export interface ConfounderFlag {
  key:
    | 'baseline'
    | 'domain'
    | 'discipline'
    | 'grade_band'
    | 'setting'
    | 'classroom_rates'
    | 'ceiling'
    | 'therapist'
    | 'switches';
  text: string;
}

export interface AdjustedEstimate {
  covariates: string[];
  episodes: number;
  /** Why there is no adjusted estimate; absent when there is one. */
  unavailable?: string;
  /** Coefficient of push-in against pull-out (the reference), holding the covariates fixed. */
  pushInMinusPullOut: Difference;
}

export interface ComparisonReport {
  estimand: string;
  /** Data-driven: a sentence per confounder flag, or what was checked when none is raised. */
  warning: string;
  method: {
    replicates: number;
    level: number;
    seed: number;
    minObservations: number;
    minSettingObservations: number;
    minWeeks: number;
    baselineDays: number;
    minStudents: number;
    minTherapists: number;
    interval: string;
    clustering: Clustering;
    strataCorrection: string;
    /** How stratum differences' intervals are made (`strataInterval`). */
    strataInterval: string;
  };
  counts: {
    students: number;
    goals: number;
    episodes: number;
    therapists: number;
    excludedEpisodes: Record<ExcludedEpisode['reason'], number>;
    goalsWithoutData: number;
  };
  /** Per model: setting mix, rate shares and the balance table. */
  models: Record<ServiceModel, ModelProfile>;
  confounders: ConfounderFlag[];
  /** Headline: ROI from classroom points only (carryover into the real routine). */
  classroom: ModelComparison;
  /** Headline: ROI from therapy-room points only. */
  therapyRoom: ModelComparison;
  /**
   * All settings pooled (an intercept per setting). Not a headline: a model's pooled rate mixes
   * its settings in its own proportions, so it differs between models by setting alone.
   */
  roi: ModelComparison;
  strata: StratumRow[];
  withinStudent: {
    /** Goals with consecutive push-in and pull-out episodes: push-in ROI minus pull-out ROI, goals weighted equally. */
    switchedGoals: {
      /** Distinct goals (a goal switched twice counts once). */
      goals: number;
      switches: number;
      students: number;
      /** Switches whose earlier episode had stalled, or that followed a recommendation. */
      afterStall: number;
      afterRecommendation: number;
      difference: Difference;
    };
    /** By direction of the switch; growth alone pushes NAP above 0.5, so compare the directions. */
    byDirection: {
      from: ServiceModel;
      to: ServiceModel;
      goals: number;
      afterStall: number;
      meanRoiChange: number;
      medianNap: number;
      medianNapClassroom: number | null;
    }[];
    /**
     * Students with push-in and pull-out episodes in the same domain: their push-in mean minus
     * pull-out mean within the domain, student-domains weighted equally.
     */
    bothWays: { students: number; difference: Difference };
    switches: ModelSwitch[];
  };
  adjusted: AdjustedEstimate;
  /**
   * Mean goal-attainment score (−2…+2) per model at each reporting period and pooled; each
   * goal-period credited to the models in proportion to its days under each.
   */
  gas: {
    /** The reported GAS (level from the last three points in any setting), per period. */
    periods: { periodId: string; periodEnd: string; comparison: ModelComparison }[];
    /** The reported GAS over every period: pools settings, so it favours the room-measured. */
    pooled: ModelComparison;
    /**
     * GAS per setting over every period (`settingGas`): each goal-period's level from that
     * setting's own points, against the aim line, credited to models by time like the rest. The
     * like-for-like GAS: classroom against classroom, therapy room against therapy room.
     */
    bySetting: Record<GasSetting, ModelComparison>;
  };
}

const OUTCOMES: Outcome[] = ['all', 'therapy_room', 'classroom'];

function outcomeValue(e: Episode, o: Outcome): number | null {
  return o === 'all' ? e.roi : o === 'therapy_room' ? e.roomRoi : e.classroomRoi;
}

/** A goal's model changes as day numbers, in the order they apply. */
type ModelChangeDays = { day: number; model: ServiceModel }[];

function modelChangeDays(goal: ComparisonGoal): ModelChangeDays {
  return goal.modelChanges
    .map((c, i) => ({ day: dayNumber(c.date), model: c.toModel, i }))
    .sort((a, b) => a.day - b.day || a.i - b.i);
}

/** Days under each model from `from` to `to` (inclusive, day numbers). */
function modelDays(
  initialModel: ServiceModel,
  changes: ModelChangeDays,
  from: number,
  to: number,
): Map<ServiceModel, number> {
  const out = new Map<ServiceModel, number>();
  let model = initialModel;
  let cursor = from;
  for (const c of changes) {
    if (c.day <= cursor) {
      model = c.model;
      continue;
    }
    if (c.day > to) break;
    out.set(model, (out.get(model) ?? 0) + (c.day - cursor));
    cursor = c.day;
    model = c.model;
  }
  if (to >= cursor) out.set(model, (out.get(model) ?? 0) + (to - cursor + 1));
  return out;
}

/** Two-sided p-value of a t statistic on `df` degrees of freedom (bisection on `tQuantile`). */
export function tTwoSidedP(t: number, df: number): number {
  if (!(t > 0)) return 1;
  if (!Number.isFinite(t)) return 0;
  let lo = 0;
  let hi = 1;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (tQuantile(1 - mid / 2, df) > t) lo = mid;
    else hi = mid;
  }
  return hi;
}

/** Holm's step-down adjustment: adjusted p-values in the input order. */
export function holm(ps: readonly number[]): number[] {
  const order = ps.map((p, i) => ({ p, i })).sort((a, b) => a.p - b.p || a.i - b.i);
  const out = new Array<number>(ps.length);
  let running = 0;
  order.forEach(({ p, i }, k) => {
    running = Math.max(running, Math.min(1, (ps.length - k) * p));
    out[i] = running;
  });
  return out;
}

/**
 * The full push-in / pull-out comparison for a district (or any set of goals): per-model mean
 * ROI within each setting with intervals, each model's setting mix and balance, confounder
 * flags, strata with multiplicity control, the within-student evidence, an adjusted estimate
 * and GAS per reporting period.
 */
export function compareModels(
  input: ComparisonInput,
  options: ComparisonOptions = {},
): ComparisonReport {
  const seed = options.seed ?? 1;
  const B = options.replicates ?? 2000;
  const level = options.level ?? 0.95;
  const floor = options.minStudents ?? 10;
  const therapistFloor = options.minTherapists ?? 5;
  const clustering = options.clustering ?? 'student_therapist';
  const correction = options.strataCorrection ?? 'holm';
  const strataOutcomes = options.strataOutcomes ?? ['classroom', 'therapy_room'];
  const columns = input.columns ?? (input.episodes ? undefined : comparisonColumns(input.goals));
  const built = input.episodes ?? buildEpisodesFromColumns(columns!, options);
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
    (a, b) =>
      cmp(a.goalId, b.goalId) || cmp(a.periodEnd, b.periodEnd) || cmp(a.periodId, b.periodId),
  );
  const goalById = new Map(input.goals.map((g) => [g.id, g]));

  // Atoms of the bootstrap are goals; each belongs to one student and one therapist (its
  // provider), the two factors resampled.
  const goalIds = new Set<string>(episodes.map((e) => e.goalId));
  for (const g of gasScores) if (goalById.has(g.goalId)) goalIds.add(g.goalId);
  const atomOf = new Map<string, number>();
  for (const id of [...goalIds].sort(cmp)) atomOf.set(id, atomOf.size);
  const nAtoms = atomOf.size;
  const studentLevel = new Int32Array(nAtoms);
  const therapistLevel = new Int32Array(nAtoms);
  const studentIds = new Map<string, number>();
  const therapistIds = new Map<string, number>();
  const level2 = (m: Map<string, number>, id: string) => {
    let i = m.get(id);
    if (i === undefined) {
      i = m.size;
      m.set(id, i);
    }
    return i;
  };
  const goalMeta = new Map<string, { studentId: string; providerId: string }>();
  for (const e of episodes)
    goalMeta.set(e.goalId, { studentId: e.studentId, providerId: e.providerId });
  for (const [id, g] of goalById) if (!goalMeta.has(id)) goalMeta.set(id, g);
  for (const [id, atom] of atomOf) {
    const g = goalMeta.get(id)!;
    studentLevel[atom] = level2(studentIds, g.studentId);
    therapistLevel[atom] = level2(therapistIds, g.providerId);
  }
  const atomIndex = (goalId: string) => atomOf.get(goalId)!;

  const sums = new ClusterSums();
  const stats: Statistic[] = [];
  const statClusters: number[] = [];
  const statIndex = (f: Statistic, clusters: number) => {
    statClusters.push(clusters);
    return stats.push(f) - 1;
  };
  /**
   * Which atoms a ratio group drew on, and its units: at the point estimate, its distinct
   * students, therapists and goals are counted from the atoms when first asked (a set per group
   * and dimension, filled per addition, cost more than all the sums at district scale).
   */
  interface Support {
    /** The atoms added, once per run of the same atom (episodes come in goal order). */
    atoms: number[];
    n: number;
    counted: { atoms: number; students: number; therapists: number; goals: number } | null;
  }
  const support = new Map<string, Support>();
  /** A ratio group's two cells and its support. */
  interface RatioGroup {
    s: number;
    n: number;
    sup: Support;
  }
  const groups = new Map<string, RatioGroup>();
  const ratioGroup = (group: string): RatioGroup => {
    let g = groups.get(group);
    if (!g) {
      const s = sums.cell(`${group}|s`);
      const n = sums.cell(`${group}|n`);
      let sup = support.get(group);
      if (!sup) {
        sup = { atoms: [], n: 0, counted: null };
        support.set(group, sup);
      }
      g = { s, n, sup };
      groups.set(group, g);
    }
    return g;
  };
  const addTo = (g: RatioGroup, atom: number, value: number, weight = 1) => {
    sums.add(atom, g.s, weight * value);
    sums.add(atom, g.n, weight);
    const sup = g.sup;
    if (sup.atoms[sup.atoms.length - 1] !== atom) sup.atoms.push(atom);
    sup.n += weight;
  };
  // Distinct counts by stamping: a level seen in this count carries its number.
  const stamps = {
    students: new Int32Array(studentIds.size),
    therapists: new Int32Array(therapistIds.size),
    goals: new Int32Array(nAtoms),
  };
  let stamp = 0;
  const countUnits = (atoms: readonly number[]) => {
    stamp++;
    let students = 0;
    let therapists = 0;
    let goals = 0;
    for (const atom of atoms) {
      if (stamps.goals[atom] === stamp) continue;
      stamps.goals[atom] = stamp;
      goals++;
      const st = studentLevel[atom]!;
      if (stamps.students[st] !== stamp) {
        stamps.students[st] = stamp;
        students++;
      }
      const th = therapistLevel[atom]!;
      if (stamps.therapists[th] !== stamp) {
        stamps.therapists[th] = stamp;
        therapists++;
      }
    }
    return { students, therapists, goals };
  };
  const units = (sup: Support | undefined) => {
    if (!sup) return { students: 0, therapists: 0, goals: 0 };
    if (sup.counted?.atoms !== sup.atoms.length)
      sup.counted = { atoms: sup.atoms.length, ...countUnits(sup.atoms) };
    return sup.counted;
  };
  const addRatio = (group: string, atom: number, value: number, weight = 1) =>
    addTo(ratioGroup(group), atom, value, weight);
  const ratio = (group: string): Statistic =>
    ratioOf(sums.cell(`${group}|s`), sums.cell(`${group}|n`));
  const studentsIn = (group: string) => units(support.get(group)).students;
  const therapistsIn = (group: string) => units(support.get(group)).therapists;
  /** The clusters an interval rests on, for the expanded percentile. */
  const clustersIn = (group: string) => {
    const sup = support.get(group);
    if (!sup) return 0;
    const u = units(sup);
    switch (clustering) {
      case 'student':
        return u.students;
      case 'therapist':
        return u.therapists;
      case 'goal':
        return u.goals;
      default:
        return Math.min(u.students, u.therapists);
    }
  };
  const enough = (group: string) => studentsIn(group) >= floor;
  const modelName: Record<ServiceModel, string> = {
    push_in: 'push-in',
    pull_out: 'pull-out',
    consult: 'consult',
    split: 'split',
  };

  // --- Episode ROI: overall and per stratum, per model and outcome.
  const strataKeys: [StratumDimension, (e: Episode) => string][] = [
    ['discipline_domain', (e) => `${e.discipline} · ${e.domain}`],
    ['grade_band', (e) => e.gradeBand],
    ['school', (e) => e.schoolId],
  ];
  // Every episode adds to a dozen groups: they are found through one name per episode and
  // stratum and a slot per outcome and model, not a new name per addition (half a million at
  // district scale). The additions keep their order, so the cells and sums are as before.
  interface Stratum {
    prefix: string;
    /** Ratio groups by outcome and model (`outcome * models + model`). */
    row: RatioGroup[];
    /** The atoms of its episodes (once per run), for its student and goal counts. */
    atoms: number[];
    episodes: number;
    excluded: number;
  }
  const strataByName = new Map<string, Stratum>();
  const stratumFor = (name: string): Stratum => {
    let st = strataByName.get(name);
    if (!st) {
      st = { prefix: `roi|${name}`, row: [], atoms: [], episodes: 0, excluded: 0 };
      strataByName.set(name, st);
    }
    return st;
  };
  const overall: Stratum = { prefix: 'roi|*', row: [], atoms: [], episodes: 0, excluded: 0 };
  const roiGroup = (st: Stratum, outcome: number, model: number): RatioGroup => {
    const slot = outcome * serviceModels.length + model;
    let g = st.row[slot];
    if (!g) {
      g = ratioGroup(`${st.prefix}|${OUTCOMES[outcome]}|${serviceModels[model]}`);
      st.row[slot] = g;
    }
    return g;
  };
  const episodeStrata: Stratum[] = strataKeys.map(() => overall);
  const inStrata = OUTCOMES.map((o) => strataOutcomes.includes(o));
  let lastGoal = '';
  let at = -1;
  for (const e of episodes) {
    if (e.goalId !== lastGoal) {
      lastGoal = e.goalId;
      at = atomIndex(e.goalId);
    }
    for (let d = 0; d < strataKeys.length; d++) {
      const [dim, key] = strataKeys[d]!;
      const st = stratumFor(`${dim}:${key(e)}`);
      st.episodes++;
      if (st.atoms[st.atoms.length - 1] !== at) st.atoms.push(at);
      episodeStrata[d] = st;
    }
    const model = serviceModels.indexOf(e.model);
    for (let oi = 0; oi < OUTCOMES.length; oi++) {
      const v = outcomeValue(e, OUTCOMES[oi]!);
      if (v === null) continue;
      addTo(roiGroup(overall, oi, model), at, v);
      if (!inStrata[oi]) continue;
      for (const st of episodeStrata) addTo(roiGroup(st, oi, model), at, v);
    }
  }

  // Deferred: comparisons are assembled after the bootstrap fills in intervals.
  type Pending = () => ModelComparison;
  let result: BootstrapResult = { point: [], intervals: [] };
  const refusal = (prefix: string): string | undefined => {
    for (const m of ['push_in', 'pull_out'] as const)
      if (!enough(`${prefix}|${m}`))
        return `too few students served ${modelName[m]} to compare (${studentsIn(`${prefix}|${m}`)}; at least ${floor})`;
    for (const m of ['push_in', 'pull_out'] as const)
      if (therapistsIn(`${prefix}|${m}`) < therapistFloor)
        return `too few therapists deliver ${modelName[m]} to compare (${therapistsIn(`${prefix}|${m}`)}; at least ${therapistFloor})`;
    return undefined;
  };
  /** Stratum differences (stat index), for the robust interval, and the cells they read. */
  const strataDiffs: number[] = [];
  const strataDiffCells = new Set<number>();
  const plan = (prefix: string, stratum = false): Pending => {
    const ids = {} as Record<ServiceModel, number | null>;
    for (const m of serviceModels)
      ids[m] = enough(`${prefix}|${m}`)
        ? statIndex(ratio(`${prefix}|${m}`), clustersIn(`${prefix}|${m}`))
        : null;
    const note = refusal(prefix);
    const diff =
      note === undefined
        ? statIndex(
            ratioDifference(ratio(`${prefix}|push_in`), ratio(`${prefix}|pull_out`)),
            Math.min(clustersIn(`${prefix}|push_in`), clustersIn(`${prefix}|pull_out`)),
          )
        : null;
    if (stratum && diff !== null) {
      strataDiffs.push(diff);
      for (const m of ['push_in', 'pull_out'] as const)
        for (const part of ['s', 'n']) strataDiffCells.add(sums.cell(`${prefix}|${m}|${part}`));
    }
    return () => {
      const byModel = {} as Record<ServiceModel, Estimate>;
      for (const m of serviceModels) byModel[m] = estimate(`${prefix}|${m}`, ids[m]);
      return { byModel, pushInMinusPullOut: difference(diff, note) };
    };
  };
  const estimate = (group: string, idx: number | null): Estimate => {
    const sup = support.get(group);
    const { students, therapists } = units(sup);
    const n = sup?.n ?? 0;
    if (idx === null)
      return { estimate: null, low: null, high: null, students, therapists, n, insufficient: true };
    const iv = result.intervals[idx];
    return {
      estimate: result.point[idx]!,
      low: iv?.low ?? null,
      high: iv?.high ?? null,
      students,
      therapists,
      n,
      insufficient: false,
    };
  };
  const difference = (idx: number | null, note?: string): Difference => {
    if (idx === null)
      return {
        estimate: null,
        low: null,
        high: null,
        p: null,
        claimed: false,
        insufficient: true,
        ...(note ? { note } : {}),
      };
    const iv = result.intervals[idx];
    const low = iv?.low ?? null;
    const high = iv?.high ?? null;
    return {
      estimate: result.point[idx]!,
      low,
      high,
      p: iv?.p ?? null,
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
  for (const x of set.excluded) {
    const g = goalById.get(x.goalId);
    if (!g) continue;
    const pseudo = {
      discipline: g.discipline,
      domain: g.domain,
      gradeBand: gradeBand(g.grade),
      schoolId: g.schoolId,
    } as Episode;
    for (const [dim, key] of strataKeys) stratumFor(`${dim}:${key(pseudo)}`).excluded++;
  }
  const strataNames = [...strataByName.keys()].sort();
  for (const name of strataNames) {
    const colon = name.indexOf(':');
    const dim = name.slice(0, colon) as StratumDimension;
    const plans: Partial<Record<Outcome, Pending>> = {};
    for (const o of strataOutcomes) plans[o] = plan(`roi|${name}|${o}`, true);
    strataPlans.push({ dim, key: name.slice(colon + 1), plans });
  }

  // --- Within-student evidence (same goal, hence same domain).
  const switchGroup = 'within|switch';
  const switchStudents = new Set<string>();
  const switchGoalIds = new Set<string>();
  let switchCount = 0;
  let afterStall = 0;
  let afterRecommendation = 0;
  for (const sw of set.switches) {
    const pair = [sw.fromModel, sw.toModel];
    if (!(pair.includes('push_in') && pair.includes('pull_out'))) continue;
    const d = sw.toModel === 'push_in' ? sw.roiAfter - sw.roiBefore : sw.roiBefore - sw.roiAfter;
    addRatio(switchGroup, atomIndex(sw.goalId), d);
    switchStudents.add(sw.studentId);
    switchGoalIds.add(sw.goalId);
    switchCount++;
    if (sw.afterStall) afterStall++;
    if (sw.afterRecommendation) afterRecommendation++;
  }
  // Both ways within one domain: a student's push-in and pull-out episodes of the same domain.
  const perStudentDomain = new Map<string, { atom: number; push: number[]; pull: number[] }>();
  for (const e of episodes) {
    if (e.model !== 'push_in' && e.model !== 'pull_out') continue;
    const k = `${e.studentId}|${e.domain}`;
    const r = perStudentDomain.get(k) ?? { atom: atomIndex(e.goalId), push: [], pull: [] };
    (e.model === 'push_in' ? r.push : r.pull).push(e.roi);
    perStudentDomain.set(k, r);
  }
  const bothGroup = 'within|both';
  for (const r of perStudentDomain.values())
    if (r.push.length && r.pull.length) addRatio(bothGroup, r.atom, mean(r.push) - mean(r.pull));
  const switchStat = enough(switchGroup)
    ? statIndex(ratio(switchGroup), clustersIn(switchGroup))
    : null;
  const bothStat = enough(bothGroup) ? statIndex(ratio(bothGroup), clustersIn(bothGroup)) : null;

  // --- GAS: a period's score credited to each model in proportion to its days in the period.
  // Hundreds of thousands of goal-periods at district scale: their groups are found by prefix
  // and model, their dates read once per distinct date, a goal's model changes sorted once.
  const gasPeriods = new Map<string, string>();
  const columnOf = columns && new Map(columns.goals.map((g, i) => [g.id, i]));
  const scoresOf = new Map<string, ReturnType<typeof goalScores>>();
  const modelGroups = new Map<string, RatioGroup[]>();
  const modelGroup = (prefix: string, model: ServiceModel): RatioGroup => {
    let row = modelGroups.get(prefix);
    if (!row) {
      row = [];
      modelGroups.set(prefix, row);
    }
    const m = serviceModels.indexOf(model);
    let g = row[m];
    if (!g) {
      g = ratioGroup(`${prefix}|${model}`);
      row[m] = g;
    }
    return g;
  };
  const periodPrefixes = new Map<string, string>();
  const dayNumbers = new Map<string, number>();
  const day = (date: string) => {
    let n = dayNumbers.get(date);
    if (n === undefined) {
      n = dayNumber(date);
      dayNumbers.set(date, n);
    }
    return n;
  };
  let prevGoal = '';
  let prevEnd = Number.NEGATIVE_INFINITY;
  let changes: ModelChangeDays = [];
  for (const g of gasScores) {
    const goal = goalById.get(g.goalId);
    if (!goal || !Number.isInteger(g.score) || g.score < -2 || g.score > 2) continue;
    if (g.goalId !== prevGoal) {
      prevGoal = g.goalId;
      prevEnd = Number.NEGATIVE_INFINITY;
      changes = modelChangeDays(goal);
    }
    const end = day(g.periodEnd);
    const start = Math.max(day(goal.spec.startDate), prevEnd + 1);
    prevEnd = end;
    if (end < start) continue;
    const at = atomIndex(g.goalId);
    const days = modelDays(goal.initialModel, changes, start, end);
    const total = end - start + 1;
    let periodPrefix = periodPrefixes.get(g.periodId);
    if (periodPrefix === undefined) {
      periodPrefix = `gas|${g.periodId}`;
      periodPrefixes.set(g.periodId, periodPrefix);
    }
    for (const [model, d] of days) {
      if (d <= 0) continue;
      addTo(modelGroup(periodPrefix, model), at, g.score, d / total);
      addTo(modelGroup('gas|*', model), at, g.score, d / total);
    }
    const columnIndex = columnOf?.get(g.goalId);
    if (input.settingGas && goal.aimLine) {
      for (const setting of GAS_SETTINGS) {
        const v = input.settingGas(g.goalId, setting, start, end);
        if (v === null) continue;
        for (const [model, d] of days)
          if (d > 0) addTo(modelGroup(`gas-setting|${setting}`, model), at, v, d / total);
      }
    } else if (columns && goal.aimLine && columnIndex !== undefined) {
      let scores = scoresOf.get(g.goalId);
      if (!scores) {
        scores = goalScores(columns, columnIndex);
        scoresOf.set(g.goalId, scores);
      }
      for (const setting of GAS_SETTINGS) {
        const v = settingGas(scores, goal.aimLine, setting, start, end);
        if (v === null) continue;
        for (const [model, d] of days)
          if (d > 0) addTo(modelGroup(`gas-setting|${setting}`, model), at, v, d / total);
      }
    }
    if (!gasPeriods.has(g.periodId) || gasPeriods.get(g.periodId)! < g.periodEnd)
      gasPeriods.set(g.periodId, g.periodEnd);
  }
  const gasPlans = [...gasPeriods]
    .sort((a, b) => (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0))
    .map(([periodId, periodEnd]) => ({ periodId, periodEnd, plan: plan(`gas|${periodId}`) }));
  const gasPooled = plan('gas|*');
  const gasBySetting = {
    classroom: plan('gas-setting|classroom'),
    therapy_room: plan('gas-setting|therapy_room'),
  };

  // --- Adjusted estimate (shares the main bootstrap).
  const adj = adjustedDesign(episodes, floor);
  const adjNote = adj.design ? refusalFor(adj.design, therapistFloor, modelName) : adj.note;
  const adjStat =
    adj.design && adjNote === undefined
      ? statIndex(
          addOls(sums, adj.design, (e) => atomIndex(e.goalId), 'ols').coef(1),
          adj.design.clusters(clustering),
        )
      : null;

  const expanded = (options.interval ?? 'expanded_percentile') === 'expanded_percentile';
  const factors: ResampleFactor[] =
    clustering === 'student'
      ? [{ of: studentLevel, levels: studentIds.size }]
      : clustering === 'therapist'
        ? [{ of: therapistLevel, levels: therapistIds.size }]
        : clustering === 'goal'
          ? []
          : [
              { of: studentLevel, levels: studentIds.size },
              { of: therapistLevel, levels: therapistIds.size },
            ];
  const compiled = sums.compile(nAtoms);
  sums.release();
  result = clusterBootstrap(compiled, stats, {
    replicates: B,
    seed,
    stream: 1,
    level,
    ...(expanded ? { clusters: statClusters } : {}),
    ...(factors.length ? { factors } : {}),
  });
  const robustStrata =
    (options.strataInterval ?? 'robust') === 'robust' &&
    clustering === 'student_therapist' &&
    strataDiffs.length > 0;
  if (robustStrata) {
    // Two-way cluster-robust standard errors for the stratum differences: V = V_student +
    // V_therapist − V_goal, each from a one-way bootstrap of those statistics (a standard error
    // needs far fewer replicates than a percentile tail), never below either one-way variance.
    const sub = strataDiffs.map((i) => stats[i]!);
    const reps = Math.max(100, Math.round(B / 10));
    // These statistics read only the strata's push-in and pull-out cells: a tenth of the sums.
    const strataSums = keepCells(compiled, strataDiffCells);
    const variances = (stream: number, f: ResampleFactor[]) =>
      clusterBootstrap(strataSums, sub, {
        replicates: reps,
        seed,
        stream,
        level,
        ...(f.length ? { factors: f } : {}),
      }).intervals.map((iv) => (iv ? iv.sd ** 2 : Number.NaN));
    const vS = variances(2, [{ of: studentLevel, levels: studentIds.size }]);
    const vT = variances(3, [{ of: therapistLevel, levels: therapistIds.size }]);
    const vG = variances(4, []);
    strataDiffs.forEach((idx, k) => {
      const v = Math.max(vS[k]! + vT[k]! - vG[k]!, vS[k]!, vT[k]!);
      const estimate = result.point[idx]!;
      const before = result.intervals[idx];
      if (!before || !Number.isFinite(v) || !Number.isFinite(estimate)) return;
      const se = Math.sqrt(v);
      const df = Math.max(1, statClusters[idx]! - 1);
      const q = tQuantile(1 - (1 - level) / 2, df);
      result.intervals[idx] = {
        low: estimate - q * se,
        high: estimate + q * se,
        replicates: before.replicates,
        sd: se,
        p: tTwoSidedP(se > 0 ? Math.abs(estimate) / se : Number.POSITIVE_INFINITY, df),
      };
    });
  }

  const byDirection = new Map<string, ModelSwitch[]>();
  for (const sw of set.switches) {
    const k = `${sw.fromModel}>${sw.toModel}`;
    const list = byDirection.get(k);
    if (list) list.push(sw);
    else byDirection.set(k, [sw]);
  }
  const excludedCounts = { too_few_points: 0, too_short: 0, no_spread: 0 };
  for (const x of set.excluded) excludedCounts[x.reason]++;

  const strata: StratumRow[] = strataPlans.map(({ dim, key, plans }) => {
    const st = strataByName.get(`${dim}:${key}`)!;
    const c = countUnits(st.atoms);
    const outcomes: Partial<Record<Outcome, ModelComparison>> = {};
    for (const o of strataOutcomes) outcomes[o] = plans[o]!();
    const first = outcomes[strataOutcomes[0]!];
    return {
      dimension: dim,
      key,
      students: c.students,
      goals: c.goals,
      episodes: st.episodes,
      excludedEpisodes: st.excluded,
      insufficient: first ? first.pushInMinusPullOut.insufficient : true,
      outcomes,
    };
  });
  // Holm over every stratum difference shown (all dimensions and outcomes): one family.
  const family = strata.flatMap((s) =>
    Object.values(s.outcomes).flatMap((c) =>
      c && c.pushInMinusPullOut.p !== null ? [c.pushInMinusPullOut] : [],
    ),
  );
  if (correction === 'holm') {
    const adjusted = holm(family.map((d) => d.p!));
    family.forEach((d, i) => {
      d.p = adjusted[i]!;
      d.claimed = adjusted[i]! < 1 - level;
    });
  }

  const models = modelProfiles(episodes, set.switches);
  const confounders = confounderFlags(models, floor, modelName);

  return {
    estimand: COMPARISON_ESTIMAND,
    warning: confounders.length
      ? `Models are not assigned at random, and here the models' episodes differ: ${confounders
          .map((f) => f.text)
          .join(' ')} A difference between the models may come from these, not the model.`
      : 'Models are not assigned at random. Push-in and pull-out episodes here are alike on ' +
        'baseline level, domain, discipline, grade band, setting mix, ceiling and therapists; ' +
        'characteristics not recorded can still differ.',
    method: {
      replicates: B,
      level,
      seed,
      minObservations: options.minObservations ?? 5,
      minSettingObservations: options.minSettingObservations ?? 5,
      minWeeks: options.minWeeks ?? DEFAULT_MIN_WEEKS,
      baselineDays: options.baselineDays ?? DEFAULT_BASELINE_DAYS,
      minStudents: floor,
      minTherapists: therapistFloor,
      interval: `${expanded ? 'expanded percentile (Hesterberg)' : 'percentile'}, ${
        clustering === 'student_therapist'
          ? 'two-way (student × therapist) bootstrap'
          : `${clustering}-cluster bootstrap`
      }`,
      clustering,
      strataCorrection:
        correction === 'holm'
          ? `Holm across all ${family.length} stratum differences (family-wise error ≤ ${Math.round(100 * (1 - level))}%)`
          : 'none',
      strataInterval: robustStrata
        ? 'two-way cluster-robust standard error (student + therapist − goal bootstrap variances), t interval'
        : 'as the headline rows',
    },
    counts: {
      students: new Set(episodes.map((e) => e.studentId)).size,
      goals: new Set(episodes.map((e) => e.goalId)).size,
      episodes: episodes.length,
      therapists: new Set(episodes.map((e) => e.providerId)).size,
      excludedEpisodes: excludedCounts,
      goalsWithoutData: set.goalsWithoutData,
    },
    models,
    confounders,
    classroom: main.classroom(),
    therapyRoom: main.therapy_room(),
    roi: main.all(),
    strata,
    withinStudent: {
      switchedGoals: {
        goals: switchGoalIds.size,
        switches: switchCount,
        students: switchStudents.size,
        afterStall,
        afterRecommendation,
        difference: difference(switchStat),
      },
      byDirection: [...byDirection].map(([, list]) => {
        const naps = list.map((s) => s.nap);
        const napsC = list.flatMap((s) => (s.napClassroom === null ? [] : [s.napClassroom]));
        return {
          from: list[0]!.fromModel,
          to: list[0]!.toModel,
          goals: new Set(list.map((s) => s.goalId)).size,
          afterStall: list.filter((s) => s.afterStall).length,
          meanRoiChange: mean(list.map((s) => s.roiAfter - s.roiBefore)),
          medianNap: medianOf(naps),
          medianNapClassroom: napsC.length ? medianOf(napsC) : null,
        };
      }),
      bothWays: {
        students: units(support.get(bothGroup)).students,
        difference: difference(bothStat),
      },
      switches: set.switches,
    },
    adjusted: {
      covariates: adj.design?.covariates ?? [],
      episodes: adj.design?.rows.length ?? 0,
      ...(adjNote !== undefined ? { unavailable: adjNote } : {}),
      pushInMinusPullOut: difference(adjStat, adjNote),
    },
    gas: {
      periods: gasPlans.map((p) => ({
        periodId: p.periodId,
        periodEnd: p.periodEnd,
        comparison: p.plan(),
      })),
      pooled: gasPooled(),
      bySetting: {
        classroom: gasBySetting.classroom(),
        therapy_room: gasBySetting.therapy_room(),
      },
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Balance table and confounder flags.

function shares(values: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  for (const k of Object.keys(out)) out[k] = out[k]! / values.length;
  return out;
}

function modelProfiles(
  episodes: readonly Episode[],
  switches: readonly ModelSwitch[],
): Record<ServiceModel, ModelProfile> {
  // The dates a goal switched after a stall, by goal (no name built per episode).
  const stalledEnds = new Map<string, Set<string>>();
  for (const s of switches) {
    if (!s.afterStall) continue;
    const dates = stalledEnds.get(s.goalId);
    if (dates) dates.add(s.date);
    else stalledEnds.set(s.goalId, new Set([s.date]));
  }
  // A therapist's main model among push-in and pull-out, for the concentration measure.
  const perTherapist = new Map<string, { push: number; pull: number }>();
  for (const e of episodes) {
    if (e.model !== 'push_in' && e.model !== 'pull_out') continue;
    const t = perTherapist.get(e.providerId) ?? { push: 0, pull: 0 };
    if (e.model === 'push_in') t.push++;
    else t.pull++;
    perTherapist.set(e.providerId, t);
  }
  // One pass over the episodes (tens of thousands at district scale), each model's tallies
  // kept in episode order, so the means and shares are the ones a pass per model gives.
  const tallies = new Map(
    serviceModels.map((m) => [
      m,
      {
        episodes: 0,
        students: new Set<string>(),
        goals: new Set<string>(),
        therapists: new Set<string>(),
        points: 0,
        room: 0,
        cls: 0,
        ceiling: 0,
        classroomRates: 0,
        roomRates: 0,
        baselineSum: 0,
        baselineEpisodes: 0,
        minutesSum: 0,
        minutesEpisodes: 0,
        domains: [] as string[],
        disciplines: [] as string[],
        gradeBands: [] as string[],
        stalled: 0,
      },
    ]),
  );
  for (const e of episodes) {
    const t = tallies.get(e.model)!;
    t.episodes++;
    t.students.add(e.studentId);
    t.goals.add(e.goalId);
    t.therapists.add(e.providerId);
    t.points += e.points;
    t.room += e.roomPoints;
    t.cls += e.classroomPoints;
    t.ceiling += e.ceilingPoints;
    if (e.classroomRoi !== null) t.classroomRates++;
    if (e.roomRoi !== null) t.roomRates++;
    if (e.baselineLevel !== null) {
      t.baselineSum += e.baselineLevel;
      t.baselineEpisodes++;
    }
    if (e.minutesPerWeek !== null) {
      t.minutesSum += e.minutesPerWeek;
      t.minutesEpisodes++;
    }
    t.domains.push(e.domain);
    t.disciplines.push(e.discipline);
    t.gradeBands.push(e.gradeBand);
    if (stalledEnds.get(e.goalId)?.has(e.to)) t.stalled++;
  }
  const out = {} as Record<ServiceModel, ModelProfile>;
  for (const m of serviceModels) {
    const t = tallies.get(m)!;
    const n = t.episodes;
    const { points } = t;
    const conc = [...t.therapists].flatMap((id) => {
      const c = perTherapist.get(id);
      return c ? [Math.max(c.push, c.pull) / (c.push + c.pull)] : [];
    });
    out[m] = {
      episodes: n,
      students: t.students.size,
      goals: t.goals.size,
      therapists: t.therapists.size,
      points,
      settingMix: {
        therapy_room: points ? t.room / points : 0,
        classroom: points ? t.cls / points : 0,
        other: points ? (points - t.room - t.cls) / points : 0,
      },
      classroomRateShare: n ? t.classroomRates / n : 0,
      roomRateShare: n ? t.roomRates / n : 0,
      baselineLevel: t.baselineEpisodes ? t.baselineSum / t.baselineEpisodes : null,
      baselineEpisodes: t.baselineEpisodes,
      domainMix: n ? shares(t.domains) : {},
      disciplineMix: n ? shares(t.disciplines) : {},
      gradeBandMix: n ? shares(t.gradeBands) : {},
      ceilingShare: points ? t.ceiling / points : 0,
      minutesPerWeek: t.minutesEpisodes ? t.minutesSum / t.minutesEpisodes : null,
      therapistConcentration: conc.length ? mean(conc) : null,
      stalledSwitchShare: n ? t.stalled / n : 0,
    };
  }
  return out;
}

/** Thresholds of the confounder flags (documented in the README's Outcomes section). */
export const CONFOUNDER_THRESHOLDS = {
  /** Difference in mean baseline level (share of the baseline→target gap). */
  baseline: 0.1,
  /** Total-variation distance between the models' mixes (domain, discipline, grade band). */
  mix: 0.15,
  /** Difference in the share of classroom points. */
  setting: 0.2,
  /** Difference in the share of episodes with a classroom rate. */
  classroomRates: 0.2,
  /** Difference in the share of points at or above target. */
  ceiling: 0.1,
  /** Mean share of a therapist's episodes under their main model. */
  therapist: 0.75,
  /** Share of a model's episodes that ended in a switch after a stall. */
  switches: 0.05,
};

function confounderFlags(
  p: Record<ServiceModel, ModelProfile>,
  floor: number,
  name: Record<ServiceModel, string>,
): ConfounderFlag[] {
  const a = p.push_in;
  const b = p.pull_out;
  if (a.students < floor || b.students < floor) return [];
  const T = CONFOUNDER_THRESHOLDS;
  const pts = (x: number) => `${Math.round(100 * Math.abs(x))}`;
  const pc = (x: number) => `${Math.round(100 * x)}%`;
  const flags: ConfounderFlag[] = [];
  if (a.baselineLevel !== null && b.baselineLevel !== null) {
    const d = b.baselineLevel - a.baselineLevel;
    if (Math.abs(d) >= T.baseline)
      flags.push({
        key: 'baseline',
        text: `Pull-out episodes started ${pts(d)} points ${d < 0 ? 'lower' : 'higher'} than push-in ones (baseline level, share of the baseline→target gap).`,
      });
  }
  const mix = (
    key: 'domain' | 'discipline' | 'grade_band',
    x: Record<string, number>,
    y: Record<string, number>,
    label: string,
  ) => {
    const keys = new Set([...Object.keys(x), ...Object.keys(y)]);
    let tv = 0;
    let worst = '';
    let worstGap = -1;
    for (const k of keys) {
      const g = Math.abs((x[k] ?? 0) - (y[k] ?? 0));
      tv += g / 2;
      if (g > worstGap) {
        worstGap = g;
        worst = k;
      }
    }
    if (tv >= T.mix)
      flags.push({
        key,
        text: `The ${label} mix differs: ${worst} is ${pc(x[worst] ?? 0)} of push-in episodes and ${pc(y[worst] ?? 0)} of pull-out ones.`,
      });
  };
  mix('domain', a.domainMix, b.domainMix, 'domain');
  mix('discipline', a.disciplineMix, b.disciplineMix, 'discipline');
  mix('grade_band', a.gradeBandMix, b.gradeBandMix, 'grade band');
  if (Math.abs(a.settingMix.classroom - b.settingMix.classroom) >= T.setting)
    flags.push({
      key: 'setting',
      text: `Push-in data are ${pc(a.settingMix.classroom)} classroom, pull-out data ${pc(b.settingMix.classroom)}: compare the models within a setting, never pooled.`,
    });
  if (Math.abs(a.classroomRateShare - b.classroomRateShare) >= T.classroomRates)
    flags.push({
      key: 'classroom_rates',
      text: `${pc(a.classroomRateShare)} of push-in episodes and ${pc(b.classroomRateShare)} of pull-out ones have a classroom rate, so the classroom row compares differently selected episodes.`,
    });
  if (Math.abs(a.ceilingShare - b.ceilingShare) >= T.ceiling)
    flags.push({
      key: 'ceiling',
      text: `${pc(a.ceilingShare)} of push-in points and ${pc(b.ceilingShare)} of pull-out points are at or above target, where a rate cannot rise.`,
    });
  const conc = Math.max(a.therapistConcentration ?? 0, b.therapistConcentration ?? 0);
  if (conc >= T.therapist)
    flags.push({
      key: 'therapist',
      text: `Therapists mostly use one model (on average ${pc(conc)} of a therapist's push-in and pull-out episodes use their main one), so a difference between therapists looks like a difference between ${name.push_in} and ${name.pull_out}.`,
    });
  const stalled = Math.max(a.stalledSwitchShare, b.stalledSwitchShare);
  if (stalled >= T.switches)
    flags.push({
      key: 'switches',
      text: `${pc(a.stalledSwitchShare)} of push-in and ${pc(b.stalledSwitchShare)} of pull-out episodes ended in a switch after a stall: chosen for a low rate, they are low by selection, and the settings' minimum points keep such short episodes out of one model's rows more than the other's.`,
    });
  return flags;
}

// ---------------------------------------------------------------------------------------------
// Adjusted estimate: OLS of the episode's classroom rate after its baseline window on push-in
// (pull-out the reference), baseline level, domain, discipline and grade band. Minutes delivered are a mediator (a model can change them) and are
// shown beside the estimate, not adjusted for. Its X'X and X'y are sums over goals, so the main
// two-way bootstrap resamples it with everything else.

interface Design {
  columns: string[];
  covariates: string[];
  rows: { e: Episode; x: Float64Array; y: number }[];
  /** Covariate columns given a tiny ridge, so a constant covariate or a category no drawn goal has still solves. */
  ridge: number[];
  clusters(c: Clustering): number;
}

function adjustedDesign(
  episodes: readonly Episode[],
  floor: number,
): { design: Design | null; note?: string } {
  const rowsIn = episodes.filter(
    (e) =>
      (e.model === 'push_in' || e.model === 'pull_out') &&
      e.baselineLevel !== null &&
      e.roiAfterBaseline !== null,
  );
  const studentsBy = (m: ServiceModel) =>
    new Set(rowsIn.filter((e) => e.model === m).map((e) => e.studentId)).size;
  for (const m of ['push_in', 'pull_out'] as const)
    if (studentsBy(m) < floor)
      return {
        design: null,
        note: `only ${studentsBy(m)} students served ${m === 'push_in' ? 'push-in' : 'pull-out'} have a baseline level (a classroom point in the episode's first ${DEFAULT_BASELINE_DAYS} days) and a classroom rate after it; at least ${floor} are needed`,
      };
  // Categories with enough students get a column; the rest share the reference.
  const categories = (key: (e: Episode) => string, prefix: string) => {
    const by = new Map<string, Set<string>>();
    for (const e of rowsIn) {
      const s = by.get(key(e)) ?? new Set();
      s.add(e.studentId);
      by.set(key(e), s);
    }
    const levels = [...by]
      .filter(([, s]) => s.size >= floor)
      .map(([k]) => k)
      .sort();
    return { key, levels: levels.slice(1), names: levels.slice(1).map((l) => `${prefix}:${l}`) };
  };
  const cats = [
    categories((e) => e.domain, 'domain'),
    categories((e) => e.discipline, 'discipline'),
    categories((e) => e.gradeBand, 'grade_band'),
  ];
  const mb = mean(rowsIn.map((e) => e.baselineLevel!));
  const columns = ['intercept', 'push_in', 'baseline_level', ...cats.flatMap((c) => c.names)];
  const p = columns.length;
  const rows = rowsIn.map((e) => {
    const x = new Float64Array(p);
    x[0] = 1;
    if (e.model === 'push_in') x[1] = 1;
    x[2] = e.baselineLevel! - mb;
    let j = 3;
    for (const c of cats)
      for (const l of c.levels) {
        if (c.key(e) === l) x[j] = 1;
        j++;
      }
    return { e, x, y: e.roiAfterBaseline! };
  });
  const clusters = (c: Clustering) => {
    const count = (m: ServiceModel, by: (e: Episode) => string) =>
      new Set(rows.filter((r) => r.e.model === m).map((r) => by(r.e))).size;
    const of = (by: (e: Episode) => string) =>
      Math.min(count('push_in', by), count('pull_out', by));
    if (c === 'student') return of((e) => e.studentId);
    if (c === 'therapist') return of((e) => e.providerId);
    if (c === 'goal') return of((e) => e.goalId);
    return Math.min(
      of((e) => e.studentId),
      of((e) => e.providerId),
    );
  };
  return {
    design: {
      columns,
      covariates: [
        `baseline level (mean classroom score in the episode's first ${DEFAULT_BASELINE_DAYS} days)`,
        'domain',
        'discipline',
        'grade band',
      ],
      rows,
      ridge: columns.map((_, j) => j).filter((j) => j >= 2),
      clusters,
    },
  };
}

function refusalFor(
  d: Design,
  therapistFloor: number,
  name: Record<ServiceModel, string>,
): string | undefined {
  for (const m of ['push_in', 'pull_out'] as const) {
    const t = new Set(d.rows.filter((r) => r.e.model === m).map((r) => r.e.providerId)).size;
    if (t < therapistFloor)
      return `too few therapists deliver ${name[m]} to compare (${t}; at least ${therapistFloor})`;
  }
  return undefined;
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
    // Only non-zero products: a row's one-hot categories leave most of X'X zero, and every
    // cell a cluster holds costs each bootstrap replicate a multiply-add.
    for (let i = 0; i < p; i++) {
      const xi = r.x[i]!;
      if (xi === 0) continue;
      for (let j = i; j < p; j++) if (r.x[j] !== 0) sums.add(c, xx[i * p + j]!, xi * r.x[j]!);
      sums.add(c, xy[i]!, xi * r.y);
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
    // A category no drawn goal belongs to has an all-zero column: a tiny ridge keeps the
    // system solvable (that category's coefficient is then 0) and moves nothing else.
    const lambda = 1e-9 * (a[0]! || 1);
    for (const j of d.ridge) a[j * p + j] = a[j * p + j]! + lambda;
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
