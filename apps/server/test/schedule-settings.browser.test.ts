import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  fakedClock,
  haveChromium,
  launchChromium,
  newContext,
  type RunningCarryover,
  shotsDir,
  signIn,
  startCarryover,
  VIEWPORTS,
} from './support/e2e';

// The Schedule page's week settings end to end on the demo district, at phone and laptop
// width: an admin adds a closure — a missing name is refused on its field first — and the week
// shows that day closed, then sets the district's group cap; the demo SLP sets their own school days, an end before the start
// refused on that field. The real CLI serves the built web app (build it first:
// `pnpm --filter @carryover/web build`) from a fresh SQLite file.

// A school Wednesday in the demo's week of 16–20 November 2026 (as schedule.browser.test.ts).
const clock = fakedClock('2026-11-18T15:00:00.000Z');

describe.skipIf(!haveChromium)('browser: the Schedule page week settings', () => {
  let app: RunningCarryover;
  let browser: Browser;

  beforeAll(async () => {
    app = await startCarryover({}, { clock });
    browser = await launchChromium();
  }, 200_000);

  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  const overflow = (page: Page) =>
    page.evaluate('document.documentElement.scrollWidth - window.innerWidth') as Promise<number>;

  async function openSchedule(page: Page, phone: boolean) {
    if (phone) await page.getByRole('button', { name: 'Menu' }).click();
    await page.getByRole('link', { name: 'Schedule', exact: true }).click();
    await page.getByRole('heading', { name: 'Schedule', level: 1 }).waitFor();
  }

  for (const viewport of VIEWPORTS) {
    const phone = viewport.name === 'phone';
    // Each width closes its own day of the week (they share one database).
    const day = phone ? { date: '2026-11-19', label: 'Thu' } : { date: '2026-11-20', label: 'Fri' };
    const closure = `Boiler repair (${viewport.name})`;

    it(`at ${viewport.name} width an admin adds a closure and the week shows the day closed`, async () => {
      const context = await newContext(browser, { viewport }, clock);
      const page = await context.newPage();
      await signIn(page, app.baseUrl, 'admin@demo.test');
      await openSchedule(page, phone);
      const settings = page.getByRole('region', { name: 'Week settings' });
      await settings.getByRole('heading', { name: 'School closures' }).waitFor();

      // No name: refused on the name field, nothing sent.
      const add = settings.getByRole('form', { name: 'Add a closure' });
      await add.getByLabel('First day').fill(day.date);
      await add.getByLabel('Last day').fill(day.date);
      await add.getByRole('button', { name: 'Add closure' }).click();
      const name = add.getByLabel('Closure name');
      await expect.poll(() => name.getAttribute('aria-invalid')).toBe('true');
      await expect
        .poll(() => add.locator('.field--invalid .field__error').first().textContent())
        .toMatch(/Name the closure/);

      await name.fill(closure);
      await add.getByRole('button', { name: 'Add closure' }).click();
      await settings.getByText(`${closure} added`).waitFor({ timeout: 30_000 });
      await settings.getByText(closure, { exact: true }).waitFor();

      // The week shows the day closed: a column heading on a laptop, the day's list on a phone.
      if (phone) {
        await page.getByRole('radio', { name: day.label, exact: true }).check();
        await page.getByText(`Closed: ${closure}`).waitFor({ timeout: 30_000 });
      } else {
        await page
          .locator('.week-grid__closed', { hasText: `Closed: ${closure}` })
          .waitFor({ timeout: 30_000 });
      }
      await page.screenshot({
        path: join(shotsDir, `schedule-settings-closure-${viewport.name}.png`),
        fullPage: true,
      });
      expect(await overflow(page)).toBeLessThanOrEqual(0);

      // The district's rules: a group cap of 0 is refused on its field; 5 is saved.
      const rules = settings.getByRole('form', { name: 'District scheduling rules' });
      const cap = rules.getByLabel('Largest pull-out group');
      await cap.fill('0');
      await rules.getByRole('button', { name: 'Save rules' }).click();
      await expect.poll(() => cap.getAttribute('aria-invalid')).toBe('true');
      expect(await rules.locator('.field__error').first().textContent()).toMatch(
        /at least 1 student/,
      );
      await cap.fill('5');
      await rules.getByRole('button', { name: 'Save rules' }).click();
      await rules.getByText('Scheduling rules saved').waitFor({ timeout: 30_000 });
      await context.close();
    }, 120_000);

    it(`at ${viewport.name} width the SLP sets their school days; a day ending before it starts is refused on its field`, async () => {
      const context = await newContext(browser, { viewport }, clock);
      const page = await context.newPage();
      await signIn(page, app.baseUrl, 'slp@demo.test');
      await openSchedule(page, phone);
      const days = page.getByRole('form', { name: /school days/ });
      await days.waitFor();
      // Their first saved day (or a new one), made to end before it starts.
      if ((await days.locator('fieldset').count()) === 0)
        await days.getByRole('button', { name: 'Add a day' }).click();
      const last = days.locator('fieldset').first();
      const to = last.getByLabel('To');
      const end = await to.inputValue();
      await to.fill('06:00');
      await days.getByRole('button', { name: 'Save school days' }).click();
      await expect.poll(() => to.getAttribute('aria-invalid')).toBe('true');
      expect(await last.locator('.field__error').first().textContent()).toMatch(/Ends before/);
      await page.screenshot({
        path: join(shotsDir, `schedule-settings-days-${viewport.name}.png`),
        fullPage: true,
      });
      expect(await overflow(page)).toBeLessThanOrEqual(0);
      // Corrected, it saves.
      await to.fill(end || '15:00');
      await days.getByRole('button', { name: 'Save school days' }).click();
      await days.getByText('School days saved').waitFor({ timeout: 30_000 });
      await context.close();
    }, 120_000);
  }
});
