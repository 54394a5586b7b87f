import { z } from 'zod';
import { formatIsoDateLong, formatIsoDateShort, formatRawValue } from './goals';
import {
  Discipline,
  ExpectedVersion,
  type GoalDomain,
  Id,
  type IsoDate,
  labels,
  type MeasurementType,
  type ReportStatusCode,
  ReportStatusCode as ReportStatusCodeSchema,
  type SessionModel,
  type Setting,
} from './model';
import {
  aimScoreAt,
  MIN_TREND_POINTS,
  MIN_TREND_SPAN_DAYS,
  masteryMet,
  summarizeGoalProgress,
} from './progress';
import type { GoalProgress, GoalSpec, ProgressPoint } from './progress-types';
import type { GoalDetail } from './views';

// IEP progress reports: a status code, a goal-attainment score (GAS) and a narrative per goal
// and reporting period, all computed from the data so the report nearly writes itself.

// ---------------------------------------------------------------------------------------------
// Goal-attainment score

export const gasScores = [-2, -1, 0, 1, 2] as const;
export type GasValue = (typeof gasScores)[number];

/** Bands, in shares of the baseline → target distance, around where the aim line expected the level. */
export const GAS_BANDS = { somewhat: 0.1, much: 0.25 } as const;

export const gasLabels: Record<`${GasValue}`, string> = {
  '-2': 'Much less than expected',
  '-1': 'Less than expected',
  '0': 'As expected',
  '1': 'More than expected',
  '2': 'Much more than expected',
};

export const GAS_RULE =
  'Goal-attainment score: the level at the end of the period (median of the last three data points, as a share of the way from baseline to target) compared with where the aim line expected it on that day. Within 10 points of the expectation: 0. 10 to 25 points above: +1; more than 25 above, or the mastery rule met: +2. 10 to 25 points below: −1; more than 25 below: −2. Goals whose number should go down are scored the same way, because the share is measured towards the target.';

export interface GasResult {
  score: GasValue;
  /** Level at period end (0 = baseline, 1 = target); null without data. */
  level: number | null;
  /** Where the aim line is at period end. */
  expected: number;
  /** This goal's computation in words. */
  explanation: string;
}

const pct = (share: number) => `${Math.round(share * 100)}%`;
const pts = (share: number) => {
  const n = Math.round(Math.abs(share) * 100);
  return `${n} point${n === 1 ? '' : 's'}`;
};

export function signedGas(score: number): string {
  return score > 0 ? `+${score}` : score < 0 ? `−${-score}` : '0';
}

/**
 * GAS from the data up to `periodEnd` (points after it are ignored). See `GAS_RULE`. Without data
 * the score is 0 and says so: a goal not yet introduced is neither ahead nor behind.
 */
export function computeGas(goal: GoalSpec, points: ProgressPoint[], periodEnd: IsoDate): GasResult {
  const upTo = points.filter((p) => p.date <= periodEnd);
  const expected = aimScoreAt(goal, periodEnd);
  if (upTo.length === 0) {
    return {
      score: 0,
      level: null,
      expected,
      explanation: 'No data up to the end of the period, so no score was computed (0).',
    };
  }
  const progress = summarizeGoalProgress(goal, upTo, periodEnd);
  const level = progress.level ?? 0;
  if (masteryMet(goal, upTo)) {
    return {
      score: 2,
      level,
      expected,
      explanation: `The mastery rule is met by ${formatIsoDateShort(periodEnd)}: +2.`,
    };
  }
  // Rounded to a millionth so a level exactly on a band edge is not lost to floating point.
  const diff = Math.round((level - expected) * 1e6) / 1e6;
  const score: GasValue =
    diff >= GAS_BANDS.much
      ? 2
      : diff >= GAS_BANDS.somewhat
        ? 1
        : diff > -GAS_BANDS.somewhat
          ? 0
          : diff > -GAS_BANDS.much
            ? -1
            : -2;
  const relation = diff === 0 ? 'exactly on it' : `${pts(diff)} ${diff > 0 ? 'above' : 'below'} it`;
  return {
    score,
    level,
    expected,
    explanation: `Level ${pct(level)} of the way to the target on ${formatIsoDateShort(periodEnd)}; the aim line expected ${pct(expected)}, so the level is ${relation}: ${signedGas(score)} (${gasLabels[`${score}`].toLowerCase()}).`,
  };
}

