import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bench, describe } from 'vitest';
import { openDatabase } from '../src/client';
import { seedDemoDistrict } from '../src/demo';
import { exportOneRoster } from '../src/queries/export-oneroster';
import { importOneRoster } from '../src/queries/import-oneroster';
import { openTestPostgres } from '../src/testing';

// Issue 14's scale check: export the demo district as OneRoster, import it into an empty
// database, then import it again (nothing changes). Time, and the process's peak resident
// memory (maxRSS: the seed's own memory included, so an upper bound). IMPORT_BENCH_STUDENTS
// sets the size (default 25,000); IMPORT_BENCH_POSTGRES=1 imports into Postgres too. One run.
const once = { iterations: 1, time: 0, warmupIterations: 0, warmupTime: 0 };
const STUDENTS = Number(process.env.IMPORT_BENCH_STUDENTS ?? 25_000);
const NOW = new Date('2027-02-18T18:00:00Z');
const ACTOR = { id: null, label: 'bench' };
const mib = (kib: number) => `${(kib / 1024).toFixed(0)} MiB`;

describe('OneRoster import', () => {
  bench(
    `${STUDENTS} students: export, import into an empty database, re-import`,
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'carryover-import-bench-'));
      const source = openDatabase(join(dir, 'source.sqlite'));
      try {
        const { migrateToLatest } = await import('../src/client');
        await migrateToLatest(source.db);
        const seeded = await seedDemoDistrict(source.db, {
          students: STUDENTS,
          seed: 1,
          today: '2027-02-18',
          passwordHash: 'bench',
        });
        let t = performance.now();
        const files = await exportOneRoster(source.db, seeded.districtId);
        const bytes = Object.values(files).reduce((n, f) => n + f.length, 0);
        console.info(
          `export: ${((performance.now() - t) / 1000).toFixed(1)} s, ${(bytes / 2 ** 20).toFixed(1)} MiB of CSV`,
        );
        const targets: [
          string,
          () => Promise<{ db: typeof source.db; close: () => Promise<void> }>,
        ][] = [
          [
            'sqlite',
            async () => {
              const c = openDatabase(join(dir, 'target.sqlite'));
              await migrateToLatest(c.db);
              return c;
            },
          ],
        ];
        if (process.env.IMPORT_BENCH_POSTGRES) targets.push(['postgres', () => openTestPostgres()]);
        for (const [name, open] of targets) {
          const target = await open();
          try {
            t = performance.now();
            const first = await importOneRoster(target.db, {
              files,
              actor: ACTOR,
              dryRun: false,
              now: NOW,
            });
            const firstS = (performance.now() - t) / 1000;
            t = performance.now();
            const again = await importOneRoster(target.db, {
              files,
              districtId: first.districtId as string,
              actor: ACTOR,
              dryRun: false,
              now: NOW,
            });
            const againS = (performance.now() - t) / 1000;
            const changed = Object.values(again.counts).reduce(
              (n, c) => n + (c ? c.added + c.updated + c.deactivated : 0),
              0,
            );
            console.info(
              `${name}: import ${firstS.toFixed(1)} s (${first.errors.length} errors, users added ${first.counts['users.csv']?.added}); ` +
                `re-import ${againS.toFixed(1)} s (${changed} changes); peak RSS so far ${mib(process.resourceUsage().maxRSS)}`,
            );
          } finally {
            await target.close();
          }
        }
      } finally {
        await source.close();
        rmSync(dir, { recursive: true, force: true });
      }
    },
    once,
  );
});
