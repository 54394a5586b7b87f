import { dayNumber } from '../dates';
import { normalizeScore } from '../progress';
import { GAS_BANDS } from '../reports';
import { type ComparisonColumns, settingCode } from './episodes';

// GAS per setting (issue 13, item 7). A goal's reported GAS takes its level from its last three
// points in any setting. Classroom levels run below therapy-room ones (that is the carryover
// gap), and a push-in goal's points are classroom points, so a pooled level scores push-in
// lower for where it is measured, not how it progresses. Here each goal-period gets a GAS from
// each setting's own points, so the comparison sets classroom GAS against classroom GAS.

/** The settings a GAS level is computed in (the two both models' episodes are compared in). */
export const GAS_SETTINGS = ['classroom', 'therapy_room'] as const;
export type GasSetting = (typeof GAS_SETTINGS)[number];

/** The GAS band of a level against the aim line's expectation, as `computeGas` bands it. */
export function gasBand(level: number, expected: number): number {
  // Rounded to a millionth so a level exactly on a band edge is not lost to floating point.
  const diff = Math.round((level - expected) * 1e6) / 1e6;
  if (diff >= GAS_BANDS.much) return 2;
  if (diff >= GAS_BANDS.somewhat) return 1;
  if (diff > -GAS_BANDS.somewhat) return 0;
  if (diff > -GAS_BANDS.much) return -1;
  return -2;
}

/**
 * A goal's points (columns' goal `goalIndex`) as day, setting code and normalised score, by day
 * (ties in column order), inside the columns' date window.
 */
export function goalScores(
  cols: ComparisonColumns,
  goalIndex: number,
): { day: number; setting: number; score: number }[] {
  const goal = cols.goals[goalIndex]!;
  const from = cols.window?.from ?? -Infinity;
  const to = cols.window?.to ?? Infinity;
  const out: { day: number; setting: number; score: number; at: number }[] = [];
  for (let p = cols.pointFrom[goalIndex]!; p < cols.pointTo[goalIndex]!; p++) {
    const value = cols.pointValue[p]!;
    const day = cols.pointDay[p]!;
    if (Number.isNaN(value) || day < from || day > to) continue;
    out.push({
      day,
      setting: cols.pointSetting[p]!,
      score: normalizeScore(goal.spec, value),
      at: p,
    });
  }
  return out.sort((a, b) => a.day - b.day || a.at - b.at);
}

/** The aim line's score on a day number (0 at the start date, 1 at the target date and after). */
function aimOnDay(aimLine: { startDate: string; targetDate: string }, day: number): number {
  const start = dayNumber(aimLine.startDate);
  const span = dayNumber(aimLine.targetDate) - start;
  if (span <= 0) return day >= start + span ? 1 : 0;
  return Math.min(1, Math.max(0, (day - start) / span));
}

/**
 * The GAS of one goal-period measured in one setting: how far the setting's last three scores
 * up to the period's last day sit from the aim line (the median of score − aim, each at its own
 * date), banded as the reported GAS is. Each point is held to the aim line on its own day, not
 * on the period's last day: a setting probed once a fortnight would otherwise be judged by a
 * level up to two weeks old against a later, higher aim. Null when the setting has no point
 * inside the period (`firstDay` … `lastDay`, day numbers), so a setting the goal was not
 * measured in that period scores nothing. No +2 for the mastery rule: that rule spans settings.
 */
export function settingGas(
  scores: readonly { day: number; setting: number; score: number }[],
  aimLine: { startDate: string; targetDate: string },
  setting: GasSetting,
  firstDay: number,
  lastDay: number,
): number | null {
  const code = settingCode(setting);
  const upTo = scores.filter((s) => s.setting === code && s.day <= lastDay);
  if (upTo.length === 0 || upTo.at(-1)!.day < firstDay) return null;
  const gaps = upTo
    .slice(-3)
    .map((s) => s.score - aimOnDay(aimLine, s.day))
    .sort((a, b) => a - b);
  const gap =
    gaps.length % 2 === 1
      ? gaps[(gaps.length - 1) / 2]!
      : (gaps[gaps.length / 2 - 1]! + gaps[gaps.length / 2]!) / 2;
  return gasBand(gap, 0);
}
