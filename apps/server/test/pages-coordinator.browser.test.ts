import { beforeAll, describe, expect, it } from 'vitest';
import { carryoverInChromium, haveChromium, newContext, signIn, VIEWPORTS } from './support/e2e';
import {
  crawlRoleAtEachWidth,
  draftReportAsTherapist,
  printResultsAfterAll,
} from './support/page-crawl';

// Every page a coordinator reaches fits both widths and passes axe (test/support/page-crawl.ts),
// with a therapist's drafted report among them; the column choices on its tables are kept.

describe.skipIf(!haveChromium)('browser: every coordinator page fits and passes axe', () => {
  const run = carryoverInChromium();
  printResultsAfterAll();
  beforeAll(() => draftReportAsTherapist(run.browser, run.app.baseUrl), 120_000);

  crawlRoleAtEachWidth(run, 'coordinator');

  it('Caseload and Workload remember the columns a user chose', { timeout: 240_000 }, async () => {
    const context = await newContext(run.browser, { viewport: VIEWPORTS[1] });
    const page = await context.newPage();
    await signIn(page, run.app.baseUrl, 'coordinator@demo.test');
    // Opens the chooser by its summary. On a loaded machine a click can land while the page is
    // still laying out and leave the disclosure shut (CI saw "Show all" never appear): look at
    // whether it opened, and click again if not.
    const chooser = page.locator('details.column-chooser');
    const isOpen = () => chooser.evaluate((d) => d.hasAttribute('open'));
    const openChooser = (summary: string) =>
      expect
        .poll(
          async () => {
            if (!(await isOpen())) await page.getByText(summary, { exact: true }).click();
            return isOpen();
          },
          { timeout: 60_000 },
        )
        .toBe(true);
    for (const [path, caption, column] of [
      ['/workload', 'Workload per therapist', 'Open goals'],
      ['/caseload', 'Students on your caseload', 'School'],
    ] as const) {
      const table = page.getByRole('table', { name: caption });
      const header = table.getByRole('columnheader', { name: column });
      await page.goto(`${run.app.baseUrl}${path}`);
      await header.waitFor();
      await openChooser('Columns');
      await page.getByRole('checkbox', { name: column }).uncheck();
      await expect.poll(() => header.count()).toBe(0);
      // Kept on the device: a reload opens the table without it.
      await page.reload();
      await table.getByRole('row').nth(1).waitFor();
      expect(await header.count()).toBe(0);
      await openChooser('Columns (1 hidden)');
      await page.getByRole('button', { name: 'Show all' }).click();
      await header.waitFor();
      await page.reload();
      await header.waitFor();
    }
    await context.close();
  });
});
