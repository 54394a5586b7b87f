import { type BillingExportFilters, FidelityPeriodInput } from '@carryover/domain';
import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { recordDenied } from '../audit';
import { fidelityCsvExport } from '../router/fidelity';
import type { Context } from '../trpc';
import {
  BillingCsvInput,
  billingCsvExport,
  CSV_EXPORT_ROLES,
  type CsvExport,
  checkBillingExport,
} from './csv';

// The checks of the server's streamed CSV routes, in the procedures' order: signed in, role
// (a refusal is audited), input (field-level errors, nothing read), then the export itself,
// whose batches are scoped to the viewer and audited as they are read. The audit action is the
// procedure's, so the trail reads the same whichever way the file was fetched.

export const CSV_EXPORTS = {
  fidelity: { action: 'fidelity.csv', input: FidelityPeriodInput },
  billing: { action: 'sessions.billingCsv', input: BillingCsvInput },
} as const;

export type CsvExportKind = keyof typeof CSV_EXPORTS;

export type CsvExportOpening =
  | { ok: true; file: CsvExport }
  | {
      ok: false;
      status: 400 | 401 | 403 | 404;
      message: string;
      fieldErrors?: Record<string, string[]>;
    };

export async function openCsvExport(
  ctx: Context,
  kind: CsvExportKind,
  params: Record<string, string>,
  options: { batchSize?: number } = {},
): Promise<CsvExportOpening> {
  const { action, input: schema } = CSV_EXPORTS[kind];
  const viewer = ctx.viewer;
  if (!viewer) return { ok: false, status: 401, message: 'Sign in to continue.' };
  const viewerCtx = { ...ctx, viewer };
  if (!CSV_EXPORT_ROLES.includes(viewer.role)) {
    await recordDenied(viewerCtx, { action, entity: 'procedure', entityId: action });
    return { ok: false, status: 403, message: 'Your role cannot do this.' };
  }
  const parsed = schema.safeParse(params);
  if (!parsed.success) {
    const fieldErrors = z.flattenError(parsed.error as z.ZodError).fieldErrors as Record<
      string,
      string[]
    >;
    return {
      ok: false,
      status: 400,
      message: `Invalid input: ${Object.keys(fieldErrors).join(', ')}`,
      fieldErrors,
    };
  }
  if (kind === 'billing') {
    try {
      await checkBillingExport(viewerCtx, parsed.data as BillingExportFilters, action);
    } catch (err) {
      if (!(err instanceof TRPCError)) throw err;
      return { ok: false, status: err.code === 'FORBIDDEN' ? 403 : 404, message: err.message };
    }
  }
  const file =
    kind === 'fidelity'
      ? await fidelityCsvExport(
          viewerCtx,
          parsed.data as FidelityPeriodInput,
          action,
          options.batchSize,
        )
      : billingCsvExport(viewerCtx, parsed.data as BillingExportFilters, action, options.batchSize);
  return { ok: true, file };
}