// ---------------------------------------------------------------------------------------------
// Status codes

export const reportStatusLabels: Record<ReportStatusCode, string> = {
  mastered: 'Mastered',
  sufficient_progress: 'Sufficient progress',
  insufficient_progress: 'Insufficient progress',
  not_yet_introduced: 'Not yet introduced',
};

/** What each code means, printed on the report so a reader needs no key. */
export const reportStatusMeaning: Record<ReportStatusCode, string> = {
  mastered: 'The goal has been met.',
  sufficient_progress: 'Progress is sufficient to meet the goal by its target date.',
  insufficient_progress:
    'Progress is not sufficient to meet the goal by its target date; the team is changing the plan.',
  not_yet_introduced: 'Work on this goal has not started yet.',
};

export const parentStatusLabels: Record<ReportStatusCode, string> = {
  mastered: 'Goal reached',
  sufficient_progress: 'On the way',
  insufficient_progress: 'Needs more time and support',
  not_yet_introduced: 'Not started yet',
};

/**
 * What the trend says about the target date, as of the period's end:
 * - `at_target` — the level is already at the target;
 * - `too_few_points` — no trend yet (fewer than `MIN_TREND_POINTS` over `MIN_TREND_SPAN_DAYS`);
 * - `not_rising` — the trend is flat or falling: the target will not be met at this rate;
 * - `on_time` — the trend reaches the target on or before the target date;
 * - `late` — the trend reaches it only after the target date.
 */
export type TrendVerdict = 'at_target' | 'too_few_points' | 'not_rising' | 'on_time' | 'late';

/**
 * One judgement of a goal for a report: the status code, the GAS and what the trend says come
 * from here together, and the drafted narrative only puts them in words, so they cannot
 * contradict each other (a property test holds it to that).
 */
export interface ProgressJudgement {
  statusCode: ReportStatusCode;
  gas: GasResult;
  verdict: TrendVerdict;
  trendPerWeek: number | null;
  projectedDate: IsoDate | null;
}

/** The data's statement on the target date (see `TrendVerdict`). */
function trendVerdict(
  goal: GoalSpec,
  progress: Pick<GoalProgress, 'level' | 'trend' | 'projectedDate'>,
): TrendVerdict {
  if (progress.level !== null && progress.level >= 1) return 'at_target';
  if (!progress.trend) return 'too_few_points';
  if (!(progress.trend.slopePerWeek > 0)) return 'not_rising';
  return progress.projectedDate !== null && progress.projectedDate <= goal.targetDate
    ? 'on_time'
    : 'late';
}

/**
 * The judgement at the end of the period, first match wins:
 * 1. not yet introduced — the goal starts after the period, is still in baseline, or has no data
 *    (GAS 0: neither ahead nor behind);
 * 2. mastered — the team marked it mastered or in maintenance, or the mastery rule holds (GAS +2);
 * 3. insufficient progress — the GAS is −2 (more than 25 points behind the aim line), or the
 *    trend is flat or falling, or reaches the target only after the target date;
 * 4. sufficient progress — the trend reaches the target by the target date (or the level is
 *    there already) and the GAS is −1 or better; or there is no trend yet and the GAS is 0 or
 *    better;
 * 5. insufficient progress otherwise (no trend yet and the GAS is −1).
 */
