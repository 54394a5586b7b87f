import { addDays, dayNumber } from './dates';
import type { IsoDate } from './model';

// Plausible dates for what staff enter (issue 12): a session or probe is not dated after the
// district's today nor far in the past; a goal's dates and a meeting's sit within a school
// year or two of today. Pure: callers pass the district's today and the facts they read.

/** How far back a session, probe or meeting may be dated: a school year and its summer. */
export const MAX_DAYS_BACK = 400;
/** A goal runs about one IEP year; its target date is at most two years after its start. */
export const MAX_GOAL_DAYS = 731;

export interface PeriodSpan {
  name: string;
  startsOn: IsoDate;
  endsOn: IsoDate;
}

/** Why a session or probe cannot be dated `date`, or null: not after today, not long ago. */
export function recordDateProblem(date: IsoDate, today: IsoDate, what: string): string | null {
  if (date > today) return `A ${what} cannot be dated after today`;
  if (date < addDays(today, -MAX_DAYS_BACK))
    return `A ${what} cannot be dated more than ${MAX_DAYS_BACK} days ago`;
  return null;
}

/** The finalised reporting period that contains `date`, if any. */
export function finalisedPeriodOn<P extends PeriodSpan>(
  date: IsoDate,
  finalised: readonly P[],
): P | undefined {
  return finalised.find((p) => p.startsOn <= date && date <= p.endsOn);
}

/**
 * Why a goal's start and target dates are implausible, or null: the start within two years
 * before and one after today, the target within two years of the start.
 */
export function goalDatesProblem(
  dates: { startDate: IsoDate; targetDate: IsoDate },
  today: IsoDate,
): { field: 'startDate' | 'targetDate'; message: string } | null {
  if (dates.startDate < addDays(today, -2 * 366) || dates.startDate > addDays(today, 366))
    return { field: 'startDate', message: 'Start the goal within a year or two of today' };
  if (dayNumber(dates.targetDate) - dayNumber(dates.startDate) > MAX_GOAL_DAYS)
    return { field: 'targetDate', message: 'Set a target date within two years of the start' };
  return null;
}

/** Why a phase or model change cannot take effect on `date`, or null. */
export function effectiveDateProblem(
  date: IsoDate,
  goalStart: IsoDate,
  today: IsoDate,
): string | null {
  if (date < goalStart) return 'A change cannot take effect before the goal starts';
  if (date < addDays(today, -MAX_DAYS_BACK) || date > addDays(today, 366))
    return 'A change takes effect within a year of today';
  return null;
}

/**
 * Why a meeting cannot be on `date`, or null: not long ago, and in the future only within the
 * school year (or, once it has ended, within the next year).
 */
export function meetingDateProblem(
  date: IsoDate,
  today: IsoDate,
  schoolYearEnd: IsoDate | null,
): string | null {
  if (date < addDays(today, -MAX_DAYS_BACK))
    return `A meeting cannot be dated more than ${MAX_DAYS_BACK} days ago`;
  const latest =
    schoolYearEnd !== null && today <= schoolYearEnd ? schoolYearEnd : addDays(today, 366);
  if (date > latest) return 'Schedule the meeting within this school year';
  return null;
}
