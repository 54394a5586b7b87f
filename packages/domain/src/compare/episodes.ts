import { dayNumber, fromDayNumber } from '../dates';
import type { GoalPhase, ServiceModel, Setting } from '../model';
import { normalizeScore, rawValue } from '../progress';
import { groupedOlsSlope, groupedTheilSenSlope, nap } from './stats';
import type {
  ComparisonGoal,
  Episode,
  EpisodeOptions,
  EpisodeSet,
  ExcludedEpisode,
  ModelSwitch,
} from './types';

// Model episodes (docs/domain.md, "Comparing push-in and pull-out"): a goal's intervention data cut at
// every model change. Each episode gets its rate of improvement (ROI): the slope of the normalised
// score per week — the share of the baseline → target gap closed per week — by least squares
// within each setting (default), because Theil–Sen collapses towards 0 on coarse, tied scores.

export const DEFAULT_MIN_OBSERVATIONS = 5;
export const DEFAULT_MIN_WEEKS = 4;
const SETTING_CODE: Record<Setting, number> = { therapy_room: 0, classroom: 1, other: 2 };
const MIN_NAP_POINTS = 3;
/** Default days at an episode's start whose classroom points give its baseline level. */
export const DEFAULT_BASELINE_DAYS = 21;
/** An episode whose rate is at most this (share of the gap per week) had stalled. */
export const STALL_ROI = 0.005;
/** A switch this many days or fewer after a recommendation followed it. */
const RECOMMENDATION_DAYS = 28;

/** 'K'–'2' → 'K–2', '3'–'5' → '3–5', '6'–'8' → '6–8', '9'–'12' → '9–12'; anything else as is. */
export function gradeBand(grade: string): string {
  const g = grade.trim().toUpperCase();
  const n = g === 'K' ? 0 : /^\d{1,2}$/.test(g) ? Number(g) : Number.NaN;
  if (Number.isNaN(n)) return g;
  if (n <= 2) return 'K–2';
  if (n <= 5) return '3–5';
  if (n <= 8) return '6–8';
  return '9–12';
}

interface Span {
  from: number;
  /** Exclusive. */
  to: number;
  model: ServiceModel;
}

/** Model in force over time: the initial model, then each change from its date (last of a day wins). */
function modelSpans(goal: ComparisonGoal, start: number, end: number): Span[] {
  const changes = goal.modelChanges
    .map((c, i) => ({ day: dayNumber(c.date), model: c.toModel, i }))
    .sort((a, b) => a.day - b.day || a.i - b.i);
  let model = goal.initialModel;
  const spans: Span[] = [];
  let from = start;
  for (const c of changes) {
    if (c.day <= from) {
      model = c.model;
      continue;
    }
    if (c.day >= end) break;
    if (c.model === model) continue; // A "change" to the model already in force is no change.
    spans.push({ from, to: c.day, model });
    from = c.day;
    model = c.model;
  }
  spans.push({ from, to: end, model });
  return spans;
}

/** Days in `intervention` as half-open ranges; everything when no phase is recorded. */
export function interventionRanges(goal: ComparisonGoal): [number, number][] {
  if (goal.phaseChanges.length === 0) return [[-Infinity, Infinity]];
  const changes = goal.phaseChanges
    .map((c, i) => ({ day: dayNumber(c.date), phase: c.phase as GoalPhase, i }))
    .sort((a, b) => a.day - b.day || a.i - b.i);
  const ranges: [number, number][] = [];
  let open: number | null = null;
  for (const c of changes) {
    if (c.phase === 'intervention') open ??= c.day;
    else if (open !== null) {
      if (c.day > open) ranges.push([open, c.day]);
      open = null;
    }
  }
  if (open !== null) ranges.push([open, Infinity]);
  return ranges;
}

/** Score for rates: unclamped within [−1, 2], so noise at the baseline or target is not folded back. */
function roiScore(spec: ComparisonGoal['spec'], raw: number): number {
  const span = spec.target - spec.baseline;
  if (span === 0) return normalizeScore(spec, raw);
  return Math.min(2, Math.max(-1, (raw - spec.baseline) / span));
}

function buffers(capacity: number) {
  return {
    capacity,
    d0: new Float64Array(capacity),
    s0: new Float64Array(capacity),
    r0: new Float64Array(capacity),
    g0: new Uint8Array(capacity),
    order: new Uint32Array(capacity),
    days: new Float64Array(capacity),
    ys: new Float64Array(capacity),
    rates: new Float64Array(capacity),
    groups: new Uint8Array(capacity),
  };
}

const inRanges = (day: number, ranges: [number, number][]) =>
  ranges.some(([a, b]) => day >= a && day < b);

