import { createRequire } from 'node:module';
import { baseTestConfig } from '@carryover/vitest-config';
import { mergeConfig } from 'vitest/config';

// The database tests copy one migrated template per run instead of migrating per test.
const require = createRequire(import.meta.url);

export default mergeConfig(baseTestConfig, {
  test: { globalSetup: [require.resolve('@carryover/db/testing-setup')] },
});
