import { formatIsoDateLong, formatIsoDateShort, formatRawValue } from './goals';
import { labels } from './model';
import {
  belowAimRun,
  level,
  masteryContext,
  masteryMet,
  meetsCriterion,
  recentMasteryContexts,
} from './progress';
import type { GoalSpec, ProgressPoint } from './progress-types';

// Decision rules (docs/domain.md, "Progress math"): what the graph tells the team to do, each with the
// sentence that says why it fired, so an alert is never just a coloured dot.

export const decisionRules = ['change_something', 'mastery_candidate', 'not_generalised'] as const;
export type DecisionRule = (typeof decisionRules)[number];

export interface DecisionAlert {
  rule: DecisionRule;
  /** Short, for a badge or list: "Change something". */
  title: string;
  /** Why it fired, from this goal's own data. */
  explanation: string;
}

/** The rules in words, as the product states them (help text, report footnotes). */
export const decisionRuleText: Record<DecisionRule, { title: string; rule: string }> = {
  change_something: {
    title: 'Change something',
    rule: 'Four or more data points in a row, up to the latest, are below the aim line.',
  },
  mastery_candidate: {
    title: 'Mastery candidate',
    rule: "The goal's mastery rule is met on the latest data (by default: the criterion on the last three sessions in the classroom, and also on the last three in the therapy room when the goal has recent therapy-room data).",
  },
  not_generalised: {
    title: 'Not yet generalised',
    rule: 'The criterion is met on the latest therapy-room sessions, but the classroom data does not meet the mastery rule yet.',
  },
};

export const BELOW_AIM_ALERT_RUN = 4;

const listWords = (items: string[]) =>
  items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;

/**
 * A goal's mastery rule in words, for the goal graph and the student page: which settings the
 * criterion must be met in (docs/domain.md, "Progress math").
 */
export function masteryRuleWords(rule: GoalSpec['masteryRule']): string {
  const n = rule.consecutiveSessions;
  const sessions = `${n} consecutive session${n === 1 ? '' : 's'}`;
  if (rule.requireClassroom) {
    return `Mastery: the criterion on the last ${sessions} in the classroom or the goal's linked routine. A goal with recent therapy-room data must also meet it on the last ${sessions} there; data from the classroom or linked routine alone (push-in) is enough.`;
  }
  return rule.minSettings > 1
    ? `Mastery: the criterion on the last ${sessions}, across at least ${rule.minSettings} settings.`
    : `Mastery: the criterion on the last ${sessions}, in any setting.`;
}

/** Phases in which the team is still working towards the target; the rules speak only then. */
const ACTIVE_PHASES = new Set(['baseline', 'intervention']);

/**
 * Every rule that fires for the goal on these points, in a fixed order. Rules fire only while the
 * goal is in baseline or intervention: a mastered, maintained or discontinued goal needs no alarm.
 * A mastery candidate never also gets "not yet generalised" (the classroom is part of its rule).
 */
export function decisionAlerts(goal: GoalSpec, points: ProgressPoint[]): DecisionAlert[] {
  if (!ACTIVE_PHASES.has(goal.phase) || points.length === 0) return [];
  const sorted = [...points].sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
  const alerts: DecisionAlert[] = [];

  const run = belowAimRun(goal, sorted);
  if (run >= BELOW_AIM_ALERT_RUN) {
    const from = sorted[sorted.length - run]!.date;
    const to = sorted.at(-1)!.date;
    alerts.push({
      rule: 'change_something',
      title: decisionRuleText.change_something.title,
      explanation: `The last ${run} data points (${formatIsoDateShort(from)} – ${formatIsoDateShort(to)}) are all below the aim line. At this rate the target may not be met by ${formatIsoDateLong(goal.targetDate)}: change something — the model, the strategy, the intensity or the goal.`,
    });
  }

  const criterion = `${goal.direction === 'down' ? 'at most' : 'at least'} ${formatRawValue(goal, goal.target)}`;
  const { consecutiveSessions, minSettings, requireClassroom } = goal.masteryRule;
  if (masteryMet(goal, sorted)) {
    const contexts = recentMasteryContexts(sorted);
    // Name where the functional data came from: the classroom, the linked routine, or both.
    const functional = [
      ...(sorted.some((p) => p.setting === 'classroom') ? ['the classroom'] : []),
      ...(sorted.some((p) => p.inLinkedRoutine && p.setting !== 'classroom')
        ? ['the linked routine']
        : []),
    ];
    const settingWords = requireClassroom
      ? `in ${listWords(contexts.flatMap((s) => (s === 'other' ? ['another setting'] : s === 'functional' ? functional : [`the ${labels.setting[s].toLowerCase()}`])))}`
      : minSettings > 1
        ? `in ${minSettings} or more settings`
        : '';
    alerts.push({
      rule: 'mastery_candidate',
      title: decisionRuleText.mastery_candidate.title,
      explanation: `The criterion (${criterion}) was met on each of the last ${consecutiveSessions} sessions${settingWords ? ` ${settingWords}` : ''}. Consider marking the goal mastered and moving it to maintenance.`,
    });
    return alerts;
  }

  const room = sorted.filter((p) => masteryContext(p) === 'therapy_room');
  const roomRule = { ...goal.masteryRule, minSettings: 1, requireClassroom: false };
  if (masteryMet({ ...goal, masteryRule: roomRule }, room)) {
    const classroom = sorted.filter((p) => masteryContext(p) === 'functional');
    const classLevel = level(classroom);
    const lastClass = classroom.at(-1);
    const classroomWords =
      classLevel === null
        ? 'there is no classroom data yet'
        : lastClass && !meetsCriterion(goal, lastClass)
          ? `the latest classroom probe (${formatIsoDateShort(lastClass.date)}) was ${formatRawValue(goal, lastClass.raw)}`
          : `the classroom data does not yet meet the rule (${classroom.length} classroom point${classroom.length === 1 ? '' : 's'})`;
    alerts.push({
      rule: 'not_generalised',
      title: decisionRuleText.not_generalised.title,
      explanation: `The criterion (${criterion}) was met on the last ${consecutiveSessions} therapy-room sessions, but ${classroomWords}. Work on it where it is used: push-in during the linked classroom routine, or ask the teacher for probes.`,
    });
  }
  return alerts;
}
