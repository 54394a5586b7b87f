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

// The walking skeleton end to end: the real CLI starts the real server on a fresh SQLite
// file (migrate + demo seed), and Debian's Chromium drives the built web app.

describe.skipIf(!haveChromium)('browser: sign in, caseload, student graph', () => {
  const run = carryoverInChromium();
  const seen: { studentName: string; token: string }[] = [];

  for (const viewport of VIEWPORTS) {
    it(`at ${viewport.name} width a therapist signs in, sees the caseload and a goal graph`, async () => {
      const context = await newContext(run.browser, { viewport });
      const page = await context.newPage();
      const consoleErrors: string[] = [];
      // The wrong-password attempt's 401 is expected; any other console error is a bug.
      page.on('console', (m) => {
        if (m.type() === 'error' && !m.text().includes('401')) consoleErrors.push(m.text());
      });

      await page.goto(run.app.baseUrl);
      await page.getByLabel('Email').fill('slp@demo.test');
      await page.getByLabel('Password').fill('wrong-password-here');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await expect
        .poll(() => page.getByText('Email or password is incorrect.').isVisible())
        .toBe(true);

      await page.getByLabel('Password').fill('carryover-demo');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('heading', { name: 'Caseload' }).waitFor();
      // On a phone the navigation is behind the Menu button (opened, checked, closed again).
      const menu = page.getByRole('button', { name: 'Menu' });
      if (viewport.name === 'phone') await menu.click();
      expect(await page.getByRole('link', { name: 'Caseload' }).count()).toBeGreaterThan(0);
      if (viewport.name === 'phone') await menu.click();
      const studentLinks = page.locator('main a[href^="/students/"]');
      await studentLinks.first().waitFor();
      // On a phone the cards near the viewport are in the page (a virtual list): a few at first.
      await expect.poll(() => studentLinks.count()).toBeGreaterThanOrEqual(5);
      // Nothing wider than the viewport: the page works at this width.
      const overflow = Number(
        await page.evaluate('document.documentElement.scrollWidth - window.innerWidth'),
      );
      expect(overflow).toBeLessThanOrEqual(1);
      await page.screenshot({
        path: join(shotsDir, `caseload-${viewport.name}.png`),
        fullPage: false,
      });

      const name = (await studentLinks.first().textContent())?.trim() ?? '';
      await studentLinks.first().click();
      await page.getByRole('heading', { level: 1, name }).waitFor();
      const graph = page.locator('svg[role="img"]').first();
      await graph.waitFor();
      // Points are drawn (circles for push-in, squares for pull-out) and a legend names settings.
      expect(await graph.locator('.gg-point').count()).toBeGreaterThan(0);
      await expect.poll(() => page.getByText('Classroom').first().isVisible()).toBe(true);
      await page.screenshot({
        path: join(shotsDir, `student-${viewport.name}.png`),
        fullPage: true,
      });

      expect(consoleErrors).toEqual([]);
      const token = (await context.cookies()).find((c) =>
        c.name.endsWith('carryover_session'),
      )?.value;
      expect(token).toBeTruthy();
      seen.push({ studentName: name, token: token ?? '' });
      await context.close();
    });
  }

  it('a coordinator pages through their schools: first page, more on scroll and click, name sort from the server', async () => {
    const context = await newContext(run.browser, { viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    const consoleErrors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    await signIn(page, run.app.baseUrl, 'coordinator@demo.test');
    await page.getByRole('heading', { name: 'Caseload' }).waitFor();
    const status = page.locator('.caseload-count');
    /** "50 of 200 students shown · …" while pages remain, "200 students · …" once all are in. */
    const shown = async () => {
      const text = ((await status.textContent()) ?? '').replace(/,/g, '');
      const m = /^(\d+) of (\d+) students shown/.exec(text) ?? /^(\d+) students? ·/.exec(text);
      return m ? { loaded: Number(m[1]), total: m[2] ? Number(m[2]) : null } : null;
    };
    await expect.poll(shown).toMatchObject({ loaded: 50 });
    const { total } = (await shown())!;
    expect(total).toBeGreaterThan(150);
    const studentLinks = page.locator('main tbody a[href^="/students/"]');
    const firstAscending = (await studentLinks.first().textContent())?.trim();

    // "Load more" fetches the next page. (A dispatched click: scrolling the button into view
    // would also start the automatic loading tested next.)
    await page.getByRole('button', { name: 'Load more students' }).dispatchEvent('click');
    await expect.poll(async () => (await shown())?.loaded).toBe(100);
    // Scrolling to the end of the list fetches further pages by itself. (Scrolled again on each
    // look, as a reader keeps scrolling: rows drawn near the end can be taller than estimated.)
    const more = page.getByRole('button', { name: /Load more students/ });
    await expect
      .poll(async () => {
        if (await more.isVisible()) await more.scrollIntoViewIfNeeded();
        return (await shown())?.loaded;
      })
      .toBeGreaterThanOrEqual(150);
    // Only the rows near the viewport are in the DOM.
    expect(await page.locator('main tbody tr').count()).toBeLessThan(60);
    await page.screenshot({ path: join(shotsDir, 'caseload-coordinator-desktop.png') });

    // Sorting by name, descending: the server's order over the whole scope, from a new first page.
    await page.getByRole('button', { name: 'Student', exact: true }).click();
    await expect
      .poll(() =>
        page.getByRole('columnheader', { name: 'Student', exact: true }).getAttribute('aria-sort'),
      )
      .toBe('descending');
    await expect.poll(async () => (await shown())?.loaded).toBe(50);
    const expected = (await page.evaluate(
      `fetch('/trpc/caseload.list', { method: 'POST', headers: { 'Content-Type': 'application/json' },
         body: JSON.stringify({ sort: 'name', order: 'desc', limit: 1 }) }).then((r) => r.json())`,
    )) as { result: { data: { items: { name: string }[] } } };
    const lastByName = expected.result.data.items[0]!.name;
    await expect
      .poll(async () => (await studentLinks.first().textContent())?.trim())
      .toBe(lastByName);
    expect(lastByName).not.toBe(firstAscending);
    expect(consoleErrors).toEqual([]);
    await context.close();
  });

  it("leaves no password, session token or student name in the server's log", () => {
    // The start-up banner prints the public demo password on purpose (it is in the README);
    // everything logged after the server started serving requests must carry no secrets.
    const full = run.app.log.join('');
    const servingAt = full.indexOf('Carryover is serving');
    expect(servingAt).toBeGreaterThan(-1);
    const output = full.slice(servingAt);
    expect(output).toContain('POST /trpc/auth.signIn'); // requests were logged at all
    expect(output).not.toContain('carryover-demo');
    expect(output).not.toContain('wrong-password-here');
    for (const { studentName, token } of seen) {
      expect(studentName.length).toBeGreaterThan(3);
      expect(output).not.toContain(studentName);
      expect(output).not.toContain(token);
    }
  });
});
