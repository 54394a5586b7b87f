import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrateToLatest, openDatabase, postgresUrlOf } from '@carryover/db';
import { openTestPostgres, testTargets } from '@carryover/db/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { backup } from '../src/backup';
import { restore } from '../src/restore';

// Database files and backups hold whole student records: they are created readable and
// writable by their owner only (0600), whatever the umask.

const dir = mkdtempSync(join(tmpdir(), 'carryover-modes-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const modeOf = (path: string) => (statSync(path).mode & 0o777).toString(8);
const postgres = (await testTargets()).some((t) => t.dialect === 'postgres');

describe('file modes', () => {
  it('creates SQLite files (and their WAL), backups and restores 0600', async () => {
    const previous = process.umask(0o022);
    try {
      const source = join(dir, 'data', 'carryover.sqlite');
      const conn = openDatabase(source);
      await migrateToLatest(conn.db);
      expect(modeOf(source)).toBe('600');
      expect(modeOf(`${source}-wal`)).toBe('600');
      expect(modeOf(join(dir, 'data'))).toBe('700');
      await conn.close();

      const copy = join(dir, 'backup.sqlite');
      await backup(source, copy);
      expect(modeOf(copy)).toBe('600');

      const restored = join(dir, 'restored.sqlite');
      await restore(restored, copy);
      expect(modeOf(restored)).toBe('600');
    } finally {
      process.umask(previous);
    }
  });

  it.skipIf(!postgres)('creates a pg_dump backup 0600', async () => {
    const conn = await openTestPostgres();
    try {
      const dump = join(dir, 'backup.dump');
      await backup(postgresUrlOf(conn.db)!, dump);
      expect(modeOf(dump)).toBe('600');
    } finally {
      await conn.close();
    }
  });
});
