import { dayNumber, fromDayNumber } from '../dates';
import type { ServiceModel } from '../model';
import {
  buildEpisodesFromColumns,
  type ComparisonColumns,
  gradeBand,
  interventionRanges,
} from './episodes';
import { GAS_SETTINGS, type GasSetting, goalScores, settingGas } from './gas';
import type {
  ComparisonGoal,
  Episode,
  EpisodeSet,
  ExcludedEpisode,
  ExclusionReason,
  ModelSwitch,
} from './types';

// Comparison digests (docs/architecture.md, "Outcomes digests"): everything the push-in /
// pull-out comparison reads of one goal's points, reduced once per write instead of once per
// cold comparison. A cold comparison then reads one digest per goal (tens of thousands) rather
// than every observation (millions).
//
// What a goal's episodes depend on, and what the digest keeps:
// - Model spans, points per span, every rate, baseline level, ceiling points and switches depend
//   on the goal's points, model and phase changes and recommendations: computed here, as
//   `buildEpisodesFromColumns` computes them (it is called), for an as-of date far in the future.
// - The as-of date only moves the end of the goal's last span: the day after `asOf` (or after
//   the last point, or the end of intervention). Spans starting on or after that end do not
//   exist yet (they have no points: they were excluded anyway), and the last span's `to` and
//   minutes per week are finished at read time (`finishDigests`) from the minutes delivered
//   before the last point (per span) and after it (kept as a short list).
// - GAS per setting is, for a reporting period ending on day L, the band of the setting's last
//   three points up to L, if the last is inside the period: a step function of L that changes
//   only on point days, kept as (day, band) pairs per setting.
// Goal metadata (school, grade, provider, discipline, domain) is not in the digest: it is
// joined at read time, so a student moving school or a new provider leaves digests valid.

/** Digest format version: a digest of another version is recomputed from the points. */
export const DIGEST_VERSION = 1;
/** The as-of date digests are cut at: later than any real as-of date. */
const FAR_AS_OF = '9000-01-01';
const FAR_DAY = dayNumber(FAR_AS_OF);

/** One model span of a goal's intervention data, as cut with no end in sight. */
export interface DigestSpan {
  from: number;
  /** Exclusive end when a later change (or the end of intervention) closes it; null: open. */
  to: number | null;
  model: ServiceModel;
  points: number;
  /** Why it is excluded; null when it is a counted episode. */
  reason: ExclusionReason | null;
  /** Counted episodes only: the rates and levels (Episode's fields). */
  roomPoints?: number;
  classroomPoints?: number;
  roi?: number;
  roomRoi?: number | null;
  classroomRoi?: number | null;
  baselineLevel?: number | null;
  roiAfterBaseline?: number | null;
  ceilingPoints?: number;
  /** Minutes delivered from `from` up to the earlier of `to` and the day after the last point. */
  headMinutes?: number;
}

export interface GoalDigest {
  v: number;
  /** No usable intervention point: the goal counts in `goalsWithoutData` and nothing else. */
  empty: boolean;
  /** First day of the goal's spans (its start, or its first intervention day). */
  start: number;
  /** Day of the goal's last intervention point. */
  lastPoint: number;
  /** End of the goal's last intervention range (exclusive); null while in intervention. */
  rangeEnd: number | null;
  spans: DigestSpan[];
  /** Minutes delivered on or after the day after the last point, as [day, minutes] pairs. */
  tail: [number, number][];
  /** Switches between consecutive counted episodes (goal and student ids joined at read time). */
  switches: Omit<ModelSwitch, 'goalId' | 'studentId'>[];
  /** Per setting, the GAS band with every point up to each point day: [day, band] pairs. */
  gas: Record<GasSetting, [number, number][]>;
}

/**
 * The digest of goal `gi` of `cols` (no date window: digests serve the unfiltered-by-date
 * comparison). Pure: the same goal data give the same digest, to the bit.
 */
