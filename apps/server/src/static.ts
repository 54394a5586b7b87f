import { createReadStream, existsSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

// The web build, served from the same origin as the API (so the CSP can say 'self').

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
};

/** apps/web/dist, found through the web package's own exports. */
export function defaultWebDistDir(): string | null {
  try {
    let pkg: string;
    try {
      pkg = fileURLToPath(import.meta.resolve('@carryover/web/package.json'));
    } catch {
      pkg = createRequire(import.meta.url).resolve('@carryover/web/package.json');
    }
    return join(dirname(pkg), 'dist');
  } catch {
    return null;
  }
}

const NOT_BUILT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Carryover</title>
<link rel="icon" href="data:,"></head>
<body><h1>Carryover</h1>
<p>The web app has not been built yet. Run <code>pnpm build</code> (or <code>pnpm start</code>,
which builds it first), then reload this page.</p>
<p>The API is running at <code>/trpc</code>.</p></body></html>
`;

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.statusCode = status;
  res.setHeader('Content-Type', type);
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

function sendFile(
  req: IncomingMessage,
  res: ServerResponse,
  file: string,
  size: number,
  cache: string,
) {
  res.statusCode = 200;
  res.setHeader('Content-Type', TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream');
  res.setHeader('Content-Length', size);
  res.setHeader('Cache-Control', cache);
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  const stream = createReadStream(file);
  stream.on('error', () => res.destroy());
  stream.pipe(res);
}

function fileAt(dir: string, path: string): { file: string; size: number } | null {
  const full = join(dir, path);
  if (full !== dir && !full.startsWith(dir + sep)) return null;
  try {
    const stat = statSync(full);
    return stat.isFile() ? { file: full, size: stat.size } : null;
  } catch {
    return null;
  }
}

/**
 * Files from the build; GET paths without an extension fall back to index.html (client-side
 * routes). Hashed files under /assets/ are cached for a year; everything else is revalidated.
 */
export function serveStatic(
  req: IncomingMessage,
  res: ServerResponse,
  pathname: string,
  dir: string | null,
): void {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('Allow', 'GET, HEAD');
    send(res, 405, 'text/plain; charset=utf-8', 'Method not allowed\n');
    return;
  }
  if (!dir || !existsSync(join(dir, 'index.html'))) {
    res.setHeader('Cache-Control', 'no-store');
    send(res, 200, 'text/html; charset=utf-8', NOT_BUILT);
    return;
  }
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    send(res, 400, 'text/plain; charset=utf-8', 'Bad request\n');
    return;
  }
  const path = normalize(decoded).replaceAll('\\', '/');
  const hidden = path.split('/').some((part) => part.startsWith('.'));
  if (decoded.includes('\0') || hidden) {
    send(res, 404, 'text/plain; charset=utf-8', 'Not found\n');
    return;
  }
  const found = path === '/' ? null : fileAt(dir, path);
  if (found) {
    const immutable = path.startsWith('/assets/');
    sendFile(
      req,
      res,
      found.file,
      found.size,
      immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
    );
    return;
  }
  if (extname(path) === '') {
    const index = fileAt(dir, '/index.html');
    if (index) {
      sendFile(req, res, index.file, index.size, 'no-cache');
      return;
    }
  }
  send(res, 404, 'text/plain; charset=utf-8', 'Not found\n');
}
