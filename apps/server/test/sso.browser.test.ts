import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  carryoverInChromium,
  haveChromium,
  newContext,
  shotsDir,
  signIn,
  VIEWPORTS,
} from './support/e2e';
import { startTestProvider } from './support/oidc-provider';

// Single sign-on in a real Chromium: the demo admin turns on the district's (switched-off) test
// provider on the Sign-in settings page — issuer, client ID, secret — and tests its discovery;
// then the SLP clicks its button on the sign-in page, signs in on the provider's own login page,
// and lands on Caseload. Signing out offers the provider's sign-out too.

const PROVIDER_BUTTON = 'Sign in with the test provider';

describe.skipIf(!haveChromium)('single sign-on in the browser', () => {
  const running = carryoverInChromium({ SSO_SECRET_KEY: 'f'.repeat(64) });

  it('an admin sets up the provider; the SLP signs in with it and lands on Caseload', async () => {
    const { app, browser } = running;
    const idp = await startTestProvider({
      clientId: 'carryover-demo',
      redirectUris: [`${app.baseUrl}/auth/sso/callback`],
      postLogoutRedirectUris: [`${app.baseUrl}/sign-in`],
    });
    idp.accounts.set('slp', { email: 'slp@demo.test', emailVerified: true });
    try {
      const admin = await newContext(browser, { viewport: VIEWPORTS[1] });
      const page = await admin.newPage();
      await signIn(page, app.baseUrl, 'admin@demo.test');
      await page.getByRole('link', { name: 'Sign-in settings' }).click();
      await page.getByRole('heading', { name: 'Sign-in settings', level: 1 }).waitFor();
      // Shipped switched off, without a secret: turning it on asks for one.
      await page.getByRole('button', { name: `Edit ${PROVIDER_BUTTON}` }).click();
      await page.getByLabel('Issuer URL').fill(idp.issuer);
      await page.getByLabel('Show this button on the sign-in page').check();
      await page.getByRole('button', { name: 'Save provider' }).click();
      await expect
        .poll(() => page.locator('.field__error').allTextContents(), { timeout: 10_000 })
        .toContain('Enter the client secret before turning this provider on');
      await page.getByLabel('Client secret').fill(idp.clientSecret);
      await page.getByRole('button', { name: 'Save provider' }).click();
      await page.locator('.provider-list__facts dd', { hasText: /^On$/ }).waitFor();
      await page.getByRole('button', { name: `Test ${PROVIDER_BUTTON}` }).click();
      await page.getByText('Discovery worked.').waitFor();
      expect(await page.locator('.form-note').textContent()).toContain(`${idp.issuer}/session/end`);
      await page.screenshot({ path: join(shotsDir, 'sso-settings-desktop.png'), fullPage: true });
      await page.setViewportSize(VIEWPORTS[0]);
      await page.screenshot({ path: join(shotsDir, 'sso-settings-phone.png'), fullPage: true });
      // No secret ever comes back out.
      const html = await page.content();
      expect(html).not.toContain(idp.clientSecret);
      await admin.close();

      const therapist = await newContext(browser, { viewport: VIEWPORTS[0] });
      const tab = await therapist.newPage();
      await tab.goto(`${app.baseUrl}/sign-in`);
      await tab.getByRole('link', { name: PROVIDER_BUTTON }).waitFor();
      await tab.screenshot({ path: join(shotsDir, 'sso-sign-in-phone.png'), fullPage: true });
      await tab.getByRole('link', { name: PROVIDER_BUTTON }).click();
      // The provider's own login page, on its own origin.
      await tab.waitForURL((url) => url.origin === idp.issuer);
      await tab.locator('input[name="login"]').fill('slp');
      await tab.locator('input[name="password"]').fill('whatever the district uses');
      await tab.getByRole('button', { name: 'Sign-in' }).click();
      await tab.getByRole('button', { name: 'Continue' }).click();
      await tab.waitForURL(`${app.baseUrl}/caseload`);
      await tab.getByRole('heading', { name: 'Caseload', level: 1 }).waitFor();
      await tab.getByRole('button', { name: 'Sign out' }).click();
      await tab.waitForURL(`${app.baseUrl}/sign-in`);
      await tab.screenshot({ path: join(shotsDir, 'sso-signed-out-phone.png'), fullPage: true });
      const providerSignOut = tab.getByRole('link', {
        name: 'Also sign out of your district account',
      });
      await providerSignOut.waitFor();
      // Still offered when the sign-in page is drawn again in this tab (back to a signed-in
      // page, sent back here): a slow device draws it more than once as the sign-out settles.
      await tab.goto(`${app.baseUrl}/caseload`);
      await tab.waitForURL(`${app.baseUrl}/sign-in`);
      await providerSignOut.waitFor();
      expect(await providerSignOut.getAttribute('href')).toContain(`${idp.issuer}/session/end`);
      await therapist.close();
    } finally {
      await idp.close();
    }
  }, 180_000);
});
