import { type DB, type Dialect, systemClock } from '@carryover/db';
import { resolveSession, type SessionStage, type SessionViewer } from './auth/session';
import { consoleLogger, type Logger } from './logging';
import type { RateLimiter } from './rate-limit';

// The request context every procedure receives, apart from the procedure kinds in trpc.ts, so
// helpers that only need the context (audit.ts) do not import the router machinery.

// The log interface lives in ./logging.ts, which imports nothing: the server's primary process
// logs without loading the API.
export { consoleLogger, errorSummary, type Logger } from './logging';

export interface CreateContextOptions {
  db: DB;
  dialect: Dialect;
  /** The session token from the cookie, if any. */
  sessionToken?: string | null;
  ip?: string;
  /** The clock; tests move it instead of sleeping. */
  now?: () => Date;
  /** Sets the session cookie (the adapter knows the cookie's name and Secure flag). */
  setCookie?: (token: string, maxAgeSeconds: number) => void;
  clearCookie?: () => void;
  log?: Logger;
  userAgent?: string | null;
  /** The device cookie's token, if the browser has one. */
  deviceToken?: string | null;
  setDeviceCookie?: (token: string) => void;
  /** The server's one per-user rate limiter; absent (tests calling the router directly): no limit. */
  rateLimiter?: RateLimiter | null;
  /** The origin users reach Carryover at (PUBLIC_URL, else the request's), for redirect URIs. */
  publicOrigin?: string | null;
}

export type Viewer = SessionViewer;

export interface Context {
  db: DB;
  dialect: Dialect;
  viewer: Viewer | null;
  /** auth_session id (the token's hash) when signed in. */
  sessionId: string | null;
  /** When the signed-in session ends however active it is (absolute expiry), ISO. */
  sessionExpiresAt: string | null;
  /**
   * The viewer's district settings (JSON), read with the session in the same request, so a
   * page that needs them does not read the row again. Null when signed out.
   */
  districtSettings: string | null;
  ip: string;
  now: () => Date;
  setCookie: (token: string, maxAgeSeconds: number) => void;
  clearCookie: () => void;
  log: Logger;
  /**
   * A session past the password but not yet through the second factor (`mfa`), or one that
   * must enrol first (`enrol`). Its user is no `viewer`: every procedure but the few that
   * finish sign-in refuses it, as if signed out.
   */
  pending: { viewer: Viewer; sessionId: string; stage: Exclude<SessionStage, 'full'> } | null;
  userAgent: string | null;
  deviceToken: string | null;
  setDeviceCookie: (token: string) => void;
  rateLimiter: RateLimiter | null;
  publicOrigin: string | null;
}

/** The context without HTTP: what tests call directly and what the adapter wraps. */
export async function createContextInner(opts: CreateContextOptions): Promise<Context> {
  const now = opts.now ?? systemClock;
  const clearCookie = opts.clearCookie ?? (() => {});
  const session = opts.sessionToken
    ? await resolveSession(opts.db, opts.sessionToken, now())
    : null;
  // A stale cookie is removed so the browser stops sending it.
  if (opts.sessionToken && !session) clearCookie();
  const full = session?.stage === 'full' ? session : null;
  const pending =
    session && session.stage !== 'full'
      ? { viewer: session.viewer, sessionId: session.sessionId, stage: session.stage }
      : null;
  return {
    db: opts.db,
    dialect: opts.dialect,
    viewer: full?.viewer ?? null,
    sessionId: full?.sessionId ?? null,
    sessionExpiresAt: full?.expiresAt ?? null,
    districtSettings: full?.districtSettings ?? null,
    pending,
    userAgent: opts.userAgent ?? null,
    deviceToken: opts.deviceToken ?? null,
    setDeviceCookie: opts.setDeviceCookie ?? (() => {}),
    ip: opts.ip ?? 'unknown',
    now,
    setCookie: opts.setCookie ?? (() => {}),
    clearCookie,
    log: opts.log ?? consoleLogger,
    rateLimiter: opts.rateLimiter ?? null,
    publicOrigin: opts.publicOrigin ?? null,
  };
}
