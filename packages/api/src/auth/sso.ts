import {
  createCipheriv,
  createDecipheriv,
  createHash,
  randomBytes,
  timingSafeEqual,
} from 'node:crypto';
import {
  type DB,
  findIdentityProvider,
  findStaffForSso,
  insertOidcSignIn,
  listDistrictAdmins,
  markSessionIdentityProvider,
  recordAudit,
  rememberStaffIdentity,
  takeOidcSignIn,
} from '@carryover/db';
import {
  emailDomainAllowed,
  isLoopbackHost,
  mfaRequiredFor,
  providerAssertedMfa,
  type Role,
  type SsoClaims,
  type SsoRefusal,
  verifiedEmailOf,
} from '@carryover/domain';
import * as oidc from 'openid-client';
import type { Context } from '../trpc';
import { districtMfaRoles, type SessionStage } from './session';
import { auditSignIn, beginSession } from './sign-in';

// Single sign-on through a district's OpenID Connect provider, with `openid-client` (certified
// by the OpenID Foundation): discovery, the authorization-code flow with PKCE (S256), state and
// nonce, and the ID token's checks (signature, issuer, audience, expiry, nonce). Carryover only
// decides who the verified subject is: an existing, active staff account matched by the
// subject recorded at its first SSO sign-in, else by a verified email. Nobody is created here.

/** How long a started sign-in may take at the provider. */
export const SSO_SIGN_IN_MS = 10 * 60 * 1000;
/** Discovery documents are read again after this long (or when the provider is edited). */
const DISCOVERY_TTL_MS = 10 * 60 * 1000;
const SCOPE = 'openid email profile';

// ---------------------------------------------------------------------------------------------
// Client secrets: AES-256-GCM under a key that is never in the database (SSO_SECRET_KEY, or a
// 0600 key file beside the data, made on first start). A copy of the database alone cannot
// reveal a secret.

let secretKey: Buffer | null = null;

/** Sets this process's key for provider secrets (any length ≥ 32; hashed to 256 bits). */
export function setSsoSecretKey(key: Buffer | null): void {
  secretKey = key && createHash('sha256').update(key).digest();
}

function requireKey(): Buffer {
  if (!secretKey)
    throw new Error('No key for single sign-on secrets: set SSO_SECRET_KEY, or start the server.');
  return secretKey;
}

export function encryptSecret(plain: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', requireKey(), iv);
  const sealed = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return ['v1', iv, cipher.getAuthTag(), sealed]
    .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
    .join('.');
}

export function decryptSecret(box: string): string {
  const [version, iv, tag, sealed] = box.split('.');
  if (version !== 'v1' || !iv || !tag || sealed === undefined)
    throw new Error('The stored client secret is not readable.');
  const decipher = createDecipheriv('aes-256-gcm', requireKey(), Buffer.from(iv, 'base64url'));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([
    decipher.update(Buffer.from(sealed, 'base64url')),
    decipher.final(),
  ]).toString('utf8');
}

// ---------------------------------------------------------------------------------------------
// Discovery

type ProviderRow = NonNullable<Awaited<ReturnType<typeof findIdentityProvider>>>;

const discovered = new Map<string, { config: oidc.Configuration; at: number }>();

/** The provider's configuration from its discovery document; http only for a loopback issuer. */
export async function discoverProvider(
  provider: Pick<
    ProviderRow,
    'district_id' | 'id' | 'issuer' | 'client_id' | 'client_secret_encrypted' | 'updated_at'
  >,
  now: Date,
): Promise<oidc.Configuration> {
  const key = `${provider.district_id}:${provider.id}:${provider.updated_at}`;
  const hit = discovered.get(key);
  if (hit && now.getTime() - hit.at < DISCOVERY_TTL_MS) return hit.config;
  const issuer = new URL(provider.issuer);
  const config = await oidc.discovery(
    issuer,
    provider.client_id,
    undefined,
    oidc.ClientSecretPost(decryptSecret(provider.client_secret_encrypted)),
    {
      timeout: 10,
      execute:
        issuer.protocol === 'http:' && isLoopbackHost(issuer.hostname)
          ? [oidc.allowInsecureRequests]
          : [],
    },
  );
  discovered.set(key, { config, at: now.getTime() });
  return config;
}

