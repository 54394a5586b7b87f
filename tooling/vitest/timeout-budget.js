import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

// A test that takes more than half its timeout passes today and fails on a busier machine
// tomorrow. This reporter lists every such test at the end of the run, and writes them to a
// file the repository's `npm test` summary reads. With STRICT_TIMEOUT_BUDGET=1 (used when
// measuring the suite under load) any such test fails the run.

export class TimeoutBudgetReporter {
  /** @param {{ outputFile: string, defaultTimeout: number }} options */
  constructor(options) {
    this.outputFile = options.outputFile;
    this.defaultTimeout = options.defaultTimeout;
    /** @type {{ name: string, file: string, ms: number, timeout: number }[]} */
    this.over = [];
  }

  onTestCaseResult(testCase) {
    const result = testCase.result();
    if (result.state !== 'passed' && result.state !== 'failed') return;
    const ms = testCase.diagnostic()?.duration ?? 0;
    // A test's own timeout, else its package's (a package may raise the shared default).
    const timeout =
      testCase.options.timeout ?? testCase.project?.config?.testTimeout ?? this.defaultTimeout;
    if (timeout > 0 && ms > timeout / 2) {
      this.over.push({
        name: testCase.fullName,
        file: testCase.module.relativeModuleId,
        ms: Math.round(ms),
        timeout,
      });
    }
  }

  onTestRunEnd() {
    mkdirSync(dirname(this.outputFile), { recursive: true });
    writeFileSync(this.outputFile, JSON.stringify(this.over, null, 2));
    if (this.over.length === 0) return;
    console.warn(`\n⚠  ${this.over.length} test(s) ran past half their timeout:`);
    for (const t of this.over)
      console.warn(`   ${t.file} › ${t.name}: ${t.ms} ms of ${t.timeout} ms`);
    if (process.env.STRICT_TIMEOUT_BUDGET === '1') process.exitCode = 1;
  }
}
