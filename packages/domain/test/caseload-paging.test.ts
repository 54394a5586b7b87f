import { describe, expect, it } from 'vitest';
import {
  CaseloadListInput,
  caseloadFilterFingerprint,
  decodeCaseloadCursor,
  encodeCaseloadCursor,
  gradeRank,
} from '../src/caseload-paging';

describe('caseload cursors', () => {
  it('round-trip names outside ASCII and stay URL-safe', () => {
    const cursor = {
      sort: 'name' as const,
      order: 'desc' as const,
      filters: caseloadFilterFingerprint({ search: 'Zoë' }),
      key: ['Ñúñez', 'Ñúñez', 'José', 'stu-1'] as [string, string, string, string],
    };
    const text = encodeCaseloadCursor(cursor);
    expect(text).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCaseloadCursor(text)).toEqual(cursor);
  });

  it('refuses text the server did not make', () => {
    for (const text of [
      '',
      '!!!',
      'e30',
      encodeCaseloadCursor({
        sort: 'grade',
        order: 'asc',
        filters: 'x',
        key: ['K', 'a', 'b', 'c'],
      }),
    ])
      expect(decodeCaseloadCursor(text)).toBeNull();
  });

  it('ties a cursor to its sort, order and filters', () => {
    const filters = { search: 'ana', discipline: 'OT' as const };
    const cursor = encodeCaseloadCursor({
      sort: 'school',
      order: 'asc',
      filters: caseloadFilterFingerprint(filters),
      key: ['North', 'Lopez', 'Ava', 'stu-1'],
    });
    expect(CaseloadListInput.safeParse({ ...filters, sort: 'school', cursor }).success).toBe(true);
    // Search is compared as the server applies it: trimmed, any case.
    expect(
      CaseloadListInput.safeParse({ ...filters, search: ' ANA ', sort: 'school', cursor }).success,
    ).toBe(true);
    for (const other of [
      { ...filters, sort: 'name' },
      { ...filters, sort: 'school', order: 'desc' },
      { ...filters, sort: 'school', discipline: 'PT' },
      { sort: 'school' },
    ]) {
      const result = CaseloadListInput.safeParse({ ...other, cursor });
      expect(result.success).toBe(false);
      expect(result.error?.issues[0]?.path).toEqual(['cursor']);
    }
  });

  it('ranks grades in school order, unknown spellings last', () => {
    expect(['3', 'K', 'PreK', '12', 'Ungraded', '01'].map(gradeRank)).toEqual([
      3, 0, -1, 12, 99, 1,
    ]);
  });
});
