import type { IsoDate } from './model';

// A district's day runs on its own clock: a session signed at 7 pm in Chicago is signed
// "today" there, whatever the server's or the browser's time zone. These functions take the
// instant as an argument (no hidden clock), so they stay pure and testable at any hour.

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    // Throws a RangeError for an unknown zone, which is what a caller should see.
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Whether `timeZone` is an IANA zone this runtime knows (checked once per name). */
export function isKnownTimeZone(timeZone: string): boolean {
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

export interface WallTime {
  date: IsoDate;
  /** Minutes since local midnight, 0–1439. */
  minutes: number;
  seconds: number;
}

/** The wall-clock date and time at `instant` in `timeZone` (an IANA name). */
export function wallTimeIn(instant: Date, timeZone: string): WallTime {
  const parts: Record<string, string> = {};
  for (const p of formatterFor(timeZone).formatToParts(instant)) parts[p.type] = p.value;
  return {
    date: `${parts.year}-${parts.month}-${parts.day}`,
    minutes: Number(parts.hour) * 60 + Number(parts.minute),
    seconds: Number(parts.second),
  };
}

/** The calendar date at `instant` in `timeZone`: "today" for a district. */
export function dateIn(instant: Date, timeZone: string): IsoDate {
  return wallTimeIn(instant, timeZone).date;
}

/** Minutes `timeZone` is ahead of UTC at `instant` (Chicago in winter: −360). */
export function utcOffsetMinutes(instant: Date, timeZone: string): number {
  const wall = wallTimeIn(instant, timeZone);
  const [y, m, d] = wall.date.split('-').map(Number) as [number, number, number];
  const asUtc = Date.UTC(y, m - 1, d, 0, wall.minutes, wall.seconds);
  const whole = Math.floor(instant.getTime() / 1000) * 1000;
  return Math.round((asUtc - whole) / 60_000);
}

/**
 * The instant at which the wall clock in `timeZone` shows `date` and `minutes` past midnight.
 * In the hour skipped when clocks go forward, the time is read with the offset from before
 * the change (2:30 on a spring-forward day is 3:30); in the repeated hour of a fall-back
 * day, the earlier of the two instants is returned.
 */
export function instantAt(date: IsoDate, minutes: number, timeZone: string): Date {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const wallAsUtc = Date.UTC(y, m - 1, d, 0, minutes);
  // The offset a few hours before and after brackets any change on this day.
  const before = utcOffsetMinutes(new Date(wallAsUtc - 12 * 3_600_000), timeZone);
  const after = utcOffsetMinutes(new Date(wallAsUtc + 12 * 3_600_000), timeZone);
  const candidates = [wallAsUtc - before * 60_000, wallAsUtc - after * 60_000].sort(
    (a, b) => a - b,
  );
  for (const t of candidates) {
    const wall = wallTimeIn(new Date(t), timeZone);
    if (wall.date === date && wall.minutes === minutes % 1440) return new Date(t);
  }
  return new Date(wallAsUtc - before * 60_000);
}
