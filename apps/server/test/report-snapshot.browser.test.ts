import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { carryoverInChromium, haveChromium, newContext, shotsDir, signIn } from './support/e2e';

// Final means final (issue 12): every discipline marks its lines ready, the report is
// finalised, then a goal on it is rewritten. The printed report still shows the goal as it was
// finalised, with "finalised on … by …"; reopening it makes version 2 with its reason, and
// version 1 stays printable as it was.

const squash = (text: string) => text.replace(/\s+/g, ' ').trim();

/** Reads the server's SQLite file directly (read-only), to check what was stored. */
type SqliteFile = {
  prepare(sql: string): { all(...params: unknown[]): unknown[] };
  close(): void;
};
const Database = createRequire(import.meta.url)('better-sqlite3') as new (
  path: string,
  options: { readonly: boolean; fileMustExist: boolean },
) => SqliteFile;

/** Finalises the open report page; another discipline on it is marked ready by the admin. */
async function finaliseReport(page: Page, browser: Browser, baseUrl: string) {
  const finalise = page.getByRole('button', { name: 'Finalise report' });
  if ((await finalise.count()) === 0) {
    const adminContext = await newContext(browser, { viewport: { width: 1280, height: 900 } });
    const admin = await adminContext.newPage();
    await signIn(admin, baseUrl, 'admin@demo.test');
    await admin.goto(page.url());
    await admin.getByRole('heading', { name: 'Ready to finalise?' }).waitFor();
    const mark = admin.getByRole('button', { name: /^Mark .+ lines ready$/ });
    while ((await mark.count()) > 0) {
      const before = await mark.count();
      await mark.first().click();
      await expect.poll(() => mark.count()).toBe(before - 1);
    }
    await adminContext.close();
    await page.reload();
  }
  await finalise.click();
  await page.getByRole('button', { name: 'Yes, finalise' }).click();
  await page.getByText('This report is final and locked').waitFor();
}

