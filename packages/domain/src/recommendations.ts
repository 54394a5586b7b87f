import { dayNumber } from './dates';
import { decisionAlerts } from './decisions';
import { formatIsoDateShort } from './goals';
import type { GoalDomain, ServiceModel } from './model';
import { MIN_TREND_SPAN_DAYS, trendFit } from './progress';
import type { GoalSpec, ProgressPoint } from './progress-types';
import { DOMAIN_ROUTINE_MATCH, type RecommendationRule, routineWords } from './routines';

// Explainable recommendations (docs/domain.md "be flexible"): each rule reads one goal's own data and
// returns the rule, the evidence in words and the change it suggests. Nothing here decides; a
// person accepts (a model change, and a draft push-in plan where it applies) or dismisses with a
// reason.

export interface RecommendationRoutine {
  id: string;
  name: string;
  classroom: string;
}

export interface RecommendationGoal {
  spec: GoalSpec;
  domain: GoalDomain;
  currentModel: ServiceModel;
  points: ProgressPoint[];
  /** Routines linked to the goal. */
  linkedRoutines: RecommendationRoutine[];
  /** Routines of the student's homeroom, to find one that matches the goal's domain. */
  homeroomRoutines: RecommendationRoutine[];
}

export interface SuggestedChange {
  toModel: ServiceModel;
  /** For a split: the share of the minutes each model gets, in words and as halves. */
  split: { push_in: number; pull_out: number } | null;
  /** The routine to push in at, where the change is to push-in. */
  routine: RecommendationRoutine | null;
  /** Whether accepting drafts a push-in plan (push-in at a known routine). */
  draftsPlan: boolean;
  /** The change in words: "Push in during Writing (Room 12)". */
  text: string;
}

export interface Recommendation {
  rule: RecommendationRule;
  title: string;
  evidence: string;
  change: SuggestedChange;
}

export const recommendationRuleText: Record<RecommendationRule, { title: string; reads: string }> =
  {
    push_in_for_carryover: {
      title: 'Push in to carry the skill over',
      reads:
        "The goal is served by pull-out or consult and the 'not yet generalised' decision rule fires: the criterion is met on the latest therapy-room sessions but not in the classroom. Suggests push-in at the goal's linked routine (else the homeroom routine matching its domain).",
    },
    split_for_flat_push_in: {
      title: 'Add pull-out time (split)',
      reads: `The goal is served by push-in and its last six push-in data points, spanning at least ${MIN_TREND_SPAN_DAYS / 7} weeks, have a flat least-squares trend: under 1 point of the baseline→target gap per week. Suggests a split: half push-in, half pull-out.`,
    },
    push_in_for_functional_goal: {
      title: 'Push in for a functional goal',
      reads:
        "A self-care or classroom-participation goal is served only by pull-out. Suggests push-in at the linked routine, or the student's homeroom routine that matches the domain (arrival, lunch … for self-care; morning meeting, centers … for participation).",
    },
  };

/** Points of the push-in trend rule, and what counts as flat (score per week). */
export const FLAT_RUN_POINTS = 6;
export const FLAT_SLOPE_PER_WEEK = 0.01;

const ACTIVE = new Set(['baseline', 'intervention']);
const FUNCTIONAL = new Set<GoalDomain>(['self_care', 'classroom_participation']);

function byDate(points: ProgressPoint[]): ProgressPoint[] {
  return [...points].sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
}

/** The linked routine first; else the homeroom routine that best matches the goal's domain. */
export function matchingRoutine(goal: RecommendationGoal): RecommendationRoutine | null {
  if (goal.linkedRoutines[0]) return goal.linkedRoutines[0];
  for (const name of DOMAIN_ROUTINE_MATCH[goal.domain]) {
    const found = goal.homeroomRoutines.find((r) => r.name === name);
    if (found) return found;
  }
  return null;
}

