import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, sqliteIntegrity } from '@carryover/db';
import { openTestPostgres, testTargets } from '@carryover/db/testing';
import { describe, expect, it } from 'vitest';

// Point 11 of the security issue: SIGKILL the real CLI in the middle of the demo seed (one
// bulk write of a whole district, in one transaction) and check what it leaves: a database
// that passes its integrity check and holds all of that district or none of it — then takes
// a complete seed.

const serverDir = join(import.meta.dirname, '..');
const STUDENTS = { sqlite: 3000, postgres: 1500 } as const;
const targets = await testTargets();

interface Killed {
  /** Progress lines seen before the kill. */
  seen: string[];
  sawCommit: boolean;
}

/** Runs `seed`, SIGKILLs it once it reports a students step short of the total. */
function seedAndKill(databaseUrl: string, students: number): Promise<Killed> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'src/main.ts', 'seed', '--students', String(students)],
      {
        cwd: serverDir,
        env: { ...process.env, DATABASE_URL: databaseUrl },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const seen: string[] = [];
    let killed = false;
    let sawCommit = false;
    child.stdout.on('data', (d) => {
      for (const line of String(d).split('\n')) {
        seen.push(line);
        if (/commit|Done in/.test(line)) sawCommit = true;
        const m = /students\s+(\d+)\/(\d+)/.exec(line);
        if (!killed && m && Number(m[1]) > 0 && Number(m[1]) < Number(m[2])) {
          killed = true;
          child.kill('SIGKILL');
        }
      }
    });
    child.on('error', reject);
    child.on('exit', (_code, signal) => {
      if (signal !== 'SIGKILL')
        reject(new Error(`seed was not killed mid-way:\n${seen.join('\n')}`));
      else resolve({ seen, sawCommit });
    });
  });
}

function seed(databaseUrl: string, students: number): Promise<number | null> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'src/main.ts', 'seed', '--students', String(students)],
      { cwd: serverDir, env: { ...process.env, DATABASE_URL: databaseUrl }, stdio: 'ignore' },
    );
    child.on('exit', (code) => resolve(code));
  });
}

const DISTRICT_TABLES = [
  'district',
  'school',
  'staff_user',
  'student',
  'service',
  'goal',
  'therapy_session',
  'observation',
] as const;

async function counts(url: string): Promise<Record<string, number>> {
  const conn = openDatabase(url);
  try {
    const out: Record<string, number> = {};
    for (const t of DISTRICT_TABLES) {
      const r = await conn.db
        .selectFrom(t)
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirstOrThrow();
      out[t] = Number(r.n);
    }
    return out;
  } finally {
    await conn.close();
  }
}

function expectAllOrNone(c: Record<string, number>, students: number, sawCommit: boolean) {
  if (c.district === 0) {
    expect(c, 'none of the district').toEqual(
      Object.fromEntries(DISTRICT_TABLES.map((t) => [t, 0])),
    );
  } else {
    // Only possible if the commit beat the kill: then all of it.
    expect(sawCommit || c.district === 1).toBe(true);
    expect(c.student).toBe(students);
    expect(c.observation).toBeGreaterThan(students);
  }
}

for (const target of targets) {
  describe(`crash in the middle of the demo seed on ${target.dialect}`, () => {
    it('SIGKILL leaves an intact database with all of the district or none, and a new seed works', async () => {
      const students = STUDENTS[target.dialect];
      let url: string;
      let cleanup: () => Promise<void>;
      if (target.dialect === 'sqlite') {
        const dir = mkdtempSync(join(tmpdir(), 'carryover-crash-'));
        url = join(dir, 'crash.sqlite');
        cleanup = async () => rmSync(dir, { recursive: true, force: true });
      } else {
        // A fresh database; the seed's own `migrate` finds it up to date.
        const conn = await openTestPostgres();
        url = conn.location;
        cleanup = () => conn.close();
      }
      try {
        const { seen, sawCommit } = await seedAndKill(url, students);
        expect(seen.some((l) => /students\s+\d+\//.test(l))).toBe(true);

        if (target.dialect === 'sqlite') expect(sqliteIntegrity(url)).toBe('ok');
        const after = await counts(url);
        expectAllOrNone(after, students, sawCommit);
        expect(after.district, 'the kill came before the commit').toBe(0);

        // The database is usable: a complete seed goes in (smaller, to keep the test short).
        expect(await seed(url, 20)).toBe(0);
        if (target.dialect === 'sqlite') expect(sqliteIntegrity(url)).toBe('ok');
        const full = await counts(url);
        expect(full.district).toBe(1);
        expect(full.student).toBe(20);
      } finally {
        await cleanup();
      }
    }, 180_000);
  });
}