export function goalDigest(cols: ComparisonColumns, gi: number): GoalDigest {
  const goal = cols.goals[gi]!;
  const one: ComparisonColumns = {
    ...cols,
    goals: [{ ...goal, asOf: FAR_AS_OF }],
    pointFrom: Int32Array.of(cols.pointFrom[gi]!),
    pointTo: Int32Array.of(cols.pointTo[gi]!),
    minuteFrom: Int32Array.of(cols.minuteFrom[gi]!),
    minuteTo: Int32Array.of(cols.minuteTo[gi]!),
  };
  delete one.window;
  const gas = { classroom: [], therapy_room: [] } as Record<GasSetting, [number, number][]>;
  if (goal.aimLine) {
    const scores = goalScores(one, 0);
    for (const setting of GAS_SETTINGS) {
      const days = [...new Set(scores.map((s) => s.day))];
      for (const d of days) {
        const band = settingGas(scores, goal.aimLine, setting, d, d);
        if (band !== null) gas[setting].push([d, band]);
      }
    }
  }
  const set = buildEpisodesFromColumns(one);
  if (set.goalsWithoutData > 0) return { ...emptyGoalDigest(), gas };
  // Not empty, so at least one intervention range holds a point.
  const ranges = interventionRanges(goal);
  const rangeEnd = ranges[ranges.length - 1]![1];
  const start = Math.max(dayNumber(goal.spec.startDate), ranges[0]![0]);
  // The last intervention point, as the episodes saw it.
  let lastPoint = Number.NEGATIVE_INFINITY;
  for (let p = one.pointFrom[0]!; p < one.pointTo[0]!; p++) {
    const d = cols.pointDay[p]!;
    if (Number.isNaN(cols.pointValue[p]!)) continue;
    if (!ranges.some(([a, b]) => d >= a && d < b)) continue;
    if (d > lastPoint) lastPoint = d;
  }
  const afterLast = lastPoint + 1;
  const minutesIn = (from: number, to: number) => {
    let sum = 0;
    for (let k = one.minuteFrom[0]!; k < one.minuteTo[0]!; k++) {
      const d = cols.minuteDay[k]!;
      if (d >= from && d < to) sum += cols.minutes[k]!;
    }
    return sum;
  };
  const tail: [number, number][] = [];
  for (let k = one.minuteFrom[0]!; k < one.minuteTo[0]!; k++)
    if (cols.minuteDay[k]! >= afterLast) tail.push([cols.minuteDay[k]!, cols.minutes[k]!]);
  const spanTo = (to: string) => {
    const d = dayNumber(to);
    return d > FAR_DAY ? null : d;
  };
  const spans: DigestSpan[] = [];
  for (const x of set.excluded)
    spans.push({
      from: dayNumber(x.from),
      to: spanTo(x.to),
      model: x.model,
      points: x.points,
      reason: x.reason,
    });
  for (const e of set.episodes) {
    const from = dayNumber(e.from);
    const to = spanTo(e.to);
    spans.push({
      from,
      to,
      model: e.model,
      points: e.points,
      reason: null,
      roomPoints: e.roomPoints,
      classroomPoints: e.classroomPoints,
      roi: e.roi,
      roomRoi: e.roomRoi,
      classroomRoi: e.classroomRoi,
      baselineLevel: e.baselineLevel,
      roiAfterBaseline: e.roiAfterBaseline,
      ceilingPoints: e.ceilingPoints,
      headMinutes: minutesIn(from, Math.min(to ?? Number.POSITIVE_INFINITY, afterLast)),
    });
  }
  spans.sort((a, b) => a.from - b.from);
  return {
    v: DIGEST_VERSION,
    empty: false,
    start,
    rangeEnd: Number.isFinite(rangeEnd) ? rangeEnd : null,
    gas,
    lastPoint,
    spans,
    tail,
    switches: set.switches.map(({ goalId: _g, studentId: _s, ...rest }) => rest),
  };
}

/** The digest of a goal with no usable point (a new goal). */
export function emptyGoalDigest(): GoalDigest {
  return {
    v: DIGEST_VERSION,
    empty: true,
    start: 0,
    lastPoint: 0,
    rangeEnd: null,
    spans: [],
    tail: [],
    switches: [],
    gas: { classroom: [], therapy_room: [] },
  };
}

/**
 * A digest as the comparison reads it: the GAS steps and the minutes tail flattened to
 * `[day, value, day, value, …]`. Stored digests hold them as `[day, value]` pairs, which at
 * 25,000 students are two million small arrays: most of the loaded digests' heap and of the
 * collector's work. `readDigest` turns one into the other right after parsing, so the pairs die
 * young.
 */
export interface ReadDigest extends Omit<GoalDigest, 'gas' | 'tail'> {
  gas: Record<GasSetting, readonly number[]>;
  tail: readonly number[];
}

const NO_STEPS: readonly number[] = Object.freeze([]);

function flatPairs(pairs: readonly (readonly [number, number])[]): readonly number[] {
  if (pairs.length === 0) return NO_STEPS;
  const out = new Array<number>(pairs.length * 2);
  for (let i = 0; i < pairs.length; i++) {
    out[2 * i] = pairs[i]![0];
    out[2 * i + 1] = pairs[i]![1];
  }
  return out;
}

