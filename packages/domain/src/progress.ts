import { addDays, dayNumber } from './dates';
import {
  type Direction,
  type GoalStatus,
  type IsoDate,
  type MeasurementType,
  promptLevels,
  type SessionModel,
  type Setting,
} from './model';
import type {
  GoalProgress,
  GoalSpec,
  GoalStanding,
  Line,
  ObservationValues,
  ProgressPoint,
} from './progress-types';

// Progress math (docs/domain.md, "Progress math"). Every goal is reduced to scores in [0, 1]
// (0 = baseline, 1 = target) so goals of every measurement type share one graph and one ROI.

const DAYS_PER_WEEK = 7;

// ---------------------------------------------------------------------------------------------
// Raw values and scores

/** Whether a bigger raw value is better. Prompt level counts support, so less is better. */
export function directionFor(
  measurementType: MeasurementType,
  statedDirection?: Direction | null,
): Direction {
  switch (measurementType) {
    case 'percent':
    case 'rubric':
      return 'up';
    case 'prompt_level':
      return 'down';
    case 'frequency':
    case 'duration':
      return statedDirection ?? 'up';
  }
}

const nonNegative = (value: number | null | undefined): number | null =>
  value != null && Number.isFinite(value) && value >= 0 ? value : null;

/**
 * The observation's value in the goal's raw units, or null when the fields that type needs are
 * missing or invalid. Percent counts a correct-with-prompt trial as not correct: the criterion is
 * independent performance. Missing trial counts are zero; no trials at all is null, not 0%.
 */
export function rawValue(
  measurementType: MeasurementType,
  values: ObservationValues,
): number | null {
  switch (measurementType) {
    case 'percent': {
      const fields = [values.trialsCorrect, values.trialsPrompted, values.trialsIncorrect];
      if (fields.some((f) => f != null && nonNegative(f) === null)) return null;
      const [correct, prompted, incorrect] = fields.map((f) => f ?? 0) as [number, number, number];
      const trials = correct + prompted + incorrect;
      return trials > 0 ? (100 * correct) / trials : null;
    }
    case 'prompt_level': {
      if (values.promptLevel == null) return null;
      const index = promptLevels.indexOf(values.promptLevel);
      return index >= 0 ? index : null;
    }
    case 'frequency':
      return nonNegative(values.count);
    case 'duration':
      return nonNegative(values.seconds);
    case 'rubric':
      return values.rubricScore != null && Number.isFinite(values.rubricScore)
        ? values.rubricScore
        : null;
  }
}

/**
 * Share of the baseline → target distance covered, clamped to [0, 1]. Dividing by
 * (target − baseline) makes decreasing goals (target < baseline) work with no special case.
 * When target equals baseline there is no distance: the score is 1 if the raw value meets the
 * target in the goal's direction (assumed `up` when not given), else 0.
 */
export function normalizeScore(
  goal: Pick<GoalSpec, 'baseline' | 'target'> & { direction?: Direction },
  raw: number,
): number {
  const span = goal.target - goal.baseline;
  if (span === 0) {
    const meets = (goal.direction ?? 'up') === 'up' ? raw >= goal.target : raw <= goal.target;
    return meets ? 1 : 0;
  }
  return clamp01((raw - goal.baseline) / span);
}

export function toProgressPoint(
  goal: GoalSpec,
  obs: ObservationValues & { date: IsoDate; setting: Setting; model: SessionModel },
): ProgressPoint | null {
  const raw = rawValue(goal.measurementType, obs);
  if (raw === null) return null;
  return {
    date: obs.date,
    setting: obs.setting,
    model: obs.model,
    raw,
    score: normalizeScore(goal, raw),
  };
}

// ---------------------------------------------------------------------------------------------
// Level and trend

/** Median of the scores of the last three points by date; ties on a date keep input order. */
export function level(points: ProgressPoint[]): number | null {
  if (points.length === 0) return null;
  return median(
    sortByDate(points)
      .slice(-3)
      .map((p) => p.score),
  );
}

/**
 * The trend needs this many points over at least this many days before it is drawn, projects a
 * date, or drives a decision (the status, a report's judgement, the flat push-in rule): fewer, or
 * a shorter span, and a slope is mostly noise.
 */
