import { describe, expect, it } from 'vitest';
import {
  formatDate,
  formatInstantDate,
  formatInstantDateTime,
  formatRaw,
  formatScore,
  formatSlope,
  weeksBetween,
} from '../src/format';
import { compareSortValues, nextSort, sortRows } from '../src/sort';

describe('format', () => {
  it('formats calendar dates without a time-zone shift', () => {
    expect(formatDate('2026-12-03')).toBe('Dec 3, 2026');
    expect(formatDate(null)).toBe('—');
  });
  it('dates a stored instant in the district’s day, whatever the machine’s zone', () => {
    // 11 pm on Mar 10 in Chicago (CDT) is 04:00 UTC on Mar 11.
    expect(formatInstantDate('2026-03-11T04:00:00.000Z', 'America/Chicago')).toBe('Mar 10, 2026');
    expect(formatInstantDate('2026-03-11T04:00:00.000Z', 'UTC')).toBe('Mar 11, 2026');
    // Just after midnight in Honolulu is still before 11 am UTC the same day.
    expect(formatInstantDate('2026-03-11T10:05:00.000Z', 'Pacific/Honolulu')).toBe('Mar 11, 2026');
    expect(formatInstantDate('2026-03-11T09:55:00.000Z', 'Pacific/Honolulu')).toBe('Mar 10, 2026');
    expect(formatInstantDateTime('2026-03-11T00:05:00.000Z', 'America/Chicago')).toBe(
      'Mar 10, 2026, 7:05 PM',
    );
    // A district with a broken zone setting still shows dates (in UTC).
    expect(formatInstantDate('2026-03-11T04:00:00.000Z', 'Not/AZone')).toBe('Mar 11, 2026');
    expect(formatInstantDate(null, 'America/Chicago')).toBe('—');
  });
  it('formats scores, slopes and raw values', () => {
    expect(formatScore(0.624)).toBe('62%');
    expect(formatSlope(0.032)).toBe('+3.2 pts/wk');
    expect(formatSlope(-0.01)).toBe('−1.0 pts/wk');
    expect(formatSlope(0)).toBe('0.0 pts/wk');
    expect(formatRaw(85, '%')).toBe('85%');
    expect(formatRaw(3.25, 'prompts')).toBe('3.3 prompts');
    expect(weeksBetween('2026-09-01', '2026-09-15')).toBe(2);
  });
});

describe('sort', () => {
  it('puts missing values last in both directions', () => {
    expect(compareSortValues(null, 1, 'ascending')).toBeGreaterThan(0);
    expect(compareSortValues(null, 1, 'descending')).toBeGreaterThan(0);
  });
  it('sorts strings naturally and stably', () => {
    const rows = [{ g: '10' }, { g: '2' }, { g: 'K' }, { g: '2' }];
    expect(sortRows(rows, (r) => r.g, 'ascending').map((r) => r.g)).toEqual(['2', '2', '10', 'K']);
    expect(sortRows(rows, (r) => r.g, 'descending').map((r) => r.g)).toEqual(['K', '10', '2', '2']);
  });
  it('toggles direction on the same column', () => {
    expect(nextSort(null, 'a')).toEqual({ columnId: 'a', direction: 'ascending' });
    expect(nextSort({ columnId: 'a', direction: 'ascending' }, 'a').direction).toBe('descending');
    expect(nextSort({ columnId: 'a', direction: 'descending' }, 'b').direction).toBe('ascending');
  });
});

describe('formatRaw units', () => {
  it('joins percent units without a space', () => {
    expect(formatRaw(45, '% of trials')).toBe('45% of trials');
  });
});
