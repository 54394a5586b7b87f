import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { encryptSecret, hashPassword, setSsoSecretKey } from '@carryover/api';
import {
  type Connection,
  createDistrict,
  createStaffUser,
  insertIdentityProvider,
  setStaffActive,
  updateIdentityProvider,
} from '@carryover/db';
import { testTargets } from '@carryover/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer } from '../src/index';
import { sessionCookieOf } from './support/http';
import { browserAgent, startTestProvider, type TestProvider } from './support/oidc-provider';

// Single sign-on against a real OpenID Provider (oidc-provider on a loopback port, with its own
// login page), over real HTTP: the happy path, every refusal the issue names, the provider's
// MFA assertion, and passwords turned off for all but a break-glass admin. The provider is
// honest unless a test makes it sign tokens for another audience or with another nonce.

const targets = await testTargets();
const quiet = { info() {}, warn() {}, error() {} };
const SLOW = 60_000;

// biome-ignore lint/suspicious/noExplicitAny: a response body's shape is what the assertions check.
type Json = any;

for (const target of targets) {
  describe(`single sign-on with an OpenID Provider on ${target.dialect}`, () => {
    let conn: Connection;
    let server: Server;
    let base: string;
    let idp: TestProvider;
    let districtId: string;
    let providerId: string;
    const users = {} as Record<'tess' | 'ada' | 'dee' | 'bo', string>;
    let clock = Date.now();
    const now = () => new Date(clock);

    const callbackOf = (url: URL) => url.href.startsWith(`${base}/auth/sso/callback`);
    const startUrl = () =>
      `${base}/auth/sso/start?${new URLSearchParams({ district: districtId, provider: providerId })}`;
    /** Through the provider's login as `login`; returns the agent and Carryover's answer. */
    async function signIn(login: string) {
      const agent = browserAgent();
      const callback = await agent.signInAtProvider(startUrl(), login, callbackOf);
      const res = await agent.request(callback);
      return { agent, callback, res, location: res.headers.get('location') ?? '' };
    }
    const refusalOf = (location: string) => new URL(location, base).searchParams.get('sso_error');
    async function trpc(agent: ReturnType<typeof browserAgent>, path: string, mutation = false) {
      const res = await agent.request(new URL(`${base}/trpc/${path}`), {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          Origin: base,
          ...(mutation ? {} : { 'X-HTTP-Method-Override': 'GET' }),
        },
        body: 'null',
      });
      return { status: res.status, body: (await res.json()) as Json };
    }
    async function auditActions(): Promise<string[]> {
      const rows = await conn.db
        .selectFrom('audit_event')
        .select(['action', 'outcome'])
        .where('district_id', '=', districtId)
        .where('entity', '=', 'sign_in')
        .orderBy('seq')
        .execute();
      return rows.map((r) => `${r.action} ${r.outcome}`);
    }

    beforeAll(async () => {
      setSsoSecretKey(randomBytes(32));
      conn = await target.open();
      const at = now().toISOString();
      districtId = await createDistrict(conn.db, {
        name: 'Riverbend Unified',
        settings: JSON.stringify({
          schoolYearStart: '2026-08-15',
          schoolYearEnd: '2027-06-10',
          studentAbsenceOwed: 'unexcused_only',
          timezone: 'America/Chicago',
        }),
        now: at,
      });
      const passwordHash = await hashPassword('heron lantern quarry 58');
      const staff = (name: string, email: string, role: 'therapist' | 'admin') =>
        createStaffUser(conn.db, {
          districtId,
          name,
          email,
          role,
          discipline: role === 'therapist' ? 'slp' : null,
          supervisorId: null,
          passwordHash,
          schoolIds: [],
          createdAt: at,
        });
      users.tess = await staff('Tess Therapist', 'tess@riverbend.test', 'therapist');
      users.ada = await staff('Ada Admin', 'ada@riverbend.test', 'admin');
      users.dee = await staff('Dee Departed', 'dee@riverbend.test', 'therapist');
      users.bo = await staff('Bo Other', 'bo@elsewhere.test', 'therapist');
      await setStaffActive(conn.db, { districtId, userId: users.dee, active: false });

      server = createServer({ conn, webDistDir: null, log: quiet, now });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      idp = await startTestProvider({
        redirectUris: [`${base}/auth/sso/callback`],
        postLogoutRedirectUris: [`${base}/sign-in`],
      });
      idp.accounts.set('tess-sub', { email: 'tess@riverbend.test', emailVerified: true });
      idp.accounts.set('ada-sub', { email: 'ada@riverbend.test', emailVerified: true });
      idp.accounts.set('dee-sub', { email: 'dee@riverbend.test', emailVerified: true });
      idp.accounts.set('bo-sub', { email: 'bo@elsewhere.test', emailVerified: true });
      idp.accounts.set('sly-sub', { email: 'tess@riverbend.test', emailVerified: false });
      idp.accounts.set('newbie-sub', { email: 'newbie@riverbend.test', emailVerified: true });
      providerId = 'riverbend-idp';
      await insertIdentityProvider(conn.db, {
        districtId,
        id: providerId,
        now: at,
        displayName: 'Sign in with Riverbend ID',
        issuer: idp.issuer,
        clientId: idp.clientId,
        clientSecretEncrypted: encryptSecret(idp.clientSecret),
        allowedDomains: ['riverbend.test'],
        enabled: true,
      });
    }, SLOW);

    afterAll(async () => {
      await idp?.close();
      server?.closeAllConnections();
      await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
      await conn?.close();
      setSsoSecretKey(null);
    });

    it(
      'signs a known therapist in at the provider and lands them in the app, audited',
      async () => {
        const { agent, res, location } = await signIn('tess-sub');
        expect(res.status).toBe(302);
        expect(location).toBe('/');
        expect(sessionCookieOf(res)).toBeDefined();
        const me = await trpc(agent, 'auth.me');
        expect(me.body.result.data).toMatchObject({
          email: 'tess@riverbend.test',
          role: 'therapist',
        });
        // The subject is remembered: later sign-ins match by it, not by email.
        const identity = await conn.db
          .selectFrom('staff_identity')
          .select(['user_id', 'subject'])
          .where('district_id', '=', districtId)
          .execute();
        expect(identity).toEqual([{ user_id: users.tess, subject: 'tess-sub' }]);
        expect(await auditActions()).toContain('auth.sso ok');
        // Signing out offers the provider's own sign-out.
        const out = await trpc(agent, 'auth.signOut', true);
        expect(out.body.result.data.providerSignOutUrl).toMatch(
          new RegExp(`^${idp.issuer}/session/end\\?`),
        );
        expect((await trpc(agent, 'auth.me')).body.result.data).toBeNull();
      },
      SLOW,
    );

    it(
      'matches by the remembered subject after the email changes at the provider',
      async () => {
        idp.accounts.set('tess-sub', { email: 'tess.t@riverbend.test', emailVerified: true });
        try {
          const { agent, location } = await signIn('tess-sub');
          expect(location).toBe('/');
          expect((await trpc(agent, 'auth.me')).body.result.data.id).toBe(users.tess);
        } finally {
          idp.accounts.set('tess-sub', { email: 'tess@riverbend.test', emailVerified: true });
        }
      },
      SLOW,
    );

    it(
      'refuses an ID token for another audience, or with another nonce, and writes no session',
      async () => {
        for (const tamper of [{ aud: 'someone-else' }, { nonce: 'not-the-one-we-sent' }]) {
          idp.tamper = tamper;
          try {
            const { res, location } = await signIn('tess-sub');
            expect(refusalOf(location), JSON.stringify(tamper)).toBe('token_invalid');
            expect(sessionCookieOf(res)).toBeUndefined();
          } finally {
            idp.tamper = {};
          }
        }
        const actions = await auditActions();
        expect(actions.filter((a) => a === 'auth.sso.token_invalid denied')).toHaveLength(2);
      },
      SLOW,
    );

    it(
      'refuses a replayed, an expired and another browser’s state',
      async () => {
        // Replayed: the same callback twice; the first signs in, the second is refused.
        const first = await signIn('tess-sub');
        expect(first.location).toBe('/');
        const replay = await first.agent.request(first.callback);
        expect(refusalOf(replay.headers.get('location') ?? '')).toBe('state_invalid');
        expect(sessionCookieOf(replay)).toBeUndefined();

        // Expired: more than ten minutes at the provider.
        const slow = browserAgent();
        const callback = await slow.signInAtProvider(startUrl(), 'tess-sub', callbackOf);
        clock += 11 * 60 * 1000;
        const late = await slow.request(callback);
        expect(refusalOf(late.headers.get('location') ?? '')).toBe('state_invalid');

        // Another browser: the callback URL without the state cookie of the one that started.
        const victim = browserAgent();
        const planted = await victim.signInAtProvider(startUrl(), 'tess-sub', callbackOf);
        const attacker = browserAgent();
        const stolen = await attacker.request(planted);
        expect(refusalOf(stolen.headers.get('location') ?? '')).toBe('state_invalid');
        expect(sessionCookieOf(stolen)).toBeUndefined();
      },
      SLOW,
    );

    it(
      'refuses an unverified email, an unknown user (naming the admin), another domain and a deactivated user',
      async () => {
        const unverified = await signIn('sly-sub');
        expect(refusalOf(unverified.location)).toBe('email_unverified');

        const unknown = await signIn('newbie-sub');
        const params = new URL(unknown.location, base).searchParams;
        expect(params.get('sso_error')).toBe('unknown_user');
        expect(params.get('contact')).toBe('Ada Admin <ada@riverbend.test>');
        // Nobody is created on the fly.
        const newbie = await conn.db
          .selectFrom('staff_user')
          .select('id')
          .where('email', '=', 'newbie@riverbend.test')
          .execute();
        expect(newbie).toEqual([]);

        expect(refusalOf((await signIn('bo-sub')).location)).toBe('domain_not_allowed');
        const deactivated = await signIn('dee-sub');
        expect(refusalOf(deactivated.location)).toBe('deactivated');
        expect(sessionCookieOf(deactivated.res)).toBeUndefined();

        const actions = await auditActions();
        for (const refusal of [
          'email_unverified',
          'unknown_user',
          'domain_not_allowed',
          'deactivated',
        ])
          expect(actions).toContain(`auth.sso.${refusal} denied`);
      },
      SLOW,
    );

    it(
      'refuses a disabled provider at the start and at the callback',
      async () => {
        const pending = browserAgent();
        const callback = await pending.signInAtProvider(startUrl(), 'tess-sub', callbackOf);
        const values = {
          districtId,
          id: providerId,
          now: now().toISOString(),
          displayName: 'Sign in with Riverbend ID',
          issuer: idp.issuer,
          clientId: idp.clientId,
          allowedDomains: ['riverbend.test'],
        };
        await updateIdentityProvider(conn.db, { ...values, enabled: false });
        try {
          const late = await pending.request(callback);
          expect(refusalOf(late.headers.get('location') ?? '')).toBe('provider_disabled');
          const start = await browserAgent().request(new URL(startUrl()));
          expect(start.status).toBe(302);
          expect(refusalOf(start.headers.get('location') ?? '')).toBe('provider_disabled');
          const buttons = await trpc(browserAgent(), 'auth.ssoProviders');
          expect(buttons.body.result.data).toEqual([]);
        } finally {
          await updateIdentityProvider(conn.db, { ...values, enabled: true });
        }
      },
      SLOW,
    );

    it(
      'asks an admin for Carryover’s own second factor unless the provider asserts MFA',
      async () => {
        const plain = await signIn('ada-sub');
        expect(plain.location).toBe('/account/enrol');
        expect((await trpc(plain.agent, 'auth.me')).body.result.data).toBeNull();
        expect((await trpc(plain.agent, 'auth.pending')).body.result.data.stage).toBe('enrol');

        idp.tamper = { amr: ['pwd', 'mfa'] };
        try {
          const strong = await signIn('ada-sub');
          expect(strong.location).toBe('/');
          expect((await trpc(strong.agent, 'auth.me')).body.result.data.role).toBe('admin');
        } finally {
          idp.tamper = {};
        }
      },
      SLOW,
    );

    it(
      'turns passwords off for everyone but the break-glass admin',
      async () => {
        const password = 'heron lantern quarry 58';
        const settings = await conn.db
          .selectFrom('district')
          .select('settings')
          .where('id', '=', districtId)
          .executeTakeFirstOrThrow();
        await conn.db
          .updateTable('district')
          .set({
            settings: JSON.stringify({
              ...JSON.parse(settings.settings),
              passwordSignIn: 'break_glass_only',
              breakGlassUserIds: [users.ada],
            }),
          })
          .where('id', '=', districtId)
          .execute();
        const signInWithPassword = async (email: string) => {
          const res = await fetch(`${base}/trpc/auth.signIn`, {
            method: 'POST',
            headers: { 'Content-Type': 'application/json', Origin: base },
            body: JSON.stringify({ email, password }),
          });
          return { status: res.status, body: (await res.json()) as Json, res };
        };
        const tess = await signInWithPassword('tess@riverbend.test');
        expect(tess.status).toBe(403);
        expect(tess.body.error.message).toBe(
          'Your district signs in with single sign-on: use its button on this page.',
        );
        expect(sessionCookieOf(tess.res)).toBeUndefined();
        // A wrong password says nothing about the policy (no hint that the account exists).
        const wrong = await fetch(`${base}/trpc/auth.signIn`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Origin: base },
          body: JSON.stringify({
            email: 'tess@riverbend.test',
            password: 'not the password at all',
          }),
        });
        expect(wrong.status).toBe(401);
        const ada = await signInWithPassword('ada@riverbend.test');
        expect(ada.status).toBe(200);
        expect(await auditActions()).toContain('auth.signIn.passwords_off denied');
      },
      SLOW,
    );
  });
}
