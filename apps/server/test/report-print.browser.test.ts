import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import type { Browser, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { carryoverInChromium, haveChromium, newContext, shotsDir, signIn } from './support/e2e';

// Issue 15, reports part B, end to end in Chromium and read back with poppler:
// - "Generate all drafts for this period" drafts a whole caseload with progress, says what it
//   skipped and why, and a second run adds nothing;
// - "Print all final reports" prints the finalised ones as ONE PDF, each report on new pages,
//   each goal's graph in it as vectors (its axis and legend are PDF text, its lines are path
//   operators, and the PDF holds no raster image);
// - a family whose language is Spanish gets a Spanish parent letter: headings, statuses and
//   dates in Spanish, the therapist's narrative as written.

const havePoppler = (() => {
  try {
    execFileSync('pdftotext', ['-v'], { stdio: 'ignore' });
    execFileSync('pdfimages', ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
if (!havePoppler && process.env.CI)
  throw new Error('poppler-utils (pdftotext, pdfimages) is required in CI for the print tests');

const squash = (text: string) => text.replace(/\s+/g, ' ').trim();

type SqliteFile = {
  prepare(sql: string): { all(...params: unknown[]): unknown[] };
  close(): void;
};
const Database = createRequire(import.meta.url)('better-sqlite3') as new (
  path: string,
  options: { readonly: boolean; fileMustExist: boolean },
) => SqliteFile;

function countReports(dbPath: string): number {
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  try {
    const [row] = db.prepare('select count(*) as n from progress_report').all() as { n: number }[];
    return row?.n ?? 0;
  } finally {
    db.close();
  }
}

/** The pages of a PDF as text (pdftotext separates pages with a form feed). */
function pdfPages(path: string): string[] {
  const pages = execFileSync('pdftotext', [path, '-']).toString().split('\f').map(squash);
  return pages.filter((p, i) => p.length > 0 || i < pages.length - 1);
}

/** The PDF's page content, every Flate stream inflated: where its drawing operators are. */
function contentStreams(path: string): string {
  const pdf = readFileSync(path);
  const parts: string[] = [];
  let at = 0;
  for (;;) {
    const start = pdf.indexOf('stream', at, 'latin1');
    if (start < 0) break;
    let from = start + 'stream'.length;
    if (pdf[from] === 0x0d) from += 1;
    if (pdf[from] === 0x0a) from += 1;
    const end = pdf.indexOf('endstream', from, 'latin1');
    if (end < 0) break;
    try {
      parts.push(inflateSync(pdf.subarray(from, end)).toString('latin1'));
    } catch {
      // Not a Flate stream (or not compressed): fonts and the like, not page content.
    }
    at = end + 'endstream'.length;
  }
  return parts.join('\n');
}

/** Finalises the open report page; other disciplines on it are marked ready by the admin. */
async function finaliseReport(page: Page, browser: Browser, baseUrl: string) {
  const finalise = page.getByRole('button', { name: 'Finalise report' });
  await page.getByRole('heading', { name: 'Ready to finalise?' }).waitFor();
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
      await expect.poll(() => mark.count(), { timeout: 20_000 }).toBe(before - 1);
    }
    await adminContext.close();
    await page.reload();
  }
  await finalise.click();
  await page.getByRole('button', { name: 'Yes, finalise' }).click();
  await page.getByText('This report is final and locked').waitFor({ timeout: 20_000 });
}

describe.skipIf(!haveChromium || !havePoppler)(
  'browser: bulk reports, graphs in print, Spanish letters',
  () => {
    const running = carryoverInChromium();

    it('drafts a whole caseload once, then prints its final reports as one PDF with vector graphs', async () => {
      const { app, browser } = running;
      const context = await newContext(browser, { viewport: { width: 1280, height: 900 } });
      const page = await context.newPage();
      const consoleErrors: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') consoleErrors.push(m.text());
      });
      await signIn(page, app.baseUrl, 'ot@demo.test');
      await page.goto(`${app.baseUrl}/reports`);
      await page.getByRole('heading', { level: 2 }).first().waitFor();
      const rows = await page.getByRole('button', { name: /^Generate report for / }).count();
      expect(rows).toBeGreaterThan(2);
      const before = countReports(app.dbPath);

      // Generate all: progress n of N while it runs, then what it did and what it skipped.
      await page.getByRole('button', { name: 'Generate all drafts for this period' }).click();
      const status = page.locator('.bulk-reports__progress');
      await status.getByText(/^Drafting \d+ of \d+…$/).waitFor();
      await status.getByText(/^Done: /).waitFor({ timeout: 90_000 });
      const done = squash((await status.textContent()) ?? '');
      const created = Number(/Done: (\d+) drafts? generated/.exec(done)?.[1]);
      expect(created).toBe(rows);
      expect(countReports(app.dbPath)).toBe(before + rows);
      await page
        .getByRole('link', { name: /^Open .+'s report$/ })
        .first()
        .waitFor();
      await page.screenshot({ path: join(shotsDir, 'reports-generate-all.png'), fullPage: true });

      // Again: nothing new, and each student is listed as skipped with the reason.
      await page.getByRole('button', { name: 'Generate all drafts for this period' }).click();
      await status
        .getByText(/^Done: 0 drafts generated, \d+ skipped\.$/)
        .waitFor({ timeout: 30_000 });
      expect(countReports(app.dbPath)).toBe(before + rows);
      const skipped = page.locator('.bulk-reports__skipped');
      await skipped.getByText('Already has a draft').first().waitFor();
      expect(await skipped.getByText('Already has a draft').count()).toBeGreaterThanOrEqual(rows);
      await page.setViewportSize({ width: 390, height: 844 });
      expect(
        await page.evaluate('document.documentElement.scrollWidth - window.innerWidth'),
      ).toBeLessThanOrEqual(0);
      await page.screenshot({
        path: join(shotsDir, 'reports-generate-again-390.png'),
        fullPage: true,
      });
      await page.setViewportSize({ width: 1280, height: 900 });

      // Finalise two of the drafts.
      const finalised: string[] = [];
      for (let i = 0; i < 2; i += 1) {
        await page.goto(`${app.baseUrl}/reports`);
        const open = page.getByRole('link', { name: /^Open .+'s report$/ }).first();
        const label = (await open.getAttribute('aria-label')) ?? '';
        finalised.push(label.replace(/^Open (draft of )?/, '').replace(/'s report$/, ''));
        await open.click();
        await page.getByRole('heading', { level: 1, name: /progress report$/ }).waitFor();
        await finaliseReport(page, browser, app.baseUrl);
      }

      // Print all final reports: one document, each report starting on a new page.
      await page.goto(`${app.baseUrl}/reports`);
      await page.getByRole('link', { name: 'Print all final reports (2)' }).click();
      await page.getByTestId('print-all-count').getByText('2 final reports').waitFor();
      await expect.poll(() => page.locator('article.print-doc').count()).toBe(2);
      await expect
        .poll(() => page.locator('.goal-graph--print svg[role="img"]').count())
        .toBeGreaterThan(0);
      await page.screenshot({ path: join(shotsDir, 'reports-print-all.png'), fullPage: true });
      // On a phone the same document fits the screen: the graph scales, nothing scrolls sideways.
      await page.setViewportSize({ width: 390, height: 844 });
      expect(
        await page.evaluate('document.documentElement.scrollWidth - window.innerWidth'),
      ).toBeLessThanOrEqual(0);
      await page.screenshot({ path: join(shotsDir, 'reports-print-all-390.png'), fullPage: true });
      await page.locator('.goal-graph--print').first().scrollIntoViewIfNeeded();
      await page.screenshot({ path: join(shotsDir, 'reports-print-all-graph-390.png') });
      await page.setViewportSize({ width: 1280, height: 900 });
      const pdfPath = join(shotsDir, 'reports-print-all.pdf');
      await page.pdf({ path: pdfPath, format: 'Letter', printBackground: true });

      const pages = pdfPages(pdfPath);
      const starts = pages
        .map((text, i) => ({ text, i }))
        .filter((p) => p.text.includes('IEP Progress Report'));
      // Two reports, each opening a page of its own: the title is on two different pages, and
      // each of those pages begins with the report's header (the district's name, then the title).
      expect(starts).toHaveLength(2);
      expect(starts[0]!.i).toBe(0);
      for (const s of starts) expect(s.text).toMatch(/^.{0,80}IEP Progress Report/);
      const all = pages.join(' ');
      for (const name of finalised) expect(all).toContain(name);
      expect(all).not.toContain('Print or save as PDF');

      // The graphs are vectors: their axis and legend labels are text in the PDF, their lines
      // are path operators in the page content, and there is no raster image at all.
      expect(all).toContain('% of the way to target');
      expect(all).toMatch(/Setting \(colour and fill\)/i); // a legend that says fill, for black and white
      expect(all).not.toContain('Online'); // the app's connection line is not printed
      expect(all).toMatch(/\bAim\b/);
      // Chromium writes SVG lines (and the dashes of the aim line) as path segments: hundreds per
      // graph, where a page of text and tables alone has a few dozen (a parent letter of three
      // goals without graphs: 24 line-tos, 49 strokes).
      const graphs = await page.locator('.goal-graph--print svg[role="img"]').count();
      const ops = contentStreams(pdfPath);
      const lineTos = ops.match(/-?[\d.]+ -?[\d.]+ l\b/g)?.length ?? 0;
      const strokes = ops.match(/\bS\b/g)?.length ?? 0;
      expect(lineTos).toBeGreaterThan(200 * graphs);
      expect(strokes).toBeGreaterThan(40 * graphs);
      const images = execFileSync('pdfimages', ['-list', pdfPath]).toString().trim().split('\n');
      expect(images.slice(2)).toEqual([]); // the two header lines only: no raster in the PDF
      execFileSync('pdftoppm', [
        '-png',
        '-r',
        '70',
        '-f',
        '1',
        '-l',
        '2',
        pdfPath,
        join(shotsDir, 'reports-print-all-page'),
      ]);

      expect(consoleErrors).toEqual([]);
      await context.close();
    }, 300_000);

    it('prints a Spanish parent letter for a family whose language is Spanish', async () => {
      const { app, browser } = running;
      const context = await newContext(browser, { viewport: { width: 390, height: 844 } });
      const page = await context.newPage();
      const consoleErrors: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') consoleErrors.push(m.text());
      });
      await signIn(page, app.baseUrl, 'admin@demo.test');

      // The admin drafts the report of a student without one this period.
      await page.goto(`${app.baseUrl}/reports`);
      const generate = page.getByRole('button', { name: /^Generate report for / }).first();
      const name = ((await generate.getAttribute('aria-label')) ?? '').replace(
        /^Generate report for /,
        '',
      );
      const [firstName = '', ...rest] = name.split(' ');
      const lastName = rest.join(' ');
      await generate.click();
      await page.getByRole('heading', { level: 1, name: /progress report$/ }).waitFor();
      const reportUrl = page.url();
      const narrative = squash(
        (await page.locator('.report-goal textarea').first().inputValue()) ?? '',
      );

      // On the Students page, the family's language is set to Spanish.
      await page.goto(`${app.baseUrl}/students`);
      await page.getByLabel('Search by name').fill(lastName);
      await page
        .getByRole('link', { name: `${lastName}, ${firstName}` })
        .first()
        .click();
      await page.getByRole('button', { name: 'Edit details' }).click();
      const language = page.getByLabel("Family's language");
      expect(await language.inputValue()).toBe('en');
      await language.selectOption('es');
      await page.screenshot({
        path: join(shotsDir, 'student-family-language-390.png'),
        fullPage: true,
      });
      await page.getByRole('button', { name: 'Save student' }).click();
      await page.getByRole('button', { name: 'Edit details' }).waitFor();

      // The report is finalised, then its parent version printed: in Spanish.
      await page.goto(reportUrl);
      await page.getByRole('heading', { level: 1, name: /progress report$/ }).waitFor();
      await finaliseReport(page, browser, app.baseUrl);
      await page.goto(`${reportUrl}/print?version=parent`);
      await page.getByRole('heading', { level: 1, name: `Cómo le va a ${firstName}` }).waitFor();
      expect(await page.getByLabel('Letter language').inputValue()).toBe('es');
      const overflow = await page.evaluate(
        'document.documentElement.scrollWidth - window.innerWidth',
      );
      expect(overflow).toBeLessThanOrEqual(0);
      await page.screenshot({ path: join(shotsDir, 'parent-letter-es-390.png'), fullPage: true });
      await page.setViewportSize({ width: 1280, height: 900 });
      await page.screenshot({ path: join(shotsDir, 'parent-letter-es-1280.png'), fullPage: true });

      const pdfPath = join(shotsDir, 'parent-letter-es.pdf');
      await page.pdf({ path: pdfPath, format: 'Letter', printBackground: true });
      const text = pdfPages(pdfPath).join(' ');
      expect(text).toContain(`Cómo le va a ${firstName}`);
      expect(text).toContain('Notas de la terapeuta o el terapeuta');
      expect(text).toMatch(
        /Objetivo alcanzado|En camino|Necesita más tiempo y apoyo|Todavía no ha comenzado/,
      );
      // Dates the Spanish way ("30 de noviembre de 2026"), in the lead and the signature.
      const spanishDate =
        /\d{1,2} de (enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|octubre|noviembre|diciembre) de \d{4}/;
      expect(text).toMatch(new RegExp(`Finalizado el ${spanishDate.source}`));
      expect(text).toMatch(new RegExp(`del ${spanishDate.source} al ${spanishDate.source}`));
      // The letter says what is translated, and prints the therapist's narrative as written.
      expect(text).toContain('sin traducción automática');
      expect(text).toContain(narrative.slice(0, 50));
      expect(text).not.toContain('How ');
      expect(text).not.toContain('Finalised on');

      // The same letter can still be printed in English from the toolbar.
      await page.getByLabel('Letter language').selectOption('en');
      await page.getByRole('heading', { level: 1, name: `How ${firstName} is doing` }).waitFor();
      expect(consoleErrors).toEqual([]);
      await context.close();
    }, 240_000);
  },
);