export function judgeProgress(
  goal: GoalSpec,
  points: ProgressPoint[],
  periodEnd: IsoDate,
): ProgressJudgement {
  const upTo = points.filter((p) => p.date <= periodEnd);
  const progress = summarizeGoalProgress(goal, upTo, periodEnd);
  const trend = {
    trendPerWeek: progress.trend?.slopePerWeek ?? null,
    projectedDate: progress.projectedDate,
  };
  const expected = aimScoreAt(goal, periodEnd);
  const notStarted = goal.startDate > periodEnd || goal.phase === 'baseline';
  const marked = goal.phase === 'mastered' || goal.phase === 'maintenance';
  if (notStarted || (!marked && upTo.length === 0)) {
    return {
      statusCode: 'not_yet_introduced',
      gas: {
        score: 0,
        level: progress.level,
        expected,
        explanation:
          upTo.length === 0
            ? 'No data up to the end of the period, so no score was computed (0).'
            : 'Work on the goal has not started (it is still in baseline), so no score was computed (0).',
      },
      verdict: trendVerdict(goal, progress),
      ...trend,
    };
  }
  if (marked) {
    return {
      statusCode: 'mastered',
      gas: {
        score: 2,
        level: progress.level,
        expected,
        explanation: `The team marked the goal ${goal.phase === 'mastered' ? 'mastered' : 'in maintenance'}: +2.`,
      },
      verdict: trendVerdict(goal, progress),
      ...trend,
    };
  }
  const gas = computeGas(goal, upTo, periodEnd);
  const verdict = trendVerdict(goal, progress);
  let statusCode: ReportStatusCode;
  if (masteryMet(goal, upTo)) statusCode = 'mastered';
  else if (gas.score === -2 || verdict === 'not_rising' || verdict === 'late')
    statusCode = 'insufficient_progress';
  else if (verdict === 'on_time' || verdict === 'at_target') statusCode = 'sufficient_progress';
  else statusCode = gas.score >= 0 ? 'sufficient_progress' : 'insufficient_progress';
  return { statusCode, gas, verdict, ...trend };
}

/** The status code of `judgeProgress`. */
export function suggestStatusCode(
  goal: GoalSpec,
  points: ProgressPoint[],
  periodEnd: IsoDate,
): ReportStatusCode {
  return judgeProgress(goal, points, periodEnd).statusCode;
}

/**
 * Whether a status needs the therapist to confirm it with a reason: "Sufficient progress" next to
 * a GAS of −2 (much less than expected) says two opposite things.
 */
export function statusNeedsReason(statusCode: ReportStatusCode, gasScore: number): boolean {
  return statusCode === 'sufficient_progress' && gasScore === -2;
}

// ---------------------------------------------------------------------------------------------
// Period summary and narrative

export interface PeriodSummary {
  /** Distinct days with data inside the period. */
  sessions: number;
  points: number;
  firstDate: IsoDate | null;
  lastDate: IsoDate | null;
  minRaw: number | null;
  maxRaw: number | null;
  /** Median raw value of the last three points up to the period's end. */
  recentRaw: number | null;
  /** Level (0–1) at period end, from all data up to then. */
  level: number | null;
  levelBySetting: Partial<Record<Setting, number>>;
  carryoverGap: number | null;
  trendPerWeek: number | null;
  projectedDate: IsoDate | null;
  settings: Setting[];
  models: SessionModel[];
}

