import type { IncomingMessage, ServerResponse } from 'node:http';
import { type Context, finishSsoSignIn, SSO_SIGN_IN_MS, startSsoSignIn } from '@carryover/api';

// The two browser-facing steps of single sign-on (packages/api/src/auth/sso.ts does the work):
// `/auth/sso/start` remembers the sign-in and sends the browser to the provider, with the
// state also in a cookie of this browser; `/auth/sso/callback` is where the provider sends it
// back (the redirect URI an admin registers there). Both answer with redirects, never JSON.

export const SSO_START_PATH = '/auth/sso/start';
export const SSO_CALLBACK_PATH = '/auth/sso/callback';

const STATE_COOKIE = 'carryover_sso_state';
const SECURE_STATE_COOKIE = '__Host-carryover_sso_state';
const STATE_PATTERN = /^[A-Za-z0-9_-]{20,100}$/;

const stateCookieName = (secure: boolean) => (secure ? SECURE_STATE_COOKIE : STATE_COOKIE);

/**
 * SameSite=Lax, not Strict: the provider's redirect back is a cross-site navigation, and the
 * cookie must come with it. It holds only the state, which the server also keeps (hashed).
 */
function stateCookie(value: string, secure: boolean, maxAgeSeconds: number): string {
  const parts = [
    `${stateCookieName(secure)}=${value}`,
    'Path=/',
    'HttpOnly',
    'SameSite=Lax',
    `Max-Age=${maxAgeSeconds}`,
  ];
  if (secure) parts.push('Secure');
  return parts.join('; ');
}

function readState(cookieHeader: string | undefined, secure: boolean): string | null {
  const name = stateCookieName(secure);
  for (const part of (cookieHeader ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
    const value = part.slice(eq + 1).trim();
    if (STATE_PATTERN.test(value)) return value;
  }
  return null;
}

function redirect(res: ServerResponse, location: string): void {
  res.statusCode = 302;
  res.setHeader('Location', location);
  res.setHeader('Cache-Control', 'no-store');
  res.end();
}

const signInPage = (params: Record<string, string>) =>
  `/sign-in?${new URLSearchParams(params).toString()}`;

export interface SsoRouteOptions {
  /** The origin users reach Carryover at: the redirect URI is built on it. */
  publicOrigin: string;
  secure: boolean;
}

export async function serveSsoStart(
  req: IncomingMessage,
  res: ServerResponse,
  ctx: Context,
  options: SsoRouteOptions,
): Promise<void> {
  const query = new URL(req.url ?? '/', 'http://x').searchParams;
  const districtId = query.get('district') ?? '';
  const providerId = query.get('provider') ?? '';
  if (!districtId || !providerId || districtId.length > 100 || providerId.length > 100)
    return redirect(res, signInPage({ sso_error: 'provider_disabled' }));
  let started: Awaited<ReturnType<typeof startSsoSignIn>>;
  try {
    started = await startSsoSignIn(ctx, {
      districtId,
      providerId,
      redirectUri: `${options.publicOrigin}${SSO_CALLBACK_PATH}`,
    });
  } catch (err) {
    // The provider could not be reached or its discovery document is wrong.
    ctx.log.warn(`single sign-on could not start: ${(err as Error).message}`);
    return redirect(res, signInPage({ sso_error: 'provider_unreachable' }));
  }
  if (!started.ok) return redirect(res, signInPage({ sso_error: started.refusal }));
  res.appendHeader(
    'Set-Cookie',
    stateCookie(started.state, options.secure, Math.floor(SSO_SIGN_IN_MS / 1000)),
  );
  redirect(res, started.authorizationUrl.toString());
}

export async function serveSsoCallback(
  req: IncomingMessage,
  res: ServerResponse,
  ctx: Context,
  options: SsoRouteOptions,
): Promise<void> {
  const search = new URL(req.url ?? '/', 'http://x').search;
  // The URL the provider redirected to, as registered: openid-client checks it and sends it on.
  const callbackUrl = new URL(`${SSO_CALLBACK_PATH}${search}`, options.publicOrigin);
  const browserState = readState(req.headers.cookie, options.secure);
  res.appendHeader('Set-Cookie', stateCookie('', options.secure, 0));
  const result = await finishSsoSignIn(ctx, { callbackUrl, browserState });
  if (!result.ok) {
    const params: Record<string, string> = { sso_error: result.refusal };
    if (result.contacts.length > 0)
      params.contact = result.contacts.map((c) => `${c.name} <${c.email}>`).join(', ');
    return redirect(res, signInPage(params));
  }
  if (result.next === 'mfa') return redirect(res, signInPage({ step: 'code' }));
  if (result.next === 'enrol') return redirect(res, '/account/enrol');
  redirect(res, '/');
}
