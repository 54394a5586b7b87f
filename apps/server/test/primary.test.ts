import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startCarryover } from './support/e2e';

// The primary process migrates, forks the workers and supervises them; only the workers serve,
// so only they load the API and the HTTP server (cluster.ts, worker.ts). Loading the API in the
// primary cost about 35 MB of RSS for as long as the server runs, and 0.4 s before it migrated.

/** The API's modules a process may load without loading the API: they import nothing. */
const LIGHT_API_MODULES = ['/packages/api/src/logging.ts', '/packages/api/src/auth/password.ts'];

describe('the server primary', () => {
  it('serves through workers that load the API, while it loads only the database layer', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'carryover-imports-'));
    const app = await startCarryover({
      NODE_OPTIONS: `--import ${join(import.meta.dirname, 'support/record-imports.mjs')}`,
      IMPORTS_LOG_DIR: dir,
    });
    try {
      expect((await fetch(`${app.baseUrl}/`)).ok).toBe(true);
    } finally {
      await app.stop();
    }
    const processes = readdirSync(dir).map((name) =>
      readFileSync(join(dir, name), 'utf8').split('\n').filter(Boolean),
    );
    rmSync(dir, { recursive: true, force: true });
    const runs = (urls: string[], path: string) => urls.some((u) => u.endsWith(path));
    const primaries = processes.filter(
      (urls) => runs(urls, '/apps/server/src/main.ts') && !runs(urls, '/apps/server/src/worker.ts'),
    );
    const workers = processes.filter((urls) => runs(urls, '/apps/server/src/worker.ts'));
    expect(primaries).toHaveLength(1);
    expect(workers).toHaveLength(1);
    const primary = primaries[0]!;
    // The recording works: the primary migrated through the database layer, the worker served.
    expect(runs(primary, '/packages/db/src/index.ts')).toBe(true);
    expect(runs(workers[0]!, '/packages/api/src/index.ts')).toBe(true);
    const apiInPrimary = primary.filter(
      (u) => u.includes('/packages/api/src/') && !LIGHT_API_MODULES.some((m) => u.endsWith(m)),
    );
    expect(apiInPrimary).toEqual([]);
    expect(primary.filter((u) => u.endsWith('/apps/server/src/server.ts'))).toEqual([]);
  }, 120_000);
});
