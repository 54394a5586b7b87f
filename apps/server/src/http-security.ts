import type { IncomingMessage, ServerResponse } from 'node:http';
import { BlockList, isIP } from 'node:net';
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

/**
 * Which peers are reverse proxies whose X-Forwarded-* headers are believed. `TRUST_PROXY` is a
 * comma-separated list of addresses and CIDR ranges (`10.0.0.0/8, ::1`); `1` (the old form)
 * still means "the peer, whoever it is" — only safe when nothing but the proxy can reach the
 * port. `true` / `false` are the same as `1` / unset.
 */
export type TrustedProxies = { kind: 'none' } | { kind: 'any' } | { kind: 'list'; list: BlockList };

export function parseTrustProxy(value: string | boolean | undefined): TrustedProxies {
  if (value === undefined || value === false || value === '' || value === '0')
    return { kind: 'none' };
  if (value === true || value === '1') return { kind: 'any' };
  const list = new BlockList();
  for (const raw of value.split(',')) {
    const entry = raw.trim();
    if (!entry) continue;
    const [address, bits] = entry.split('/') as [string, string | undefined];
    const family = isIP(address);
    if (family === 0) throw new Error(`TRUST_PROXY: "${entry}" is not an address or CIDR range`);
    const type = family === 6 ? 'ipv6' : 'ipv4';
    if (bits === undefined) list.addAddress(address, type);
    else {
      const prefix = Number(bits);
      if (!Number.isInteger(prefix) || prefix < 0 || prefix > (family === 6 ? 128 : 32))
        throw new Error(`TRUST_PROXY: "${entry}" has a bad prefix length`);
      list.addSubnet(address, prefix, type);
    }
  }
  return { kind: 'list', list };
}

/** An IPv4-mapped IPv6 peer (::ffff:10.0.0.1) is checked as the IPv4 address it is. */
function plainAddress(address: string): string {
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}

function isTrusted(address: string | undefined, proxies: TrustedProxies): boolean {
  if (!address || proxies.kind === 'none') return false;
  if (proxies.kind === 'any') return true;
  const plain = plainAddress(address);
  const family = isIP(plain);
  return family !== 0 && proxies.list.check(plain, family === 6 ? 'ipv6' : 'ipv4');
}

const asProxies = (trust: TrustedProxies | boolean): TrustedProxies =>
  typeof trust === 'boolean' ? parseTrustProxy(trust) : trust;

/** https directly, or (only when the peer is a trusted proxy) as the proxy says. */
export function isSecureRequest(req: IncomingMessage, trust: TrustedProxies | boolean): boolean {
  if ((req.socket as TLSSocket).encrypted) return true;
  if (!isTrusted(req.socket.remoteAddress, asProxies(trust))) return false;
  const proto = firstHeader(req.headers['x-forwarded-proto']);
  return proto?.split(',')[0]?.trim().toLowerCase() === 'https';
}

/**
 * The client address. X-Forwarded-For is read only when the peer is a trusted proxy, and then
 * from the right, skipping trusted proxies: the first address no trusted proxy vouches for
 * is the client (anything left of it could be forged by the client itself).
 */
export function clientIp(req: IncomingMessage, trust: TrustedProxies | boolean): string {
  const proxies = asProxies(trust);
  const peer = req.socket.remoteAddress ?? 'unknown';
  if (!isTrusted(peer, proxies)) return peer;
  const hops = (firstHeader(req.headers['x-forwarded-for']) ?? '')
    .split(',')
    .map((h) => h.trim())
    .filter(Boolean);
  if (proxies.kind === 'any') return hops.at(-1) ?? peer;
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i] as string;
    if (!isTrusted(hop, proxies)) return hop;
  }
  return hops[0] ?? peer;
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
/**
 * `bodyType`: the content type a non-GET request must declare. JSON by default; the import
 * route takes application/zip. Either is one a cross-site form cannot send without CORS.
 */
export function checkCrossSite(
  req: IncomingMessage,
  secure: boolean,
  bodyType = 'application/json',
): CsrfVerdict {
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
    if (type !== bodyType) {
      return { ok: false, status: 415, message: `Send requests as ${bodyType}.` };
    }
  }
  return { ok: true };
}