export interface ReportPeriod {
  name: string;
  startsOn: IsoDate;
  endsOn: IsoDate;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export function summarizePeriod(
  goal: GoalSpec,
  points: ProgressPoint[],
  period: Pick<ReportPeriod, 'startsOn' | 'endsOn'>,
): PeriodSummary {
  const upTo = [...points]
    .filter((p) => p.date <= period.endsOn)
    .sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
  const inPeriod = upTo.filter((p) => p.date >= period.startsOn);
  const progress = summarizeGoalProgress(goal, upTo, period.endsOn);
  const raws = inPeriod.map((p) => p.raw);
  const settingsOrder: Setting[] = ['therapy_room', 'classroom', 'other'];
  const modelsOrder: SessionModel[] = ['pull_out', 'push_in', 'consult'];
  return {
    sessions: new Set(inPeriod.map((p) => p.date)).size,
    points: inPeriod.length,
    firstDate: inPeriod[0]?.date ?? null,
    lastDate: inPeriod.at(-1)?.date ?? null,
    minRaw: raws.length ? Math.min(...raws) : null,
    maxRaw: raws.length ? Math.max(...raws) : null,
    recentRaw: upTo.length ? median(upTo.slice(-3).map((p) => p.raw)) : null,
    level: progress.level,
    levelBySetting: progress.levelBySetting,
    carryoverGap: progress.carryoverGap,
    trendPerWeek: progress.trend?.slopePerWeek ?? null,
    projectedDate: progress.projectedDate,
    settings: settingsOrder.filter((s) => inPeriod.some((p) => p.setting === s)),
    models: modelsOrder.filter((m) => inPeriod.some((p) => p.model === m)),
  };
}

export interface NarrativeGoal extends GoalSpec {
  rubricMax: number | null;
}

const listWords = (items: string[]) =>
  items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;

/** The period's sessions, results and carryover in sentences (a period with data). */
function describePeriod(
  parts: string[],
  input: { firstName: string; goal: NarrativeGoal; summary: PeriodSummary },
): void {
  const { firstName: name, goal, summary: s } = input;
  const value = (raw: number) => formatRawValue(goal, raw);
  const where = listWords(s.settings.map((x) => labels.setting[x].toLowerCase()));
  const how = listWords(s.models.map((m) => labels.model[m].toLowerCase()));
  parts.push(
    `Across ${s.sessions} session${s.sessions === 1 ? '' : 's'} this period (${formatIsoDateShort(s.firstDate!)} – ${formatIsoDateShort(s.lastDate!)}), ${name} worked on this goal in the ${where}${how ? `, with ${how} services` : ''}.`,
  );
  if (s.minRaw !== null && s.maxRaw !== null && s.recentRaw !== null) {
    const range =
      s.minRaw === s.maxRaw
        ? `${name}'s results were ${value(s.minRaw)} each time`
        : `${name}'s results ranged from ${value(s.minRaw)} to ${value(s.maxRaw)}`;
    parts.push(
      `${range}; over the last three data points the level was ${value(s.recentRaw)} (baseline ${value(goal.baseline)}, target ${value(goal.target)}).`,
    );
  }
  const room = s.levelBySetting.therapy_room;
  const classroom = s.levelBySetting.classroom;
  if (room !== undefined && classroom !== undefined && s.carryoverGap !== null) {
    const gap = s.carryoverGap;
    parts.push(
      Math.abs(gap) < 0.1
        ? `The skill carries over: ${name} performs about as well in the classroom (${pct(classroom)} of the way to the target) as in the therapy room (${pct(room)}).`
        : gap > 0
          ? `In the therapy room ${name} is ${pct(room)} of the way to the target, in the classroom ${pct(classroom)}: a carryover gap of ${pts(gap)} to close.`
          : `${name} does better in the classroom (${pct(classroom)} of the way to the target) than in the therapy room (${pct(room)}).`,
    );
  }
}

/**
 * The therapist's starting point: what the data says about the period, in full sentences, with
 * the numbers a team would look up. The therapist edits it before finalising.
 */
export function draftNarrative(input: {
  firstName: string;
  goal: NarrativeGoal;
  period: ReportPeriod;
  summary: PeriodSummary;
  /** The goal's judgement (`judgeProgress`): the narrative only says it in words. */
  judgement: ProgressJudgement;
}): string {
  const { firstName: name, goal, period, summary: s, judgement } = input;
  const statusCode = judgement.statusCode;
  if (statusCode === 'not_yet_introduced' && s.points === 0) {
    return `${name} has not started work on this goal yet; there is no data for ${period.name}.`;
  }
  const parts: string[] = [];
  if (s.points === 0) {
    parts.push(
      `No data was collected on this goal during ${period.name} (${formatIsoDateShort(period.startsOn)} – ${formatIsoDateShort(period.endsOn)}).`,
    );
  } else {
    describePeriod(parts, input);
  }
  if (statusCode !== 'not_yet_introduced') {
    const { gas } = judgement;
    if (statusCode === 'mastered') {
      parts.push(`Goal-attainment score: +2 (${gasLabels['2'].toLowerCase()}).`);
    } else if (gas.level !== null) {
      const diff = Math.round((gas.level - gas.expected) * 100);
      const relation =
        diff === 0
          ? 'exactly where the aim line expected it'
          : `${pts(diff / 100)} ${diff > 0 ? 'above' : 'below'} where the aim line expected it`;
      parts.push(
        `The level is ${relation} (${pct(gas.expected)}): a goal-attainment score of ${signedGas(gas.score)} (${gasLabels[`${gas.score}`].toLowerCase()}).`,
      );
    }
  }
  const target = formatIsoDateLong(goal.targetDate);
  const weekly =
    judgement.trendPerWeek === null ? null : Math.round(judgement.trendPerWeek * 1000) / 10;
  if (statusCode !== 'mastered' && statusCode !== 'not_yet_introduced') {
    switch (judgement.verdict) {
      case 'at_target':
        parts.push(`${name}'s level is at the target.`);
        break;
      case 'too_few_points':
        parts.push(
          `There are not yet enough data points for a trend (it needs ${MIN_TREND_POINTS} over ${MIN_TREND_SPAN_DAYS / 7} weeks).`,
        );
        break;
      case 'not_rising':
        parts.push(
          `The trend is ${weekly !== null && weekly < 0 ? 'falling' : 'flat'}: at this rate the target will not be met by ${target}.`,
        );
        break;
      case 'on_time':
        parts.push(
          `The trend rises about ${weekly} points a week; at this rate ${name} would meet the target by ${formatIsoDateLong(judgement.projectedDate!)}, on or before the target date of ${target}.`,
        );
        break;
      case 'late':
        parts.push(
          judgement.projectedDate
            ? `The trend rises about ${weekly} points a week, but at this rate ${name} would meet the target only by ${formatIsoDateLong(judgement.projectedDate)}, after the target date of ${target}.`
            : `The trend rises about ${weekly} points a week, too slowly to meet the target by ${target}.`,
        );
        break;
    }
  }
  const closing: Record<ReportStatusCode, string> = {
    mastered: `${name} has met the mastery criterion for this goal.`,
    sufficient_progress: `${name} is making sufficient progress to meet this goal.`,
    insufficient_progress: `Progress is not sufficient to meet this goal by its target date; the team will adjust how this goal is supported.`,
    not_yet_introduced: `Work on this goal is just beginning.`,
  };
  parts.push(closing[statusCode]);
  return parts.join(' ');
}

/** A short, plain-language sentence for the parent version of the report. */
/** The sentences of a parent summary, as message keys: the letter translates them (i18n). */
export type ParentSummaryKey =
  | `summary.${ReportStatusCode}`
  | 'summary.carryover_gap'
  | 'summary.carryover_even';

/**
 * Which sentences a parent summary is made of: the status's own, then what the carryover gap
 * says. One judgement for every language: `parentSummary` writes them in English, the parent
 * letter in the family's language from its message catalogue.
 */
export function parentSummaryKeys(input: {
  statusCode: ReportStatusCode;
  summary: Pick<PeriodSummary, 'carryoverGap'>;
}): ParentSummaryKey[] {
  const { statusCode, summary } = input;
  const keys: ParentSummaryKey[] = [`summary.${statusCode}`];
  if (statusCode !== 'not_yet_introduced' && summary.carryoverGap !== null) {
    if (summary.carryoverGap >= 0.2) keys.push('summary.carryover_gap');
    else if (Math.abs(summary.carryoverGap) < 0.1) keys.push('summary.carryover_even');
  }
  return keys;
}

export function parentSummary(input: {
  firstName: string;
  targetDate: IsoDate;
  statusCode: ReportStatusCode;
  summary: Pick<PeriodSummary, 'carryoverGap' | 'sessions'>;
}): string {
  const name = input.firstName;
  const english: Record<ParentSummaryKey, string> = {
    'summary.mastered': `${name} has reached this goal. We will keep practising so the skill stays strong.`,
    'summary.sufficient_progress': `${name} is making good progress and is on the way to reaching this goal by ${formatIsoDateLong(input.targetDate)}.`,
    'summary.insufficient_progress': `${name} is improving more slowly than we hoped. We are changing how we work on this goal and will keep you posted.`,
    'summary.not_yet_introduced': `We have not started working on this goal yet.`,
    'summary.carryover_gap': `${name} shows this skill more in therapy than in class, so we are practising it during the school day too.`,
    'summary.carryover_even': `${name} uses this skill in the classroom, not only in therapy.`,
  };
  return parentSummaryKeys(input)
    .map((k) => english[k])
    .join(' ');
}

// ---------------------------------------------------------------------------------------------
// Inputs and views

export const ReportPeriodsInput = z.object({}).optional();

export const ReportListInput = z.object({ periodId: Id });
export type ReportListInput = z.input<typeof ReportListInput>;

export const ReportGenerateInput = z.object({ studentId: Id, periodId: Id });
export type ReportGenerateInput = z.input<typeof ReportGenerateInput>;

/** Every final report of a reporting period, for the students in the viewer's scope. */
export const ReportPrintAllInput = z.object({ periodId: Id });
export type ReportPrintAllInput = z.input<typeof ReportPrintAllInput>;

export const ReportGetInput = z.object({
  reportId: Id,
  /** A finalised version to show (its snapshot); the current version when omitted. */
  version: z.number().int('Choose a version').min(1, 'Choose a version').max(1000).optional(),
});
export type ReportGetInput = z.input<typeof ReportGetInput>;

export const MAX_NARRATIVE = 4000;

export const ReportGoalUpdateInput = z.object({
  reportId: Id,
  goalId: Id,
  expectedVersion: ExpectedVersion,
  statusCode: ReportStatusCodeSchema,
  gasScore: z
    .number({ error: 'Choose a score from −2 to +2' })
    .int('Choose a score from −2 to +2')
    .min(-2, 'Choose a score from −2 to +2')
    .max(2, 'Choose a score from −2 to +2'),
  /** Required when the score differs from the computed one. */
  gasOverrideReason: z.string().trim().max(500, 'Keep the reason under 500 characters').nullish(),
  /** Required to confirm "Sufficient progress" beside a GAS of −2 (`statusNeedsReason`). */
  statusReason: z.string().trim().max(500, 'Keep the reason under 500 characters').nullish(),
  narrative: z
    .string()
    .trim()
    .min(1, 'Write the narrative')
    .max(MAX_NARRATIVE, `Keep the narrative under ${MAX_NARRATIVE} characters`),
});
export type ReportGoalUpdateInput = z.input<typeof ReportGoalUpdateInput>;

/** One goal line's edit, as sent with a finalisation (the report is implied). */
export const ReportLineEdit = ReportGoalUpdateInput.omit({ reportId: true });
export type ReportLineEdit = z.input<typeof ReportLineEdit>;

/**
 * Finalises a report. `edits` are the lines the finaliser changed and had not saved: they are
 * saved first, and a line that cannot be saved refuses the finalisation.
 */
export const ReportFinalizeInput = z.object({
  reportId: Id,
  edits: z.array(ReportLineEdit).max(100, 'At most 100 goals at once').optional(),
});
export type ReportFinalizeInput = z.input<typeof ReportFinalizeInput>;

/** A discipline marks its lines ready (or takes the mark back) before the report is final. */
export const ReportMarkReadyInput = z.object({
  reportId: Id,
  discipline: Discipline,
  ready: z.boolean(),
});
export type ReportMarkReadyInput = z.input<typeof ReportMarkReadyInput>;

/** Reopens a final report as its next version; the reason is kept with the amendment. */
export const ReportAmendInput = z.object({
  reportId: Id,
  reason: z
    .string()
    .trim()
    .min(3, 'Say why the report is amended')
    .max(500, 'Keep the reason under 500 characters'),
});
export type ReportAmendInput = z.input<typeof ReportAmendInput>;

/** A finalised version of a report, as listed beside it. */
export interface ReportVersionView {
  version: number;
  finalizedAt: string;
  finalizedBy: string | null;
  amendReason: string | null;
}

/** Whether a discipline's lines are ready, and who said so. */
export interface ReportReadiness {
  discipline: Discipline;
  ready: boolean;
  markedBy: string | null;
  markedAt: string | null;
}

/** One data point as the report's graph data holds it. */
export interface ReportPoint {
  date: IsoDate;
  raw: number;
  setting: Setting;
  model: SessionModel;
  /** Entered late, into a period whose report was already final. */
  late: boolean;
}

export interface ReportingPeriodView extends ReportPeriod {
  id: string;
  /** The period containing today, else the last one that ended. */
  current: boolean;
}

export interface ReportListRow {
  studentId: string;
  name: string;
  grade: string;
  schoolName: string;
  goalCount: number;
  report: {
    id: string;
    status: 'draft' | 'final';
    finalizedAt: string | null;
    version: number;
  } | null;
}

export interface ReportGoalLine {
  goalId: string;
  discipline: Discipline;
  domain: GoalDomain;
  text: string;
  measurementType: MeasurementType;
  baselineText: string;
  targetText: string;
  targetDate: IsoDate;
  statusCode: ReportStatusCode;
  suggestedStatusCode: ReportStatusCode;
  gasScore: GasValue;
  gasComputed: GasValue;
  gasExplanation: string;
  gasOverrideReason: string | null;
  /** Why "Sufficient progress" stands beside a GAS of −2 (null otherwise). */
  statusReason: string | null;
  narrative: string;
  parentSummary: string;
  summary: PeriodSummary;
  /** Data points of the period that were late entries. */
  lateEntries: number;
  /** The goal's data up to the period's end: the graph data the report stands on. */
  points: ReportPoint[];
  /**
   * The goal's graph as of the period's end (points, aim, trend, model and phase changes), drawn
   * on screen and in print. Absent from reports finalised before graphs were kept with them.
   */
  graph?: GoalDetail;
  /** Whether the viewer may edit this line (own discipline, report still a draft). */
  editable: boolean;
  /** Sent back with an edit: a save over a newer version is refused. */
  version: number;
}

export interface ReportView {
  id: string;
  status: 'draft' | 'final';
  studentId: string;
  studentName: string;
  firstName: string;
  grade: string;
  schoolName: string;
  dateOfBirth: IsoDate;
  /** The family's preferred language (a language tag such as `en` or `es`): the parent letter's. */
  familyLanguage: string;
  period: ReportingPeriodView;
  districtName: string;
  createdAt: string;
  finalizedAt: string | null;
  finalizedBy: string | null;
  providers: { discipline: Discipline; name: string }[];
  goals: ReportGoalLine[];
  /** Whether the viewer may finalise (a writer role, a draft, every other discipline ready). */
  canFinalize: boolean;
  /** The version shown: 1, then one more per amendment. */
  version: number;
  /** Whether this is the report's current version (not an earlier, finalised one). */
  isLatest: boolean;
  /** Why this version amends the one before (null for the first). */
  amendReason: string | null;
  /** Every finalised version, oldest first; each stays printable. */
  versions: ReportVersionView[];
  /** Per discipline of the report's goals, whether its lines are marked ready. */
  readiness: ReportReadiness[];
  /** Disciplines whose ready mark the viewer may set or take back now. */
  canMarkReady: Discipline[];
  /** Disciplines still to mark their lines ready before the viewer can finalise. */
  waitingFor: Discipline[];
  /** Whether the viewer may reopen this final report as an amendment. */
  canAmend: boolean;
}
