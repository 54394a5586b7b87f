import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '@carryover/db';

// The demo district, migrated and seeded once per run through the real CLI (`seed`). Each
// browser test's server starts from a copy of its files (the database and the keys made beside
// it) instead of seeding its own: the same district, a few seconds less per test file. Each
// test still gets its own server and database.

const TEMPLATE_VAR = 'CARRYOVER_E2E_TEMPLATE';

/**
 * The days the seed's "today" depends on: UTC, this process's zone and the demo district's.
 * A template made before midnight in any of them is not used after it (its data would be a day
 * old); the server then seeds its own, as before.
 */
function seedDays(now: Date): string {
  const day = (timeZone?: string) => now.toLocaleDateString('en-CA', { timeZone });
  return [day('UTC'), day(), day('America/Chicago')].join(' ');
}

/** Vitest global setup (apps/server/vitest.config.ts); the teardown removes the files. */
export default async function setup(): Promise<() => void> {
  const dir = mkdtempSync(join(tmpdir(), 'carryover-e2e-template-'));
  const days = seedDays(systemClock());
  const log: string[] = [];
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', 'seed'], {
    cwd: join(import.meta.dirname, '../..'),
    env: { ...process.env, DATABASE_URL: join(dir, 'e2e.sqlite') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.on('data', (d) => log.push(String(d)));
  child.stderr.on('data', (d) => log.push(String(d)));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`seeding the browser tests' template failed:\n${log.join('')}`);
  // Test workers start after the global setup and inherit its environment.
  process.env[TEMPLATE_VAR] = JSON.stringify({ dir, days });
  return () => rmSync(dir, { recursive: true, force: true });
}

/**
 * Copies the seeded template's files into `dataDir` (its database as `dbFile`). False when there
 * is no template to use: none made, or made on another day than the server's `now`.
 */
export function copySeededTemplate(dataDir: string, dbFile: string, now: Date): boolean {
  const raw = process.env[TEMPLATE_VAR];
  if (!raw) return false;
  const { dir, days } = JSON.parse(raw) as { dir: string; days: string };
  if (days !== seedDays(now) || !existsSync(join(dir, 'e2e.sqlite'))) return false;
  for (const name of readdirSync(dir))
    copyFileSync(join(dir, name), join(dataDir, name === 'e2e.sqlite' ? dbFile : name));
  return true;
}