function pushInChange(routine: RecommendationRoutine | null): SuggestedChange {
  return {
    toModel: 'push_in',
    split: null,
    routine,
    draftsPlan: routine !== null,
    text: routine
      ? `Push in during ${routineWords(routine.name)} (${routine.classroom}) and agree a push-in plan with the teacher`
      : 'Push in during the classroom routine where the skill is used (link a routine to the goal first)',
  };
}

const pct = (score: number) => `${Math.round(score * 100)}%`;

/** Every recommendation that fires for the goal, in the order of `recommendationRules`. */
export function recommendationsFor(goal: RecommendationGoal): Recommendation[] {
  if (!ACTIVE.has(goal.spec.phase)) return [];
  const sorted = byDate(goal.points);
  const out: Recommendation[] = [];

  if (goal.currentModel === 'pull_out' || goal.currentModel === 'consult') {
    const alert = decisionAlerts(goal.spec, sorted).find((a) => a.rule === 'not_generalised');
    if (alert) {
      out.push({
        rule: 'push_in_for_carryover',
        title: recommendationRuleText.push_in_for_carryover.title,
        evidence: alert.explanation.replace(/ Work on it where it is used:.*$/, ''),
        change: pushInChange(matchingRoutine(goal)),
      });
    }
  }

  if (goal.currentModel === 'push_in') {
    const pushIn = sorted.filter((p) => p.model === 'push_in').slice(-FLAT_RUN_POINTS);
    if (pushIn.length === FLAT_RUN_POINTS) {
      // Null when the six points span under MIN_TREND_SPAN_DAYS: too short to call flat.
      const fit = trendFit(pushIn.map((p) => ({ day: dayNumber(p.date), y: p.score })));
      const perWeek = fit ? fit.slope * 7 : null;
      if (perWeek !== null && perWeek < FLAT_SLOPE_PER_WEEK) {
        const first = pushIn[0]!.date;
        const last = pushIn.at(-1)!.date;
        const lo = Math.min(...pushIn.map((p) => p.score));
        const hi = Math.max(...pushIn.map((p) => p.score));
        const trendWords = `${perWeek >= 0 ? '+' : '−'}${Math.abs(perWeek * 100).toFixed(1)} points a week`;
        out.push({
          rule: 'split_for_flat_push_in',
          title: recommendationRuleText.split_for_flat_push_in.title,
          evidence: `The last ${FLAT_RUN_POINTS} push-in data points (${formatIsoDateShort(first)} – ${formatIsoDateShort(last)}) trend ${trendWords} of the way to target, between ${pct(lo)} and ${pct(hi)}: flat (under ${FLAT_SLOPE_PER_WEEK * 100} point a week).`,
          change: {
            toModel: 'split',
            split: { push_in: 0.5, pull_out: 0.5 },
            routine: null,
            draftsPlan: false,
            text: 'Split the minutes: keep half push-in and add half as pull-out to drill the skill',
          },
        });
      }
    }
  }

  if (goal.currentModel === 'pull_out' && FUNCTIONAL.has(goal.domain)) {
    const routine = matchingRoutine(goal);
    const settings = new Set(sorted.map((p) => p.setting));
    const dataWords =
      sorted.length === 0
        ? 'no data yet'
        : `${sorted.length} data point${sorted.length === 1 ? '' : 's'}, ${settings.has('classroom') ? 'some' : 'none'} in the classroom`;
    const domainWords = goal.domain === 'self_care' ? 'self-care' : 'classroom-participation';
    out.push({
      rule: 'push_in_for_functional_goal',
      title: recommendationRuleText.push_in_for_functional_goal.title,
      evidence: `This is a ${domainWords} goal served only by pull-out (${dataWords}). A functional skill is learned in the routine where it is used${routine ? `: ${routineWords(routine.name)} in ${routine.classroom}` : ''}.`,
      change: pushInChange(routine),
    });
  }
  return out;
}
