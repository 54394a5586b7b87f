import type { IsoDate } from './model';

// Calendar arithmetic on `YYYY-MM-DD` strings as whole UTC days. Pure integer maths (Howard
// Hinnant's civil-date algorithms) rather than `Date`, so results never depend on the
// runtime's time zone or on `Date`'s two-digit-year quirks, in Node and in the browser alike.

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra =
    yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146097 + dayOfEra - 719468;
}

function civilFromDays(n: number): { year: number; month: number; day: number } {
  const z = n + 719468;
  const era = Math.floor(z / 146097);
  const dayOfEra = z - era * 146097;
  const yearOfEra = Math.floor(
    (dayOfEra -
      Math.floor(dayOfEra / 1460) +
      Math.floor(dayOfEra / 36524) -
      Math.floor(dayOfEra / 146096)) /
      365,
  );
  const dayOfYear =
    dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const mp = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

const pad = (value: number, width: number) => String(value).padStart(width, '0');

/** Days since 1970-01-01 (UTC). Throws a RangeError on anything but a real `YYYY-MM-DD` date. */
export function dayNumber(date: IsoDate): number {
  const match = ISO_DATE.exec(date);
  if (!match) throw new RangeError(`Not an ISO date (YYYY-MM-DD): ${JSON.stringify(date)}`);
  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  const n = daysFromCivil(year, month, day);
  // Round-tripping rejects 2023-02-29, 2024-13-01 and the like instead of rolling them over.
  const back = civilFromDays(n);
  if (back.year !== year || back.month !== month || back.day !== day) {
    throw new RangeError(`No such calendar date: ${date}`);
  }
  return n;
}

/** The ISO date `n` days after 1970-01-01. Only years 0000–9999 are representable. */
export function fromDayNumber(n: number): IsoDate {
  if (!Number.isInteger(n)) throw new RangeError(`Day number must be an integer: ${n}`);
  const { year, month, day } = civilFromDays(n);
  if (year < 0 || year > 9999) throw new RangeError(`Day number ${n} is outside years 0000–9999`);
  return `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}`;
}

export function addDays(date: IsoDate, days: number): IsoDate {
  return fromDayNumber(dayNumber(date) + days);
}

/** 1 = Monday … 7 = Sunday. */
export function isoWeekday(date: IsoDate): number {
  // Day 0 (1970-01-01) was a Thursday.
  return ((((dayNumber(date) + 3) % 7) + 7) % 7) + 1;
}

/** The Monday of the ISO week containing `date`. */
export function weekStart(date: IsoDate): IsoDate {
  return addDays(date, 1 - isoWeekday(date));
}

/** The Sunday of the ISO week containing `date`. */
export function weekEnd(date: IsoDate): IsoDate {
  return addDays(date, 7 - isoWeekday(date));
}

/** Mondays to Fridays from `from` to `to`, both inclusive; 0 when `to` is before `from`. Holidays are not known here. */
export function schoolDaysBetween(from: IsoDate, to: IsoDate): number {
  const start = dayNumber(from);
  const end = dayNumber(to);
  if (end < start) return 0;
  const total = end - start + 1;
  const fullWeeks = Math.floor(total / 7);
  let count = fullWeeks * 5;
  // The leftover (< 7 days) starts on the same weekday as `from`.
  let weekday = isoWeekday(from);
  for (let i = 0; i < total % 7; i++) {
    if (weekday <= 5) count++;
    weekday = weekday === 7 ? 1 : weekday + 1;
  }
  return count;
}
