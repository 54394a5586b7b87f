import { describe, it } from 'vitest';
import { carryoverInChromium, haveChromium } from './support/e2e';
import { CRAWL_TIMEOUT, crawlRole, printResultsAfterAll } from './support/page-crawl';

// Every page an assistant and a teacher reach fits both widths and passes axe
// (test/support/page-crawl.ts).

describe.skipIf(!haveChromium)(
  'browser: every assistant and teacher page fits and passes axe',
  () => {
    const run = carryoverInChromium();
    printResultsAfterAll();

    for (const role of ['assistant', 'teacher'] as const) {
      it(`every page a ${role} can reach`, { timeout: CRAWL_TIMEOUT }, () =>
        crawlRole(run.app, run.browser, role),
      );
    }
  },
);
