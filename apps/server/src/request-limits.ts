import type { IncomingMessage } from 'node:http';

// Bounds checked on a tRPC request before any of it is parsed: how many calls one batch may
// hold, how many bytes a body may have (per procedure) and how deeply its JSON may nest.
// JSON.parse of deeply nested arrays is slow (about 2 s for 0.8 MB) and runs on the one
// thread every user shares, so a body is scanned — a single pass over its bytes — first.

/** Calls in one batch; the web app's batch links send at most half of this. */
export const MAX_BATCH_CALLS = 20;

/** Nesting of arrays and objects; the deepest input of the web app is under 10. */
export const MAX_JSON_DEPTH = 32;

export type LimitVerdict = { ok: true } | { ok: false; status: 400 | 413 | 429; message: string };

/** The procedure paths of a `/trpc/<a>,<b>` URL path. */
export function trpcPaths(urlPath: string): string[] {
  const rest = urlPath.replace(/^\/trpc\/?/, '');
  return rest === '' ? [] : rest.split(',').map((p) => decodeURIComponent(p));
}

export function checkBatchSize(paths: readonly string[]): LimitVerdict {
  if (paths.length <= MAX_BATCH_CALLS) return { ok: true };
  return {
    ok: false,
    status: 400,
    message: `Too many calls in one batch: ${paths.length} (at most ${MAX_BATCH_CALLS}).`,
  };
}

const OPEN_BRACKET = 0x5b;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACKET = 0x5d;
const CLOSE_BRACE = 0x7d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** The deepest nesting of arrays and objects in JSON text, ignoring brackets inside strings. */
export function jsonDepth(bytes: Uint8Array | string, stopAbove = Infinity): number {
  const data = typeof bytes === 'string' ? Buffer.from(bytes) : bytes;
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < data.length; i++) {
    const c = data[i];
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) inString = true;
    else if (c === OPEN_BRACKET || c === OPEN_BRACE) {
      depth++;
      if (depth > deepest) {
        deepest = depth;
        if (deepest > stopAbove) return deepest;
      }
    } else if (c === CLOSE_BRACKET || c === CLOSE_BRACE) depth--;
  }
  return deepest;
}

export function checkJsonDepth(text: Uint8Array | string): LimitVerdict {
  if (jsonDepth(text, MAX_JSON_DEPTH) <= MAX_JSON_DEPTH) return { ok: true };
  return {
    ok: false,
    status: 400,
    message: `The request's JSON is nested too deeply (at most ${MAX_JSON_DEPTH} levels).`,
  };
}

const tooLarge = (limit: number): LimitVerdict => ({
  ok: false,
  status: 413,
  message: `The request body is too large (at most ${limit} bytes for this call).`,
});

/**
 * Reads the whole body, refusing as soon as it is known to exceed `limit` bytes: at once from
 * Content-Length, or when the bytes received pass it (the rest is never read).
 */
export function readBody(
  req: IncomingMessage,
  limit: number,
): Promise<{ ok: true; body: Buffer } | Exclude<LimitVerdict, { ok: true }>> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    return Promise.resolve(tooLarge(limit) as Exclude<LimitVerdict, { ok: true }>);
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.off('data', onData);
        req.off('end', onEnd);
        req.pause();
        resolve(tooLarge(limit) as Exclude<LimitVerdict, { ok: true }>);
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => resolve({ ok: true, body: Buffer.concat(chunks) });
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', reject);
    // A client gone mid-body: no 'end' will come (after 'end' or a refusal this does nothing).
    req.on('close', () => reject(new Error('The client went away before sending the whole body.')));
  });
}
