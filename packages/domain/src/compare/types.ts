import type {
  Discipline,
  GoalDomain,
  GoalPhase,
  IsoDate,
  ServiceModel,
  SessionModel,
  Setting,
} from '../model';
import type { GoalSpec, ObservationValues } from '../progress-types';

/** Everything the comparison needs about one goal; the database query fills it. */
export interface ComparisonGoal {
  id: string;
  studentId: string;
  schoolId: string;
  /** Student's grade: 'PK', 'K', '1' … '12'. */
  grade: string;
  discipline: Discipline;
  domain: GoalDomain;
  /** The goal's service provider (the therapist); a cluster for the adjusted estimate. */
  providerId: string;
  spec: Pick<GoalSpec, 'measurementType' | 'baseline' | 'target' | 'direction' | 'startDate'>;
  /** Model in force at the goal's start: the first change's `fromModel`, else the current model. */
  initialModel: ServiceModel;
  /** Model changes of the goal (any order); a change takes effect on its date. */
  modelChanges: { date: IsoDate; toModel: ServiceModel }[];
  /**
   * Phase changes (any order). Only points while the goal is in `intervention` belong to an
   * episode: baseline data precede any model's effect, mastered/maintenance data follow it.
   * Empty: the whole goal is treated as intervention.
   */
  phaseChanges: { date: IsoDate; phase: GoalPhase }[];
  observations: (ObservationValues & { date: IsoDate; setting: Setting; model: SessionModel })[];
  /** Minutes delivered (attendance `delivered` or `makeup`) in sessions of the goal's service. */
  deliveredMinutes: { date: IsoDate; minutes: number }[];
  /**
   * Days a recommendation to change this goal's model was made (optional). A switch within four
   * weeks after one is flagged: switches made because progress looked poor regress to the mean.
   */
  recommendationDates?: IsoDate[];
  /** Last day data could exist (the data's as-of date). Default: the goal's last observation. */
  asOf?: IsoDate;
  /**
   * The goal's aim line: from its IEP start date (score 0) to its target date (score 1), kept
   * apart from `spec.startDate`, which a date filter moves. GAS per setting measures levels
   * against it; a goal without it gets no GAS per setting.
   */
  aimLine?: { startDate: IsoDate; targetDate: IsoDate };
}

export interface EpisodeOptions {
  /** Fewest points (any setting) for an episode to count. Default 5. */
  minObservations?: number;
  /** Fewest points in a setting for that setting's ROI (therapy room, classroom). Default 5. */
  minSettingObservations?: number;
  /**
   * Fewest weeks from an episode's first point to its last (and likewise for a setting's ROI).
   * A slope over a fortnight is mostly noise, and averaging such slopes gives a mean with
   * heavy tails that intervals under-cover. Default 4.
   */
  minWeeks?: number;
  /**
   * How an episode's ROI is fitted. 'ols' (default): least squares with an intercept per
   * setting — unbiased for the mean rate even when scores are coarse (rubric points, 10-trial
   * percentages, prompt levels). 'theil_sen': the robust slope the goal graph shows, over pairs
   * in one setting; with coarse scores most pairs tie, which drags it toward 0 (see the
   * comparison tests), so it suits one goal's trend line better than a mean across goals.
   */
  roiMethod?: 'ols' | 'theil_sen';
  /** Days at an episode's start whose classroom points give its baseline level. Default 21. */
  baselineDays?: number;
}

/** A span in which one goal was served under one model, with its rates of improvement. */
export interface Episode {
  goalId: string;
  studentId: string;
  schoolId: string;
  providerId: string;
  discipline: Discipline;
  domain: GoalDomain;
  gradeBand: string;
  model: ServiceModel;
  /** 0 for the goal's first episode, 1 after its first model change, … */
  index: number;
  /** First day of the episode (inclusive). */
  from: IsoDate;
  /** Day after the episode (exclusive): the next model change, or the day after `asOf`. */
  to: IsoDate;
  points: number;
  roomPoints: number;
  classroomPoints: number;
  /**
   * Score gained per week, all settings, fitted within setting (an intercept per setting), by
   * `roiMethod`. Scores for ROI are (raw − baseline) / (target − baseline) limited to [−1, 2]
   * rather than [0, 1]: clamping at the baseline and target bends slopes near either end.
   */
  roi: number;
  /** ROI from therapy-room points; null below the setting minimum. */
  roomRoi: number | null;
  /** ROI from classroom points (carryover); null below the setting minimum. */
  classroomRoi: number | null;
  /**
   * Mean classroom score (0 = baseline, 1 = target) in a fixed window at the episode's start
   * (`baselineDays`, default 21 days); null when the window holds no classroom point. A fixed
   * calendar window, so sparse classroom probes do not put one model's "baseline" weeks into
   * the episode; classroom only because every model is seen there.
   */
  baselineLevel: number | null;
  /**
   * Classroom ROI from the classroom points after the baseline window (the adjusted estimate's
   * outcome), held to the same minimum points and weeks as any setting's rate; null without a
   * baseline level or below them.
   */
  roiAfterBaseline: number | null;
  /** Points at or above the target (normalised score ≥ 1): a ceiling the rate cannot rise past. */
  ceilingPoints: number;
  /** Minutes delivered per week of the episode; null when the span is under a week. */
  minutesPerWeek: number | null;
}

/** Two consecutive counted episodes of one goal under different models. */
export interface ModelSwitch {
  goalId: string;
  studentId: string;
  fromModel: ServiceModel;
  toModel: ServiceModel;
  date: IsoDate;
  /**
   * The episode before had stalled (ROI ≤ 0.005/week). A switch made because progress looked
   * poor is followed by better progress from regression to the mean alone.
   */
  afterStall: boolean;
  /** The switch came within four weeks after a recommendation (`recommendationDates`). */
  afterRecommendation: boolean;
  roiBefore: number;
  roiAfter: number;
  /**
   * NAP of the scores after the switch against those before (all settings). Growth alone makes
   * this exceed 0.5 whatever the models, so read it beside the opposite switch direction.
   */
  nap: number;
  /** NAP on classroom points only (the setting both models see); null under 3 points a side. */
  napClassroom: number | null;
}

export type ExclusionReason = 'too_few_points' | 'too_short' | 'no_spread';

export interface ExcludedEpisode {
  goalId: string;
  studentId: string;
  model: ServiceModel;
  from: IsoDate;
  to: IsoDate;
  points: number;
  reason: ExclusionReason;
}

export interface EpisodeSet {
  episodes: Episode[];
  switches: ModelSwitch[];
  excluded: ExcludedEpisode[];
  /** Goals with no usable intervention data at all (e.g. still in baseline). */
  goalsWithoutData: number;
}

/** Goal-attainment score of one goal at one reporting period. */
export interface GasScore {
  goalId: string;
  periodId: string;
  /**
   * Last day of the reporting period. The period runs from the day after the goal's previous
   * period end (its start date for the first) to this day; its score is credited to each model
   * in proportion to the days under it.
   */
  periodEnd: IsoDate;
  /** Integer −2 … +2. */
  score: number;
}
