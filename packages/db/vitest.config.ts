import { baseTestConfig } from '@carryover/vitest-config';
import { mergeConfig } from 'vitest/config';

// The database tests copy one migrated template per run instead of migrating per test.

export default mergeConfig(baseTestConfig, {
  test: { globalSetup: ['./src/testing-setup.ts'] },
});
