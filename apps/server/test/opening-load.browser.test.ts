import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { carryoverInChromium, haveChromium, newContext, signIn } from './support/e2e';

// A reload of Caseload or a student page asks for the page's data alongside `auth.me`, not
// after it (apps/web/src/openingPageData.ts), and the page then uses that answer rather than
// asking again. The real server and the built web app in Chromium.

/** Each tRPC procedure the page calls, with when its request went out and its response came. */
function watchCalls(page: Page) {
  const events: { kind: 'sent' | 'answered'; procedures: string[] }[] = [];
  const proceduresOf = (url: string) => {
    const { pathname } = new URL(url);
    return pathname.startsWith('/trpc/') ? pathname.slice('/trpc/'.length).split(',') : [];
  };
  page.on('request', (r) => {
    const procedures = proceduresOf(r.url());
    if (procedures.length > 0) events.push({ kind: 'sent', procedures });
  });
  // The response's arrival, not the request's end: a streamed batch's end can be reported late.
  page.on('response', (r) => {
    const procedures = proceduresOf(r.url());
    if (procedures.length > 0) events.push({ kind: 'answered', procedures });
  });
  return {
    /** How many requests carried `procedure`. */
    sentCount: (procedure: string) =>
      events.filter((e) => e.kind === 'sent' && e.procedures.includes(procedure)).length,
    /** Whether `procedure` was asked for before the first `auth.me` response had arrived. */
    sentBeforeAuthMeAnswered: (procedure: string) => {
      const sent = events.findIndex((e) => e.kind === 'sent' && e.procedures.includes(procedure));
      const authMe = events.findIndex(
        (e) => e.kind === 'answered' && e.procedures.includes('auth.me'),
      );
      return sent !== -1 && authMe !== -1 && sent < authMe;
    },
  };
}

describe.skipIf(!haveChromium)('browser: the opening page asks for its data at once', () => {
  const run = carryoverInChromium();

  it('a reload of Caseload and of a student page fetches their data alongside auth.me, once', {
    timeout: 120_000,
  }, async () => {
    const signInContext = await newContext(run.browser, { serviceWorkers: 'block' });
    const signInPage = await signInContext.newPage();
    await signIn(signInPage, run.app.baseUrl, 'slp@demo.test');
    await signInPage.goto(`${run.app.baseUrl}/caseload`);
    const studentHref = await signInPage
      .locator('main a[href^="/students/"]')
      .first()
      .getAttribute('href');
    const storageState = await signInContext.storageState();
    await signInContext.close();
    expect(studentHref).toMatch(/^\/students\/[^/]+$/);

    // Cold loads: a signed-in cookie, nothing kept on the device, no service worker.
    const cases = [
      {
        path: '/caseload',
        // The rows, and the open action items above them (often the largest paint).
        procedures: ['caseload.list', 'home.get'],
        ready: 'main a[href^="/students/"]',
      },
      { path: studentHref!, procedures: ['student.get'], ready: '#goals-heading' },
    ];
    for (const { path, procedures, ready } of cases) {
      const context = await newContext(run.browser, { storageState, serviceWorkers: 'block' });
      const page = await context.newPage();
      const calls = watchCalls(page);
      await page.goto(`${run.app.baseUrl}${path}`);
      await page.locator(ready).first().waitFor({ timeout: 30_000 });
      await page.waitForLoadState('networkidle');
      for (const procedure of procedures) {
        expect(calls.sentBeforeAuthMeAnswered(procedure), `${procedure} on ${path}`).toBe(true);
        expect(calls.sentCount(procedure), `${procedure} requests on ${path}`).toBe(1);
      }
      await context.close();
    }
  });
});
