import { readFileSync } from 'node:fs';
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

// The Fidelity page a page of students at a time: a coordinator's schools hold more students
// than one page, so "Load more" (or scrolling to the end) fetches the next; the school totals
// come from the server. No horizontal page overflow on a phone or a desktop.

describe.skipIf(!haveChromium)('browser: fidelity pages', () => {
  const run = carryoverInChromium();

  for (const viewport of VIEWPORTS) {
    it(`at ${viewport.name} width a coordinator loads more students and sees school totals`, async () => {
      const context = await newContext(run.browser, {
        viewport: { width: viewport.width, height: viewport.height },
      });
      const page = await context.newPage();
      const consoleErrors: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') consoleErrors.push(m.text());
      });
      await signIn(page, run.app.baseUrl, 'coordinator@demo.test');
      await page.goto(`${run.app.baseUrl}/fidelity`);
      await page.getByRole('heading', { name: 'Fidelity' }).waitFor();
      const students = async () =>
        new Set(
          await page
            .locator('main a[href^="/students/"]')
            .evaluateAll((links) => links.map((a) => a.getAttribute('href'))),
        ).size;
      await expect.poll(students).toBe(50);
      const overflow = () =>
        page.evaluate('document.documentElement.scrollWidth - window.innerWidth');
      expect(await overflow()).toBeLessThanOrEqual(0);
      await page.screenshot({ path: join(shotsDir, `fidelity-${viewport.name}.png`) });

      // A dispatched click: scrolling the button into view would also load by itself.
      await page.getByRole('button', { name: 'Load more students' }).dispatchEvent('click');
      await expect.poll(students).toBe(100);
      await page.getByRole('button', { name: /Load more students/ }).scrollIntoViewIfNeeded();
      await expect.poll(students).toBeGreaterThan(100);

      await page.getByRole('radio', { name: 'School', exact: true }).click({ force: true });
      await expect.poll(students).toBe(0);
      await page
        .getByText(/^\d+ services?$/)
        .first()
        .waitFor();
      expect(await overflow()).toBeLessThanOrEqual(0);
      // The first column names what it lists.
      await page.getByRole('columnheader', { name: /^School/ }).waitFor();
      await page.screenshot({ path: join(shotsDir, `fidelity-schools-${viewport.name}.png`) });
      expect(consoleErrors).toEqual([]);
      await context.close();
    });
  }

  it("downloads the coordinator's whole-scope CSVs from the streaming route", async () => {
    const context = await newContext(run.browser, { viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await signIn(page, run.app.baseUrl, 'coordinator@demo.test');
    await page.goto(`${run.app.baseUrl}/fidelity`);
    const fidelityLink = page.getByRole('link', { name: 'Fidelity CSV' });
    await fidelityLink.waitFor();
    expect(await fidelityLink.getAttribute('href')).toMatch(/^\/export\/fidelity\.csv\?/);
    const lines = async (link: string) => {
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.getByRole('link', { name: link }).click(),
      ]);
      expect(download.suggestedFilename()).toMatch(/\.csv$/);
      return readFileSync((await download.path())!, 'utf8').split('\r\n');
    };
    const fidelity = await lines('Fidelity CSV');
    expect(fidelity[0]).toMatch(/^"student","school","discipline",/);
    // The coordinator's schools hold more students than a page of the report (50).
    expect(fidelity.length).toBeGreaterThan(100);
    const billing = await lines('Session log CSV (billing)');
    expect(billing[0]).toMatch(/^"status","student_id","student",/);
    expect(billing.length).toBeGreaterThan(100);
    await context.close();
  }, 120_000);
});
