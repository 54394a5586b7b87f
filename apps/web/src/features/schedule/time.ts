import { clock, WEEKDAY_LABELS, type Weekday } from '@carryover/domain';

// Minutes-from-midnight helpers for the Schedule page. The week is Monday (0) to Friday (4),
// as the scheduler's own types have it.

export { clock };

/** "08:05" for a time input from minutes after midnight. */
export function timeInputValue(minutes: number): string {
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

/** Minutes after midnight from a time input's "08:05"; null when it is not a time. */
export function minutesFromInput(value: string): number | null {
  const m = /^(\d{1,2}):(\d{2})/.exec(value);
  if (!m) return null;
  const hours = Number(m[1]);
  const minutes = Number(m[2]);
  if (hours > 23 || minutes > 59) return null;
  return hours * 60 + minutes;
}

export function dayName(day: Weekday): string {
  return WEEKDAY_LABELS[day];
}

/** "30 Nov" for a column heading. */
export function shortDay(isoDate: string): string {
  return new Date(`${isoDate}T12:00:00Z`).toLocaleDateString('en-US', {
    day: 'numeric',
    month: 'short',
    timeZone: 'UTC',
  });
}

export function durationWords(minutes: number): string {
  if (minutes < 60) return `${minutes} min`;
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return m === 0 ? `${h} h` : `${h} h ${m} min`;
}

/** Snaps a number of minutes to the grid's step (5 minutes). */
export function snap(minutes: number, step = 5): number {
  return Math.round(minutes / step) * step;
}

/** The API's ISO weekday (1 = Monday … 5 = Friday) as the grid's day (0 … 4). */
export function weekdayOfIso(isoWeekday: number): Weekday {
  return Math.min(4, Math.max(0, isoWeekday - 1)) as Weekday;
}

/** "Week of Nov 30" for the week navigation. */
export function formatWeek(monday: string): string {
  return `Week of ${new Date(`${monday}T12:00:00Z`).toLocaleDateString('en-US', {
    month: 'short',
    day: 'numeric',
    year: 'numeric',
    timeZone: 'UTC',
  })}`;
}