describe.skipIf(!haveChromium)('browser: a finalised report is a snapshot', () => {
  const running = carryoverInChromium();

  it('prints the finalised goal text after the goal is edited, and keeps version 1 after an amendment', async () => {
    const { app, browser } = running;
    const context = await newContext(browser, { viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const consoleErrors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    await signIn(page, app.baseUrl, 'admin@demo.test');

    // Draft a report for the first student without one this period.
    await page.goto(`${app.baseUrl}/reports`);
    const generate = page.getByRole('button', { name: /^Generate report for .+$/ }).first();
    const studentName = ((await generate.getAttribute('aria-label')) ?? '').replace(
      /^Generate report for /,
      '',
    );
    await generate.click();
    await page.getByRole('heading', { level: 1, name: /progress report$/ }).waitFor();
    const reportUrl = page.url();
    const reportTexts = (
      await page.locator('.report-goal .goal-section__text').allTextContents()
    ).map(squash);
    expect(reportTexts.length).toBeGreaterThan(0);

    // Every discipline marks its lines ready (the admin may mark any); then it can be finalised.
    const markReady = page.getByRole('button', { name: /^Mark .+ lines ready$/ });
    while ((await markReady.count()) > 0) {
      const before = await markReady.count();
      await markReady.first().click();
      await expect.poll(() => markReady.count()).toBe(before - 1);
    }
    await finaliseReport(page, browser, app.baseUrl);

    // Rewrite one of the student's goals that is on the report.
    await page.goto(`${app.baseUrl}/reports`);
    await page.getByRole('link', { name: studentName, exact: true }).first().click();
    await page.getByRole('heading', { level: 1, name: studentName }).waitFor();
    await page
      .getByRole('link', { name: /^Edit the .+ goal$/ })
      .first()
      .click();
    const goalText = page.getByLabel('Goal text');
    await goalText.waitFor();
    const original = squash(await goalText.inputValue());
    expect(reportTexts).toContain(original);
    const rewritten = `${original} Rewritten after the report was final.`;
    await goalText.fill(rewritten);
    await page.getByRole('button', { name: 'Save goal' }).click();
    await page.waitForURL((url) => !url.pathname.endsWith('/edit'));

    // The print of the finalised report shows the snapshot.
    await page.goto(`${reportUrl}/print`);
    const doc = page.locator('article.print-doc');
    await page.getByRole('heading', { level: 1, name: 'IEP Progress Report' }).waitFor();
    const printed = squash((await doc.textContent()) ?? '');
    expect(printed).toContain(original);
    expect(printed).not.toContain('Rewritten after the report was final');
    expect(printed).toMatch(/Finalised on .+ by .+\./);
    await page.screenshot({ path: join(shotsDir, 'report-snapshot-v1.png'), fullPage: true });

    // Amend: version 2 is a draft with the goal as it is now, and says why it was reopened.
    await page.goto(reportUrl);
    await page.getByRole('button', { name: 'Amend report' }).click();
    await page.getByLabel('Why is the report amended?').fill('Goal wording corrected');
    await page.getByRole('button', { name: 'Reopen as version 2' }).click();
    await page.getByText('Version 2 (amended: Goal wording corrected)').waitFor();
    const draftTexts = (
      await page.locator('.report-goal .goal-section__text').allTextContents()
    ).map(squash);
    expect(draftTexts).toContain(squash(rewritten));

    // Version 1 stays printable exactly as it was finalised.
    await page.getByRole('link', { name: 'Print version 1' }).click();
    await page.getByRole('heading', { level: 1, name: 'IEP Progress Report' }).waitFor();
    await page.getByText('Superseded by version 2').waitFor();
    const v1 = squash((await doc.textContent()) ?? '');
    expect(v1).toContain(original);
    expect(v1).not.toContain('Rewritten after the report was final');
    expect(v1).toMatch(/Finalised on .+ by .+\./);
    await page.screenshot({ path: join(shotsDir, 'report-snapshot-amended.png'), fullPage: true });

    expect(consoleErrors).toEqual([]);
    await context.close();
  }, 120_000);

  it("asks for a late entry's reason on a session dated in a finalised period, and stores it", async () => {
    const { app, browser } = running;
    const context = await newContext(browser, { viewport: { width: 390, height: 844 } });
    const page = await context.newPage();
    await signIn(page, app.baseUrl, 'slp@demo.test');

    // The SLP finalises this period's report of one of their students.
    await page.goto(`${app.baseUrl}/reports`);
    const generate = page.getByRole('button', { name: /^Generate report for .+$/ }).first();
    const name = ((await generate.getAttribute('aria-label')) ?? '').replace(
      /^Generate report for /,
      '',
    );
    await generate.click();
    await page.getByRole('heading', { level: 1, name: /progress report$/ }).waitFor();
    await finaliseReport(page, browser, app.baseUrl);

    // Today is inside that period: a session for the student today is a late entry.
    await page.goto(`${app.baseUrl}/log-session`);
    await page.getByRole('heading', { name: 'Log session', level: 1 }).waitFor();
    await page.getByRole('radio', { name: 'Pull-out' }).check();
    await page.getByLabel('Begin').fill('07:00');
    await page.getByLabel('End').fill('07:20');
    const reason = page.getByLabel('Late entry: why is it entered now?');
    expect(await reason.count()).toBe(0);
    await page
      .getByRole('checkbox', { name: new RegExp(`^${name}`) })
      .first()
      .check();
    await reason.waitFor();
    await page.getByRole('button', { name: 'Save and sign' }).click();
    await page.getByText(/is final: enter this as a late entry and say why/).waitFor();
    await page.screenshot({ path: join(shotsDir, 'log-session-late-entry.png'), fullPage: true });
    await reason.fill('Paper notes from the field trip');
    await page.getByRole('button', { name: 'Save and sign' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: /^Saved and signed/ })
      .waitFor();
    await page.getByText('Everything is sent').waitFor({ timeout: 20_000 });

    const db = new Database(app.dbPath, { readonly: true, fileMustExist: true });
    try {
      const rows = db
        .prepare(
          `select late_entry_reason from therapy_session where late_entry_reason is not null`,
        )
        .all() as { late_entry_reason: string }[];
      expect(rows.map((r) => r.late_entry_reason)).toEqual(['Paper notes from the field trip']);
    } finally {
      db.close();
    }
    await context.close();
  }, 120_000);
});
