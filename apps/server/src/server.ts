import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { constants as zlibConstants } from 'node:zlib';
import {
  appRouter,
  consoleLogger,
  createContextInner,
  type Logger,
  MAX_BODY_BYTES,
  procedureMeta,
  RateLimited,
  RateLimiter,
  type RateVerdict,
  readDeviceToken,
  readSessionToken,
  serializeClearedSessionCookie,
  serializeDeviceCookie,
  serializeSessionCookie,
} from '@carryover/api';
import { type Connection, systemClock, withPluginKept } from '@carryover/db';
import { createHTTPHandler } from '@trpc/server/adapters/standalone';
import compression from 'compression';
import { CALENDAR_PATH, redactCalendarToken, serveCalendarFeed } from './calendar-route';
import { CSV_EXPORT_PATHS, serveCsvExport } from './csv-export-route';
import { yieldAfterEachQuery } from './event-loop';
import {
  checkCrossSite,
  checkHost,
  clientIp,
  isSecureRequest,
  parseTrustProxy,
  setSecurityHeaders,
} from './http-security';
import { IMPORT_RUN_PATH, serveImportRun } from './import-route';
import {
  checkBatchSize,
  checkJsonDepth,
  type LimitVerdict,
  MAX_BATCH_CALLS,
  readBody,
  trpcPaths,
} from './request-limits';
import { SSO_CALLBACK_PATH, SSO_START_PATH, serveSsoCallback, serveSsoStart } from './sso-routes';
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
  /**
   * The per-user rate limiter. Default: one per server, its buckets in this process's memory,
   * each limit divided by CARRYOVER_PROCESSES (the number of server processes, default 1) and
   * multiplied by RATE_LIMIT_SCALE (default 1; the HTTP bench raises it).
   */
  rateLimiter?: RateLimiter;
  /** The address users reach Carryover at; requests for any other Host are refused. Default: PUBLIC_URL. */
  publicUrl?: string;
  /** Students (fidelity) or rows (billing) per batch of a streamed CSV export; tests shrink it. */
  exportBatchSize?: number;
  /** Called after an import from the Import page commits (the Outcomes computed ahead). */
  afterImport?: () => void;
}

/** The largest body any call may send: the least of the batch's procedures' limits. */
function bodyLimitOf(paths: readonly string[]): number {
  let limit = MAX_BODY_BYTES;
  for (const path of paths) {
    const declared = procedureMeta(appRouter, path)?.maxBodyBytes;
    if (declared !== undefined && declared < limit) limit = declared;
  }
  return limit;
}

function refuse(res: ServerResponse, verdict: Exclude<LimitVerdict, { ok: true }>) {
  res.statusCode = verdict.status;
  res.setHeader('Content-Type', 'application/json');
  // The rest of a refused body is never read: the connection ends with the answer.
  res.setHeader('Connection', 'close');
  res.end(JSON.stringify({ error: { message: verdict.message } }));
}

/** Log lines carry the path only: no query string (a query's input), cookies or bodies. */
function loggablePath(url: string | undefined): string {
  const path = redactCalendarToken((url ?? '/').split('?')[0] ?? '/');
  return path.length > 200 ? `${path.slice(0, 200)}…` : path;
}

