import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, postgresDatabase } from '@carryover/db';
import { TEST_POSTGRES_URL, testTargets } from '@carryover/db/testing';
import { afterAll, describe, expect, it } from 'vitest';

// No default passwords in a real deployment (issue 12), through the real CLI: `start` serves on
// 127.0.0.1 by default and fills the demo district only for a local SQLite demo; a server others
// can reach refuses to start while an account has the demo password, and names the fix.

const serverDir = join(import.meta.dirname, '..');
const postgres = (await testTargets()).some((t) => t.dialect === 'postgres');
const dir = mkdtempSync(join(tmpdir(), 'carryover-deploy-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Run {
  code: number | null;
  out: string;
  served: boolean;
}

/** Runs the CLI; once it says it is serving, stops it with SIGTERM. */
function cli(args: string[], env: Record<string, string>): Promise<Run> {
  const base = { ...process.env };
  for (const name of ['HOST', 'TRUST_PROXY', 'PUBLIC_URL', 'DATABASE_URL']) delete base[name];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', ...args], {
      cwd: serverDir,
      env: { ...base, PORT: '0', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let served = false;
    const read = (d: Buffer) => {
      out += String(d);
      if (!served && out.includes('Carryover is serving')) {
        served = true;
        child.kill('SIGTERM');
      }
    };
    child.stdout.on('data', read);
    child.stderr.on('data', read);
    child.on('exit', (code) => resolve({ code, out, served }));
  });
}

async function accountsIn(url: string): Promise<number> {
  const conn = openDatabase(url);
  try {
    const rows = await conn.db.selectFrom('staff_user').select('id').execute();
    return rows.length;
  } finally {
    await conn.close();
  }
}

describe('start, serve and the demo district', () => {
  it('start serves on 127.0.0.1 by default with the demo; reachable, the same data refuses to start', async () => {
    const db = join(dir, 'demo.sqlite');
    const demo = await cli(['start', '--students', '5'], { DATABASE_URL: db });
    expect(demo.served, demo.out).toBe(true);
    expect(demo.out).toMatch(/serving .* at http:\/\/127\.0\.0\.1:\d+\//);
    expect(demo.out).toContain('Demo sign-ins');
    expect(await accountsIn(db)).toBeGreaterThan(0);

    const reachable: Record<string, string>[] = [
      { HOST: '0.0.0.0' },
      { HOST: '127.0.0.1', TRUST_PROXY: '1' },
      { PUBLIC_URL: 'https://carryover.example.org' },
    ];
    for (const env of reachable) {
      const refused = await cli(['serve'], { DATABASE_URL: db, ...env });
      expect(refused.served, JSON.stringify(env)).toBe(false);
      expect(refused.code).toBe(2);
      expect(refused.out).toMatch(/\d+ account\(s\) still have the published demo password/);
      expect(refused.out).toContain('carryover create-admin');
      expect(refused.out).toContain('HOST=127.0.0.1');
    }
    const start = await cli(['start'], { DATABASE_URL: db, HOST: '0.0.0.0' });
    expect([start.served, start.code]).toEqual([false, 2]);
  }, 300_000);

  it('a deployment starts empty: start on 0.0.0.0, behind a proxy, and serve never seed', async () => {
    for (const [name, env] of [
      ['wide', { HOST: '0.0.0.0' }],
      ['proxied', { TRUST_PROXY: '1' }],
    ] as const) {
      const db = join(dir, `${name}.sqlite`);
      const run = await cli(['start', '--students', '5'], { DATABASE_URL: db, ...env });
      expect(run.served, run.out).toBe(true);
      expect(run.out).not.toContain('Demo sign-ins');
      expect(run.out).toContain('carryover create-admin');
      expect(await accountsIn(db)).toBe(0);
    }
    const db = join(dir, 'migrated.sqlite');
    expect((await cli(['migrate'], { DATABASE_URL: db })).code).toBe(0);
    const serve = await cli(['serve'], { DATABASE_URL: db });
    expect(serve.served, serve.out).toBe(true);
    expect(await accountsIn(db)).toBe(0);
  }, 300_000);

  it.skipIf(!postgres)(
    'start on a Postgres database starts empty, even on loopback',
    async () => {
      const name = `carryover_deploy_${process.pid}`;
      await postgresDatabase('create', TEST_POSTGRES_URL, name);
      try {
        const url = new URL(TEST_POSTGRES_URL);
        url.pathname = `/${name}`;
        const run = await cli(['start', '--students', '5'], { DATABASE_URL: url.toString() });
        expect(run.served, run.out).toBe(true);
        expect(run.out).not.toContain('Demo sign-ins');
        expect(await accountsIn(url.toString())).toBe(0);
      } finally {
        await postgresDatabase('drop', TEST_POSTGRES_URL, name);
      }
    },
    120_000,
  );
});
