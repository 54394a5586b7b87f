import { instantAt, utcOffsetMinutes, wallTimeIn } from '@carryover/domain';
import type { Rng } from './rng';

// Dates are whole day numbers (days since 1970-01-01) of the district's calendar while
// generating: cheap to compare and step; formatted to ISO text only when a row is written.
// Times of day are the district's wall clock; timestamps are stored as UTC instants.

const DAY_MS = 86_400_000;

export function dayOf(isoDate: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(isoDate);
  if (!m) throw new Error(`Not an ISO date: ${isoDate}`);
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) / DAY_MS;
}

export function dayFromYmd(y: number, month: number, d: number): number {
  return Date.UTC(y, month - 1, d) / DAY_MS;
}

const isoCache = new Map<number, string>();
export function iso(day: number): string {
  let s = isoCache.get(day);
  if (s === undefined) {
    s = new Date(day * DAY_MS).toISOString().slice(0, 10);
    isoCache.set(day, s);
  }
  return s;
}

/** ISO weekday: 1 = Monday … 7 = Sunday. */
export function weekday(day: number): number {
  return ((((day + 3) % 7) + 7) % 7) + 1;
}

export function clock(minutes: number): string {
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return `${h < 10 ? '0' : ''}${h}:${m < 10 ? '0' : ''}${m}`;
}

/**
 * "Now" for the generator: the district's today and time of day, and timestamps made from
 * local wall times. Nothing the demo writes happens after `now`.
 */
export interface DemoClock {
  /** The district's date at `now`, as a day number. */
  today: number;
  /** Minutes since the district's midnight at `now`. */
  nowMinute: number;
  /** Whether the wall time `minutes` on `day` has come. */
  isPast(day: number, minutes: number): boolean;
  /** The UTC instant of wall time `minutes` on `day`, but never later than now. */
  stamp(day: number, minutes: number): string;
  /** The UTC instant of wall time `minutes` on `day`, or null when it has not come yet. */
  stampIfPast(day: number, minutes: number): string | null;
}

export function demoClock(now: Date, timeZone: string): DemoClock {
  const wall = wallTimeIn(now, timeZone);
  const today = dayOf(wall.date);
  const nowMinute = wall.minutes;
  // The demo stamps school-day times (07:00 and later), always after a 2 am DST change, so
  // the offset at local noon holds for every time it stamps that day.
  const offsets = new Map<number, number>();
  const offsetMs = (day: number) => {
    let o = offsets.get(day);
    if (o === undefined) {
      o = utcOffsetMinutes(instantAt(iso(day), 12 * 60, timeZone), timeZone) * 60_000;
      offsets.set(day, o);
    }
    return o;
  };
  const instant = (day: number, minutes: number) =>
    day * DAY_MS + Math.min(minutes, 23 * 60 + 59) * 60_000 - offsetMs(day);
  const isPast = (day: number, minutes: number) =>
    day < today || (day === today && minutes <= nowMinute);
  return {
    today,
    nowMinute,
    isPast,
    stamp: (day, minutes) => new Date(Math.min(instant(day, minutes), now.getTime())).toISOString(),
    stampIfPast: (day, minutes) =>
      isPast(day, minutes) ? new Date(instant(day, minutes)).toISOString() : null,
  };
}

/** The n-th (1-based) given ISO weekday of a month; n = -1 is the last. */
function nthWeekday(y: number, month: number, wd: number, n: number): number {
  if (n > 0) {
    const first = dayFromYmd(y, month, 1);
    return first + ((wd - weekday(first) + 7) % 7) + (n - 1) * 7;
  }
  const last = dayFromYmd(y, month + 1, 1) - 1;
  return last - ((weekday(last) - wd + 7) % 7);
}

export interface SchoolCalendar extends DemoClock {
  /** Aug 15 of the school year that contains `today`. */
  yearStart: number;
  /** Jun 10 of the following calendar year. */
  yearEnd: number;
  /** Last day with data: today, or the year end once the year is over. */
  lastDay: number;
  holidays: Set<number>;
  /** Unplanned closures (weather): sessions are on the books and recorded as `school_closed`. */
  closures: Set<number>;
}

export function schoolCalendar(clock: DemoClock, rng: Rng): SchoolCalendar {
  const { today } = clock;
  const t = new Date(today * DAY_MS);
  const y0 = t.getUTCFullYear();
  const beforeStart = t.getUTCMonth() < 7 || (t.getUTCMonth() === 7 && t.getUTCDate() < 15);
  const y = beforeStart ? y0 - 1 : y0;
  const yearStart = dayFromYmd(y, 8, 15);
  const yearEnd = dayFromYmd(y + 1, 6, 10);
  const holidays = new Set<number>();
  const add = (d: number, n = 1) => {
    for (let i = 0; i < n; i++) holidays.add(d + i);
  };
  add(nthWeekday(y, 9, 1, 1)); // Labor Day
  add(nthWeekday(y, 10, 1, 2)); // Indigenous Peoples' Day
  add(nthWeekday(y, 11, 4, 4) - 1, 3); // Thanksgiving Wed–Fri
  add(dayFromYmd(y, 12, 21), 12); // winter break through Jan 1
  add(nthWeekday(y + 1, 1, 1, 3)); // MLK Day
  add(nthWeekday(y + 1, 2, 1, 3)); // Presidents' Day
  add(nthWeekday(y + 1, 3, 1, 2), 5); // spring break
  add(nthWeekday(y + 1, 5, 1, -1)); // Memorial Day
  const closures = new Set<number>();
  const winterFrom = dayFromYmd(y + 1, 1, 6);
  const winterTo = dayFromYmd(y + 1, 2, 28);
  while (closures.size < 2) {
    const d = rng.int(winterFrom, winterTo);
    if (weekday(d) <= 5 && !holidays.has(d)) closures.add(d);
  }
  return { ...clock, yearStart, yearEnd, lastDay: Math.min(today, yearEnd), holidays, closures };
}

export function isSchoolDay(cal: SchoolCalendar, day: number): boolean {
  return day >= cal.yearStart && day <= cal.yearEnd && weekday(day) <= 5 && !cal.holidays.has(day);
}
