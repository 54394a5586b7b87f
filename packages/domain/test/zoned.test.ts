import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addDays } from '../src/dates';
import { dateIn, instantAt, isKnownTimeZone, utcOffsetMinutes, wallTimeIn } from '../src/zoned';

// These must give the same answers whatever TZ the test process runs under: they take the
// zone as an argument and never read the machine's.

const at = (iso: string) => new Date(iso);

describe('a district’s date and wall time', () => {
  it('is the district’s today, not the server’s', () => {
    // 02:28 UTC on Nov 30 is still the evening of Nov 29 in Chicago and Honolulu.
    expect(dateIn(at('2026-11-30T02:28:00Z'), 'America/Chicago')).toBe('2026-11-29');
    expect(dateIn(at('2026-11-30T02:28:00Z'), 'Pacific/Honolulu')).toBe('2026-11-29');
    expect(dateIn(at('2026-11-30T02:28:00Z'), 'Asia/Tokyo')).toBe('2026-11-30');
    // 23:30 UTC is already tomorrow in Tokyo.
    expect(dateIn(at('2026-11-30T23:30:00Z'), 'Asia/Tokyo')).toBe('2026-12-01');
    expect(wallTimeIn(at('2026-11-30T23:30:00Z'), 'America/Chicago')).toEqual({
      date: '2026-11-30',
      minutes: 17 * 60 + 30,
      seconds: 0,
    });
  });

  it('turns the day at 11 pm in Chicago and just after midnight in Honolulu', () => {
    // 10:59 pm and 11:59 pm CST on Nov 30 are 04:59 and 05:59 UTC on Dec 1: still Nov 30.
    expect(dateIn(at('2026-12-01T04:59:00Z'), 'America/Chicago')).toBe('2026-11-30');
    expect(dateIn(at('2026-12-01T05:59:59Z'), 'America/Chicago')).toBe('2026-11-30');
    expect(dateIn(at('2026-12-01T06:00:00Z'), 'America/Chicago')).toBe('2026-12-01');
    // Midnight in Honolulu (UTC−10, no DST) is 10:00 UTC.
    expect(dateIn(at('2026-12-01T09:59:59Z'), 'Pacific/Honolulu')).toBe('2026-11-30');
    expect(dateIn(at('2026-12-01T10:00:30Z'), 'Pacific/Honolulu')).toBe('2026-12-01');
  });

  it('knows the offset on both sides of a daylight-saving change', () => {
    expect(utcOffsetMinutes(at('2026-03-08T07:59:00Z'), 'America/Chicago')).toBe(-360);
    expect(utcOffsetMinutes(at('2026-03-08T08:00:00Z'), 'America/Chicago')).toBe(-300);
    expect(utcOffsetMinutes(at('2026-11-01T06:59:00Z'), 'America/Chicago')).toBe(-300);
    expect(utcOffsetMinutes(at('2026-11-01T07:00:00Z'), 'America/Chicago')).toBe(-360);
    expect(utcOffsetMinutes(at('2026-06-01T12:00:00Z'), 'Asia/Kathmandu')).toBe(345);
    expect(utcOffsetMinutes(at('2026-06-01T12:00:00Z'), 'Pacific/Honolulu')).toBe(-600);
  });

  it('turns a local wall time into the instant, across DST changes', () => {
    expect(instantAt('2026-11-30', 9 * 60, 'America/Chicago').toISOString()).toBe(
      '2026-11-30T15:00:00.000Z',
    );
    expect(instantAt('2026-07-01', 9 * 60, 'America/Chicago').toISOString()).toBe(
      '2026-07-01T14:00:00.000Z',
    );
    // Spring forward: 9:00 is already daylight time; 2:30 does not exist and reads as 3:30.
    expect(instantAt('2026-03-08', 9 * 60, 'America/Chicago').toISOString()).toBe(
      '2026-03-08T14:00:00.000Z',
    );
    expect(instantAt('2026-03-08', 2 * 60 + 30, 'America/Chicago').toISOString()).toBe(
      '2026-03-08T08:30:00.000Z',
    );
    // Fall back: 1:30 happens twice; the first is returned.
    expect(instantAt('2026-11-01', 90, 'America/Chicago').toISOString()).toBe(
      '2026-11-01T06:30:00.000Z',
    );
    expect(instantAt('2026-11-30', 0, 'Asia/Tokyo').toISOString()).toBe('2026-11-29T15:00:00.000Z');
  });

  it('round-trips every wall time of every day in several zones', () => {
    const zones = [
      'America/Chicago',
      'America/New_York',
      'Pacific/Honolulu',
      'Asia/Tokyo',
      'Europe/London',
      'Australia/Lord_Howe',
    ];
    fc.assert(
      fc.property(
        fc.constantFrom(...zones),
        fc.integer({ min: 0, max: 3 * 365 }),
        fc.integer({ min: 0, max: 1439 }),
        (zone, dayOffset, minutes) => {
          const date = addDays('2025-01-01', dayOffset);
          const instant = instantAt(date, minutes, zone);
          const wall = wallTimeIn(instant, zone);
          // Only a time inside a skipped hour (or half hour) moves, and then forward.
          if (wall.date !== date || wall.minutes !== minutes) {
            expect(wall.date).toBe(date);
            expect(wall.minutes - minutes).toBeGreaterThan(0);
            expect(wall.minutes - minutes).toBeLessThanOrEqual(60);
          }
        },
      ),
    );
  });

  it('refuses an unknown zone', () => {
    expect(() => dateIn(at('2026-11-30T00:00:00Z'), 'Mars/Olympus_Mons')).toThrow(RangeError);
    expect(isKnownTimeZone('Mars/Olympus_Mons')).toBe(false);
    expect(isKnownTimeZone('')).toBe(false);
    expect(isKnownTimeZone('America/Chicago')).toBe(true);
    expect(isKnownTimeZone('UTC')).toBe(true);
  });
});
