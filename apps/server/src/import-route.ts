import type { IncomingMessage, ServerResponse } from 'node:http';
import { type Context, IMPORT_UPLOAD_MAX_BYTES, type Logger, openImportRun } from '@carryover/api';
import type { ImportProgress } from '@carryover/db';
import { readBody } from './request-limits';

// POST /import/run?kind=oneroster|services&dryRun=true|false: the Import page's upload. The zip
// is the request body (application/zip, up to IMPORT_UPLOAD_MAX_BYTES; tRPC's 1 MB cap is for
// every other call and stays), and the answer is a stream of newline-delimited JSON: progress
// lines as the import reads and writes each file, then the report. The session cookie
// authenticates; role, input and scope are openImportRun's, the record and audit the import's.
// The import runs in one transaction whether or not the page is still there: closing the tab
// leaves it to commit or roll back whole. One import per user at a time (429 otherwise).

export const IMPORT_RUN_PATH = '/import/run';

/** Progress lines at most this often (and on every change of file or step). */
const PROGRESS_EVERY_MS = 100;

const running = new Set<string>();

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json');
  // A refused body is not read: the connection ends with the answer.
  res.setHeader('Connection', 'close');
  res.end(JSON.stringify(body));
}

export async function serveImportRun(
  req: IncomingMessage,
  res: ServerResponse,
  ctx: Context,
  options: { log: Logger; afterCommit?: () => void },
): Promise<void> {
  res.setHeader('Cache-Control', 'no-store');
  if (req.method !== 'POST') {
    res.setHeader('Allow', 'POST');
    return sendJson(res, 405, { error: { message: 'Use POST.' } });
  }
  const params = Object.fromEntries(new URL(req.url ?? '/', 'http://x').searchParams);
  const opened = await openImportRun(ctx, params);
  if (!opened.ok) {
    const { status, message, fieldErrors } = opened;
    return sendJson(res, status, { error: { message, fieldErrors: fieldErrors ?? null } });
  }
  const userId = ctx.viewer?.id as string;
  if (running.has(userId)) {
    res.setHeader('Retry-After', '10');
    return sendJson(res, 429, { error: { message: 'An import of yours is still running.' } });
  }
  running.add(userId);
  try {
    const body = await readBody(req, IMPORT_UPLOAD_MAX_BYTES);
    if (!body.ok) {
      return sendJson(res, body.status, {
        error: {
          message: `The zip is too large: at most ${IMPORT_UPLOAD_MAX_BYTES / 2 ** 20} MB (larger districts use \`carryover import\`).`,
          fieldErrors: { zip: ['The zip is too large for the page: use `carryover import`'] },
        },
      });
    }
    res.statusCode = 200;
    res.setHeader('Content-Type', 'application/x-ndjson; charset=utf-8');
    // Proxies that buffer responses would hold the progress back until the end.
    res.setHeader('X-Accel-Buffering', 'no');
    const send = (line: unknown) => {
      if (!res.destroyed && !res.writableEnded) res.write(`${JSON.stringify(line)}\n`);
    };
    let last = { at: 0, key: '' };
    const onProgress = (p: ImportProgress) => {
      const key = `${p.step}\u0000${p.file ?? ''}`;
      const at = performance.now();
      if (key === last.key && at - last.at < PROGRESS_EVERY_MS && p.done < p.total) return;
      last = { at, key };
      send({ type: 'progress', ...p });
    };
    send({ type: 'progress', step: 'upload', done: body.body.length, total: body.body.length });
    const result = await opened.run(body.body, onProgress);
    if (result.ok) {
      send({ type: 'report', report: result.report });
      if (result.report.outcome === 'applied') options.afterCommit?.();
    } else send({ type: 'error', message: result.message, fieldErrors: result.fieldErrors });
    if (!res.destroyed) res.end();
    else options.log.info('import: the page went away; the import finished all the same');
  } finally {
    running.delete(userId);
  }
}
