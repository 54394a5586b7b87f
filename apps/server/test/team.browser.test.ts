import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { openDatabase } from '@carryover/db';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  haveChromium,
  launchChromium,
  newContext,
  type RunningCarryover,
  signIn,
  startCarryover,
  VIEWPORTS,
} from './support/e2e';

// Push-in end to end on the demo district: a teacher acknowledges a push-in plan from their
// home; an OT accepts a recommendation and sees the model-change line on the goal graph.

const shots = process.env.SHOTS_DIR ?? '/tmp/shots-pushin';

describe.skipIf(!haveChromium)('browser: push-in plans, team, recommendations', () => {
  let app: RunningCarryover;
  let browser: Browser;

  beforeAll(async () => {
    app = await startCarryover();
    // The demo's plans are all acknowledged: as if each therapist had just revised one plan per
    // classroom of teacher@demo.test, those wait for the teacher again.
    const conn = openDatabase(app.dbPath);
    const teacherPlans = await conn.db
      .selectFrom('push_in_plan as p')
      .innerJoin('classroom as c', 'c.id', 'p.classroom_id')
      .innerJoin('staff_user as t', 't.id', 'c.teacher_id')
      .select('p.id')
      .where('t.email', '=', 'teacher@demo.test')
      .orderBy('p.id')
      .limit(2)
      .execute();
    await conn.db
      .updateTable('push_in_plan')
      .set({ acknowledged_at: null, acknowledged_by: null })
      .where(
        'id',
        'in',
        teacherPlans.map((p) => p.id),
      )
      .execute();
    await conn.close();
    browser = await launchChromium();
    mkdirSync(shots, { recursive: true });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  for (const viewport of VIEWPORTS) {
    it(`at ${viewport.name} width the teacher lands on their home and acknowledges a plan`, async () => {
      const context = await newContext(browser, { viewport });
      const page = await context.newPage();
      await signIn(page, app.baseUrl, 'teacher@demo.test');
      await page.waitForURL('**/home');
      await page.getByRole('heading', { name: 'Home', level: 1 }).waitFor();
      await page.getByRole('heading', { name: 'Your open action items' }).waitFor();
      await page.screenshot({ path: join(shots, `home-${viewport.name}.png`), fullPage: true });
      await page.goto(`${app.baseUrl}/plans`);
      await page.getByRole('heading', { name: 'Push-in plans', level: 1 }).waitFor();
      const waiting = page.locator('.plan-card', { hasText: 'Waiting for the teacher' }).first();
      await waiting.getByRole('link').click();
      await page.getByRole('button', { name: 'Acknowledge this plan' }).click();
      await expect
        .poll(() => page.getByText(/Acknowledged by/).count(), { timeout: 10_000 })
        .toBeGreaterThan(0);
      // Nothing wider than the viewport: the plan reads at phone width.
      expect(
        await page.evaluate('document.documentElement.scrollWidth - window.innerWidth'),
      ).toBeLessThanOrEqual(0);
      await page.screenshot({ path: join(shots, `plan-${viewport.name}.png`), fullPage: true });
      await page.goto(`${app.baseUrl}/team`);
      await page.getByRole('heading', { name: 'Team', level: 1 }).waitFor();
      await page
        .getByRole('button', { name: /Record (a touch-base|the first one)/ })
        .first()
        .click();
      await page.screenshot({ path: join(shots, `team-${viewport.name}.png`), fullPage: true });
      await context.close();
    }, 120_000);
  }

  it('the OT accepts a recommendation and the goal graph draws the model change', async () => {
    const context = await newContext(browser, { viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await signIn(page, app.baseUrl, 'ot@demo.test');
    await page.goto(`${app.baseUrl}/recommendations`);
    await page.getByRole('heading', { name: 'Recommendations', level: 1 }).waitFor();
    await page.locator('.recommendation').first().waitFor({ timeout: 30_000 });
    await page.screenshot({ path: join(shots, 'recommendations-desktop.png') });
    const card = page.locator('li.section-card').first();
    const studentHref = await card.locator('h2 a').getAttribute('href');
    await page.goto(`${app.baseUrl}${studentHref}`);
    const rec = page.locator('.recommendation').first();
    await rec.waitFor();
    const labelled = await page
      .locator('article.goal-section', { has: rec })
      .getAttribute('aria-labelledby');
    const goal = page.locator(`article[aria-labelledby="${labelled}"]`);
    const before = await goal.locator('.gg-event--model').count();
    await rec.getByRole('button', { name: /^Accept/ }).click();
    await expect
      .poll(() => goal.locator('.gg-event--model').count(), { timeout: 15_000 })
      .toBeGreaterThan(before);
    await goal.screenshot({ path: join(shots, 'accepted-goal-desktop.png') });
    await context.close();
  }, 120_000);
});
