import type { DecisionAlert } from './decisions';
import type {
  Discipline,
  GoalDomain,
  GoalPhase,
  IsoDate,
  MeasurementType,
  Role,
  ServiceModel,
  SessionModel,
} from './model';
import type { GoalProgress, GoalStanding, ProgressPoint } from './progress-types';

// The shapes the API returns and the web app draws. Written down here once so the server,
// the UI components and the pages agree without hand-written duplicates.

export interface Viewer {
  id: string;
  name: string;
  email: string;
  role: Role;
  discipline: Discipline | null;
  districtId: string;
  districtName: string;
  /** The district's IANA time zone: what "today" means for its schools. */
  timezone: string;
}

export interface CaseloadGoal {
  id: string;
  domain: GoalDomain;
  text: string;
  discipline: Discipline;
  currentModel: ServiceModel;
  phase: GoalPhase;
  /** What the list shows; the goal's page has the whole `GoalProgress` (`GoalDetail`). */
  progress: GoalStanding;
  /** Decision rules that fire on this goal's data, each with its reason in words. */
  alerts: DecisionAlert[];
}

export interface CaseloadRow {
  studentId: string;
  name: string;
  grade: string;
  schoolName: string;
  homeroom: string | null;
  goals: CaseloadGoal[];
  minutesDeliveredThisWeek: number;
  minutesMandatedThisWeek: number;
  /** Service-fidelity minutes behind (computeFidelity's `behind`) for the current period to date. */
  minutesBehind: number;
  /** The earliest of annual review and re-evaluation still ahead. */
  nextIepDate: IsoDate | null;
  nextIepEvent: 'annual_review' | 're_evaluation' | null;
}

/** One page of the caseload in its sort order; `nextCursor` is null on the last page. */
export interface CaseloadPage {
  items: CaseloadRow[];
  nextCursor: string | null;
  /**
   * Students matching the filters in the viewer's scope, counted in SQL. Null with a goal-status
   * filter: status is computed per student, so counting it would compute the whole scope.
   */
  total: number | null;
}

export interface ServiceView {
  id: string;
  discipline: Discipline;
  providerName: string;
  minutes: number;
  per: 'week' | 'month';
  model: ServiceModel;
  split: { model: SessionModel; minutes: number }[];
  startDate: IsoDate;
  endDate: IsoDate;
}

export interface ModelChangeView {
  date: IsoDate;
  from: ServiceModel;
  to: ServiceModel;
  reason: string;
}

export interface PhaseChangeView {
  date: IsoDate;
  phase: GoalPhase;
}

export interface GoalDetail extends CaseloadGoal {
  progress: GoalProgress;
  measurementType: MeasurementType;
  baseline: number;
  target: number;
  unit: string;
  /** A rubric goal's top score (the y-axis in the goal's own measure). */
  rubricMax?: number | null;
  startDate: IsoDate;
  targetDate: IsoDate;
  /** The goal's mastery rule in words (`masteryRuleWords`), shown with its graph. */
  masteryRuleText: string;
  points: ProgressPoint[];
  modelChanges: ModelChangeView[];
  phaseChanges: PhaseChangeView[];
  routines: { id: string; name: string; classroom: string }[];
}

export interface StudentDetail {
  id: string;
  name: string;
  grade: string;
  dateOfBirth: IsoDate;
  schoolName: string;
  homeroom: string | null;
  iepStart: IsoDate;
  iepAnnualReview: IsoDate;
  iepReevaluation: IsoDate;
  services: ServiceView[];
  goals: GoalDetail[];
}
