import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import {
  appRouter,
  consoleLogger,
  createContextInner,
  type Logger,
  readDeviceToken,
  readSessionToken,
  serializeClearedSessionCookie,
  serializeDeviceCookie,
  serializeSessionCookie,
} from '@carryover/api';
import type { Connection } from '@carryover/db';
import { createHTTPHandler } from '@trpc/server/adapters/standalone';
import { CSV_EXPORT_PATHS, serveCsvExport } from './csv-export-route';
import {
  checkCrossSite,
  clientIp,
  isSecureRequest,
  parseTrustProxy,
  setSecurityHeaders,
} from './http-security';
import { defaultWebDistDir, serveStatic } from './static';

export interface ServerOptions {
  conn: Connection;
  /** The web build; defaults to apps/web/dist. `null` serves only the "not built" page. */
  webDistDir?: string | null;
  log?: Logger;
  /**
   * The reverse proxies whose X-Forwarded-Proto / X-Forwarded-For are believed: `true` (any
   * peer), or addresses and CIDR ranges as TRUST_PROXY takes them. Default: TRUST_PROXY.
   */
  trustProxy?: boolean | string;
  /** The clock for sessions and "today"; tests move it instead of sleeping. */
  now?: () => Date;
  /** Students (fidelity) or rows (billing) per batch of a streamed CSV export; tests shrink it. */
  exportBatchSize?: number;
}

const MAX_BODY_BYTES = 1024 * 1024;

/** Log lines carry the path only: no query string (a query's input), cookies or bodies. */
function loggablePath(url: string | undefined): string {
  const path = (url ?? '/').split('?')[0] ?? '/';
  return path.length > 200 ? `${path.slice(0, 200)}…` : path;
}

/** The HTTP server, not yet listening: `server.listen(port)` is the caller's decision. */
export function createServer(options: ServerOptions): Server {
  const { conn } = options;
  const log = options.log ?? consoleLogger;
  const trustProxy = parseTrustProxy(options.trustProxy ?? process.env.TRUST_PROXY);
  const webDistDir = options.webDistDir === undefined ? defaultWebDistDir() : options.webDistDir;

  const contextFor = (req: IncomingMessage, res: ServerResponse) => {
    const secure = isSecureRequest(req, trustProxy);
    return createContextInner({
      db: conn.db,
      dialect: conn.dialect,
      sessionToken: readSessionToken(req.headers.cookie, { secure }),
      ip: clientIp(req, trustProxy),
      userAgent: req.headers['user-agent'] ?? null,
      deviceToken: readDeviceToken(req.headers.cookie, { secure }),
      setDeviceCookie: (token) =>
        res.appendHeader('Set-Cookie', serializeDeviceCookie(token, { secure })),
      now: options.now,
      log,
      setCookie: (token, maxAgeSeconds) =>
        res.appendHeader('Set-Cookie', serializeSessionCookie(token, { secure, maxAgeSeconds })),
      clearCookie: () => res.appendHeader('Set-Cookie', serializeClearedSessionCookie({ secure })),
    });
  };

  const trpc = createHTTPHandler({
    router: appRouter,
    basePath: '/trpc/',
    maxBodySize: MAX_BODY_BYTES,
    // Lets the web app send queries as POST so their input never appears in a URL.
    allowMethodOverride: true,
    createContext: ({ req, res }) => contextFor(req, res),
  });

  return createHttpServer((req, res) => {
    const started = performance.now();
    const path = loggablePath(req.url);
    res.on('finish', () => {
      const ms = Math.round(performance.now() - started);
      log.info(`${req.method} ${path} ${res.statusCode} ${ms}ms`);
    });
    const secure = isSecureRequest(req, trustProxy);
    setSecurityHeaders(res, secure);
    try {
      if (path === '/trpc' || path.startsWith('/trpc/')) {
        res.setHeader('Cache-Control', 'no-store');
        const verdict = checkCrossSite(req, secure);
        if (!verdict.ok) {
          const body = JSON.stringify({ error: { message: verdict.message } });
          res.statusCode = verdict.status;
          res.setHeader('Content-Type', 'application/json');
          res.end(body);
          return;
        }
        trpc(req, res);
        return;
      }
      const exportKind = CSV_EXPORT_PATHS[path];
      if (exportKind) {
        const verdict = checkCrossSite(req, secure);
        if (!verdict.ok) {
          res.statusCode = verdict.status;
          res.end();
          return;
        }
        contextFor(req, res)
          .then((ctx) =>
            serveCsvExport(req, res, exportKind, ctx, {
              log,
              batchSize: options.exportBatchSize,
            }),
          )
          .catch((err) => {
            log.error(`request failed: ${req.method} ${path}`, err);
            if (!res.headersSent) {
              res.statusCode = 500;
              res.end();
            } else res.destroy();
          });
        return;
      }
      serveStatic(req, res, path, webDistDir);
    } catch (err) {
      log.error(`request failed: ${req.method} ${path}`, err);
      if (!res.headersSent) {
        res.statusCode = 500;
        res.end();
      } else res.destroy();
    }
  });
}
