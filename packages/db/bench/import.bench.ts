import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { bench, describe } from 'vitest';
import { postgresUrlOf } from '../src/client';
import { openTestPostgres } from '../src/testing';

// Issue 14's scale check, through the CLI as a district runs it: the demo district exported as
// OneRoster plus services and goals, imported into an empty database (the roster, then the
// services), then imported again (nothing changes). Every command is its own process, so each
// import's peak resident memory (its maxRSS, as /usr/bin/time reads it when the process ends)
// is the import's alone, not this process's or the seed's. IMPORT_BENCH_STUDENTS sets the
// size (default 25,000); IMPORT_BENCH_EXPORT may name an export made beforehand (`carryover
// seed --students N`, then `carryover export oneroster x.zip`); IMPORT_BENCH_POSTGRES=1 imports
// into Postgres too. One run.
const once = { iterations: 1, time: 0, warmupIterations: 0, warmupTime: 0 };
const STUDENTS = Number(process.env.IMPORT_BENCH_STUDENTS ?? 25_000);
const SERVER = resolve(import.meta.dirname, '../../../apps/server');
const TSX = join(SERVER, 'node_modules/.bin/tsx');

interface Run {
  seconds: number;
  cpuSeconds: number;
  peakMiB: number;
  output: string;
}

/** One CLI command in a process of its own: its wall and CPU time, its peak memory. */
function carryover(databaseUrl: string, args: string[]): Run {
  const result = spawnSync(
    '/usr/bin/time',
    ['-f', 'carryover-bench %e %U %S %M', TSX, 'src/main.ts', ...args],
    {
      cwd: SERVER,
      env: { ...process.env, DATABASE_URL: databaseUrl, INIT_CWD: process.cwd() },
      encoding: 'utf8',
      maxBuffer: 64 * 2 ** 20,
    },
  );
  const output = `${result.stdout}${result.stderr}`;
  const measured = /carryover-bench ([\d.]+) ([\d.]+) ([\d.]+) (\d+)/.exec(output);
  if (!measured) throw new Error(`carryover ${args.join(' ')} failed:\n${output}`);
  if (result.status !== 0 && !output.includes('Applied.'))
    throw new Error(`carryover ${args.join(' ')} exited ${result.status}:\n${output}`);
  const [, wall, user, sys, maxRssKiB] = measured.map(Number) as number[];
  return {
    seconds: wall as number,
    cpuSeconds: (user as number) + (sys as number),
    peakMiB: (maxRssKiB as number) / 1024,
    output,
  };
}

const line = (what: string, r: Run) =>
  `${what}: ${r.seconds.toFixed(1)} s, ${r.cpuSeconds.toFixed(1)} s CPU, peak ${r.peakMiB.toFixed(0)} MiB`;

describe('OneRoster import', () => {
  bench(
    `${process.env.IMPORT_BENCH_EXPORT ?? `${STUDENTS} students`}: import into an empty database, re-import (each through the CLI)`,
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'carryover-import-bench-'));
      try {
        let bundle = process.env.IMPORT_BENCH_EXPORT
          ? resolve(process.env.IMPORT_BENCH_EXPORT)
          : join(dir, 'export.zip');
        if (!existsSync(bundle)) {
          const source = join(dir, 'source.sqlite');
          carryover(source, ['seed', '--students', String(STUDENTS)]);
          const exported = carryover(source, ['export', 'oneroster', bundle]);
          console.info(line('seed exported', exported));
          bundle = resolve(bundle);
        }
        const targets: [string, () => Promise<{ url: string; close: () => Promise<void> }>][] = [
          ['sqlite', async () => ({ url: join(dir, 'target.sqlite'), close: async () => {} })],
        ];
        if (process.env.IMPORT_BENCH_POSTGRES)
          targets.push([
            'postgres',
            async () => {
              const c = await openTestPostgres();
              return { url: postgresUrlOf(c.db) as string, close: c.close };
            },
          ]);
        for (const [name, open] of targets) {
          const target = await open();
          try {
            for (const pass of ['import into an empty database', 're-import, no changes']) {
              const roster = carryover(target.url, ['import', 'oneroster', bundle]);
              const services = carryover(target.url, ['import', 'services', bundle]);
              console.info(
                `${name}, ${pass}: ${(roster.seconds + services.seconds).toFixed(1)} s, ${(roster.cpuSeconds + services.cpuSeconds).toFixed(1)} s CPU\n` +
                  `  ${line('roster', roster)}\n  ${line('services and goals', services)}`,
              );
              const summary = (r: Run) =>
                r.output
                  .split('\n')
                  .filter((l) => /^\s+\S+\.csv\s+\d/.test(l) || /error|conflict/i.test(l))
                  .join('\n');
              console.info(`${summary(roster)}\n${summary(services)}`);
            }
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
