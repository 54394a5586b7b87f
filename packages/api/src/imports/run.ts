import {
  type ImportProgress,
  type ImportReport,
  importOneRoster,
  importServices,
} from '@carryover/db';
import { IEP_FILES, ImportRunParams, unzipCsvBytes } from '@carryover/domain';
import { z } from 'zod';
import { recordDenied } from '../audit';
import type { Context } from '../trpc';

// The checks of the server's streamed import route (POST /import/run), in the procedures'
// order: signed in, admin (a refusal is audited), input (field-level errors, nothing read).
// The zip comes as the request body, up to IMPORT_UPLOAD_MAX_BYTES (a real district's export),
// instead of as base64 through tRPC, whose 1 MB body cap stays for every other call. The import
// itself is the same as `imports.upload`: the admin's own district from the session, one
// transaction, recorded in `import_run` and audited (packages/db).

/** A whole district's OneRoster export, zipped, is a few tens of MB at 25,000 students. */
export const IMPORT_UPLOAD_MAX_BYTES = 100 * 1024 * 1024;

const ACTION = 'imports.run';

export type ImportRunOpening =
  | {
      ok: true;
      /** Unzips and imports; progress as it goes, the report at the end. */
      run: (zip: Uint8Array, onProgress: (p: ImportProgress) => void) => Promise<ImportRunResult>;
    }
  | {
      ok: false;
      status: 400 | 401 | 403;
      message: string;
      fieldErrors?: Record<string, string[]>;
    };

export type ImportRunResult =
  | { ok: true; report: ImportReport }
  | { ok: false; fieldErrors: Record<string, string[]>; message: string };

export async function openImportRun(
  ctx: Context,
  params: Record<string, string>,
): Promise<ImportRunOpening> {
  const viewer = ctx.viewer;
  if (!viewer) return { ok: false, status: 401, message: 'Sign in to continue.' };
  if (viewer.role !== 'admin') {
    await recordDenied(
      { ...ctx, viewer },
      { action: ACTION, entity: 'procedure', entityId: ACTION },
    );
    return { ok: false, status: 403, message: 'Your role cannot do this.' };
  }
  const parsed = ImportRunParams.safeParse(params);
  if (!parsed.success) {
    const fieldErrors = z.flattenError(parsed.error).fieldErrors as Record<string, string[]>;
    return {
      ok: false,
      status: 400,
      message: `Invalid input: ${Object.keys(fieldErrors).join(', ')}`,
      fieldErrors,
    };
  }
  const { kind, dryRun } = parsed.data;
  return {
    ok: true,
    run: async (zip, onProgress) => {
      let files: Record<string, Uint8Array>;
      try {
        // Only the files this kind of import reads are inflated (a whole export holds both).
        const isIepFile = (name: string) => (IEP_FILES as readonly string[]).includes(name);
        files = unzipCsvBytes(zip, kind === 'services' ? isIepFile : (name) => !isIepFile(name));
      } catch {
        const message = 'This file is not a zip';
        return { ok: false, message, fieldErrors: { zip: [message] } };
      }
      const importer = kind === 'services' ? importServices : importOneRoster;
      const report = await importer(ctx.db, {
        files,
        districtId: viewer.districtId,
        actor: { id: viewer.id, label: viewer.email },
        dryRun,
        now: ctx.now(),
        onProgress,
      });
      return { ok: true, report };
    },
  };
}
