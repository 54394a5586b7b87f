import { beforeAll, describe, it } from 'vitest';
import { carryoverInChromium, haveChromium } from './support/e2e';
import {
  checkPublicPages,
  crawlRoleAtEachWidth,
  draftReportAsTherapist,
  printResultsAfterAll,
} from './support/page-crawl';

// The signed-out pages and every page a therapist reaches fit both widths and pass axe
// (test/support/page-crawl.ts).

describe.skipIf(!haveChromium)(
  'browser: every signed-out and therapist page fits and passes axe',
  () => {
    const run = carryoverInChromium();
    printResultsAfterAll();

    it('the pages before sign-in', { timeout: 240_000 }, () =>
      checkPublicPages(run.browser, run.app.baseUrl),
    );

    // A drafted report, so the report and its printable page are among the pages checked.
    beforeAll(() => draftReportAsTherapist(run.browser, run.app.baseUrl), 120_000);
    crawlRoleAtEachWidth(run, 'therapist');
  },
);