export const MIN_TREND_POINTS = 6;
export const MIN_TREND_SPAN_DAYS = 21;

/** Whether these points are enough for a trend (`MIN_TREND_POINTS` over `MIN_TREND_SPAN_DAYS`). */
export function enoughForTrend(points: { day: number; y: number }[]): boolean {
  const finite = points.filter((p) => Number.isFinite(p.day) && Number.isFinite(p.y));
  if (finite.length < MIN_TREND_POINTS) return false;
  const days = finite.map((p) => p.day);
  return Math.max(...days) - Math.min(...days) >= MIN_TREND_SPAN_DAYS;
}

/**
 * The trend: least squares, once there are enough points (`enoughForTrend`), else null. Least
 * squares, not Theil–Sen: on coarse scores (a 0–4 rubric, 10 trials) most pairs of points tie, so
 * the median pairwise slope is exactly 0 most of the time even when the goal is improving
 * (test/trend-coarse.test.ts measures it); least squares uses every point's size and is unbiased.
 */
export function trendFit(
  points: { day: number; y: number }[],
): { slope: number; intercept: number } | null {
  return enoughForTrend(points) ? leastSquares(points) : null;
}

/**
 * Theil–Sen line: the median of the slopes of all pairs with different x, then the median of
 * y − slope·x. A single wild point cannot drag it (breakdown ≈ 29%), unlike least squares.
 * Points with a non-finite coordinate are ignored. Null with fewer than two distinct x.
 */
export function theilSen(
  points: { day: number; y: number }[],
): { slope: number; intercept: number } | null {
  const finite = points.filter((p) => Number.isFinite(p.day) && Number.isFinite(p.y));
  const slopes: number[] = [];
  for (let i = 0; i < finite.length; i++) {
    for (let j = i + 1; j < finite.length; j++) {
      const a = finite[i]!;
      const b = finite[j]!;
      if (a.day === b.day) continue;
      // Always right minus left, so the result is bit-identical whatever the input order.
      const [lo, hi] = a.day < b.day ? [a, b] : [b, a];
      slopes.push((hi.y - lo.y) / (hi.day - lo.day));
    }
  }
  if (slopes.length === 0) return null;
  const slope = median(slopes);
  const intercept = median(finite.map((p) => p.y - slope * p.day));
  return { slope, intercept };
}

/** Ordinary least squares (centred for numerical stability). Null with fewer than two distinct x. */
export function leastSquares(
  points: { day: number; y: number }[],
): { slope: number; intercept: number } | null {
  const finite = points.filter((p) => Number.isFinite(p.day) && Number.isFinite(p.y));
  if (finite.length < 2) return null;
  const meanX = finite.reduce((s, p) => s + p.day, 0) / finite.length;
  const meanY = finite.reduce((s, p) => s + p.y, 0) / finite.length;
  let sxx = 0;
  let sxy = 0;
  for (const p of finite) {
    sxx += (p.day - meanX) ** 2;
    sxy += (p.day - meanX) * (p.y - meanY);
  }
  if (sxx === 0) return null;
  const slope = sxy / sxx;
  return { slope, intercept: meanY - slope * meanX };
}

// ---------------------------------------------------------------------------------------------
// Aim line and decision rules

export function aimLine(goal: Pick<GoalSpec, 'startDate' | 'targetDate'>): GoalProgress['aimLine'] {
  return {
    start: { date: goal.startDate, score: 0 },
    end: { date: goal.targetDate, score: 1 },
  };
}

/** The aim line's score on `date`, extrapolated then clamped to [0, 1]. */
export function aimScoreAt(
  goal: Pick<GoalSpec, 'startDate' | 'targetDate'>,
  date: IsoDate,
): number {
  const start = dayNumber(goal.startDate);
  const span = dayNumber(goal.targetDate) - start;
  const day = dayNumber(date);
  // A target date on or before the start leaves no ramp: the aim is the target from then on.
  if (span <= 0) return day >= dayNumber(goal.targetDate) ? 1 : 0;
  return clamp01((day - start) / span);
}

