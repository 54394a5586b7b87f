import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import Provider, { type KoaContextWithOIDC } from 'oidc-provider';
import { freePort } from './e2e';

// A real OpenID Provider for the single sign-on tests: `oidc-provider` (the certified Node
// implementation) on a random loopback port, with its own login page (dev interactions: any
// login name is an account id) and test clients. Accounts are the tests' to add; a test can
// also make the provider misbehave — sign ID tokens for another audience, with another nonce,
// or with an `amr` — by re-signing the token response with the provider's own key.

export interface TestAccount {
  email: string;
  emailVerified: boolean;
}

export interface TokenTampering {
  aud?: string;
  nonce?: string;
  amr?: string[];
}

export interface TestProvider {
  issuer: string;
  clientId: string;
  clientSecret: string;
  accounts: Map<string, TestAccount>;
  /** How the next token responses are altered; `{}` for an honest provider. */
  tamper: TokenTampering;
  close(): Promise<void>;
}

export async function startTestProvider(options: {
  redirectUris: string[];
  postLogoutRedirectUris?: string[];
  /** Default: a free one. */
  port?: number;
  clientId?: string;
  clientSecret?: string;
}): Promise<TestProvider> {
  const port = options.port ?? (await freePort());
  const issuer = `http://127.0.0.1:${port}`;
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), kid: 'test-key', alg: 'RS256', use: 'sig' };
  const accounts = new Map<string, TestAccount>();
  const clientId = options.clientId ?? 'carryover-test';
  const clientSecret = options.clientSecret ?? 'a-test-client-secret-of-reasonable-length';
  const state: { tamper: TokenTampering } = { tamper: {} };

  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: options.redirectUris,
        post_logout_redirect_uris: options.postLogoutRedirectUris ?? [],
        response_types: ['code'],
        grant_types: ['authorization_code'],
        token_endpoint_auth_method: 'client_secret_post',
      },
    ],
    jwks: { keys: [jwk as never] },
    cookies: { keys: ['a-test-cookie-signing-key'] },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    // The email claims go into the ID token itself, where the relying party reads them.
    conformIdTokenClaims: false,
    features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: true } },
    pkce: { required: () => true },
    async findAccount(_ctx, id) {
      const account = accounts.get(id);
      if (!account) return undefined;
      return {
        accountId: id,
        claims: async () => ({
          sub: id,
          email: account.email,
          email_verified: account.emailVerified,
        }),
      };
    },
  });
  // Quiet: a refused client is an expected outcome here, not noise for the test log.
  provider.on('server_error', () => {});

  provider.use(async (ctx: KoaContextWithOIDC, next: () => Promise<void>) => {
    await next();
    const tamper = state.tamper;
    if (ctx.oidc?.route !== 'token' || Object.keys(tamper).length === 0) return;
    const body = ctx.body as { id_token?: string } | undefined;
    if (!body?.id_token) return;
    const [, payload] = body.id_token.split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString('utf8'));
    body.id_token = await new SignJWT({ ...claims, ...tamper })
      .setProtectedHeader({ alg: 'RS256', kid: 'test-key', typ: 'JWT' })
      .sign(privateKey);
  });

  const server: Server = provider.listen(port, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  if ((server.address() as AddressInfo).port !== port) throw new Error('provider port moved');

  return {
    issuer,
    clientId,
    clientSecret,
    accounts,
    get tamper() {
      return state.tamper;
    },
    set tamper(value: TokenTampering) {
      state.tamper = value;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * A browser without a browser: follows redirects by hand, keeps cookies per host, and signs in
 * on the provider's own login page (and consents) by posting its forms.
 */
export function browserAgent() {
  const jars = new Map<string, Map<string, string>>();
  const jarOf = (url: URL) => {
    const jar = jars.get(url.host) ?? new Map<string, string>();
    jars.set(url.host, jar);
    return jar;
  };
  const remember = (url: URL, res: Response) => {
    const jar = jarOf(url);
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      if (value && !/max-age=0\b/i.test(c)) jar.set(name, value);
      else jar.delete(name);
    }
  };
  const request = async (url: URL, init: RequestInit = {}) => {
    const jar = jarOf(url);
    const res = await fetch(url, {
      ...init,
      redirect: 'manual',
      headers: {
        ...(init.headers as Record<string, string>),
        Cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; '),
      },
    });
    remember(url, res);
    return res;
  };
  /** GETs `url` and follows redirects while `until` does not match; returns the last answer. */
  const follow = async (start: string | URL, until?: (url: URL) => boolean) => {
    let url = new URL(start);
    for (let hops = 0; hops < 20; hops++) {
      if (until?.(url)) return { url, res: null };
      const res = await request(url);
      const location = res.headers.get('location');
      if (res.status >= 300 && res.status < 400 && location) {
        url = new URL(location, url);
        continue;
      }
      return { url, res };
    }
    throw new Error('too many redirects');
  };
  const postForm = async (url: URL, fields: Record<string, string>) =>
    request(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields).toString(),
    });
  return {
    jars,
    request,
    follow,
    /**
     * From Carryover's start URL through the provider's login (as `login`) and consent, up to
     * the provider's redirect back to Carryover's callback, which is returned unvisited.
     */
    async signInAtProvider(startUrl: string, login: string, isCallback: (url: URL) => boolean) {
      let { url, res } = await follow(startUrl, isCallback);
      for (let step = 0; res && step < 4; step++) {
        const html = await res.text();
        const action = html.match(/<form[^>]*action="([^"]+)"/)?.[1];
        const prompt = html.match(/name="prompt" value="(\w+)"/)?.[1];
        if (!action || !prompt) throw new Error(`no form at ${url}: ${html.slice(0, 300)}`);
        const formUrl = new URL(action.replace(/&amp;/g, '&'), url);
        const posted = await postForm(
          formUrl,
          prompt === 'login' ? { prompt, login, password: 'any' } : { prompt },
        );
        const location = posted.headers.get('location');
        if (!location) throw new Error(`the ${prompt} form did not redirect (${posted.status})`);
        ({ url, res } = await follow(new URL(location, formUrl), isCallback));
      }
      if (res) throw new Error(`never came back to Carryover (at ${url})`);
      return url;
    },
  };
}
