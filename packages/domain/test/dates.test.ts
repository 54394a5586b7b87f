import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addDays,
  dayNumber,
  fromDayNumber,
  isoWeekday,
  schoolDaysBetween,
  weekEnd,
  weekStart,
} from '../src/dates';

// Day numbers for 0001-01-01 … 9999-12-31.
const MIN_DAY = -719162;
const MAX_DAY = 2932896;
const anyDay = fc.integer({ min: MIN_DAY, max: MAX_DAY });

describe('dayNumber / fromDayNumber', () => {
  it('counts from the Unix epoch', () => {
    expect(dayNumber('1970-01-01')).toBe(0);
    expect(dayNumber('1970-01-02')).toBe(1);
    expect(dayNumber('1969-12-31')).toBe(-1);
    expect(dayNumber('2000-01-01')).toBe(10957);
    expect(fromDayNumber(19797)).toBe('2024-03-15');
    expect(fromDayNumber(MIN_DAY)).toBe('0001-01-01');
    expect(fromDayNumber(MAX_DAY)).toBe('9999-12-31');
  });

  it('round-trips every representable day', () => {
    fc.assert(
      fc.property(anyDay, (n) => {
        expect(dayNumber(fromDayNumber(n))).toBe(n);
      }),
    );
  });

  it('agrees with the JavaScript Date in UTC', () => {
    fc.assert(
      fc.property(fc.integer({ min: -25567, max: 84000 }), (n) => {
        expect(fromDayNumber(n)).toBe(new Date(n * 86_400_000).toISOString().slice(0, 10));
      }),
    );
  });

  it('knows leap years, including the century rules', () => {
    expect(dayNumber('2024-03-01') - dayNumber('2024-02-28')).toBe(2);
    expect(dayNumber('2023-03-01') - dayNumber('2023-02-28')).toBe(1);
    expect(dayNumber('2000-03-01') - dayNumber('2000-02-28')).toBe(2);
    expect(dayNumber('1900-03-01') - dayNumber('1900-02-28')).toBe(1);
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
    expect(addDays('2024-02-29', 1)).toBe('2024-03-01');
    expect(addDays('2024-01-01', 366)).toBe('2025-01-01');
    expect(addDays('2023-01-01', 365)).toBe('2024-01-01');
  });

  it('rejects dates that do not exist or are badly formed', () => {
    for (const bad of ['2023-02-29', '1900-02-29', '2024-04-31', '2024-13-01', '2024-00-10']) {
      expect(() => dayNumber(bad), bad).toThrow(RangeError);
    }
    for (const bad of ['2024-3-1', '20240301', '', '2024-03-01T00:00:00Z']) {
      expect(() => dayNumber(bad), bad).toThrow(RangeError);
    }
    expect(() => fromDayNumber(1.5)).toThrow(RangeError);
    expect(() => fromDayNumber(MAX_DAY + 1)).toThrow(RangeError);
  });
});

describe('addDays', () => {
  it('crosses month and year ends, both ways', () => {
    expect(addDays('2024-01-31', 1)).toBe('2024-02-01');
    expect(addDays('2024-12-31', 1)).toBe('2025-01-01');
    expect(addDays('2025-01-01', -1)).toBe('2024-12-31');
    expect(addDays('2024-03-15', 0)).toBe('2024-03-15');
  });

  it('composes: adding a then b is adding a + b', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2_000_000 }),
        fc.integer({ min: -400, max: 400 }),
        fc.integer({ min: -400, max: 400 }),
        (n, a, b) => {
          const d = fromDayNumber(n);
          expect(addDays(addDays(d, a), b)).toBe(addDays(d, a + b));
        },
      ),
    );
  });
});

describe('weeks', () => {
  it('numbers weekdays 1 = Monday … 7 = Sunday', () => {
    expect(isoWeekday('1970-01-01')).toBe(4); // a Thursday
    expect(isoWeekday('2024-03-11')).toBe(1);
    expect(isoWeekday('2024-03-17')).toBe(7);
    expect(isoWeekday('1969-12-29')).toBe(1); // negative day numbers
  });

  it('puts a Sunday in the week that began the Monday before', () => {
    expect(weekStart('2024-03-17')).toBe('2024-03-11');
    expect(weekEnd('2024-03-17')).toBe('2024-03-17');
    expect(weekStart('2024-03-11')).toBe('2024-03-11');
    expect(weekEnd('2024-03-11')).toBe('2024-03-17');
    // A week spanning a leap day and a month end.
    expect(weekStart('2024-03-01')).toBe('2024-02-26');
    expect(weekEnd('2024-02-26')).toBe('2024-03-03');
  });

  it('week start is a Monday, week end the Sunday after, and both contain the date', () => {
    fc.assert(
      fc.property(anyDay, (n) => {
        fc.pre(n - 7 >= MIN_DAY && n + 7 <= MAX_DAY);
        const d = fromDayNumber(n);
        const start = weekStart(d);
        const end = weekEnd(d);
        expect(isoWeekday(start)).toBe(1);
        expect(isoWeekday(end)).toBe(7);
        expect(dayNumber(end) - dayNumber(start)).toBe(6);
        expect(dayNumber(start)).toBeLessThanOrEqual(n);
        expect(dayNumber(end)).toBeGreaterThanOrEqual(n);
        expect(isoWeekday(addDays(d, 1))).toBe((isoWeekday(d) % 7) + 1);
      }),
    );
  });
});

describe('schoolDaysBetween', () => {
  it('counts Monday to Friday, both ends inclusive', () => {
    expect(schoolDaysBetween('2024-03-11', '2024-03-17')).toBe(5); // Mon..Sun
    expect(schoolDaysBetween('2024-03-11', '2024-03-11')).toBe(1);
    expect(schoolDaysBetween('2024-03-16', '2024-03-17')).toBe(0); // a weekend
    expect(schoolDaysBetween('2024-03-15', '2024-03-18')).toBe(2); // Fri..Mon
    expect(schoolDaysBetween('2024-02-01', '2024-02-29')).toBe(21);
    expect(schoolDaysBetween('2024-03-12', '2024-03-11')).toBe(0);
  });

  it('matches counting day by day', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 30_000 }),
        fc.integer({ min: -3, max: 60 }),
        (n, length) => {
          const from = fromDayNumber(n);
          const to = fromDayNumber(n + length);
          let expected = 0;
          for (let i = 0; i <= length; i++) if (isoWeekday(fromDayNumber(n + i)) <= 5) expected++;
          expect(schoolDaysBetween(from, to)).toBe(expected);
        },
      ),
    );
  });
});