/** How many of the latest points (by date) are strictly below the aim line, without a break. */
export function belowAimRun(
  goal: Pick<GoalSpec, 'startDate' | 'targetDate'>,
  points: ProgressPoint[],
): number {
  const sorted = sortByDate(points);
  let run = 0;
  for (let i = sorted.length - 1; i >= 0; i--) {
    const p = sorted[i]!;
    if (p.score < aimScoreAt(goal, p.date)) run++;
    else break;
  }
  return run;
}

/** The raw value is at or beyond the target in the goal's direction. */
export function meetsCriterion(
  goal: Pick<GoalSpec, 'target' | 'direction'>,
  point: Pick<ProgressPoint, 'raw'>,
): boolean {
  return goal.direction === 'down' ? point.raw <= goal.target : point.raw >= goal.target;
}

/** Settings with data this many days before a goal's latest point still count as "in use". */
export const MASTERY_RECENT_DAYS = 56;

/**
 * Whether every point on the last `sessions` distinct dates of these points meets the criterion
 * (a failed probe on a passing day breaks the run). False with fewer dates than that.
 */
function criterionRun(
  goal: Pick<GoalSpec, 'target' | 'direction'>,
  points: ProgressPoint[],
  sessions: number,
): boolean {
  const dates = [...new Set(points.map((p) => p.date))].sort();
  if (dates.length < sessions || sessions < 1) return false;
  const windowStart = dates[dates.length - sessions]!;
  return points.filter((p) => p.date >= windowStart).every((p) => meetsCriterion(goal, p));
}

/** The settings with data in the last `MASTERY_RECENT_DAYS` before the latest point. */
export function recentSettings(points: ProgressPoint[]): Setting[] {
  if (points.length === 0) return [];
  const from = Math.max(...points.map((p) => dayNumber(p.date))) - MASTERY_RECENT_DAYS;
  const seen = new Set(points.filter((p) => dayNumber(p.date) >= from).map((p) => p.setting));
  return (['classroom', 'therapy_room', 'other'] as const).filter((s) => seen.has(s));
}

/**
 * Where a point counts for the default mastery rule: the classroom and the goal's linked
 * routines are one functional context (the skill where it is used); other points by setting.
 */
export type MasteryContext = 'functional' | 'therapy_room' | 'other';
export function masteryContext(
  p: Pick<ProgressPoint, 'setting' | 'inLinkedRoutine'>,
): MasteryContext {
  if (p.setting === 'classroom' || p.inLinkedRoutine) return 'functional';
  return p.setting;
}

/** The mastery contexts with data in the last `MASTERY_RECENT_DAYS` before the latest point. */
export function recentMasteryContexts(points: ProgressPoint[]): MasteryContext[] {
  if (points.length === 0) return [];
  const from = Math.max(...points.map((p) => dayNumber(p.date))) - MASTERY_RECENT_DAYS;
  const seen = new Set(points.filter((p) => dayNumber(p.date) >= from).map(masteryContext));
  return (['functional', 'therapy_room', 'other'] as const).filter((s) => seen.has(s));
}

/**
 * The goal's mastery rule holds on the most recent data.
 *
 * The default rule (`requireClassroom`): the criterion on the last `consecutiveSessions` sessions
 * *in each context the goal has recent data in* (the last `MASTERY_RECENT_DAYS` before its latest
 * point), and the functional context — the classroom or one of the goal's linked routines
 * (`inLinkedRoutine`) — must be one of them: a skill shown only in the therapy room is not yet
 * functional. So a goal with data in one setting is mastered on the criterion met there if that
 * setting is the classroom or its linked routine (a goal served only by push-in is mastered on
 * its classroom data alone), and a goal with data in both the therapy room and the classroom or
 * routine must meet the criterion in both. `minSettings` does not apply to this rule.
 *
 * Without `requireClassroom` (a rule the team wrote): the last `consecutiveSessions` distinct
 * session dates, every point in them at criterion, spanning at least `minSettings` settings.
 */
