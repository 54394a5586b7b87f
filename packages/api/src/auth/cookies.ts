// The session cookie. Over https it carries the `__Host-` prefix, which browsers accept only
// with Secure, Path=/ and no Domain, so a sibling subdomain cannot plant or overwrite it.

export const SESSION_COOKIE = 'carryover_session';
export const SECURE_SESSION_COOKIE = '__Host-carryover_session';

export interface CookieTarget {
  /** Whether the request arrived over https (directly, or via a trusted proxy). */
  secure: boolean;
}

export function sessionCookieName({ secure }: CookieTarget): string {
  return secure ? SECURE_SESSION_COOKIE : SESSION_COOKIE;
}

function attributes(secure: boolean, maxAgeSeconds: number): string {
  const parts = ['Path=/', 'HttpOnly', 'SameSite=Lax', `Max-Age=${maxAgeSeconds}`];
  if (secure) parts.push('Secure');
  return parts.join('; ');
}

export function serializeSessionCookie(
  token: string,
  target: CookieTarget & { maxAgeSeconds: number },
): string {
  return `${sessionCookieName(target)}=${token}; ${attributes(target.secure, target.maxAgeSeconds)}`;
}

export function serializeClearedSessionCookie(target: CookieTarget): string {
  return `${sessionCookieName(target)}=; ${attributes(target.secure, 0)}`;
}

/** A session token has the exact shape we issue (32 bytes, base64url); anything else is ignored. */
export const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/** The session token from a Cookie header, looking only at the cookie name for this scheme. */
export function readSessionToken(
  cookieHeader: string | undefined,
  target: CookieTarget,
): string | null {
  return readToken(cookieHeader, sessionCookieName(target));
}

// The device cookie: a random token a browser gets when it completes a sign-in, kept for a
// year (only its hash is stored, per user). A correct password from a browser holding it is
// throttled on its own count, so strangers' wrong guesses at the account cannot lock the
// owner out on their own device.

export const DEVICE_COOKIE = 'carryover_device';
export const SECURE_DEVICE_COOKIE = '__Host-carryover_device';
export const DEVICE_COOKIE_MAX_AGE_SECONDS = 365 * 24 * 60 * 60;

const deviceCookieName = ({ secure }: CookieTarget) =>
  secure ? SECURE_DEVICE_COOKIE : DEVICE_COOKIE;

export function serializeDeviceCookie(token: string, target: CookieTarget): string {
  return `${deviceCookieName(target)}=${token}; ${attributes(target.secure, DEVICE_COOKIE_MAX_AGE_SECONDS)}`;
}

export function readDeviceToken(
  cookieHeader: string | undefined,
  target: CookieTarget,
): string | null {
  return readToken(cookieHeader, deviceCookieName(target));
}

function readToken(cookieHeader: string | undefined, name: string): string | null {
  if (!cookieHeader) return null;
  for (const part of cookieHeader.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() !== name) continue;
    const value = part.slice(eq + 1).trim();
    if (TOKEN_PATTERN.test(value)) return value;
  }
  return null;
}
