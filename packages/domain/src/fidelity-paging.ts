import { z } from 'zod';
import { fnv1a, fromBase64Url, toBase64Url } from './caseload-paging';
import { checkFidelityPeriod, FidelityPeriodFields } from './sessions';

// The fidelity report is read a page of students at a time, in name order (last name, first
// name, id: unique, so pages neither skip nor repeat a student). A cursor is the last student's
// key plus a fingerprint of the period and discipline, so a cursor carried over to another
// period is refused instead of skipping rows.

export const FIDELITY_PAGE_DEFAULT = 50;
export const FIDELITY_PAGE_MAX = 200;

/** Last name, first name, id of the last student a page showed. */
export type FidelitySortKey = [string, string, string];

interface FidelityPeriodValues {
  periodId?: string | undefined;
  discipline?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
}

export function fidelityPeriodFingerprint(p: FidelityPeriodValues): string {
  return fnv1a(JSON.stringify([p.periodId ?? '', p.discipline ?? '', p.from ?? '', p.to ?? '']));
}

const KeyText = z.string().max(200);
const DecodedCursor = z.object({
  v: z.literal(1),
  f: z.string().max(16),
  k: z.tuple([KeyText, KeyText, KeyText]),
});

export function encodeFidelityCursor(cursor: { period: string; key: FidelitySortKey }): string {
  return toBase64Url(JSON.stringify({ v: 1, f: cursor.period, k: cursor.key }));
}

/** The cursor, or null when the text is not one this server made (forged, cut or garbled). */
export function decodeFidelityCursor(
  text: string,
): { period: string; key: FidelitySortKey } | null {
  const json = fromBase64Url(text);
  if (json === null) return null;
  try {
    const parsed = DecodedCursor.safeParse(JSON.parse(json));
    return parsed.success ? { period: parsed.data.f, key: parsed.data.k } : null;
  } catch {
    return null;
  }
}

export const FidelityReportInput = FidelityPeriodFields.extend({
  limit: z
    .number({ error: 'Page size must be a number' })
    .int('Page size must be a whole number')
    .min(1, 'Page size must be at least 1')
    .max(FIDELITY_PAGE_MAX, `Page size can be at most ${FIDELITY_PAGE_MAX}`)
    .default(FIDELITY_PAGE_DEFAULT),
  /** From the previous page's `nextCursor`; absent or null for the first page. */
  cursor: z.string().max(1000, 'This page link is not valid; start again from the top').nullish(),
})
  .superRefine((input, ctx) => {
    checkFidelityPeriod(input, ctx);
    if (!input.cursor) return;
    const cursor = decodeFidelityCursor(input.cursor);
    if (!cursor || cursor.period !== fidelityPeriodFingerprint(input))
      ctx.addIssue({
        code: 'custom',
        path: ['cursor'],
        message: 'This page link belongs to another period; start again from the top',
      });
  })
  .optional();
export type FidelityReportInput = z.input<typeof FidelityReportInput>;

export const FidelityGroupBy = z.enum(['school', 'therapist']);
export type FidelityGroupBy = z.infer<typeof FidelityGroupBy>;

export const FidelityGroupsInput = FidelityPeriodFields.extend({
  groupBy: FidelityGroupBy,
}).superRefine(checkFidelityPeriod);
export type FidelityGroupsInput = z.input<typeof FidelityGroupsInput>;
