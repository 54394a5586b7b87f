import { startTestProvider } from './oidc-provider';

// `pnpm --filter @carryover/server test-idp`: the test suite's OpenID Provider on
// http://127.0.0.1:3099, for trying single sign-on on the demo district. Its login page takes
// any password; the login names below are the demo accounts.

const DEMO_LOGINS = ['slp', 'ot', 'pt', 'slpa', 'teacher', 'coordinator', 'admin'];
const app = process.env.CARRYOVER_URL ?? 'http://127.0.0.1:3000';
const clientSecret = 'demo-test-provider-secret';

const idp = await startTestProvider({
  port: 3099,
  clientId: 'carryover-demo',
  clientSecret,
  redirectUris: [`${app}/auth/sso/callback`],
  postLogoutRedirectUris: [`${app}/sign-in`],
});
for (const login of DEMO_LOGINS)
  idp.accounts.set(login, { email: `${login}@demo.test`, emailVerified: true });

console.log(`Test OpenID Provider at ${idp.issuer} for ${app}
  client ID:     carryover-demo
  client secret: ${clientSecret}
Sign in to Carryover as admin@demo.test, open Sign-in settings, edit the test provider: enter the
secret and turn it on. On its login page, sign in as ${DEMO_LOGINS.join(', ')} (any password).`);
