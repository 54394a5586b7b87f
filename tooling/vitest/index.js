import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

/** The one test config every package starts from: Node environment, real databases. */
export const baseTestConfig = defineConfig({
  test: {
    environment: 'node',
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 180_000,
    // The JSON report lets `npm test` print one total across packages at the end.
    reporters: ['default', ['json', { outputFile: join(process.cwd(), 'node_modules/.cache/vitest-report.json') }]],
  },
});
