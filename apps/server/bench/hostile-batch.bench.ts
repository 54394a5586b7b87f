import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, bench, describe } from 'vitest';
import { hostileBatch, signInOverHttp } from './hostile-batch';

// Issue 12's hostile batches against the real server (the CLI's `start`, its own process) on a
// seeded demo district: the longest time the server stopped answering a probe meanwhile.
// BENCH_STUDENTS (default 200; the README quotes 5,000); the seeded file is cached in the OS
// temp dir per size. Compare with another build by pointing hostile-batch.ts at its server.

const SERVER_DIR = join(import.meta.dirname, '..');
const students = Number(process.env.BENCH_STUDENTS ?? 200);
const once = { iterations: 1, time: 0, warmupIterations: 0, warmupTime: 0 };
const rows: Record<string, unknown>[] = [];

function cli(args: string[], env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', ...args], {
    cwd: SERVER_DIR,
    env: { ...process.env, CARRYOVER_NOW: '', ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

const exited = (child: ChildProcess) =>
  new Promise<number | null>((resolve) => child.once('exit', resolve));

async function run(): Promise<void> {
  const seeded = join(tmpdir(), `carryover-hostile-${students}.sqlite`);
  if (!existsSync(seeded)) {
    const code = await exited(
      cli(['seed', '--students', String(students)], { DATABASE_URL: seeded }),
    );
    if (code !== 0) throw new Error(`seed exited with ${code}`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'carryover-hostile-key-'));
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  const base = `http://127.0.0.1:${port}`;
  const server = cli(['start'], {
    DATABASE_URL: seeded,
    PORT: String(port),
    HOST: '127.0.0.1',
    AUDIT_HMAC_KEY_FILE: join(dir, 'audit-hmac.key'),
  });
  try {
    for (let i = 0; ; i++) {
      if (
        await fetch(`${base}/trpc/auth.me`).then(
          (r) => r.ok,
          () => false,
        )
      )
        break;
      if (i > 600) throw new Error('the server did not start');
      await new Promise((r) => setTimeout(r, 500));
    }
    for (const [role, count] of [
      ['coordinator', 50],
      ['teacher', 40],
    ] as const) {
      const cookie = await signInOverHttp(base, `${role}@demo.test`);
      for (const perBatch of [count, 20]) {
        const r = await hostileBatch(base, cookie, 'caseload.list', count, {}, perBatch);
        rows.push({
          who: role,
          calls: count,
          'per batch': perBatch,
          answers: JSON.stringify(r.outcomes),
          'all answered ms': r.batchMs,
          'longest stall ms': r.longestStallMs,
        });
      }
    }
  } finally {
    server.kill('SIGTERM');
    await exited(server);
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('hostile batches', () => {
  bench(`caseload.list batches, ${students} students`, run, once);
});

afterAll(() => {
  console.log(`\nHostile batches against ${students} students (SQLite), one run:`);
  console.table(rows);
});
