import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import {
  type Connection,
  type Dialect,
  migrateToLatest,
  type OpenOptions,
  openDatabase,
} from './client';

export { districtPredicateGaps } from './district-predicate';

// Test support shared by every package's database tests: each test suite runs against every
// real database (Kysely's own pattern), each with a fresh, migrated database of its own.

export const TEST_POSTGRES_URL =
  process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestTarget {
  dialect: Dialect;
  /**
   * A fresh, migrated, empty database; `close()` removes it. `log` sees every statement run
   * after the migrations.
   */
  open(options?: Pick<OpenOptions, 'log'>): Promise<Connection>;
}

let postgresReachable: Promise<boolean> | undefined;

async function canReachPostgres(): Promise<boolean> {
  const client = new pg.Client({
    connectionString: TEST_POSTGRES_URL,
    connectionTimeoutMillis: 3000,
  });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * The databases to run against. SQLite always; Postgres when reachable. In CI (`CI=true`)
 * an unreachable Postgres is an error; elsewhere it is skipped with a loud warning.
 */
export async function testTargets(): Promise<TestTarget[]> {
  const only = process.env.TEST_DIALECT as Dialect | undefined;
  const targets: TestTarget[] = [];
  if (!only || only === 'sqlite') targets.push({ dialect: 'sqlite', open: openTestSqlite });
  if (!only || only === 'postgres') {
    postgresReachable ??= canReachPostgres();
    if (await postgresReachable) targets.push({ dialect: 'postgres', open: openTestPostgres });
    else if (process.env.CI)
      throw new Error(`Postgres is required in CI but not reachable at ${TEST_POSTGRES_URL}`);
    else
      console.warn(
        `\n⚠  SKIPPED: Postgres tests — no server at ${TEST_POSTGRES_URL}. Start one or set TEST_POSTGRES_URL to run them.\n`,
      );
  }
  return targets;
}

export async function openTestSqlite(options: Pick<OpenOptions, 'log'> = {}): Promise<Connection> {
  const dir = mkdtempSync(join(tmpdir(), 'carryover-test-'));
  const conn = await migratedThenLogged(join(dir, 'test.sqlite'), {}, options);
  return {
    ...conn,
    close: async () => {
      await conn.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function openTestPostgres(
  options: Pick<OpenOptions, 'log'> = {},
): Promise<Connection> {
  const name = `carryover_t_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  const admin = new pg.Client({ connectionString: TEST_POSTGRES_URL });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(TEST_POSTGRES_URL);
  url.pathname = `/${name}`;
  const conn = await migratedThenLogged(url.toString(), { poolSize: 20 }, options);
  return {
    ...conn,
    close: async () => {
      await conn.close();
      // The pool's sockets may still be closing server-side; forcing the drop would kill them
      // mid-close and surface as an unhandled error, so wait for them to go instead.
      const cleanup = new pg.Client({ connectionString: TEST_POSTGRES_URL });
      await cleanup.connect();
      try {
        for (let attempt = 0; ; attempt++) {
          try {
            await cleanup.query(`drop database if exists ${name}`);
            break;
          } catch (error) {
            if (attempt >= 50) throw error;
            await new Promise((r) => setTimeout(r, 100));
          }
        }
      } finally {
        await cleanup.end();
      }
    },
  };
}

/** Migrates on a connection of its own, so a `log` hook sees only what the test runs. */
async function migratedThenLogged(
  url: string,
  base: OpenOptions,
  options: Pick<OpenOptions, 'log'>,
): Promise<Connection> {
  if (!options.log) {
    const conn = openDatabase(url, base);
    await migrateToLatest(conn.db);
    return conn;
  }
  const migrating = openDatabase(url, base);
  try {
    await migrateToLatest(migrating.db);
  } finally {
    await migrating.close();
  }
  return openDatabase(url, { ...base, log: options.log });
}
