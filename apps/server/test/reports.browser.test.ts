import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  haveChromium,
  launchChromium,
  newContext,
  type RunningCarryover,
  shotsDir,
  signIn,
  startCarryover,
} from './support/e2e';

// A therapist's quarterly chore end to end: open a student, draft this period's progress
// report from the data, edit a narrative, finalise, and print it to PDF with headless
// Chromium. The PDF's text (poppler's pdftotext) must hold the student's goals.

const havePoppler = (() => {
  try {
    execFileSync('pdftotext', ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
if (!havePoppler) {
  if (process.env.CI)
    throw new Error('poppler-utils (pdftotext) is required in CI for the report test');
  console.warn(
    '\n⚠  SKIPPED: report print test — needs pdftotext (apt-get install poppler-utils).\n',
  );
}

const outDir = shotsDir;

/** Whitespace-insensitive, so line wrapping in the PDF does not matter. */
const squash = (text: string) => text.replace(/\s+/g, ' ').trim();

describe.skipIf(!haveChromium || !havePoppler)('browser: progress report to PDF', () => {
  let app: RunningCarryover;
  let browser: Browser;
  let baseUrl: string;

  beforeAll(async () => {
    app = await startCarryover();
    baseUrl = app.baseUrl;
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  it('drafts, edits, finalises and prints a report whose PDF holds the goals', async () => {
    const context = await newContext(browser, { viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const consoleErrors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });

    await signIn(page, baseUrl, 'ot@demo.test');
    await page.getByRole('heading', { name: 'Caseload' }).waitFor();
    expect(await page.getByRole('link', { name: 'Reports' }).count()).toBe(1);

    // Open a student and draft this period's report from their page.
    const studentLink = page.locator('main a[href^="/students/"]').first();
    const studentName = squash((await studentLink.textContent()) ?? '');
    await studentLink.click();
    await page.getByRole('heading', { level: 1, name: studentName }).waitFor();
    await page.getByRole('button', { name: /progress report$/ }).click();
    await page.getByRole('heading', { level: 1, name: /progress report$/ }).waitFor();
    expect(page.url()).toMatch(/\/reports\/[^/]+$/);

    const goalTexts = (
      await page.locator('.report-goal .goal-section__text').allTextContents()
    ).map(squash);
    expect(goalTexts.length).toBeGreaterThan(0);
    // The OT edits the first goal of their own discipline (others' goals are read-only).
    const firstCard = page
      .locator('.report-goal')
      .filter({ has: page.locator('textarea') })
      .first();
    const narrative = firstCard.getByLabel('Narrative');
    const drafted = await narrative.inputValue();
    expect(drafted).toMatch(/^(Across \d+ sessions? this period|No data|.+ has not started)/);

    const edit = 'The family reports practising at home every evening.';
    await narrative.fill(`${drafted} ${edit}`);
    // A score other than the computed one, with its reason: printed on the report.
    const gas = firstCard.getByLabel('Goal-attainment score');
    await gas.selectOption((await gas.inputValue()) === '2' ? '1' : '2');
    const gasReason = 'Seen at home and at school alike';
    await firstCard.getByLabel('Reason for changing the score').fill(gasReason);
    await firstCard.getByRole('button', { name: 'Save goal' }).click();
    await expect.poll(() => firstCard.getByRole('status').textContent()).toBe('Saved');
    await page.screenshot({ path: join(outDir, 'report-draft.png'), fullPage: true });

    // A report that also covers another discipline waits for its ready mark: the admin gives
    // it here (each discipline marks its own lines; coordinators and admins any).
    const finalise = page.getByRole('button', { name: 'Finalise report' });
    if ((await finalise.count()) === 0) {
      const adminContext = await newContext(browser, { viewport: { width: 1280, height: 900 } });
      const admin = await adminContext.newPage();
      await signIn(admin, baseUrl, 'admin@demo.test');
      await admin.goto(page.url());
      const mark = admin.getByRole('button', { name: /^Mark (?!OT).+ lines ready$/ });
      await admin.getByRole('heading', { name: 'Ready to finalise?' }).waitFor();
      while ((await mark.count()) > 0) {
        const before = await mark.count();
        await mark.first().click();
        await expect.poll(() => mark.count()).toBe(before - 1);
      }
      await adminContext.close();
      await page.reload();
    }

    // A last sentence typed and not saved: finalising saves it first rather than losing it.
    const unsavedEdit = 'Typed just before finalising and never saved.';
    const typed = page
      .locator('.report-goal')
      .filter({ has: page.locator('textarea') })
      .first()
      .getByLabel('Narrative');
    await typed.fill(`${await typed.inputValue()} ${unsavedEdit}`);

    // Finalise: the report locks.
    await finalise.click();
    await page.getByText('One goal has unsaved edits: they are saved first.').waitFor();
    await page.getByRole('button', { name: 'Yes, finalise' }).click();
    await page.getByText('This report is final and locked').waitFor();
    expect(await page.getByLabel('Narrative').count()).toBe(0);
    expect(squash((await page.locator('main').textContent()) ?? '')).toContain(unsavedEdit);

    // Print view to PDF (Chromium prints with the @media print rules).
    await page.getByRole('link', { name: 'Print report' }).click();
    await page.getByRole('heading', { level: 1, name: 'IEP Progress Report' }).waitFor();
    const pdfPath = join(outDir, 'report.pdf');
    await page.pdf({ path: pdfPath, format: 'Letter', printBackground: true });
    const text = squash(execFileSync('pdftotext', ['-layout', pdfPath, '-']).toString());
    const plain = squash(execFileSync('pdftotext', [pdfPath, '-']).toString());
    expect(plain).toContain('IEP Progress Report');
    expect(plain).toContain(studentName);
    for (const goal of goalTexts) expect(plain).toContain(goal.slice(0, 60));
    expect(plain).toContain(edit);
    expect(plain).toContain(unsavedEdit);
    expect(plain).toContain(`The therapist changed the computed score`);
    expect(plain).toContain(gasReason);
    expect(plain).toContain('Finalised on');
    expect(plain).not.toContain('Print or save as PDF'); // the toolbar is not printed
    expect(text.length).toBeGreaterThan(200);
    execFileSync('pdftoppm', [
      '-png',
      '-r',
      '80',
      '-f',
      '1',
      '-l',
      '1',
      pdfPath,
      join(outDir, 'report-page'),
    ]);

    // The parent version: shorter, plain language, the same goals.
    await page.getByRole('link', { name: 'Parent version' }).click();
    await page.getByRole('heading', { level: 1, name: /^How .+ is doing$/ }).waitFor();
    const parentPdf = join(outDir, 'report-parent.pdf');
    await page.pdf({ path: parentPdf, format: 'Letter', printBackground: true });
    const parentText = squash(execFileSync('pdftotext', [parentPdf, '-']).toString());
    for (const goal of goalTexts) expect(parentText).toContain(goal.slice(0, 60));
    expect(parentText).not.toContain('Attainment score');
    // The letter gives the therapist's narrative as edited, not the first draft.
    expect(parentText).toContain(edit);
    expect(parentText).toContain(unsavedEdit);
    expect(parentText.length).toBeLessThan(plain.length);
    execFileSync('pdftoppm', [
      '-png',
      '-r',
      '80',
      '-f',
      '1',
      '-l',
      '1',
      parentPdf,
      join(outDir, 'report-parent-page'),
    ]);

    expect(consoleErrors).toEqual([]);
    expect(readFileSync(pdfPath).subarray(0, 5).toString()).toBe('%PDF-');
    await context.close();
  }, 120_000);
});
