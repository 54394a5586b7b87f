import { dateIn, type IsoDate } from '@carryover/domain';

const DAY_MS = 86_400_000;
export const WEEK_MS = 7 * DAY_MS;

/**
 * Parses `YYYY-MM-DD` as midnight UTC. Calendar dates carry no time zone, so all date math
 * and formatting here stays in UTC; `new Date('2026-12-03')` shown in local time would
 * drift to Dec 2 west of Greenwich.
 */
export function parseIsoDate(date: IsoDate): Date {
  const [y, m, d] = date.split('-').map(Number);
  return new Date(Date.UTC(y ?? 1970, (m ?? 1) - 1, d ?? 1));
}

export function toIsoDate(date: Date): IsoDate {
  return date.toISOString().slice(0, 10);
}

const dateFormat = new Intl.DateTimeFormat('en-US', {
  month: 'short',
  day: 'numeric',
  year: 'numeric',
  timeZone: 'UTC',
});
const shortDateFormat = new Intl.DateTimeFormat('en-US', {
  month: 'short',
  day: 'numeric',
  timeZone: 'UTC',
});

/** "Dec 3, 2026"; an em dash for a missing date. */
export function formatDate(date: IsoDate | Date | null | undefined): string {
  if (date == null) return '—';
  return dateFormat.format(typeof date === 'string' ? parseIsoDate(date) : date);
}

/**
 * The district's calendar date of a stored instant (a signature, a finalisation, a void), as
 * "Dec 3, 2026": a session signed at 7 pm in Chicago is dated that day there, whatever the
 * device's zone or UTC says. An unknown zone falls back to UTC rather than failing a page.
 */
export function formatInstantDate(instant: string | null | undefined, timeZone: string): string {
  if (!instant) return '—';
  return formatDate(instantDate(instant, timeZone));
}

/** The district's calendar date of a stored instant (see `formatInstantDate`). */
export function instantDate(instant: string, timeZone: string): IsoDate {
  try {
    return dateIn(new Date(instant), timeZone);
  } catch {
    return dateIn(new Date(instant), 'UTC');
  }
}

const dateTimeFormats = new Map<string, Intl.DateTimeFormat>();

/** A stored instant as the district's wall clock shows it: "Dec 3, 2026, 7:05 PM". */
export function formatInstantDateTime(
  instant: string | number | null | undefined,
  timeZone: string,
): string {
  if (instant == null || instant === '') return '—';
  let f = dateTimeFormats.get(timeZone);
  if (!f) {
    const options: Intl.DateTimeFormatOptions = {
      month: 'short',
      day: 'numeric',
      year: 'numeric',
      hour: 'numeric',
      minute: '2-digit',
    };
    try {
      f = new Intl.DateTimeFormat('en-US', { ...options, timeZone });
    } catch {
      f = new Intl.DateTimeFormat('en-US', { ...options, timeZone: 'UTC' });
    }
    dateTimeFormats.set(timeZone, f);
  }
  return f.format(new Date(instant));
}

/** "Dec 3" — for axis ticks and dense labels. */
export function formatShortDate(date: IsoDate | Date): string {
  return shortDateFormat.format(typeof date === 'string' ? parseIsoDate(date) : date);
}

/** A normalised score (0 = baseline, 1 = target) as "62%". */
export function formatScore(score: number | null | undefined): string {
  if (score == null || Number.isNaN(score)) return '—';
  return `${Math.round(score * 100)}%`;
}

/** A per-week change in score as signed percentage points: "+3.2 pts/wk". */
export function formatSlope(slopePerWeek: number | null | undefined): string {
  if (slopePerWeek == null || Number.isNaN(slopePerWeek)) return '—';
  const pts = slopePerWeek * 100;
  const rounded = Math.abs(pts) < 0.05 ? 0 : pts;
  const sign = rounded > 0 ? '+' : rounded < 0 ? '−' : '';
  return `${sign}${Math.abs(rounded).toFixed(1)} pts/wk`;
}

/** A raw observation value with its unit, trimming needless decimals. */
export function formatRaw(value: number, unit: string): string {
  const n = Number.isInteger(value) ? String(value) : value.toFixed(1);
  if (!unit) return n;
  // "85%", "85% of trials"; other units take a space: "7 prompts".
  return unit.startsWith('%') ? `${n}${unit}` : `${n} ${unit}`;
}

export function weeksBetween(from: IsoDate, to: IsoDate): number {
  return (parseIsoDate(to).getTime() - parseIsoDate(from).getTime()) / WEEK_MS;
}
