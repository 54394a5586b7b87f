import type { Rng } from './rng';

// Dates are whole UTC day numbers (days since 1970-01-01) while generating: cheap to compare
// and step; formatted to ISO text only when a row is written.

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

export function timestamp(day: number, minutes: number): string {
  return `${iso(day)}T${clock(Math.min(minutes, 23 * 60 + 59))}:00.000Z`;
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

export interface SchoolCalendar {
  /** Aug 15 of the school year that contains `today`. */
  yearStart: number;
  /** Jun 10 of the following calendar year. */
  yearEnd: number;
  today: number;
  /** Last day with data: today, or the year end once the year is over. */
  lastDay: number;
  holidays: Set<number>;
  /** Unplanned closures (weather): sessions are on the books and recorded as `school_closed`. */
  closures: Set<number>;
}

export function schoolCalendar(today: number, rng: Rng): SchoolCalendar {
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
  return { yearStart, yearEnd, today, lastDay: Math.min(today, yearEnd), holidays, closures };
}

export function isSchoolDay(cal: SchoolCalendar, day: number): boolean {
  return day >= cal.yearStart && day <= cal.yearEnd && weekday(day) <= 5 && !cal.holidays.has(day);
}
