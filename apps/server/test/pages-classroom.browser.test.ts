import { describe } from 'vitest';
import { carryoverInChromium, haveChromium } from './support/e2e';
import { crawlRoleAtEachWidth, printResultsAfterAll } from './support/page-crawl';

// Every page an assistant and a teacher reach fits both widths and passes axe
// (test/support/page-crawl.ts).

describe.skipIf(!haveChromium)(
  'browser: every assistant and teacher page fits and passes axe',
  () => {
    const run = carryoverInChromium();
    printResultsAfterAll();

    crawlRoleAtEachWidth(run, 'assistant');
    crawlRoleAtEachWidth(run, 'teacher');
  },
);