/**
 * A district's comparison data in columns: goals as objects (tens of thousands), their points
 * and delivered minutes as typed arrays (millions), so neither loading nor cutting episodes
 * makes an object per point. The database loader fills it straight from the rows.
 */
export interface ComparisonColumns {
  /** Goal metadata; their `observations` and `deliveredMinutes` are not read here. */
  goals: readonly ComparisonGoal[];
  /** Goal i's points are at indexes pointFrom[i] (inclusive) to pointTo[i] (exclusive). */
  pointFrom: Int32Array;
  pointTo: Int32Array;
  /** Each point's day (`dayNumber`). */
  pointDay: Int32Array;
  /** Each point's setting: therapy room 0, classroom 1, other 2 (`settingCode`). */
  pointSetting: Uint8Array;
  /** Each point's raw value for its goal's measurement type (`rawValue`); NaN when none. */
  pointValue: Float64Array;
  /** Goal i's delivered minutes are at minuteFrom[i] … minuteTo[i] (a service's goals share them). */
  minuteFrom: Int32Array;
  minuteTo: Int32Array;
  minuteDay: Int32Array;
  minutes: Float64Array;
  /** Only days from `from` to `to` (inclusive, day numbers) count: a date filter. */
  window?: { from: number; to: number };
}

/** A setting as the small code columns hold. */
export const settingCode = (setting: Setting): number => SETTING_CODE[setting];

/** The columns of goals given as objects (their observations and minutes moved into arrays). */
export function comparisonColumns(goals: readonly ComparisonGoal[]): ComparisonColumns {
  let nPoints = 0;
  let nMinutes = 0;
  for (const g of goals) {
    nPoints += g.observations.length;
    nMinutes += g.deliveredMinutes.length;
  }
  const cols: ComparisonColumns = {
    goals,
    pointFrom: new Int32Array(goals.length),
    pointTo: new Int32Array(goals.length),
    pointDay: new Int32Array(nPoints),
    pointSetting: new Uint8Array(nPoints),
    pointValue: new Float64Array(nPoints),
    minuteFrom: new Int32Array(goals.length),
    minuteTo: new Int32Array(goals.length),
    minuteDay: new Int32Array(nMinutes),
    minutes: new Float64Array(nMinutes),
  };
  const day = dayCache();
  let p = 0;
  let m = 0;
  goals.forEach((g, i) => {
    cols.pointFrom[i] = p;
    for (const o of g.observations) {
      cols.pointDay[p] = day(o.date);
      cols.pointSetting[p] = SETTING_CODE[o.setting];
      cols.pointValue[p++] = rawValue(g.spec.measurementType, o) ?? Number.NaN;
    }
    cols.pointTo[i] = p;
    cols.minuteFrom[i] = m;
    for (const x of g.deliveredMinutes) {
      cols.minuteDay[m] = day(x.date);
      cols.minutes[m++] = x.minutes;
    }
    cols.minuteTo[i] = m;
  });
  return cols;
}

/** `dayNumber` with a cache: a district's million points fall on a few hundred days. */
export function dayCache(): (iso: string) => number {
  const cache = new Map<string, number>();
  return (iso) => {
    let d = cache.get(iso);
    if (d === undefined) {
      d = dayNumber(iso);
      cache.set(iso, d);
    }
    return d;
  };
}

/**
 * Cuts every goal into model episodes and computes their ROIs. An episode runs from a model
 * change (or the goal's start) to the next change (exclusive); an observation on a change's
 * date belongs to the new model. Gaps in the data do not cut an episode: the slope is per
 * calendar week across them. Episodes with fewer than `minObservations` intervention points,
 * or without two different days in any setting, are excluded and counted.
 */
export function buildEpisodes(
  goals: readonly ComparisonGoal[],
  options: EpisodeOptions = {},
): EpisodeSet {
  return buildEpisodesFromColumns(comparisonColumns(goals), options);
}

