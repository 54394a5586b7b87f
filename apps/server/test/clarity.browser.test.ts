import { join } from 'node:path';
import { openDatabase } from '@carryover/db';
import { addDays } from '@carryover/domain';
import { describe, expect, it } from 'vitest';
import {
  carryoverInChromium,
  haveChromium,
  newContext,
  shotsDir,
  signIn,
  VIEWPORTS,
} from './support/e2e';

// The clarity fixes of issue 16 as a person sees them on the demo district: the goal graph in
// the goal's own measure with teacher probes told apart, read-only recommendations of another
// discipline, a plan's dates filled in, and the goal bank an admin adds to and a therapist
// searches. Screenshots at phone and laptop width land in test-results/.

const run = carryoverInChromium();

async function one<T>(query: (db: ReturnType<typeof openDatabase>['db']) => Promise<T>) {
  const conn = openDatabase(run.app.dbPath);
  try {
    return await query(conn.db);
  } finally {
    await conn.close();
  }
}

const noOverflow = 'document.documentElement.scrollWidth - window.innerWidth';

describe.skipIf(!haveChromium)('browser: clarity fixes and the goal bank', () => {
  for (const viewport of VIEWPORTS) {
    it(`at ${viewport.name} width the goal graph shows the goal's own measure and the teacher's probes`, async () => {
      // A percent goal with a teacher's classroom probe among its points.
      const probed = await one((db) =>
        db
          .selectFrom('observation as o')
          .innerJoin('goal as g', (j) =>
            j.onRef('g.district_id', '=', 'o.district_id').onRef('g.id', '=', 'o.goal_id'),
          )
          .select(['g.student_id', 'g.text'])
          .where('o.recorder_role', '=', 'teacher')
          .where('g.measurement_type', '=', 'percent')
          .where('g.baseline', '!=', 0)
          .orderBy('g.id')
          .executeTakeFirstOrThrow(),
      );
      const context = await newContext(run.browser, { viewport });
      const page = await context.newPage();
      await signIn(page, run.app.baseUrl, 'admin@demo.test');
      await page.goto(`${run.app.baseUrl}/students/${encodeURIComponent(probed.student_id)}`);
      const goal = page.locator('article.goal-section', { hasText: probed.text }).first();
      await goal.waitFor({ timeout: 30_000 });
      await goal.scrollIntoViewIfNeeded();
      const axis = goal.getByTestId('y-axis-title');
      expect(await axis.textContent()).toBe('% of trials correct');
      expect(await goal.getByRole('radio', { name: '% of trials correct' }).isChecked()).toBe(true);
      const ticks = await goal.locator('.gg-grid > g > text').allTextContents();
      expect(ticks).toEqual(expect.arrayContaining(['0%', '50%', '100%']));
      expect(await goal.getByTestId('teacher-probe').count()).toBeGreaterThan(0);
      await goal.getByText('Classroom probe, recorded by the teacher').waitFor();
      await page.screenshot({
        path: join(shotsDir, `goal-graph-measure-${viewport.name}.png`),
        fullPage: false,
      });
      await goal.getByRole('radio', { name: '% of the way to target' }).check();
      expect(await axis.textContent()).toBe('% of the way to target');
      await goal.getByRole('button', { name: 'Show data table' }).click();
      await goal.getByRole('columnheader', { name: 'Recorded by' }).waitFor();
      expect(
        await goal.locator('tbody tr', { hasText: '(teacher, classroom probe)' }).count(),
      ).toBeGreaterThan(0);
      expect(await page.evaluate(noOverflow)).toBeLessThanOrEqual(0);
      await goal.screenshot({ path: join(shotsDir, `goal-graph-table-${viewport.name}.png`) });
      await context.close();
    }, 120_000);
  }

  it("shows another discipline's recommendations read-only", async () => {
    const context = await newContext(run.browser, { viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await signIn(page, run.app.baseUrl, 'slp@demo.test');
    await page.goto(`${run.app.baseUrl}/recommendations`);
    await page.getByRole('heading', { name: 'Recommendations', level: 1 }).waitFor();
    await page.locator('.recommendation, .empty-state').first().waitFor({ timeout: 30_000 });
    const cards = page.locator('li.section-card');
    const n = await cards.count();
    let readOnly = 0;
    for (let i = 0; i < n; i++) {
      const card = cards.nth(i);
      const heading = (await card.locator('h2').textContent()) ?? '';
      const accept = await card.getByRole('button', { name: /^Accept/ }).count();
      if (/ · (OT|PT) · /.test(heading)) {
        readOnly++;
        expect(accept).toBe(0);
        await card
          .getByText(/^Read only: the (OT|PT) therapist decides on (OT|PT) goals\.$/)
          .first()
          .waitFor();
      } else {
        expect(accept).toBeGreaterThan(0);
      }
    }
    console.log(`recommendations: ${n} goals, ${readOnly} of another discipline (read-only)`);
    await page.screenshot({
      path: join(shotsDir, 'recommendations-read-only.png'),
      fullPage: true,
    });
    await context.close();
  }, 120_000);

  it('fills a new push-in plan with today and a review six weeks on', async () => {
    const studentId = await one(async (db) => {
      const row = await db
        .selectFrom('service as s')
        .innerJoin('staff_user as u', (j) =>
          j.onRef('u.district_id', '=', 's.district_id').onRef('u.id', '=', 's.provider_id'),
        )
        .select('s.student_id')
        .where('u.email', '=', 'slp@demo.test')
        .orderBy('s.student_id')
        .executeTakeFirstOrThrow();
      return row.student_id;
    });
    const context = await newContext(run.browser, { viewport: { width: 390, height: 844 } });
    const page = await context.newPage();
    await signIn(page, run.app.baseUrl, 'slp@demo.test');
    await page.goto(`${run.app.baseUrl}/plans/new?studentId=${encodeURIComponent(studentId)}`);
    const agreed = page.getByLabel('Agreed on');
    await agreed.waitFor({ timeout: 30_000 });
    const agreedOn = await agreed.inputValue();
    expect(agreedOn).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    // The district's day: within a day of UTC's, whatever the district's time zone.
    const utcToday = new Date().toISOString().slice(0, 10);
    expect([addDays(utcToday, -1), utcToday, addDays(utcToday, 1)]).toContain(agreedOn);
    expect(await page.getByLabel('Review on').inputValue()).toBe(addDays(agreedOn, 42));
    // The routine picker offers the student's own classroom only.
    const options = await page.locator('#plan-routine option').allTextContents();
    const classrooms = new Set(
      options.slice(1).map((o) => o.split(' · ').slice(1, -1).join(' · ')),
    );
    expect(classrooms.size).toBe(1);
    await context.close();
  }, 120_000);

  for (const viewport of VIEWPORTS) {
    it(`at ${viewport.name} width an admin adds a district template that a therapist then finds`, async () => {
      const context = await newContext(run.browser, { viewport });
      const page = await context.newPage();
      await signIn(page, run.app.baseUrl, 'admin@demo.test');
      await page.goto(`${run.app.baseUrl}/admin/goal-bank`);
      await page.getByRole('heading', { name: 'Goal bank', level: 1 }).waitFor();
      // Wrong input: each field says what is wrong, in words.
      await page.getByLabel('Goal text').fill('Threads beads.');
      await page.getByRole('button', { name: 'Add template' }).click();
      const errors = page.locator('.field__error');
      await errors
        .filter({ hasText: "Write [Student] where the student's first name goes" })
        .waitFor();
      await errors.filter({ hasText: 'Enter the baseline as a number' }).waitFor();
      expect(await page.getByText(/Too small|Invalid input|expected/).count()).toBe(0);
      await page.screenshot({
        path: join(shotsDir, `goal-bank-errors-${viewport.name}.png`),
        fullPage: true,
      });
      const text = `[Student] will thread ${viewport.width} beads onto a lace during centers.`;
      await page.getByLabel('Discipline').selectOption('SLP');
      await page.getByLabel('Domain').selectOption('social_communication');
      await page.getByLabel('Goal text').fill(text);
      await page.getByLabel('Typical baseline').fill('20');
      await page.getByLabel('Target').fill('80');
      await page.getByRole('checkbox', { name: 'Centers' }).check();
      await page.getByRole('button', { name: 'Add template' }).click();
      await page.getByText('Template added.').waitFor();
      await page.locator('.goal-bank li', { hasText: text }).waitFor();
      expect(await page.evaluate(noOverflow)).toBeLessThanOrEqual(0);
      await page.screenshot({
        path: join(shotsDir, `goal-bank-admin-${viewport.name}.png`),
        fullPage: true,
      });
      await context.close();

      const studentId = await one(async (db) => {
        const row = await db
          .selectFrom('service as s')
          .innerJoin('staff_user as u', (j) =>
            j.onRef('u.district_id', '=', 's.district_id').onRef('u.id', '=', 's.provider_id'),
          )
          .select('s.student_id')
          .where('u.email', '=', 'slp@demo.test')
          .orderBy('s.student_id')
          .executeTakeFirstOrThrow();
        return row.student_id;
      });
      const therapist = await newContext(run.browser, { viewport });
      const form = await therapist.newPage();
      await signIn(form, run.app.baseUrl, 'slp@demo.test');
      await form.goto(`${run.app.baseUrl}/students/${encodeURIComponent(studentId)}/goals/new`);
      const search = form.getByLabel('Search the goal bank');
      await search.waitFor({ timeout: 30_000 });
      await form.getByRole('combobox', { name: 'Discipline' }).first().selectOption('SLP');
      await search.fill(`${viewport.width} beads`);
      const card = form.locator('.goal-bank li', { hasText: `thread ${viewport.width} beads` });
      await card.waitFor();
      expect(await card.textContent()).toContain('District template');
      await search.fill('stairs');
      await form.getByText(/No SLP templates match/).waitFor();
      expect(await form.evaluate(noOverflow)).toBeLessThanOrEqual(0);
      await search.fill('');
      await form.screenshot({
        path: join(shotsDir, `goal-bank-search-${viewport.name}.png`),
        fullPage: false,
      });
      await therapist.close();
    }, 120_000);
  }
});
