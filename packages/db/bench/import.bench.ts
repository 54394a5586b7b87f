import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unzipCsvFiles } from '@carryover/domain';
import { bench, describe } from 'vitest';
import { openDatabase } from '../src/client';
import { seedDemoDistrict } from '../src/demo';
import { exportOneRoster } from '../src/queries/export-oneroster';
import { exportServices } from '../src/queries/export-services';
import { type ImportReport, importOneRoster } from '../src/queries/import-oneroster';
import { importServices } from '../src/queries/import-services';
import { openTestPostgres } from '../src/testing';

// Issue 14's scale check: export the demo district as OneRoster plus services and goals,
// import it into an empty database (roster, then services), then import it again (nothing
// changes). Time, and the process's peak resident memory (maxRSS). IMPORT_BENCH_STUDENTS sets
// the size (default 25,000); IMPORT_BENCH_POSTGRES=1 imports into Postgres too. One run.
// Seeding 25,000 students takes minutes and its memory would count in maxRSS, so
// IMPORT_BENCH_EXPORT may name an export made beforehand by the CLI (a zip or folder:
// `carryover seed --students 25000`, then `carryover export oneroster x.zip`); then this process
// only reads and imports, and maxRSS is the import's.
const once = { iterations: 1, time: 0, warmupIterations: 0, warmupTime: 0 };
const STUDENTS = Number(process.env.IMPORT_BENCH_STUDENTS ?? 25_000);
const NOW = new Date('2027-02-18T18:00:00Z');
const ACTOR = { id: null, label: 'bench' };
const mib = (kib: number) => `${(kib / 1024).toFixed(0)} MiB`;

describe('OneRoster import', () => {
  bench(
    `${process.env.IMPORT_BENCH_EXPORT ?? `${STUDENTS} students`}: import into an empty database, re-import`,
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'carryover-import-bench-'));
      const { migrateToLatest } = await import('../src/client');
      let files: Record<string, string>;
      const given = process.env.IMPORT_BENCH_EXPORT;
      let t = performance.now();
      if (given) {
        files = statSync(given).isDirectory()
          ? Object.fromEntries(
              readdirSync(given)
                .filter((n) => n.endsWith('.csv'))
                .map((n) => [n, readFileSync(join(given, n), 'utf8')]),
            )
          : unzipCsvFiles(readFileSync(given));
        console.info(`read ${given}: ${((performance.now() - t) / 1000).toFixed(1)} s`);
      } else {
        const source = openDatabase(join(dir, 'source.sqlite'));
        try {
          await migrateToLatest(source.db);
          const seeded = await seedDemoDistrict(source.db, {
            students: STUDENTS,
            seed: 1,
            today: '2027-02-18',
            passwordHash: 'bench',
          });
          t = performance.now();
          files = {
            ...(await exportOneRoster(source.db, seeded.districtId)),
            ...(await exportServices(source.db, seeded.districtId)),
          };
          console.info(`export: ${((performance.now() - t) / 1000).toFixed(1)} s`);
        } finally {
          await source.close();
        }
      }
      const bytes = Object.values(files).reduce((n, f) => n + f.length, 0);
      console.info(
        `${(bytes / 2 ** 20).toFixed(1)} MiB of CSV; maxRSS before importing ${mib(process.resourceUsage().maxRSS)}`,
      );
      try {
        type Target = { db: ReturnType<typeof openDatabase>['db']; close: () => Promise<void> };
        const targets: [string, () => Promise<Target>][] = [
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
            const changed = (r: ImportReport) =>
              Object.values(r.counts).reduce(
                (n, c) => n + (c ? c.added + c.updated + c.deactivated : 0),
                0,
              );
            const secondsSince = (t0: number) => ((performance.now() - t0) / 1000).toFixed(1);
            // On a shared machine wall time mostly measures the others: CPU time (this
            // process: JavaScript and SQLite, not the Postgres server) is reported beside it.
            const cpuSince = (c0: NodeJS.CpuUsage) => {
              const c = process.cpuUsage(c0);
              return `${((c.user + c.system) / 1e6).toFixed(1)} s CPU`;
            };
            let cpu = process.cpuUsage();
            t = performance.now();
            const roster = await importOneRoster(target.db, {
              files,
              actor: ACTOR,
              dryRun: false,
              now: NOW,
            });
            const rosterS = secondsSince(t);
            const districtId = roster.districtId as string;
            let t2 = performance.now();
            const services = await importServices(target.db, {
              files,
              districtId,
              actor: ACTOR,
              dryRun: false,
              now: NOW,
            });
            console.info(
              `${name}: import into an empty database ${secondsSince(t)} s, ${cpuSince(cpu)} (roster ${rosterS} s: ${roster.errors.length} errors, ` +
                `${roster.counts['users.csv']?.added} users; services and goals ${secondsSince(t2)} s: ${services.errors.length} errors, ` +
                `${services.counts['services.csv']?.added} services, ${services.counts['goals.csv']?.added} goals); peak RSS so far ${mib(process.resourceUsage().maxRSS)}`,
            );
            if (roster.errors.length + services.errors.length > 0)
              console.info(JSON.stringify([...roster.errors, ...services.errors].slice(0, 5)));
            t = performance.now();
            cpu = process.cpuUsage();
            const rosterAgain = await importOneRoster(target.db, {
              files,
              districtId,
              actor: ACTOR,
              dryRun: false,
              now: NOW,
            });
            const rosterAgainS = secondsSince(t);
            t2 = performance.now();
            const servicesAgain = await importServices(target.db, {
              files,
              districtId,
              actor: ACTOR,
              dryRun: false,
              now: NOW,
            });
            console.info(
              `${name}: re-import, no changes ${secondsSince(t)} s, ${cpuSince(cpu)} (roster ${rosterAgainS} s, services and goals ${secondsSince(t2)} s; ` +
                `${changed(rosterAgain) + changed(servicesAgain)} changes); peak RSS so far ${mib(process.resourceUsage().maxRSS)}`,
            );
          } finally {
            await target.close();
          }
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    once,
  );
});
