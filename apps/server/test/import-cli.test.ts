import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seedDemoDistrict } from '@carryover/db/demo';
import { testTargets } from '@carryover/db/testing';
import { unzipCsvFiles, zipCsvFiles } from '@carryover/domain';
import { afterAll, describe, expect, it } from 'vitest';

// The command line of the import (issue 14): `export oneroster` of the demo district, then
// `import oneroster` of a broken copy into an empty database (exit 1, every error also as CSV,
// nothing written), then of the export itself. Dry runs and re-imports are tested without the
// process start-ups, in packages/db (import-oneroster.test.ts). Each CLI start costs seconds of
// compiling on a busy machine, hence the long timeout.

const serverDir = join(import.meta.dirname, '..');
const targets = await testTargets();
const work = mkdtempSync(join(tmpdir(), 'carryover-import-cli-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function cli(args: string[], databaseUrl: string): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', ...args], {
      cwd: serverDir,
      env: {
        ...process.env,
        DATABASE_URL: databaseUrl,
        AUDIT_HMAC_KEY: 'import-cli-test-key-0123456789abcdef',
        INIT_CWD: work,
      },
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

/** The counts table's rows: file → [added, updated, deactivated, unchanged, skipped]. */
function counts(out: string): Record<string, number[]> {
  const rows: Record<string, number[]> = {};
  for (const m of out.matchAll(/^ {2}(\S+\.csv)((?:\s+\d+){5})$/gm))
    rows[m[1] as string] = (m[2] as string).trim().split(/\s+/).map(Number);
  return rows;
}

for (const target of targets) {
  describe(`carryover import / export oneroster (${target.dialect})`, () => {
    it('exports the demo district, refuses a broken copy, imports the export into an empty database', async () => {
      const source = await target.open();
      const empty = await target.open();
      try {
        await seedDemoDistrict(source.db, {
          students: 30,
          seed: 5,
          today: '2027-02-18',
          passwordHash: 'demo-hash',
        });
        const zip = `${target.dialect}-export.zip`;
        const exported = await cli(['export', 'oneroster', zip], source.location);
        expect(exported.out).toContain(
          'Exported 9 OneRoster 1.2 files and routines.csv, services.csv, goals.csv',
        );
        expect(exported.code).toBe(0);

        // One broken row: an impossible birth date.
        const files = unzipCsvFiles(readFileSync(join(work, zip)));
        const demographics = (files['demographics.csv'] as string).split('\r\n');
        demographics[1] = (demographics[1] as string).replace(
          /"\d{4}-\d{2}-\d{2}"/,
          '"2015-13-01"',
        );
        files['demographics.csv'] = demographics.join('\r\n');
        const broken = `${target.dialect}-broken.zip`;
        writeFileSync(join(work, broken), zipCsvFiles(files));
        const refused = await cli(
          ['import', 'oneroster', broken, '--errors', `${target.dialect}-errors.csv`],
          empty.location,
        );
        expect(refused.code).toBe(1);
        expect(refused.out).toContain('Refused (nothing written).');
        expect(refused.out).toContain(
          'demographics.csv:2 birthDate "2015-13-01": must be a real date written YYYY-MM-DD',
        );
        expect(readFileSync(join(work, `${target.dialect}-errors.csv`), 'utf8')).toBe(
          '"file","line","column","value","reason"\r\n' +
            '"demographics.csv","2","birthDate","2015-13-01","must be a real date written YYYY-MM-DD"\r\n',
        );
        expect(await empty.db.selectFrom('district').selectAll().execute()).toEqual([]);

        const applied = await cli(['import', 'oneroster', zip], empty.location);
        expect(applied.out).toContain('Applied.');
        expect(applied.out).toContain('Created the district from the district org.');
        expect(applied.code).toBe(0);
        expect(counts(applied.out)['users.csv']?.[0]).toBeGreaterThan(30);
        const students = await empty.db.selectFrom('student').select('id').execute();
        expect(students).toHaveLength(30);

        const runs = await empty.db
          .selectFrom('import_run')
          .select(['outcome', 'actor_label'])
          .orderBy('started_at')
          .execute();
        expect(runs.map((r) => r.outcome)).toEqual(['applied']);
        expect(runs[0]?.actor_label).toMatch(/^cli:/);

        // The same zip carries the services and goals: they read into the new district.
        const services = await cli(['import', 'services', zip], empty.location);
        expect(services.out).toContain('Applied.');
        expect(services.code).toBe(0);
        const goalCount = async (conn: typeof source) =>
          (await conn.db.selectFrom('goal').select('id').execute()).length;
        expect(await goalCount(empty)).toBe(await goalCount(source));
        expect(await goalCount(empty)).toBeGreaterThan(30);
      } finally {
        await source.close();
        await empty.close();
      }
    }, 300_000);
  });
}
