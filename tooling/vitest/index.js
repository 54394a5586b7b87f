import { defineConfig } from 'vitest/config';

/** The one test config every package starts from: Node environment, real databases, no watch in CI. */
export const baseTestConfig = defineConfig({
  test: {
    environment: 'node',
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    reporters: ['default'],
  },
});
