import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { openDatabase, systemClock } from '@carryover/db';
import { addDays, dateIn } from '@carryover/domain';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  carryoverInChromium,
  haveChromium,
  newContext,
  shotsDir,
  signIn,
  VIEWPORTS,
} from './support/e2e';

// Students and people by hand, end to end on the demo district at phone and laptop width: a
// coordinator adds a student with a service that waits for a provider and transfers them to
// another school; an admin adds a person and gets their setup link.

describe.skipIf(!haveChromium)('browser: students, transfers and people', () => {
  const running = carryoverInChromium();
  beforeAll(() => mkdirSync(shotsDir, { recursive: true }));

  const today = () => dateIn(systemClock(), 'America/Chicago');
  const noWiderThanViewport = async (page: import('playwright-core').Page) =>
    expect(
      await page.evaluate('document.documentElement.scrollWidth - window.innerWidth'),
    ).toBeLessThanOrEqual(0);

  for (const viewport of VIEWPORTS) {
    it(`at ${viewport.name} width a coordinator adds a student with a service and transfers them`, async () => {
      const { app, browser } = running;
      const context = await newContext(browser, { viewport });
      const page = await context.newPage();
      await signIn(page, app.baseUrl, 'coordinator@demo.test');
      // On a phone the navigation is behind the Menu button.
      if (viewport.name === 'phone') await page.getByRole('button', { name: 'Menu' }).click();
      await page.getByRole('link', { name: 'Students', exact: true }).first().click();
      await page.getByRole('heading', { name: 'Students', level: 1 }).waitFor();
      await page.getByRole('button', { name: 'Add a student' }).click();

      const lastName = `Browser${viewport.name}`;
      await page.getByLabel('First name').fill('Nora');
      await page.getByLabel('Last name').fill(lastName);
      await page.getByLabel('Grade').fill('3');
      await page.getByLabel('Date of birth').fill('2017-05-04');
      await page.getByLabel('IEP start').fill(addDays(today(), -60));
      // An annual review more than a year out: the form names the field.
      await page.getByLabel('Annual review').fill(addDays(today(), 400));
      await page.getByLabel('Reevaluation').fill(addDays(today(), 700));
      await page.getByRole('button', { name: 'Add student' }).click();
      await page.getByText('The annual review is within a year after the IEP starts').waitFor();
      await page.getByLabel('Annual review').fill(addDays(today(), 300));
      await page.screenshot({
        path: join(shotsDir, `students-add-${viewport.name}.png`),
        fullPage: true,
      });
      await page.getByRole('button', { name: 'Add student' }).click();
      await page.waitForURL('**/manage');
      await page.getByRole('heading', { name: `Nora ${lastName}`, level: 1 }).waitFor();

      await page.getByRole('button', { name: 'Add a service' }).click();
      await page.getByLabel('Discipline').selectOption('OT');
      await page.getByLabel('Minutes').fill('30');
      await page.getByLabel('Model').selectOption('pull_out');
      await page.getByLabel('Starts').fill(addDays(today(), -30));
      await page.getByLabel('Ends').fill(addDays(today(), 300));
      await page.getByRole('button', { name: 'Add service' }).click();
      await page.getByText('needs a provider', { exact: false }).first().waitFor();
      await page.getByText('OT · 30 min/week · Pull-out').waitFor();

      await page.getByRole('button', { name: 'Transfer' }).click();
      const toSchool = page.getByLabel('To school');
      // The form starts at the student's school; move them to another.
      const fromSchool = (await toSchool.locator('option:checked').textContent()) ?? '';
      const names = await toSchool.locator('option').allTextContents();
      const toName = names.find((n) => n !== fromSchool) ?? '';
      await toSchool.selectOption({ label: toName });
      await page.getByLabel('First day there').fill(today());
      await page.getByLabel('Why').fill('family moved');
      await page.screenshot({
        path: join(shotsDir, `students-transfer-${viewport.name}.png`),
        fullPage: true,
      });
      await page.getByRole('button', { name: 'Transfer', exact: true }).last().click();
      await page
        .getByText(`→ ${toName}`, { exact: false })
        .waitFor()
        .catch(async (err) => {
          await page.screenshot({
            path: join(shotsDir, `students-failed-${viewport.name}.png`),
            fullPage: true,
          });
          throw err;
        });
      await expect.poll(() => page.getByText(`Grade 3 · ${toName}`).count()).toBe(1);
      await noWiderThanViewport(page);
      await page.screenshot({
        path: join(shotsDir, `students-manage-${viewport.name}.png`),
        fullPage: true,
      });

      // The list shows the service waiting for a provider, and the stored transfer agrees.
      if (viewport.name === 'phone') await page.getByRole('button', { name: 'Menu' }).click();
      await page.getByRole('link', { name: 'Students', exact: true }).first().click();
      await page.getByRole('heading', { name: 'Needs a provider' }).waitFor();
      await page
        .getByRole('link', { name: `Nora ${lastName}` })
        .first()
        .waitFor();
      await noWiderThanViewport(page);
      await page.screenshot({ path: join(shotsDir, `students-list-${viewport.name}.png`) });
      const conn = openDatabase(app.dbPath);
      try {
        const moved = await conn.db
          .selectFrom('student_transfer as t')
          .innerJoin('student as s', 's.id', 't.student_id')
          .innerJoin('school as to', 'to.id', 't.to_school_id')
          .select(['to.name', 't.reason', 't.effective_on'])
          .where('s.last_name', '=', lastName)
          .execute();
        expect(moved).toEqual([{ name: toName, reason: 'family moved', effective_on: today() }]);
      } finally {
        await conn.close();
      }
      await context.close();
    }, 120_000);
  }

  for (const viewport of VIEWPORTS) {
    it(`at ${viewport.name} width an admin adds a person and gets their setup link`, async () => {
      const { app, browser } = running;
      const context = await newContext(browser, { viewport });
      const page = await context.newPage();
      await signIn(page, app.baseUrl, 'admin@demo.test');
      await page.goto(`${app.baseUrl}/admin/people`);
      await page.getByRole('heading', { name: 'People', level: 1 }).waitFor();
      await page.getByRole('button', { name: 'Add a person' }).click();
      await page.getByLabel('Name').fill(`Pat ${viewport.name}`);
      await page.getByLabel('Email').fill(`pat-${viewport.name}@demo.test`);
      await page.getByLabel('Role').selectOption('assistant');
      await page.getByLabel('Discipline').selectOption('OT');
      await page.getByRole('button', { name: 'Add and make a setup link' }).click();
      await page.getByText('Choose the supervising therapist').waitFor();
      await page.getByLabel('Supervisor').selectOption({ index: 1 });
      await page.getByRole('button', { name: 'Add and make a setup link' }).click();
      await page.getByRole('heading', { name: `Setup link for Pat ${viewport.name}` }).waitFor();
      expect(await page.locator('.setup-link').textContent()).toMatch(/\/setup#.+\..{43}$/);
      await noWiderThanViewport(page);
      await page.screenshot({
        path: join(shotsDir, `people-${viewport.name}.png`),
        fullPage: true,
      });
      await context.close();
    }, 120_000);
  }
});
