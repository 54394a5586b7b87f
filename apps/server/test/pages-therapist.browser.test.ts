import { beforeAll, describe, expect, it } from 'vitest';
import { carryoverInChromium, haveChromium, newContext, VIEWPORTS } from './support/e2e';
import {
  checkPublicPages,
  crawlRoleAtEachWidth,
  draftReportAsTherapist,
  inspect,
  printResultsAfterAll,
} from './support/page-crawl';

/** A page with one of each fault the crawl looks for, so a check that finds nothing fails here. */
const FAULTY_PAGE = `<!doctype html><html lang="en"><head><title>Faults</title></head><body>
<main><h1>Faults</h1>
<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">
<button style="position:absolute;left:1250px;width:200px">Generate report</button>
<div style="overflow-x:auto;width:300px"><table style="width:900px"><caption>Minutes by week</caption>
<tr><th>Week</th></tr><tr><td>1</td></tr></table></div>
<svg width="200" height="40" aria-hidden="true"><text x="30" y="20" text-anchor="end">Full phys.</text></svg>
<div style="overflow-x:auto;width:300px"><svg width="1500" height="40" aria-hidden="true"><text x="1400" y="20">7.0%</text></svg></div>
</main></body></html>`;

// The signed-out pages and every page a therapist reaches fit both widths and pass axe
// (test/support/page-crawl.ts).

describe.skipIf(!haveChromium)(
  'browser: every signed-out and therapist page fits and passes axe',
  () => {
    const run = carryoverInChromium();
    printResultsAfterAll();

    it('the checks find a page wider than the screen, a cut button, table and chart label, an image without text', async () => {
      const desktop = VIEWPORTS.find((v) => v.name === 'desktop')!;
      const context = await newContext(run.browser, { viewport: desktop });
      const page = await context.newPage();
      await page.setContent(FAULTY_PAGE);
      const found = await inspect(page, desktop);
      await context.close();
      expect(found.overflowPx).toBeGreaterThan(100);
      expect(found.clipped).toContain('Generate report');
      expect(found.cutTables).toEqual(['Minutes by week']);
      // A chart too wide for the screen that scrolls sideways, as a table may, is not cut.
      expect(found.cutChartText).toEqual(['Full phys.']);
      expect(found.violations.map((v) => v.split('×')[0])).toContain('image-alt');
    });

    it('the pages before sign-in', { timeout: 240_000 }, () =>
      checkPublicPages(run.browser, run.app.baseUrl),
    );

    // A drafted report, so the report and its printable page are among the pages checked.
    beforeAll(() => draftReportAsTherapist(run.browser, run.app.baseUrl), 120_000);
    crawlRoleAtEachWidth(run, 'therapist');
  },
);
