// Preloaded with NODE_OPTIONS="--import …/record-imports.mjs" and IMPORTS_LOG_DIR: every module
// this process (and each process it forks) loads is listed in IMPORTS_LOG_DIR/<pid>.txt, one URL
// a line. test/primary.test.ts reads which modules the server's primary loaded.
import { register } from 'node:module';

register('./record-imports-hooks.mjs', import.meta.url, {
  data: { file: `${process.env.IMPORTS_LOG_DIR}/${process.pid}.txt` },
});