export function masteryMet(
  goal: Pick<GoalSpec, 'target' | 'direction' | 'masteryRule'>,
  points: ProgressPoint[],
): boolean {
  const { consecutiveSessions, minSettings, requireClassroom } = goal.masteryRule;
  if (requireClassroom) {
    const contexts = recentMasteryContexts(points);
    if (!contexts.includes('functional')) return false;
    return contexts.every((context) =>
      criterionRun(
        goal,
        points.filter((p) => masteryContext(p) === context),
        consecutiveSessions,
      ),
    );
  }
  if (!criterionRun(goal, points, consecutiveSessions)) return false;
  const dates = [...new Set(points.map((p) => p.date))].sort();
  const windowStart = dates[dates.length - consecutiveSessions]!;
  const settingsSeen = new Set(points.filter((p) => p.date >= windowStart).map((p) => p.setting));
  return settingsSeen.size >= minSettings;
}

/** How far below the aim line the level may sit before a goal with some data is at risk. */
const LEVEL_TOLERANCE = 0.1;
const BELOW_AIM_RUN_LIMIT = 4;
const MIN_POINTS_FOR_LEVEL_RULE = 3;

/**
 * The caseload's one-word status, first match wins:
 * 1. `mastered` — phase is mastered or maintenance (the team said so), or the mastery rule holds;
 * 2. `no_data` — no points;
 * 3. `at_risk` — the last 4+ points are all below the aim line (the "change something" rule), or
 *    with at least 3 points the level is more than 0.1 below where the aim line is today (so a
 *    goal that stalled and then stopped being measured still shows up);
 * 4. `on_track` otherwise.
 */
export function goalStatus(goal: GoalSpec, points: ProgressPoint[], today: IsoDate): GoalStatus {
  const sorted = sortByDate(points);
  const facts = {
    pointCount: sorted.length,
    masteryMet: masteryMet(goal, sorted),
    belowAimRun: belowAimRun(goal, sorted),
    level: level(sorted),
  };
  return statusOn(goal, facts, today);
}

/** `goalStatus` from a goal's summary: only the level rule depends on today. */
function statusOn(
  goal: GoalSpec,
  summary: Pick<GoalPointsSummary, 'pointCount' | 'masteryMet' | 'belowAimRun' | 'level'>,
  today: IsoDate,
): GoalStatus {
  if (goal.phase === 'mastered' || goal.phase === 'maintenance') return 'mastered';
  if (summary.pointCount === 0) return 'no_data';
  if (summary.masteryMet) return 'mastered';
  if (summary.belowAimRun >= BELOW_AIM_RUN_LIMIT) return 'at_risk';
  if (
    summary.pointCount >= MIN_POINTS_FOR_LEVEL_RULE &&
    summary.level !== null &&
    summary.level < aimScoreAt(goal, today) - LEVEL_TOLERANCE
  ) {
    return 'at_risk';
  }
  return 'on_track';
}

// ---------------------------------------------------------------------------------------------
// Summary and ROI

function toLine(
  fit: { slope: number; intercept: number } | null,
  originDate: IsoDate,
): Line | null {
  return (
    fit && {
      slopePerWeek: positiveZero(fit.slope * DAYS_PER_WEEK),
      intercept: positiveZero(fit.intercept),
      originDate,
    }
  );
}

/** A fit over denormal scores can give -0: JSON (the stored goal summary) cannot carry it,
 *  and a chart would print "-0.0 per week". */
function positiveZero(value: number): number {
  return value === 0 ? 0 : value;
}

/** Scores against days since the goal's start, so intercepts are the score at `startDate`. */
function scoreSeries(points: ProgressPoint[], startDate: IsoDate): { day: number; y: number }[] {
  const origin = dayNumber(startDate);
  return points.map((p) => ({ day: dayNumber(p.date) - origin, y: p.score }));
}

/**
 * Everything `GoalProgress` says that does not depend on the date, plus what the status needs:
 * a goal's points reduced once (the per-goal summaries kept by @carryover/db), then finished for
 * any "today" by `progressOn`. The aim line is the goal's own, so it is not kept either.
 */
export interface GoalPointsSummary extends Omit<GoalProgress, 'status' | 'aimLine'> {
  pointCount: number;
  /** The goal's mastery rule holds on its latest data (`masteryMet`). */
  masteryMet: boolean;
}

