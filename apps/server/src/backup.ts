import { spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import {
  createPrivateFile,
  DEFAULT_SQLITE_PATH,
  isPostgresUrl,
  sqliteIntegrity,
  sqliteOnlineBackup,
} from '@carryover/db';

// `carryover backup <file>`. SQLite: SQLite's online backup API through better-sqlite3, asked
// to copy every remaining page in one step, so the copy is one consistent snapshot even while
// the server (or anything else) keeps writing. Postgres: pg_dump's custom format, which reads
// from one snapshot too. Either way the copy is checked before the command reports success.

export function sqlitePathOf(url: string | undefined): string {
  return resolve((url ?? DEFAULT_SQLITE_PATH).replace(/^(file|sqlite):(\/\/)?/, ''));
}

/** Runs a command that ships with Postgres; rejects with its stderr (never the URL's password). */
export function runPgTool(cmd: string, args: string[]): Promise<void> {
  return new Promise((ok, fail) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => {
      err += String(d);
    });
    child.on('error', (e) =>
      fail(new Error(`${cmd} could not start (${e.message}); it ships with Postgres`)),
    );
    child.on('exit', (code) =>
      code === 0 ? ok() : fail(new Error(`${cmd} failed (exit ${code}): ${err.trim()}`)),
    );
  });
}

export async function backup(url: string | undefined, file: string): Promise<string> {
  const target = resolve(file);
  if (existsSync(target)) throw new Error(`${target} exists; choose a new file for the backup`);
  if (!existsSync(dirname(target))) throw new Error(`the folder ${dirname(target)} does not exist`);
  // Backups are whole copies of the records: readable by their owner only, from the first byte.
  if (isPostgresUrl(url)) {
    createPrivateFile(target);
    await runPgTool('pg_dump', [
      '--format=custom',
      '--no-owner',
      '--file',
      target,
      '--dbname',
      url,
    ]);
    return `Backed up Postgres to ${target} (${statSync(target).size} bytes, pg_dump custom format).`;
  }
  const source = sqlitePathOf(url);
  if (!existsSync(source)) throw new Error(`no SQLite database at ${source}`);
  createPrivateFile(target);
  await sqliteOnlineBackup(source, target);
  const check = sqliteIntegrity(target);
  if (check !== 'ok')
    throw new Error(`the backup at ${target} failed its integrity check: ${check}`);
  return `Backed up ${source} to ${target} (${statSync(target).size} bytes, integrity ok).`;
}
