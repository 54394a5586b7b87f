import { baseTestConfig } from '@carryover/vitest-config';
import { mergeConfig } from 'vitest/config';

// The database tests copy one migrated template per run instead of migrating per test.

export default mergeConfig(baseTestConfig, {
  test: {
    globalSetup: ['./src/testing-setup.ts'],
    // The files share one worker's modules instead of a fresh process each: importing the
    // package per file cost 15 s of this suite's 2 minutes (measured: 122 s → 84 s). So a test
    // may not count on module state another file left, which none here does.
    isolate: false,
  },
});
