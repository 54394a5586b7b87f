import { type DecisionAlert, decisionAlerts } from './decisions';
import { type GoalPointsSummary, summarizePoints } from './progress';
import type { GoalSpec, ProgressPoint } from './progress-types';

// The per-goal summary (docs/architecture.md, "Per-goal summaries"): what the caseload and the
// student page show of a goal, reduced from all its points once per write instead of on every
// read. It holds nothing that depends on the date; `progressOn` finishes it for a "today".

export interface GoalSummary extends GoalPointsSummary {
  /** The decision rules firing on the goal's points (they depend on its phase, not on today). */
  alerts: DecisionAlert[];
}

/** The summary of a goal from all its points: what a from-scratch recompute gives. */
export function summarizeGoal(goal: GoalSpec, points: ProgressPoint[]): GoalSummary {
  return { ...summarizePoints(goal, points), alerts: decisionAlerts(goal, points) };
}
