import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildFixture } from '@carryover/api/testing';
import {
  type Connection,
  openDatabase,
  postgresDatabase,
  sqliteIntegrity,
  type TableFingerprint,
  tableFingerprints,
} from '@carryover/db';
import { openTestPostgres, TEST_POSTGRES_URL, testTargets } from '@carryover/db/testing';
import { describe, expect, it } from 'vitest';

// Point 12 of the security issue: `carryover backup` while another process keeps writing, then
// `carryover restore` into a fresh file (SQLite) or an empty database (Postgres, through
// pg_dump / pg_restore): every table has the same row count and checksum as the source, and the
// table being written holds a clean prefix of the writes (one consistent snapshot).

const serverDir = join(import.meta.dirname, '..');
const targets = await testTargets();

function cli(args: string[], databaseUrl: string): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', ...args], {
      cwd: serverDir,
      env: { ...process.env, DATABASE_URL: databaseUrl },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => {
      out += String(d);
    });
    child.stderr.on('data', (d) => {
      out += String(d);
    });
    child.on('exit', (code) => resolve({ code, out }));
  });
}

/** Another process appending numbered sign-in attempts, one transaction each, until killed. */
function sqliteWriter(path: string): ChildProcess {
  const script = `
    const Database = require('better-sqlite3');
    const db = new Database(${JSON.stringify(path)});
    db.pragma('busy_timeout = 5000');
    const insert = db.prepare("insert into login_attempt (id, key, at, ok) values (?, 'address:writer', ?, 0)");
    const pause = new Int32Array(new SharedArrayBuffer(4));
    for (let i = 1; ; i++) {
      insert.run('w-' + String(i).padStart(7, '0'), new Date().toISOString());
      Atomics.wait(pause, 0, 0, 1);
    }`;
  return spawn(process.execPath, ['-e', script], { cwd: serverDir, stdio: 'ignore' });
}

async function writerRows(conn: Connection): Promise<string[]> {
  const rows = await conn.db
    .selectFrom('login_attempt')
    .select('id')
    .where('key', '=', 'address:writer')
    .orderBy('id')
    .execute();
  return rows.map((r) => r.id);
}

async function fingerprints(url: string): Promise<Record<string, TableFingerprint>> {
  const conn = openDatabase(url);
  try {
    return await tableFingerprints(conn.db);
  } finally {
    await conn.close();
  }
}

/** The restored copy matches the source in every table but the one written during the backup. */
function expectSameExceptWritten(
  restored: Record<string, TableFingerprint>,
  source: Record<string, TableFingerprint>,
) {
  expect(Object.keys(restored).sort()).toEqual(Object.keys(source).sort());
  expect(Object.keys(source).length).toBeGreaterThan(20);
  for (const table of Object.keys(source)) {
    if (table === 'login_attempt') continue;
    expect(restored[table], table).toEqual(source[table]);
  }
}

/** Writes seen in the copy: exactly the first k of them, with k between the two bounds. */
function expectPrefix(ids: string[], atLeast: number, atMost: number) {
  expect(ids.length).toBeGreaterThanOrEqual(atLeast);
  expect(ids.length).toBeLessThanOrEqual(atMost);
  expect(ids).toEqual(ids.map((_, i) => `w-${String(i + 1).padStart(7, '0')}`));
}

const until = async (cond: () => Promise<boolean>) => {
  for (let i = 0; i < 400 && !(await cond()); i++) await new Promise((r) => setTimeout(r, 25));
};

