import { type BillingKey, loadBillingRows } from '@carryover/db';
import {
  BILLING_CSV_HEADER,
  type BillingRow,
  billingCsvLines,
  csvRecords,
  IsoDate,
  levelOfAssistance,
  promptLevels,
  type Role,
} from '@carryover/domain';
import { z } from 'zod';
import { recordStudentReads } from '../audit';
import { type Context, todayFor, type Viewer } from '../trpc';

// Whole-scope CSV exports as chunks: the tRPC procedures join them (small scopes), the server's
// /export routes stream them to the browser a batch at a time (a coordinator's whole district).

export const CSV_EXPORT_ROLES: Role[] = ['therapist', 'assistant', 'coordinator', 'admin'];

/** Rows (billing) per batch of a streamed export. */
export const BILLING_BATCH = 2_000;

export const BillingCsvInput = z
  .object({ from: IsoDate, to: IsoDate })
  .refine((p) => p.from <= p.to, {
    path: ['to'],
    message: 'The period ends before it starts',
  });

export interface CsvExport {
  filename: string;
  /** The file's text, header first; each batch is read and audited only when pulled. */
  chunks: AsyncGenerator<string>;
}

export async function collectChunks(chunks: AsyncIterable<string>): Promise<string> {
  const parts: string[] = [];
  for await (const chunk of chunks) parts.push(chunk);
  return parts.join('');
}

type ExportContext = Pick<Context, 'db' | 'now' | 'log'> & { viewer: Viewer };

/**
 * The Medicaid billing log (one row per student per session in [from, to], students in scope) in
 * keyset batches of `batchSize` rows; each batch's students are audited before its lines leave.
 */
export function billingCsvExport(
  ctx: ExportContext,
  input: z.infer<typeof BillingCsvInput>,
  action: string,
  batchSize = BILLING_BATCH,
): CsvExport {
  const today = todayFor(ctx);
  async function* chunks(): AsyncGenerator<string> {
    yield csvRecords([BILLING_CSV_HEADER]);
    let after: BillingKey | null = null;
    for (;;) {
      const { rows, data } = await loadBillingRows(
        ctx.db,
        ctx.viewer,
        today,
        input.from,
        input.to,
        { after, limit: batchSize },
      );
      if (rows.length === 0) return;
      const dataOf = new Map<string, typeof data>();
      for (const d of data) {
        const key = `${d.session_id}/${d.student_id}`;
        dataOf.set(key, [...(dataOf.get(key) ?? []), d]);
      }
      const out: BillingRow[] = rows.map((r) => ({
        studentId: r.student_id,
        student: `${r.first_name} ${r.last_name}`,
        date: r.session_date,
        begin: r.start_time,
        end: r.end_time,
        minutes: Number(r.minutes),
        service: r.service_discipline ?? r.provider_discipline ?? '',
        model: r.model,
        setting: r.setting,
        groupSize: Number(r.group_size),
        attendance: r.attendance,
        levelOfAssistance: levelOfAssistance(
          (dataOf.get(`${r.session_id}/${r.student_id}`) ?? []).map((d) => ({
            promptLevel: d.prompt_level,
            prompted: d.trials_prompted,
            correct: d.trials_correct,
          })),
          promptLevels,
        ),
        provider: r.provider_name,
        signedBy: r.signer_name ?? null,
        signedAt: r.signed_at,
        cosignedBy: r.cosigner_name ?? null,
        cosignedAt: r.cosigned_at,
      }));
      await recordStudentReads(ctx, action, [...new Set(out.map((r) => r.studentId))]);
      yield billingCsvLines(out);
      if (rows.length < batchSize) return;
      const last = rows.at(-1)!;
      after = [
        last.session_date,
        last.start_time,
        last.last_name,
        last.first_name,
        last.session_id,
        last.student_id,
      ];
    }
  }
  return { filename: `session-log_${input.from}_${input.to}.csv`, chunks: chunks() };
}
