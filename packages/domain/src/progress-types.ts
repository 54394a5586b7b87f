import type {
  Direction,
  GoalPhase,
  GoalStatus,
  IsoDate,
  MasteryRule,
  MeasurementType,
  PromptLevel,
  SessionModel,
  Setting,
} from './model';

/** What the progress math needs to know about a goal. Baseline and target are in raw units. */
export interface GoalSpec {
  measurementType: MeasurementType;
  /** Raw value at the start (percent 0–100, prompt-level index 0–6, count, seconds, rubric point). */
  baseline: number;
  /** Raw value that meets the criterion. */
  target: number;
  /** Derived for percent/rubric (`up`) and prompt_level (`down`); stated for frequency/duration. */
  direction: Direction;
  rubricMax: number | null;
  startDate: IsoDate;
  targetDate: IsoDate;
  phase: GoalPhase;
  masteryRule: MasteryRule;
}

/** The value fields of one observation; which ones are set depends on the measurement type. */
export interface ObservationValues {
  trialsCorrect?: number | null;
  trialsPrompted?: number | null;
  trialsIncorrect?: number | null;
  promptLevel?: PromptLevel | null;
  count?: number | null;
  seconds?: number | null;
  rubricScore?: number | null;
}

/** One observation placed in time and context, ready for the progress math. */
export interface ProgressPoint {
  date: IsoDate;
  setting: Setting;
  model: SessionModel;
  /** Raw value in the goal's units (see `rawValue`). */
  raw: number;
  /** Normalised score: 0 = baseline, 1 = target, clamped to [0, 1]. */
  score: number;
  /** Entered late, into a period whose report was already final (shown as such). */
  late?: boolean;
  /**
   * Taken in a session during one of the goal's linked classroom routines (lunch, recess, PE…):
   * where the skill is used, so it counts with the classroom for mastery whatever its setting.
   */
  inLinkedRoutine?: boolean;
  /**
   * Who recorded it, for the graph's table; a teacher's classroom probe is drawn with its own
   * marker (generalisation data, not a therapy session). Absent where the math alone reads points.
   */
  recordedBy?: { name: string; role: 'therapist' | 'assistant' | 'teacher' };
}

export interface Line {
  /** Score change per week. */
  slopePerWeek: number;
  /** Score at `originDate`. */
  intercept: number;
  originDate: IsoDate;
}

/**
 * What a list of students shows of a goal's progress (the caseload): its status, level,
 * carryover gap and last data point. The graph's lines are `GoalProgress`'s, for the goal's own
 * page: unshown in the list, they were 37% of a coordinator's 50-student page (121 kB → 76 kB).
 */
export interface GoalStanding {
  status: GoalStatus;
  /** Median of the last three scores; null with no data. */
  level: number | null;
  /** Therapy-room level minus classroom level; null unless both settings have data. */
  carryoverGap: number | null;
  lastPoint: ProgressPoint | null;
}

export interface GoalProgress extends GoalStanding {
  levelBySetting: Partial<Record<Setting, number>>;
  /** Least-squares trend; null without `MIN_TREND_POINTS` points over `MIN_TREND_SPAN_DAYS`. */
  trend: Line | null;
  /** Theil–Sen (robust) line, shown beside the trend on request; null with < 2 distinct dates. */
  robust: Line | null;
  /** From (startDate, 0) to (targetDate, 1). */
  aimLine: { start: { date: IsoDate; score: number }; end: { date: IsoDate; score: number } };
  /** When the trend reaches a score of 1; null if flat, falling, or already there. */
  projectedDate: IsoDate | null;
  /** Four consecutive points below the aim line, ending at the last point. */
  belowAimRun: number;
}
