import { join } from 'node:path';
import { defineConfig } from 'vitest/config';
import { TimeoutBudgetReporter } from './timeout-budget.js';

const TEST_TIMEOUT = 30_000;
const cacheDir = join(process.cwd(), 'node_modules/.cache');

/** The one test config every package starts from: Node environment, real databases. */
export const baseTestConfig = defineConfig({
  test: {
    environment: 'node',
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: TEST_TIMEOUT,
    hookTimeout: 180_000,
    globalSetup: [join(import.meta.dirname, 'global-setup.js')],
    reporters: [
      'default',
      // The JSON report lets `npm test` print one total across packages at the end.
      ['json', { outputFile: join(cacheDir, 'vitest-report.json') }],
      new TimeoutBudgetReporter({
        outputFile: join(cacheDir, 'vitest-over-budget.json'),
        defaultTimeout: TEST_TIMEOUT,
      }),
    ],
  },
});