export function summarizePoints(goal: GoalSpec, points: ProgressPoint[]): GoalPointsSummary {
  const sorted = sortByDate(points);
  const series = scoreSeries(sorted, goal.startDate);
  const fit = trendFit(series);
  const current = level(sorted);

  const levelBySetting: Partial<Record<Setting, number>> = {};
  for (const setting of new Set(sorted.map((p) => p.setting))) {
    const value = level(sorted.filter((p) => p.setting === setting));
    if (value !== null) levelBySetting[setting] = value;
  }
  const room = levelBySetting.therapy_room;
  const classroom = levelBySetting.classroom;

  return {
    pointCount: sorted.length,
    masteryMet: masteryMet(goal, sorted),
    level: current,
    levelBySetting,
    carryoverGap: room !== undefined && classroom !== undefined ? room - classroom : null,
    trend: toLine(fit, goal.startDate),
    robust: toLine(theilSen(series), goal.startDate),
    projectedDate: projectDate(fit, current, goal.startDate),
    belowAimRun: belowAimRun(goal, sorted),
    lastPoint: sorted.at(-1) ?? null,
  };
}

/** `progressOn`'s standing alone: what a list of students shows of the goal. */
export function standingOn(
  goal: GoalSpec,
  summary: GoalPointsSummary,
  today: IsoDate,
): GoalStanding {
  return {
    status: statusOn(goal, summary, today),
    level: summary.level,
    carryoverGap: summary.carryoverGap,
    lastPoint: summary.lastPoint,
  };
}

/** A goal's progress on `today` from its summary: the status is the only date-dependent part. */
export function progressOn(
  goal: GoalSpec,
  summary: GoalPointsSummary,
  today: IsoDate,
): GoalProgress {
  return {
    status: statusOn(goal, summary, today),
    level: summary.level,
    levelBySetting: summary.levelBySetting,
    carryoverGap: summary.carryoverGap,
    trend: summary.trend,
    robust: summary.robust,
    aimLine: aimLine(goal),
    projectedDate: summary.projectedDate,
    belowAimRun: summary.belowAimRun,
    lastPoint: summary.lastPoint,
  };
}

export function summarizeGoalProgress(
  goal: GoalSpec,
  points: ProgressPoint[],
  today: IsoDate,
): GoalProgress {
  return progressOn(goal, summarizePoints(goal, points), today);
}

/** First whole day on which the trend reaches a score of 1. */
function projectDate(
  fit: { slope: number; intercept: number } | null,
  current: number | null,
  startDate: IsoDate,
): IsoDate | null {
  if (!fit || !(fit.slope > 0) || current === null || current >= 1) return null;
  const day = Math.ceil((1 - fit.intercept) / fit.slope);
  try {
    return addDays(startDate, day);
  } catch {
    // So slow that the date is past year 9999: as good as never.
    return null;
  }
}

/**
 * Rate of improvement: the trend's slope (least squares) of the scores per week, i.e. the share
 * of the baseline → target gap closed per week. Equal to
 * `summarizeGoalProgress(...).trend.slopePerWeek` for the same points. Null without enough
 * points for a trend (`enoughForTrend`).
 */
export function rateOfImprovement(
  points: ProgressPoint[],
  goal: Pick<GoalSpec, 'startDate'>,
): number | null {
  // In date order, as the summary fits them: least squares sums in input order.
  const fit = trendFit(scoreSeries(sortByDate(points), goal.startDate));
  return fit && positiveZero(fit.slope * DAYS_PER_WEEK);
}

// ---------------------------------------------------------------------------------------------
// Helpers

function clamp01(value: number): number {
  return Math.min(1, Math.max(0, value));
}

/** Median of a non-empty list; `+ 0` folds −0 into 0 so equal inputs give identical outputs. */
function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const result = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return result + 0;
}

/** Date order; `Array.prototype.sort` is stable, so same-day points keep their input order. */
function sortByDate<T extends { date: IsoDate }>(points: T[]): T[] {
  return [...points].sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
}

/**
 * What "projected to meet target" says: `met` once the level is at the target (a projection only
 * looks forward, so none is drawn), `projected` with a date, else `not_projected`.
 */
export function targetOutlook(
  progress: Pick<GoalProgress, 'level' | 'projectedDate' | 'status'>,
): 'met' | 'projected' | 'not_projected' {
  if ((progress.level != null && progress.level >= 1) || progress.status === 'mastered')
    return 'met';
  return progress.projectedDate ? 'projected' : 'not_projected';
}
