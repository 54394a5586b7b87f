import { describe, it } from 'vitest';
import { carryoverInChromium, haveChromium } from './support/e2e';
import {
  CRAWL_TIMEOUT,
  checkPublicPages,
  crawlRole,
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

    it('every page a therapist can reach', { timeout: CRAWL_TIMEOUT }, () =>
      crawlRole(run.app, run.browser, 'therapist'),
    );
  },
);