/** `buildEpisodes` over columns: the one implementation both forms of input share. */
export function buildEpisodesFromColumns(
  cols: ComparisonColumns,
  options: EpisodeOptions = {},
): EpisodeSet {
  const minObs = options.minObservations ?? DEFAULT_MIN_OBSERVATIONS;
  const minSetting = options.minSettingObservations ?? DEFAULT_MIN_OBSERVATIONS;
  const minDays = 7 * (options.minWeeks ?? DEFAULT_MIN_WEEKS);
  const baselineDays = options.baselineDays ?? DEFAULT_BASELINE_DAYS;
  const fit = options.roiMethod === 'theil_sen' ? groupedTheilSenSlope : groupedOlsSlope;
  const day = dayCache();
  const windowFrom = cols.window?.from ?? -Infinity;
  const windowTo = cols.window?.to ?? Infinity;
  const episodes: Episode[] = [];
  const excluded: ExcludedEpisode[] = [];
  const switches: ModelSwitch[] = [];
  let goalsWithoutData = 0;
  // Scratch arrays reused across goals (grown as needed): no allocation per point or goal.
  let buf = buffers(256);
  const before = (i: number, j: number) => {
    const { d0, g0, r0 } = buf;
    return (
      d0[i]! < d0[j]! ||
      (d0[i] === d0[j] && (g0[i]! < g0[j]! || (g0[i] === g0[j] && r0[i]! <= r0[j]!)))
    );
  };
  const { pointDay, pointSetting, pointValue, minuteDay, minutes: minuteValues } = cols;

  cols.goals.forEach((goal, gi) => {
    const ranges = interventionRanges(goal);
    // Intervention points only, in parallel arrays, no object per point: at district scale
    // (millions of points) garbage collection would otherwise dominate.
    const pFrom = cols.pointFrom[gi]!;
    const pTo = cols.pointTo[gi]!;
    const m = pTo - pFrom;
    if (m > buf.capacity) buf = buffers(Math.max(m, 2 * buf.capacity));
    const { d0, s0, r0, g0, order, days, ys, rates, groups } = buf;
    let n = 0;
    let sorted = true;
    for (let p = pFrom; p < pTo; p++) {
      const value = pointValue[p]!;
      if (Number.isNaN(value)) continue;
      const d = pointDay[p]!;
      if (d < windowFrom || d > windowTo || !inRanges(d, ranges)) continue;
      d0[n] = d;
      s0[n] = normalizeScore(goal.spec, value);
      r0[n] = roiScore(goal.spec, value);
      g0[n] = pointSetting[p]!;
      if (n > 0 && !before(n - 1, n)) sorted = false;
      n++;
    }
    if (n === 0) {
      goalsWithoutData++;
      return;
    }
    // Date order; same-day points by setting and value, so row order never matters.
    for (let i = 0; i < n; i++) order[i] = i;
    if (!sorted)
      order.subarray(0, n).sort((a, b) => d0[a]! - d0[b]! || g0[a]! - g0[b]! || r0[a]! - r0[b]!);
    for (let i = 0; i < n; i++) {
      const k = order[i]!;
      days[i] = d0[k]!;
      ys[i] = s0[k]!;
      rates[i] = r0[k]!;
      groups[i] = g0[k]!;
    }
    const lastObs = days[n - 1]!;
    const start = Math.max(day(goal.spec.startDate), ranges[0]![0]);
    const end = Math.min(
      goal.asOf !== undefined ? Math.max(day(goal.asOf) + 1, lastObs + 1) : lastObs + 1,
      ranges[ranges.length - 1]![1],
    );
    const mFrom = cols.minuteFrom[gi]!;
    const mTo = cols.minuteTo[gi]!;

    let prev: { ep: Episode; a: number; b: number } | null = null;
    let index = 0;
    let cursor = 0;
    for (const span of modelSpans(goal, start, Math.max(end, start + 1))) {
      while (cursor < n && days[cursor]! < span.from) cursor++;
      const a = cursor;
      while (cursor < n && days[cursor]! < span.to) cursor++;
      const b = cursor;
      const count = b - a;
      const base = {
        goalId: goal.id,
        studentId: goal.studentId,
        model: span.model,
        from: fromDayNumber(span.from),
        to: fromDayNumber(span.to),
        points: count,
      };
      const episodeIndex = index++;
      if (count < minObs) {
        excluded.push({ ...base, reason: 'too_few_points' });
        prev = null;
        continue;
      }
      if (days[b - 1]! - days[a]! < minDays) {
        excluded.push({ ...base, reason: 'too_short' });
        prev = null;
        continue;
      }
      const perDay = fit(days, rates, groups, a, b);
      if (perDay === null) {
        excluded.push({ ...base, reason: 'no_spread' });
        prev = null;
        continue;
      }
      const settingRoi = (code: number) => {
        let k = 0;
        for (let i = a; i < b; i++) if (groups[i] === code) k++;
        if (k < minSetting) return { k, roi: null };
        let first = Infinity;
        let last = -Infinity;
        for (let i = a; i < b; i++)
          if (groups[i] === code) {
            first = Math.min(first, days[i]!);
            last = Math.max(last, days[i]!);
          }
        if (last - first < minDays) return { k, roi: null };
        const ds = new Float64Array(k);
        const vs = new Float64Array(k);
        let j = 0;
        for (let i = a; i < b; i++)
          if (groups[i] === code) {
            ds[j] = days[i]!;
            vs[j++] = rates[i]!;
          }
        const s = fit(ds, vs, null);
        return { k, roi: s === null ? null : s * 7 };
      };
      const room = settingRoi(0);
      const classroom = settingRoi(1);
      // Baseline level: classroom scores in a fixed window at the episode's start (the same
      // calendar window under every model, so sparse probes under one model do not move it
      // weeks into the episode); missing when the window holds no classroom point.
      const windowEnd = span.from + baselineDays;
      let baseSum = 0;
      let baseN = 0;
      let afterFrom = b;
      for (let i = a; i < b; i++) {
        if (days[i]! >= windowEnd) {
          afterFrom = i;
          break;
        }
        if (groups[i] === 1) {
          baseSum += ys[i]!;
          baseN++;
        }
      }
      // The outcome of the adjusted estimate: the classroom rate after the window (the setting
      // every model is seen in, so the models are compared like with like), from points the
      // level did not use (a level and a slope sharing noisy points are correlated by
      // construction), held to the same minimum points and span as every setting's rate.
      let roiAfterBaseline: number | null = null;
      if (baseN > 0) {
        let k = 0;
        let first = Infinity;
        let last = -Infinity;
        for (let i = afterFrom; i < b; i++)
          if (groups[i] === 1) {
            k++;
            first = Math.min(first, days[i]!);
            last = Math.max(last, days[i]!);
          }
        if (k >= minSetting && last - first >= minDays) {
          const ds = new Float64Array(k);
          const vs = new Float64Array(k);
          let j = 0;
          for (let i = afterFrom; i < b; i++)
            if (groups[i] === 1) {
              ds[j] = days[i]!;
              vs[j++] = rates[i]!;
            }
          const slope = fit(ds, vs, null);
          roiAfterBaseline = slope === null ? null : slope * 7;
        }
      }
      let ceilingPoints = 0;
      for (let i = a; i < b; i++) if (ys[i]! >= 1) ceilingPoints++;
      let delivered = 0;
      for (let k = mFrom; k < mTo; k++) {
        const d = minuteDay[k]!;
        if (d >= span.from && d < span.to && d >= windowFrom && d <= windowTo)
          delivered += minuteValues[k]!;
      }
      const weeks = (span.to - span.from) / 7;
      const ep: Episode = {
        // Each field named, not spread from `base`: objects built by spreading got shapes V8
        // could not share, and every loop of the comparison over them ran an order slower.
        goalId: base.goalId,
        studentId: base.studentId,
        model: base.model,
        from: base.from,
        to: base.to,
        points: base.points,
        schoolId: goal.schoolId,
        providerId: goal.providerId,
        discipline: goal.discipline,
        domain: goal.domain,
        gradeBand: gradeBand(goal.grade),
        index: episodeIndex,
        roomPoints: room.k,
        classroomPoints: classroom.k,
        roi: perDay * 7,
        roomRoi: room.roi,
        classroomRoi: classroom.roi,
        baselineLevel: baseN > 0 ? baseSum / baseN : null,
        roiAfterBaseline,
        ceilingPoints,
        minutesPerWeek: weeks >= 1 ? delivered / weeks : null,
      };
      episodes.push(ep);
      if (prev && prev.ep.model !== ep.model) {
        const pre = Array.from(ys.subarray(prev.a, prev.b));
        const post = Array.from(ys.subarray(a, b));
        const cls = (lo: number, hi: number) => {
          const out: number[] = [];
          for (let i = lo; i < hi; i++) if (groups[i] === 1) out.push(ys[i]!);
          return out;
        };
        const cb = cls(prev.a, prev.b);
        const ca = cls(a, b);
        const switchDay = span.from;
        const recommended = (goal.recommendationDates ?? []).some((r) => {
          const d = day(r);
          return d <= switchDay && d >= switchDay - RECOMMENDATION_DAYS;
        });
        switches.push({
          goalId: goal.id,
          afterStall: prev.ep.roi <= STALL_ROI,
          afterRecommendation: recommended,
          studentId: goal.studentId,
          fromModel: prev.ep.model,
          toModel: ep.model,
          date: ep.from,
          roiBefore: prev.ep.roi,
          roiAfter: ep.roi,
          nap: nap(pre, post)!,
          napClassroom:
            cb.length >= MIN_NAP_POINTS && ca.length >= MIN_NAP_POINTS ? nap(cb, ca) : null,
        });
      }
      prev = { ep, a, b };
    }
  });
  return { episodes, excluded, switches, goalsWithoutData };
}
