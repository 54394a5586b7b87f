import { beforeAll, describe } from 'vitest';
import { carryoverInChromium, haveChromium } from './support/e2e';
import {
  crawlRoleAtEachWidth,
  draftReportAsTherapist,
  printResultsAfterAll,
} from './support/page-crawl';

// Every page an admin reaches fits both widths and passes axe (test/support/page-crawl.ts), with
// a therapist's drafted report among them.

describe.skipIf(!haveChromium)('browser: every admin page fits and passes axe', () => {
  const run = carryoverInChromium();
  printResultsAfterAll();
  beforeAll(() => draftReportAsTherapist(run.browser, run.app.baseUrl), 120_000);

  crawlRoleAtEachWidth(run, 'admin');
});