for (const target of targets) {
  describe(`backup and restore on ${target.dialect}`, () => {
    if (target.dialect === 'sqlite') {
      it('backs up while another process writes, restores into a fresh file, same rows', async () => {
        const dir = mkdtempSync(join(tmpdir(), 'carryover-backup-'));
        const source = join(dir, 'live.sqlite');
        const writer: { proc?: ChildProcess } = {};
        try {
          expect((await cli(['seed', '--students', '40'], source)).code).toBe(0);
          const conn = openDatabase(source);
          writer.proc = sqliteWriter(source);
          await until(async () => (await writerRows(conn)).length >= 50);
          const before = (await writerRows(conn)).length;

          const backup = await cli(['backup', join(dir, 'copy.sqlite')], source);
          expect(backup.code, backup.out).toBe(0);
          expect(backup.out).toContain('integrity ok');
          const afterBackup = (await writerRows(conn)).length;
          // The writer really was writing while the backup ran.
          expect(afterBackup).toBeGreaterThan(before);
          writer.proc.kill('SIGKILL');
          await new Promise((r) => writer.proc?.once('exit', r));
          const sourcePrints = await tableFingerprints(conn.db);
          await conn.close();

          const fresh = join(dir, 'restored', 'carryover.sqlite');
          const restore = await cli(['restore', join(dir, 'copy.sqlite')], fresh);
          expect(restore.code, restore.out).toBe(0);
          expect(sqliteIntegrity(fresh)).toBe('ok');
          const restored = await fingerprints(fresh);
          expectSameExceptWritten(restored, sourcePrints);
          expect(restored.student?.rows).toBe(40);
          // The restore is the backup, row for row.
          expect(restored).toEqual(await fingerprints(join(dir, 'copy.sqlite')));
          const copy = openDatabase(fresh);
          expectPrefix(await writerRows(copy), before, afterBackup);
          await copy.close();

          // Never over existing data, never without a file.
          expect((await cli(['restore', join(dir, 'copy.sqlite')], fresh)).code).toBe(2);
          expect((await cli(['backup', join(dir, 'copy.sqlite')], source)).code).toBe(2);
        } finally {
          writer.proc?.kill('SIGKILL');
          rmSync(dir, { recursive: true, force: true });
        }
      }, 120_000);
    } else {
      it('backs up with pg_dump while writes go on, restores with pg_restore into an empty database, same rows', async () => {
        const dir = mkdtempSync(join(tmpdir(), 'carryover-pgbackup-'));
        const conn = await openTestPostgres();
        const freshName = `carryover_r_${process.pid}_${Date.now().toString(36)}`;
        let writing = true;
        let written = 0;
        const writes = (async () => {
          while (writing) {
            written += 1;
            await conn.db
              .insertInto('login_attempt')
              .values({
                id: `w-${String(written).padStart(7, '0')}`,
                key: 'address:writer',
                at: new Date().toISOString(),
                ok: 0,
              })
              .execute();
          }
        })();
        try {
          await buildFixture(conn.db);
          await until(async () => written >= 50);
          const before = (await writerRows(conn)).length;
          const backup = await cli(['backup', join(dir, 'copy.dump')], conn.location);
          expect(backup.code, backup.out).toBe(0);
          const afterBackup = (await writerRows(conn)).length;
          expect(afterBackup).toBeGreaterThan(before);
          writing = false;
          await writes;
          const sourcePrints = await tableFingerprints(conn.db);

          await postgresDatabase('create', TEST_POSTGRES_URL, freshName);
          const freshUrl = new URL(TEST_POSTGRES_URL);
          freshUrl.pathname = `/${freshName}`;
          const restore = await cli(['restore', join(dir, 'copy.dump')], freshUrl.toString());
          expect(restore.code, restore.out).toBe(0);
          const restoredConn = openDatabase(freshUrl.toString());
          try {
            const restored = await tableFingerprints(restoredConn.db);
            expectSameExceptWritten(restored, sourcePrints);
            expectPrefix(await writerRows(restoredConn), before, afterBackup);
          } finally {
            await restoredConn.close();
          }
          // Not over a database that has data.
          expect((await cli(['restore', join(dir, 'copy.dump')], conn.location)).code).toBe(2);
        } finally {
          writing = false;
          await writes.catch(() => {});
          await conn.close();
          await postgresDatabase('drop', TEST_POSTGRES_URL, freshName).catch(() => {});
          rmSync(dir, { recursive: true, force: true });
        }
      }, 120_000);
    }
  });
}
