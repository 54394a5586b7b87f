import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { systemClock } from '@carryover/db';
import { Secret, TOTP } from 'otpauth';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import {
  carryoverInChromium,
  DEMO_PASSWORD,
  haveChromium,
  newContext,
  shotsDir,
  signIn,
} from './support/e2e';

// The Account page in a real Chromium against the real server: a therapist turns on two-step
// sign-in by scanning the QR code (here: reading the key shown beside it into otpauth, as an
// authenticator app would), saves the recovery codes, signs in on a second device with a code,
// then ends that device's session from the first.

/** A code as the phone's app would show it at `at` (the server's clock: CARRYOVER_NOW aware). */
const codeFor = (secret: string, at: number) =>
  new TOTP({ secret: Secret.fromBase32(secret), digits: 6, period: 30 }).generate({
    timestamp: at,
  });

const EMAIL = 'ot@demo.test';

/** `create-admin` against the running server's database; resolves with its output. */
function createAdmin(databaseUrl: string, publicUrl: string, email: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'src/main.ts',
        'create-admin',
        '--email',
        email,
        '--district',
        'Lakeside Unified',
      ],
      {
        cwd: join(import.meta.dirname, '..'),
        env: { ...process.env, DATABASE_URL: databaseUrl, PUBLIC_URL: publicUrl },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    child.stdout.on('data', (d) => {
      out += String(d);
    });
    child.stderr.on('data', (d) => {
      out += String(d);
    });
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(out))));
  });
}

async function signInWithCode(page: Page, baseUrl: string, code: string) {
  await page.goto(`${baseUrl}/sign-in`);
  await page.getByLabel('Email').fill(EMAIL);
  await page.getByLabel('Password').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Enter your code' }).waitFor();
  await page.getByLabel('Code').fill(code);
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.waitForURL((url) => !url.pathname.startsWith('/sign-in'));
}

describe.skipIf(!haveChromium)('browser: the Account page', () => {
  const run = carryoverInChromium();

  it('enrols two-step sign-in with the QR code, then signs in with a code and ends the other session', async () => {
    const { app, browser } = run;
    const laptop = await newContext(browser, { viewport: { width: 1280, height: 800 } });
    const page = await laptop.newPage();
    await signIn(page, app.baseUrl, EMAIL);
    await page.getByRole('link', { name: 'Account' }).click();
    await page.getByRole('heading', { name: 'Account', level: 1 }).waitFor();
    await page.getByRole('button', { name: 'Set up two-step sign-in' }).click();

    const qr = page.getByRole('img', { name: 'QR code for your authenticator app' });
    await qr.waitFor();
    expect(await qr.getAttribute('src')).toMatch(/^data:image\/svg\+xml;base64,/);
    const secret = (await page.getByTestId('totp-secret').textContent())!.trim();
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    // A wrong code is refused in words, next to the field.
    await page.getByLabel('Code from the app').fill('000000');
    await page.getByRole('button', { name: 'Turn on two-step sign-in' }).click();
    await page.getByText('That code is not right').waitFor();
    await page.getByLabel('Code from the app').fill(codeFor(secret, systemClock().getTime()));
    await page.getByRole('button', { name: 'Turn on two-step sign-in' }).click();
    const codes = page.getByRole('list', { name: 'Recovery codes' }).getByRole('listitem');
    await codes.first().waitFor();
    expect(await codes.count()).toBe(10);
    await page.screenshot({ path: join(shotsDir, 'account-recovery-codes.png'), fullPage: true });
    await page.getByRole('button', { name: 'I have saved them' }).click();
    await page.getByText('On.', { exact: false }).first().waitFor();
    // The key is not on the page any more, and never will be.
    expect(await page.content()).not.toContain(secret);

    // A second device: password, then a code (the next time step: each is accepted once).
    const phone = await newContext(browser, {
      viewport: { width: 390, height: 844 },
      userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) Carryover-test-phone',
    });
    const phonePage = await phone.newPage();
    await signInWithCode(phonePage, app.baseUrl, codeFor(secret, systemClock().getTime() + 30_000));
    // Signed in: the app's navigation (behind the Menu button on a phone).
    await phonePage.getByRole('button', { name: 'Menu' }).waitFor();

    // The laptop sees both sessions and ends the phone's.
    await page.reload();
    const table = page.getByRole('table');
    const phoneRow = table.getByRole('row').filter({ hasText: 'Carryover-test-phone' });
    await phoneRow.waitFor();
    await expect(table.getByRole('row').filter({ hasText: 'This device' }).count()).resolves.toBe(
      1,
    );
    await page.screenshot({ path: join(shotsDir, 'account-sessions.png'), fullPage: true });
    await phoneRow.getByRole('button', { name: 'Sign out' }).click();
    await phoneRow.waitFor({ state: 'detached' });

    // The phone is signed out: its next page load goes to sign-in.
    await phonePage.goto(`${app.baseUrl}/caseload`);
    await phonePage.waitForURL((url) => url.pathname.startsWith('/sign-in'));
    await phone.close();
    await laptop.close();
  }, 120_000);

  it('a first admin opens the setup link, sets a password, and must enrol before the app opens', async () => {
    const { app, browser } = run;
    const out = await createAdmin(app.dbPath, app.baseUrl, 'head@lakeside.test');
    const link = out.match(/(http:\/\/\S+\/setup#\S+)/)?.[1];
    expect(link, out).toBeDefined();
    const context = await newContext(browser, { viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await page.goto(link!);
    await page.getByText('you are the admin of Lakeside Unified').waitFor();
    // The policy's reason, in words, beside the field.
    await page.getByLabel('New password').fill('lakeside2026!');
    await page.getByRole('button', { name: 'Set password' }).click();
    await page.getByText('Leave out the name of Carryover, your district or your email').waitFor();
    await page.getByLabel('New password').fill('heron lantern quarry 58');
    await page.getByRole('button', { name: 'Set password' }).click();
    // Held at enrolment: the app itself stays closed until then.
    await page.waitForURL((url) => url.pathname === '/account/enrol');
    expect(new URL(page.url()).hash).toBe('');
    await page.goto(`${app.baseUrl}/caseload`);
    await page.waitForURL((url) => url.pathname.startsWith('/sign-in'));
    await page.goto(`${app.baseUrl}/account/enrol`);
    await page.getByRole('button', { name: 'Set up two-step sign-in' }).click();
    const secret = (await page.getByTestId('totp-secret').textContent())!.trim();
    await page.getByLabel('Code from the app').fill(codeFor(secret, systemClock().getTime()));
    await page.getByRole('button', { name: 'Turn on two-step sign-in' }).click();
    await page.getByRole('list', { name: 'Recovery codes' }).waitFor();
    await page.screenshot({ path: join(shotsDir, 'setup-enrol.png'), fullPage: true });
    await page.getByRole('button', { name: 'I have saved them' }).click();
    await page.getByRole('link', { name: 'People' }).first().waitFor();
    await page.getByRole('link', { name: 'People' }).first().click();
    await page.getByRole('cell', { name: 'head@lakeside.test' }).waitFor();
    // The link was used up.
    const again = await context.newPage();
    await again.goto(link!);
    await again.getByText('This link cannot be used').waitFor();
    await context.close();
  }, 120_000);
});
