import { type ImportReport, importOneRoster, importServices } from '@carryover/db';
import { ImportZipInput, unzipCsvBytes } from '@carryover/domain';
import type { TRPCRouterRecord } from '@trpc/server';
import { fieldError, roles } from '../trpc';

// The Import page (issue 14, README "Bringing your district in"): an admin uploads a zip of
// OneRoster 1.2 CSV, or of services.csv and goals.csv, and reads the dry run before applying.
// The import itself (packages/db) records the run and appends one audit event naming the
// students it changed; the district is always the admin's own, from the session.

const adminProcedure = roles('admin');

export const importsRouter = {
  /** A dry run (`dryRun: true`) or the apply, all or nothing; the report either way. */
  upload: adminProcedure
    .meta({ cost: 'export' })
    .input(ImportZipInput)
    .mutation(async ({ ctx, input }): Promise<ImportReport> => {
      let files: Record<string, Uint8Array>;
      try {
        files = unzipCsvBytes(Buffer.from(input.zipBase64, 'base64'));
      } catch {
        fieldError('zipBase64', 'This file is not a zip');
      }
      const run = input.kind === 'services' ? importServices : importOneRoster;
      return run(ctx.db, {
        files,
        districtId: ctx.viewer.districtId,
        actor: { id: ctx.viewer.id, label: ctx.viewer.email },
        dryRun: input.dryRun,
        now: ctx.now(),
      });
    }),
} satisfies TRPCRouterRecord;
