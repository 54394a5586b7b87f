import { join } from 'node:path';
import { openDatabase } from '@carryover/db';
import { describe, expect, it } from 'vitest';
import {
  carryoverInChromium,
  haveChromium,
  newContext,
  shotsDir,
  signIn,
  VIEWPORTS,
} from './support/e2e';

// Correctable sessions in the browser: a therapist voids a signed session with a reason (it
// stays, struck through), a supervising therapist co-signs their assistant's sessions from the
// queue, and a coordinator finds the billing panel with the demo's export history. Phone and
// desktop widths, no horizontal overflow.

describe.skipIf(!haveChromium)('browser: voids, the co-sign queue and billing', () => {
  const run = carryoverInChromium();
  const overflow = (page: import('playwright-core').Page) =>
    page.evaluate('document.documentElement.scrollWidth - window.innerWidth');

  for (const viewport of VIEWPORTS) {
    it(`at ${viewport.name} width voids a signed session and co-signs two from the queue`, async () => {
      const context = await newContext(run.browser, {
        viewport: { width: viewport.width, height: viewport.height },
      });
      const page = await context.newPage();
      page.setDefaultTimeout(30_000);
      await signIn(page, run.app.baseUrl, 'slp@demo.test');

      // Void: the first signed session in the recent list.
      await page.goto(`${run.app.baseUrl}/log-session`);
      await page.getByRole('heading', { name: 'Recent sessions' }).waitFor();
      const signedCard = page
        .locator('li.recent-session:not(.recent-session--voided)')
        .filter({ has: page.getByRole('button', { name: 'Void session' }) })
        .first();
      await signedCard.waitFor();
      const when = (await signedCard.locator('.recent-session__head strong').innerText()).trim();
      await signedCard.getByRole('button', { name: 'Void session' }).click();
      // A reason too short is refused on the field.
      await signedCard.getByLabel('Why void this session?').fill('no');
      await signedCard.getByRole('button', { name: 'Void session' }).click();
      await signedCard.getByText(/Say why the session is voided/).waitFor();
      const reason = `Entered for the wrong student (${viewport.name}).`;
      await signedCard.getByLabel('Why void this session?').fill(reason);
      await signedCard.getByRole('button', { name: 'Void session' }).click();
      const voided = page.locator('li.recent-session--voided').filter({ hasText: reason }).first();
      await voided.waitFor();
      expect(await voided.locator('.recent-session__head strong').innerText()).toBe(when);
      expect(
        await voided
          .locator('.recent-session__body')
          .evaluate((el) => el.ownerDocument.defaultView!.getComputedStyle(el).textDecorationLine),
      ).toBe('line-through');
      await voided.getByText(/^Voided$/).waitFor();
      expect(await voided.getByRole('button', { name: 'Void session' }).count()).toBe(0);
      expect(await overflow(page)).toBeLessThanOrEqual(0);
      await voided.scrollIntoViewIfNeeded();
      await page.screenshot({ path: join(shotsDir, `session-void-${viewport.name}.png`) });
      // Stored with its reason.
      const conn = openDatabase(run.app.dbPath);
      const row = await conn.db
        .selectFrom('therapy_session')
        .select(['void_reason', 'voided_at'])
        .where('void_reason', '=', reason)
        .executeTakeFirst();
      await conn.close();
      expect(row?.voided_at).toBeTruthy();

      // The co-sign queue: the assistant's sessions with their data, co-sign two at once.
      // On a phone the navigation is behind the Menu button.
      if (viewport.name === 'phone') await page.getByRole('button', { name: 'Menu' }).click();
      await page.getByRole('link', { name: 'Co-sign', exact: true }).first().click();
      await page.getByRole('heading', { name: 'Co-sign' }).waitFor();
      const boxes = page.locator('li.cosign-item input[type="checkbox"]');
      await boxes.first().waitFor();
      const before = await boxes.count();
      expect(before).toBeGreaterThanOrEqual(2);
      await page.locator('li.cosign-item').first().getByText(/·/).first().waitFor();
      await boxes.nth(0).check();
      await boxes.nth(1).check();
      await page.screenshot({ path: join(shotsDir, `cosign-queue-${viewport.name}.png`) });
      expect(await overflow(page)).toBeLessThanOrEqual(0);
      await page.getByRole('button', { name: 'Co-sign all checked (2)' }).click();
      await page.getByRole('status').filter({ hasText: 'Co-signed 2 sessions.' }).waitFor();
      await expect.poll(() => boxes.count()).toBe(before - 2);
      await context.close();
    }, 120_000);
  }

  it('shows a coordinator the billing panel with the export history', async () => {
    for (const viewport of VIEWPORTS) {
      const context = await newContext(run.browser, {
        viewport: { width: viewport.width, height: viewport.height },
      });
      const page = await context.newPage();
      page.setDefaultTimeout(30_000);
      await signIn(page, run.app.baseUrl, 'coordinator@demo.test');
      await page.goto(`${run.app.baseUrl}/fidelity`);
      await page.getByRole('heading', { name: 'Medicaid billing' }).click();
      const history = page.locator('table.billing-history tbody tr');
      await history.first().waitFor();
      expect(await history.count()).toBeGreaterThanOrEqual(1);
      expect(
        await page.getByRole('link', { name: 'Record billing export' }).getAttribute('href'),
      ).toMatch(/^\/export\/billing\.csv\?.*record=1/);
      await page.getByRole('heading', { name: 'Medicaid billing' }).scrollIntoViewIfNeeded();
      expect(await overflow(page)).toBeLessThanOrEqual(0);
      await page.screenshot({ path: join(shotsDir, `billing-panel-${viewport.name}.png`) });
      await context.close();
    }
  }, 180_000);
});
