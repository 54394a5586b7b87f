import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { type Context, type CsvExportKind, type Logger, openCsvExport } from '@carryover/api';

// GET /export/fidelity.csv and /export/billing.csv: a whole scope's CSV streamed to the browser
// a batch at a time (keyset batches read only as fast as the client takes them), so a
// coordinator's district never sits in memory. The session cookie authenticates; role, input,
// scope and audit are the procedures' (packages/api/src/exports). One export per user at a time:
// a second, while one runs, gets 429, so a busy client cannot stack whole-district walks.

export const CSV_EXPORT_PATHS: Record<string, CsvExportKind> = {
  '/export/fidelity.csv': 'fidelity',
  '/export/billing.csv': 'billing',
};

const running = new Set<string>();

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json');
  res.end(JSON.stringify(body));
}

export async function serveCsvExport(
  req: IncomingMessage,
  res: ServerResponse,
  kind: CsvExportKind,
  ctx: Context,
  options: { log: Logger; batchSize?: number },
): Promise<void> {
  res.setHeader('Cache-Control', 'no-store');
  if (req.method !== 'GET') {
    res.setHeader('Allow', 'GET');
    return sendJson(res, 405, { error: { message: 'Use GET.' } });
  }
  const params = Object.fromEntries(new URL(req.url ?? '/', 'http://x').searchParams);
  const opened = await openCsvExport(ctx, kind, params, { batchSize: options.batchSize });
  if (!opened.ok) {
    const { status, message, fieldErrors } = opened;
    return sendJson(res, status, { error: { message, fieldErrors: fieldErrors ?? null } });
  }
  const userId = ctx.viewer!.id;
  if (running.has(userId)) {
    await opened.file.chunks.return(undefined);
    res.setHeader('Retry-After', '10');
    return sendJson(res, 429, { error: { message: 'An export of yours is still running.' } });
  }
  running.add(userId);
  try {
    res.setHeader('Content-Type', 'text/csv; charset=utf-8');
    res.setHeader('Content-Disposition', `attachment; filename="${opened.file.filename}"`);
    // pipeline waits for the client to drain each chunk and, if it goes away, ends the
    // generator, so no further batch is read.
    await pipeline(Readable.from(opened.file.chunks), res);
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_STREAM_PREMATURE_CLOSE')
      options.log.info(`CSV export ${kind}: the client went away`);
    else options.log.error(`CSV export ${kind} failed`, err);
    res.destroy();
  } finally {
    running.delete(userId);
  }
}