/** What "Test" on the Sign-in settings page shows: what discovery found, or why it failed. */
export async function describeProvider(provider: ProviderRow, now: Date) {
  try {
    const config = await discoverProvider(provider, now);
    const meta = config.serverMetadata();
    return {
      ok: true as const,
      issuer: meta.issuer,
      authorizationEndpoint: meta.authorization_endpoint ?? null,
      tokenEndpoint: meta.token_endpoint ?? null,
      endSessionEndpoint: meta.end_session_endpoint ?? null,
      pkceS256: (meta.code_challenge_methods_supported ?? []).includes('S256'),
      scopesSupported: meta.scopes_supported ?? [],
    };
  } catch (err) {
    return { ok: false as const, message: `Discovery failed: ${(err as Error).message}` };
  }
}

// ---------------------------------------------------------------------------------------------
// The flow

export const stateIdFor = (state: string): string =>
  createHash('sha256').update(state).digest('hex');

export type SsoStart =
  | { ok: true; authorizationUrl: URL; state: string }
  | { ok: false; refusal: SsoRefusal };

/** Step 1: remember state, nonce and PKCE verifier; the browser goes to the provider. */
export async function startSsoSignIn(
  ctx: Pick<Context, 'db' | 'now' | 'ip'>,
  args: { districtId: string; providerId: string; redirectUri: string },
): Promise<SsoStart> {
  const now = ctx.now();
  const provider = await findIdentityProvider(ctx.db, args.districtId, args.providerId);
  if (provider?.enabled !== 1) {
    if (provider) await auditRefusal(ctx, provider.district_id, null, 'provider_disabled');
    return { ok: false, refusal: 'provider_disabled' };
  }
  const config = await discoverProvider(provider, now);
  const codeVerifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  await insertOidcSignIn(ctx.db, {
    districtId: provider.district_id,
    id: stateIdFor(state),
    providerId: provider.id,
    nonce,
    codeVerifier,
    now: now.toISOString(),
    expiresAt: new Date(now.getTime() + SSO_SIGN_IN_MS).toISOString(),
  });
  const authorizationUrl = oidc.buildAuthorizationUrl(config, {
    redirect_uri: args.redirectUri,
    scope: SCOPE,
    code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: 'S256',
    state,
    nonce,
  });
  return { ok: true, authorizationUrl, state };
}

export type SsoFinish =
  | { ok: true; next: 'app' | 'mfa' | 'enrol' }
  | { ok: false; refusal: SsoRefusal; contacts: { name: string; email: string }[] };

type SignInContext = Pick<
  Context,
  | 'db'
  | 'now'
  | 'ip'
  | 'userAgent'
  | 'deviceToken'
  | 'setCookie'
  | 'setDeviceCookie'
  | 'viewer'
  | 'sessionId'
  | 'pending'
  | 'log'
>;

/**
 * Step 2, the provider's redirect back: the state must be the one this browser started (its
 * cookie) and unused; the code is exchanged and the ID token checked by openid-client; then
 * the subject is matched to an account and a session begins, as after a password.
 */