/** The HTTP server, not yet listening: `server.listen(port)` is the caller's decision. */
export function createServer(options: ServerOptions): Server {
  const { conn } = options;
  const log = options.log ?? consoleLogger;
  const trustProxy = parseTrustProxy(options.trustProxy ?? process.env.TRUST_PROXY);
  const webDistDir = options.webDistDir === undefined ? defaultWebDistDir() : options.webDistDir;
  const rateLimiter =
    options.rateLimiter ??
    new RateLimiter({
      processes: Number(process.env.CARRYOVER_PROCESSES) || 1,
      scale: Number(process.env.RATE_LIMIT_SCALE) || 1,
    });
  const publicUrl = options.publicUrl ?? process.env.PUBLIC_URL;
  const publicHost = publicUrl ? new URL(publicUrl).host : null;
  // Kept as `conn.db`'s database: the Outcomes worker opens its own connection from its URL.
  const db = withPluginKept(conn.db, yieldAfterEachQuery);

  /** PUBLIC_URL's origin, else the one this request came to (its Host was checked). */
  const originOf = (req: IncomingMessage, secure: boolean) =>
    publicUrl ? new URL(publicUrl).origin : `${secure ? 'https' : 'http'}://${req.headers.host}`;

  const contextFor = (req: IncomingMessage, res: ServerResponse) => {
    const secure = isSecureRequest(req, trustProxy);
    return createContextInner({
      publicOrigin: originOf(req, secure),
      db,
      rateLimiter,
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
    maxBatchSize: MAX_BATCH_CALLS,
    // Lets the web app send queries as POST so their input never appears in a URL.
    allowMethodOverride: true,
    responseMeta: ({ errors }) => {
      let retryAfter = 0;
      for (const error of errors)
        if (error.cause instanceof RateLimited)
          retryAfter = Math.max(retryAfter, error.cause.retryAfterSeconds);
      return retryAfter > 0 ? { headers: { 'Retry-After': String(retryAfter) } } : {};
    },
    createContext: ({ req, res }) => contextFor(req, res),
  });

  /** The bounds of issue 12, before tRPC reads anything: batch size, body size, JSON depth. */
  async function handleTrpc(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const paths = trpcPaths(new URL(req.url ?? '/', 'http://x').pathname);
    const batch = checkBatchSize(paths);
    if (!batch.ok) return refuse(res, batch);
    const input = new URL(req.url ?? '/', 'http://x').searchParams.get('input');
    if (input !== null) {
      const depth = checkJsonDepth(input);
      if (!depth.ok) return refuse(res, depth);
    }
    if (req.method === 'POST') {
      const read = await readBody(req, bodyLimitOf(paths));
      if (!read.ok) return refuse(res, read);
      const depth = checkJsonDepth(read.body);
      if (!depth.ok) return refuse(res, depth);
      // tRPC takes a body already read from `req.body`.
      (req as { body?: unknown }).body = read.body.toString('utf8');
    }
    trpc(req, res);
  }

  /** An unexpected failure: logged; a 500 if nothing was sent yet, else the socket is cut. */
  const failed = (req: IncomingMessage, res: ServerResponse, path: string) => (err: unknown) => {
    log.error(`request failed: ${req.method} ${path}`, err);
    if (!res.headersSent) {
      res.statusCode = 500;
      res.end();
    } else res.destroy();
  };

  // Responses are compressed (brotli or gzip, as the browser accepts) above 1 kB: a
  // coordinator's first Fidelity page is ~480 kB of JSON, ~30× less compressed, which matters
  // on a classroom's weak signal. The zlib work runs on libuv's thread pool, not the event loop.
  // Fast settings: the 600 kB Outcomes report takes 1.4 ms at brotli quality 1 (69 kB) against
  // 4.8 ms at the middleware's default 4 (63 kB), and 3.0 ms at gzip level 3 (72 kB) against
  // 6.3 ms at 6 (62 kB) — the time is every user's latency, the bytes barely differ.
  // The import's progress lines are not compressed: a compressor holds them back until its
  // buffer fills, and the page must see each one as it is written.
  const compress = compression({
    level: 3,
    brotli: { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 1 } },
    filter: (req, res) =>
      !String(res.getHeader('Content-Type') ?? '').startsWith('application/x-ndjson') &&
      compression.filter(req, res),
  });

  return createHttpServer((req, res) => {
    // The middleware's types are Express's; it only uses what node:http's objects have.
    compress(req as never, res as never, () => handle(req, res));
  });

  function handle(req: IncomingMessage, res: ServerResponse): void {
    const started = performance.now();
    const path = loggablePath(req.url);
    res.on('finish', () => {
      const ms = Math.round(performance.now() - started);
      log.info(`${req.method} ${path} ${res.statusCode} ${ms}ms`);
    });
    const secure = isSecureRequest(req, trustProxy);
    setSecurityHeaders(res, secure);
    try {
      const host = checkHost(req, publicHost);
      if (!host.ok) {
        refuse(res, host);
        return;
      }
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
        handleTrpc(req, res).catch(failed(req, res, path));
        return;
      }
      if (path === SSO_START_PATH || path === SSO_CALLBACK_PATH) {
        // Top-level navigations, the callback a cross-site one from the provider: the state
        // (cookie and server row, single use) is what ties the callback to this browser.
        if (req.method !== 'GET') {
          res.statusCode = 405;
          res.end();
          return;
        }
        const serve = path === SSO_START_PATH ? serveSsoStart : serveSsoCallback;
        contextFor(req, res)
          .then((ctx) => serve(req, res, ctx, { publicOrigin: originOf(req, secure), secure }))
          .catch(failed(req, res, path));
        return;
      }
      const calendar = CALENDAR_PATH.exec((req.url ?? '/').split('?')[0] ?? '/');
      if (calendar) {
        serveCalendarFeed(req, res, calendar[1] as string, {
          db,
          now: options.now ?? systemClock,
          log,
        }).catch(failed(req, res, path));
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
          .then((ctx) => {
            // A streamed export is outside tRPC: it spends from the same export bucket here.
            const verdict: RateVerdict = ctx.viewer
              ? rateLimiter.take(ctx.viewer.id, 'export')
              : { ok: true };
            if (!verdict.ok) {
              const wait = new RateLimited(verdict.retryAfterSeconds);
              res.setHeader('Retry-After', String(wait.retryAfterSeconds));
              return refuse(res, { ok: false, status: 429, message: wait.message });
            }
            return serveCsvExport(req, res, exportKind, ctx, {
              log,
              batchSize: options.exportBatchSize,
            });
          })
          .catch(failed(req, res, path));
        return;
      }
      if (path === IMPORT_RUN_PATH) {
        const crossSite = checkCrossSite(req, secure, 'application/zip');
        if (!crossSite.ok) {
          res.statusCode = crossSite.status;
          res.setHeader('Content-Type', 'application/json');
          res.setHeader('Connection', 'close');
          res.end(JSON.stringify({ error: { message: crossSite.message } }));
          return;
        }
        contextFor(req, res)
          .then((ctx) => {
            // Outside tRPC, an import spends from the same bucket as `imports.upload`.
            const verdict: RateVerdict = ctx.viewer
              ? rateLimiter.take(ctx.viewer.id, 'export')
              : { ok: true };
            if (!verdict.ok) {
              const wait = new RateLimited(verdict.retryAfterSeconds);
              res.setHeader('Retry-After', String(wait.retryAfterSeconds));
              return refuse(res, { ok: false, status: 429, message: wait.message });
            }
            return serveImportRun(req, res, ctx, {
              log,
              ...(options.afterImport ? { afterCommit: options.afterImport } : {}),
            });
          })
          .catch(failed(req, res, path));
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
  }
}
