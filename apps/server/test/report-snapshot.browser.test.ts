import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { carryoverInChromium, haveChromium, newContext, shotsDir, signIn } from './support/e2e';

// Final means final (issue 12): every discipline marks its lines ready, the report is
// finalised, then a goal on it is rewritten. The printed report still shows the goal as it was
// finalised, with "finalised on … by …"; reopening it makes version 2 with its reason, and
// version 1 stays printable as it was.

const squash = (text: string) => text.replace(/\s+/g, ' ').trim();

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
    const generate = page.getByRole('button', { name: /^Generate .+'s report$/ }).first();
    const studentName = ((await generate.getAttribute('aria-label')) ?? '')
      .replace(/^Generate /, '')
      .replace(/'s report$/, '');
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
    await page.getByRole('button', { name: 'Finalise report' }).click();
    await page.getByRole('button', { name: 'Yes, finalise' }).click();
    await page.getByText('This report is final and locked').waitFor();

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
});
