import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';

// Headers and request checks that apply before any application code runs.

export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "img-src 'self' data:",
  "style-src 'self' 'unsafe-inline'",
  "frame-ancestors 'none'",
  "base-uri 'self'",
  "form-action 'self'",
].join('; ');

/** Powerful browser features the app never uses, off for it and anything it could embed. */
export const PERMISSIONS_POLICY = [
  'camera',
  'microphone',
  'geolocation',
  'payment',
  'usb',
  'serial',
  'bluetooth',
  'hid',
  'midi',
  'magnetometer',
  'gyroscope',
  'accelerometer',
  'display-capture',
  'screen-wake-lock',
  'publickey-credentials-get',
  'browsing-topics',
]
  .map((feature) => `${feature}=()`)
  .join(', ');

export function setSecurityHeaders(res: ServerResponse, secure: boolean): void {
  res.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY);
  res.setHeader('Permissions-Policy', PERMISSIONS_POLICY);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  if (secure) res.setHeader('Strict-Transport-Security', 'max-age=31536000');
}

function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** https directly, or (only when the proxy is trusted) as the proxy says. */
export function isSecureRequest(req: IncomingMessage, trustProxy: boolean): boolean {
  if ((req.socket as TLSSocket).encrypted) return true;
  if (!trustProxy) return false;
  const proto = firstHeader(req.headers['x-forwarded-proto']);
  return proto?.split(',')[0]?.trim().toLowerCase() === 'https';
}

/** The client address: the socket's, or the one the trusted proxy appended last. */
export function clientIp(req: IncomingMessage, trustProxy: boolean): string {
  if (trustProxy) {
    const forwarded = firstHeader(req.headers['x-forwarded-for']);
    const last = forwarded?.split(',').at(-1)?.trim();
    if (last) return last;
  }
  return req.socket.remoteAddress ?? 'unknown';
}

/**
 * With PUBLIC_URL set, only its host is served: a request naming another Host (DNS rebinding,
 * a stray virtual host, a poisoned link built from Host) is refused before anything runs.
 */
export function checkHost(
  req: IncomingMessage,
  publicHost: string | null,
): { ok: true } | { ok: false; status: 400; message: string } {
  if (publicHost === null) return { ok: true };
  const host = req.headers.host?.toLowerCase();
  if (host === publicHost.toLowerCase()) return { ok: true };
  return {
    ok: false,
    status: 400,
    message: 'Unknown host: use the address Carryover is served at.',
  };
}

export type CsrfVerdict = { ok: true } | { ok: false; status: 403 | 415; message: string };

/**
 * Cookie sessions need their own defence against cross-site requests (tRPC's adapters do not
 * check Content-Type): a foreign Origin is refused (403), a state-changing request must be
 * JSON (415), which no HTML form can send, and browsers never send cross-site without CORS.
 */
export function checkCrossSite(req: IncomingMessage, secure: boolean): CsrfVerdict {
  const origin = firstHeader(req.headers.origin);
  if (origin !== undefined) {
    const own = `${secure ? 'https' : 'http'}://${req.headers.host ?? ''}`;
    if (origin.toLowerCase() !== own.toLowerCase()) {
      return { ok: false, status: 403, message: 'Cross-origin requests are not allowed.' };
    }
  }
  if (firstHeader(req.headers['sec-fetch-site']) === 'cross-site') {
    return { ok: false, status: 403, message: 'Cross-site requests are not allowed.' };
  }
  const method = req.method ?? 'GET';
  if (method !== 'GET' && method !== 'HEAD') {
    const type = firstHeader(req.headers['content-type'])?.split(';')[0]?.trim().toLowerCase();
    if (type !== 'application/json') {
      return { ok: false, status: 415, message: 'Send requests as application/json.' };
    }
  }
  return { ok: true };
}