export async function finishSsoSignIn(
  ctx: SignInContext,
  args: { callbackUrl: URL; browserState: string | null },
): Promise<SsoFinish> {
  const now = ctx.now();
  const refuse = async (
    districtId: string | null,
    userId: string | null,
    refusal: SsoRefusal,
  ): Promise<SsoFinish> => {
    if (districtId) await auditRefusal(ctx, districtId, userId, refusal);
    else ctx.log.warn(`single sign-on refused (${refusal}) before its district was known`);
    const contacts =
      districtId &&
      (refusal === 'unknown_user' || refusal === 'deactivated' || refusal === 'domain_not_allowed')
        ? await listDistrictAdmins(ctx.db, districtId)
        : [];
    return { ok: false, refusal, contacts };
  };

  const state = args.callbackUrl.searchParams.get('state');
  if (!state || state.length > 200) return refuse(null, null, 'state_invalid');
  // Taken (deleted) whatever happens next: a state works once.
  const started = await takeOidcSignIn(ctx.db, stateIdFor(state));
  if (!started) return refuse(null, null, 'state_invalid');
  const sameBrowser =
    args.browserState !== null &&
    args.browserState.length === state.length &&
    timingSafeEqual(Buffer.from(args.browserState), Buffer.from(state));
  if (!sameBrowser || Date.parse(started.expires_at) <= now.getTime())
    return refuse(started.district_id, null, 'state_invalid');

  const provider = await findIdentityProvider(ctx.db, started.district_id, started.provider_id);
  if (provider?.enabled !== 1) return refuse(started.district_id, null, 'provider_disabled');

  let claims: SsoClaims;
  try {
    const config = await discoverProvider(provider, now);
    const tokens = await oidc.authorizationCodeGrant(config, args.callbackUrl, {
      pkceCodeVerifier: started.code_verifier,
      expectedState: state,
      expectedNonce: started.nonce,
      idTokenExpected: true,
    });
    const idClaims = tokens.claims();
    if (!idClaims) throw new Error('no ID token');
    claims = idClaims as unknown as SsoClaims;
  } catch (err) {
    ctx.log.warn(
      `single sign-on: the provider's answer failed its checks: ${(err as Error).message}`,
    );
    return refuse(started.district_id, null, 'token_invalid');
  }

  const email = verifiedEmailOf(claims);
  const staff = await findStaffForSso(ctx.db, {
    districtId: provider.district_id,
    providerId: provider.id,
    subject: claims.sub,
    email,
  });
  if (!staff) {
    const unverified = typeof claims.email === 'string' && email === null;
    return refuse(provider.district_id, null, unverified ? 'email_unverified' : 'unknown_user');
  }
  const allowedDomains = JSON.parse(provider.allowed_domains) as string[];
  if (!emailDomainAllowed(staff.email, allowedDomains))
    return refuse(provider.district_id, staff.id, 'domain_not_allowed');
  if (staff.active !== 1) return refuse(provider.district_id, staff.id, 'deactivated');

  await rememberStaffIdentity(ctx.db, {
    districtId: provider.district_id,
    providerId: provider.id,
    subject: claims.sub,
    userId: staff.id,
    now: now.toISOString(),
  });
  const stage: SessionStage = providerAssertedMfa(claims)
    ? 'full'
    : staff.totp_secret
      ? 'mfa'
      : mfaRequiredFor(staff.role as Role, {
            mfaRequiredRoles: districtMfaRoles(staff.district_settings),
          })
        ? 'enrol'
        : 'full';
  const current = ctx.viewer
    ? { id: ctx.sessionId, district: ctx.viewer.districtId }
    : ctx.pending
      ? { id: ctx.pending.sessionId, district: ctx.pending.viewer.districtId }
      : { id: null, district: null };
  const account = { id: staff.id, districtId: staff.district_id };
  const { sessionId } = await beginSession(
    { ...ctx, endSessionId: current.id, endDistrictId: current.district },
    account,
    stage,
  );
  await markSessionIdentityProvider(ctx.db, {
    districtId: staff.district_id,
    sessionId,
    providerId: provider.id,
  });
  await auditSignIn(ctx, account, stage === 'full' ? 'auth.sso' : 'auth.sso.first_step', 'ok');
  return { ok: true, next: stage === 'full' ? 'app' : stage };
}

/** Where the provider's own sign-out is, for a session that began there (else null). */
export async function endSessionUrlFor(
  db: DB,
  args: { districtId: string; providerId: string; postLogoutRedirectUri: string },
  now: Date,
): Promise<string | null> {
  const provider = await findIdentityProvider(db, args.districtId, args.providerId);
  if (!provider) return null;
  try {
    const config = await discoverProvider(provider, now);
    if (!config.serverMetadata().end_session_endpoint) return null;
    return oidc
      .buildEndSessionUrl(config, { post_logout_redirect_uri: args.postLogoutRedirectUri })
      .toString();
  } catch {
    return null;
  }
}

async function auditRefusal(
  ctx: Pick<Context, 'db' | 'now' | 'ip'>,
  districtId: string,
  userId: string | null,
  refusal: SsoRefusal,
): Promise<void> {
  await recordAudit(ctx.db, {
    districtId,
    actorId: userId,
    action: `auth.sso.${refusal}`,
    entity: 'sign_in',
    entityId: ctx.ip,
    outcome: 'denied',
    at: ctx.now().toISOString(),
  });
}
