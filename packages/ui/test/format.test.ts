import { describe, expect, it } from 'vitest';
import { formatDate, formatRaw, formatScore, formatSlope, weeksBetween } from '../src/format';
import { compareSortValues, nextSort, sortRows } from '../src/sort';

describe('format', () => {
  it('formats calendar dates without a time-zone shift', () => {
    expect(formatDate('2026-12-03')).toBe('Dec 3, 2026');
    expect(formatDate(null)).toBe('—');
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