/** The read form of a stored (or just computed) digest. */
export function readDigest(d: GoalDigest): ReadDigest {
  return {
    v: d.v,
    empty: d.empty,
    start: d.start,
    lastPoint: d.lastPoint,
    rangeEnd: d.rangeEnd,
    spans: d.spans,
    tail: flatPairs(d.tail),
    switches: d.switches,
    gas: { classroom: flatPairs(d.gas.classroom), therapy_room: flatPairs(d.gas.therapy_room) },
  };
}

/** Every goal's digest, in column order. */
export function goalDigests(cols: ComparisonColumns): GoalDigest[] {
  return cols.goals.map((_, i) => goalDigest(cols, i));
}

/**
 * The episodes of goals from their digests as of `asOf`: equal, field for field, to
 * `buildEpisodesFromColumns` over the goals' points with that as-of date (default options, no
 * date window). `digests` is by goal id; every goal must have one.
 */
export function finishDigests(
  goals: readonly ComparisonGoal[],
  digests: ReadonlyMap<string, ReadDigest>,
  asOf: string,
): EpisodeSet {
  const asOfDay = dayNumber(asOf);
  const episodes: Episode[] = [];
  const excluded: ExcludedEpisode[] = [];
  const switches: ModelSwitch[] = [];
  let goalsWithoutData = 0;
  for (const goal of goals) {
    const dg = digests.get(goal.id);
    if (!dg) throw new Error(`No comparison digest for goal ${goal.id}`);
    if (dg.empty) {
      goalsWithoutData++;
      continue;
    }
    const afterLast = dg.lastPoint + 1;
    const end = Math.max(
      Math.min(Math.max(asOfDay + 1, afterLast), dg.rangeEnd ?? Number.POSITIVE_INFINITY),
      dg.start + 1,
    );
    let index = 0;
    for (const s of dg.spans) {
      if (s.from >= end) break;
      const to = Math.min(s.to ?? Number.POSITIVE_INFINITY, end);
      const base = {
        goalId: goal.id,
        studentId: goal.studentId,
        model: s.model,
        from: fromDayNumber(s.from),
        to: fromDayNumber(to),
        points: s.points,
      };
      const episodeIndex = index++;
      if (s.reason !== null) {
        excluded.push({ ...base, reason: s.reason });
        continue;
      }
      let delivered = s.headMinutes!;
      const lo = Math.max(s.from, afterLast);
      const tail = dg.tail;
      for (let i = 0; i < tail.length; i += 2) {
        const d = tail[i]!;
        if (d >= lo && d < to) delivered += tail[i + 1]!;
      }
      const weeks = (to - s.from) / 7;
      episodes.push({
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
        roomPoints: s.roomPoints!,
        classroomPoints: s.classroomPoints!,
        roi: s.roi!,
        roomRoi: s.roomRoi!,
        classroomRoi: s.classroomRoi!,
        baselineLevel: s.baselineLevel!,
        roiAfterBaseline: s.roiAfterBaseline!,
        ceilingPoints: s.ceilingPoints!,
        minutesPerWeek: weeks >= 1 ? delivered / weeks : null,
      });
    }
    // Keys in `buildEpisodesFromColumns`'s order, so the report is byte-identical too.
    for (const sw of dg.switches)
      switches.push({
        goalId: goal.id,
        afterStall: sw.afterStall,
        afterRecommendation: sw.afterRecommendation,
        studentId: goal.studentId,
        fromModel: sw.fromModel,
        toModel: sw.toModel,
        date: sw.date,
        roiBefore: sw.roiBefore,
        roiAfter: sw.roiAfter,
        nap: sw.nap,
        napClassroom: sw.napClassroom,
      });
  }
  return { episodes, excluded, switches, goalsWithoutData };
}

/**
 * GAS per setting from digests, as `compareModels` asks for it: the band of the setting's last
 * three points up to `lastDay`, null when none of them is on or after `firstDay`.
 */
export function digestSettingGas(
  digest: ReadDigest,
  setting: GasSetting,
  firstDay: number,
  lastDay: number,
): number | null {
  const steps = digest.gas[setting];
  let lo = 0;
  let hi = steps.length / 2;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (steps[2 * mid]! <= lastDay) lo = mid + 1;
    else hi = mid;
  }
  if (lo === 0) return null;
  const day = steps[2 * lo - 2]!;
  return day < firstDay ? null : steps[2 * lo - 1]!;
}
