import { z } from 'zod';
import { Discipline, GoalStatus, Id } from './model';

// The caseload is read a page at a time in a stable order (keyset pagination). A cursor is the
// sort key of the last row a page showed, plus a fingerprint of the order and filters it was made
// under, so a cursor carried over to another sort or filter is refused instead of skipping rows.

/**
 * Orders the server can keep at district scale: each is a student column or a cheap expression
 * over one. Goal status, last data, minutes and minutes behind are computed from observations and
 * sessions per student, so ordering 25,000 students by them would compute every student's
 * figures on every page; the page sorts those only among the rows it has loaded.
 */
export const caseloadSorts = ['name', 'grade', 'school', 'nextIep'] as const;
export const CaseloadSort = z.enum(caseloadSorts);
export type CaseloadSort = z.infer<typeof CaseloadSort>;

export const CaseloadOrder = z.enum(['asc', 'desc']);
export type CaseloadOrder = z.infer<typeof CaseloadOrder>;

export const CASELOAD_PAGE_DEFAULT = 50;
export const CASELOAD_PAGE_MAX = 200;

/** The rank of a grade no one spells as a school grade: after 12. */
export const GRADE_RANK_UNKNOWN = 99;

/** PreK before K before 1…12, whatever the spelling; unknown grades sort last. */
export function gradeRank(grade: string): number {
  const g = grade.trim().toLowerCase();
  if (g === 'prek' || g === 'pre-k' || g === 'pk') return -1;
  if (g === 'k' || g === 'kindergarten') return 0;
  if (/^\d{1,2}$/.test(g)) {
    const n = Number(g);
    if (n >= 1 && n <= 12) return n;
  }
  return GRADE_RANK_UNKNOWN;
}

/** A student with no IEP date ahead sorts after every real date. */
export const NO_NEXT_IEP = '9999-12-31';

export interface CaseloadFilterValues {
  search?: string | undefined;
  status?: GoalStatus | undefined;
  discipline?: Discipline | undefined;
  schoolId?: string | undefined;
  grade?: string | undefined;
}

/** The sort key of a row: the sort column's value, then last name, first name and id. */
export type CaseloadSortKey = [string | number, string, string, string];

export interface CaseloadCursor {
  sort: CaseloadSort;
  order: CaseloadOrder;
  /** Fingerprint of the filters the cursor was made under. */
  filters: string;
  key: CaseloadSortKey;
}

/** FNV-1a, 32 bits: enough to tell one filter set from another, not a secret. */
export function fnv1a(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(36);
}

export function caseloadFilterFingerprint(f: CaseloadFilterValues): string {
  return fnv1a(
    JSON.stringify([
      f.search?.trim().toLowerCase() ?? '',
      f.status ?? '',
      f.discipline ?? '',
      f.schoolId ?? '',
      f.grade ?? '',
    ]),
  );
}

export function toBase64Url(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export function fromBase64Url(text: string): string | null {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return null;
  try {
    const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
    const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
}

const KeyText = z.string().max(200);
const DecodedCursor = z.object({
  v: z.literal(1),
  s: CaseloadSort,
  o: CaseloadOrder,
  f: z.string().max(16),
  k: z.tuple([
    z.union([KeyText, z.number().int().min(-1).max(GRADE_RANK_UNKNOWN)]),
    KeyText,
    KeyText,
    KeyText,
  ]),
});

export function encodeCaseloadCursor(cursor: CaseloadCursor): string {
  return toBase64Url(
    JSON.stringify({ v: 1, s: cursor.sort, o: cursor.order, f: cursor.filters, k: cursor.key }),
  );
}

/** The cursor, or null when the text is not one this server made (forged, cut or garbled). */
export function decodeCaseloadCursor(text: string): CaseloadCursor | null {
  const json = fromBase64Url(text);
  if (json === null) return null;
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return null;
  }
  const parsed = DecodedCursor.safeParse(value);
  if (!parsed.success) return null;
  const { s, o, f, k } = parsed.data;
  // The first key's type follows the sort: a grade rank is a number, every other key is text.
  if ((s === 'grade') !== (typeof k[0] === 'number')) return null;
  return { sort: s, order: o, filters: f, key: k };
}

export const CaseloadListInput = z
  .object({
    /** Part of a student's name. The web app sends this query as POST, keeping names out of URLs. */
    search: z.string().trim().max(100, 'Search is too long').optional(),
    status: GoalStatus.optional(),
    discipline: Discipline.optional(),
    schoolId: Id.optional(),
    grade: z.string().trim().min(1, 'Choose a grade').max(20, 'Grade is too long').optional(),
    sort: CaseloadSort.default('name'),
    order: CaseloadOrder.default('asc'),
    limit: z
      .number({ error: 'Page size must be a number' })
      .int('Page size must be a whole number')
      .min(1, 'Page size must be at least 1')
      .max(CASELOAD_PAGE_MAX, `Page size can be at most ${CASELOAD_PAGE_MAX}`)
      .default(CASELOAD_PAGE_DEFAULT),
    /** From the previous page's `nextCursor`; absent or null for the first page. */
    cursor: z.string().max(1000, 'This page link is not valid; start again from the top').nullish(),
  })
  .superRefine((input, ctx) => {
    if (!input.cursor) return;
    const cursor = decodeCaseloadCursor(input.cursor);
    if (
      !cursor ||
      cursor.sort !== input.sort ||
      cursor.order !== input.order ||
      cursor.filters !== caseloadFilterFingerprint(input)
    )
      ctx.addIssue({
        code: 'custom',
        path: ['cursor'],
        message: 'This page link belongs to another sort or filter; start again from the top',
      });
  })
  .optional();
export type CaseloadListInput = z.input<typeof CaseloadListInput>;
export type CaseloadListQuery = z.output<typeof CaseloadListInput>;
