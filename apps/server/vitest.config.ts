import { createRequire } from 'node:module';
import { baseTestConfig } from '@carryover/vitest-config';
import { mergeConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

// The database tests copy one migrated template per run instead of migrating per test; the
// browser tests' servers start from one seeded demo district per run.
const require = createRequire(import.meta.url);

/**
 * The page crawls (test/pages-*.browser.test.ts) are the longest files by far: they start first,
 * so a run never ends on one of them alone. Vitest orders by last run's times only when it has
 * them, which a fresh clone (CI) does not.
 */
class CrawlsFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const crawl = (f: TestSpecification) => /\/pages-[^/]*\.browser\.test\.ts$/.test(f.moduleId);
    return [...sorted.filter(crawl), ...sorted.filter((f) => !crawl(f))];
  }
}

export default mergeConfig(baseTestConfig, {
  test: {
    // Two files at a time even on two cores (Vitest's default there is one): these tests mostly
    // wait on the servers and browsers they start, which are other processes.
    maxWorkers: 2,
    // The files share their worker's modules instead of a fresh process each: importing
    // Playwright, the API and the database layer cost 2–6 s per file, for 40 files. A file may
    // not leave state behind: ./test/support/env-guard.ts fails one that changes process.env
    // (the schedule files' faked clock once did, and the servers of the files after them
    // started on the wrong day).
    isolate: false,
    setupFiles: ['./test/support/env-guard.ts'],
    // Each browser test drives a real server and Chromium through a whole flow: 6–12 s on a
    // quiet machine, and up to 30 s while the suite's other servers and browsers load both
    // cores (seen in a CI run: load average 10). Half of this budget covers that.
    testTimeout: 90_000,
    // `expect.poll` gives up after 1 s by default: a wrong-password sign-in (a real scrypt check)
    // or a caseload page took longer while the suite loaded both cores (seen in a CI run at
    // load average 11). A broken page still fails, later.
    expect: { poll: { timeout: 20_000 } },
    // The servers the tests start compute no Outcomes ahead (a first view must stay a first
    // view); test/cluster.test.ts turns it on to test it.
    env: { OUTCOMES_PRECOMPUTE: 'off' },
    sequence: { sequencer: CrawlsFirst },
    globalSetup: [require.resolve('@carryover/db/testing-setup'), './test/support/e2e-template.ts'],
  },
});
