import { createRequire } from 'node:module';
import { baseTestConfig } from '@carryover/vitest-config';
import { mergeConfig } from 'vitest/config';

// The database tests copy one migrated template per run instead of migrating per test.
const require = createRequire(import.meta.url);

export default mergeConfig(baseTestConfig, {
  test: {
    globalSetup: [require.resolve('@carryover/db/testing-setup')],
    // The files share one worker's modules instead of a fresh process each: importing the API
    // per file cost 38 s here and 220 s in a loaded CI run (measured: 188 s → 136 s). So a test
    // may not count on module state another file left (caches, limiters), which none here does.
    isolate: false,
  },
});
