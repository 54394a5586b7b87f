import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
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

// Migrating a fresh database costs ~0.1–0.4 s on SQLite and ~1.5–2.5 s on Postgres on a busy
// 2-core machine, and the suites open one per test. So each package's vitest run migrates
// once (`prepareTestTemplates`, its global setup) and every test gets a copy: a file copy on
// SQLite, `create database … template` on Postgres. The copy is the same migrated, empty
// database a fresh migration gives; the migrations themselves still run from empty once per
// run (building the templates), and in the migration tests and the CLI's `migrate`/`start`.
const SQLITE_TEMPLATE_ENV = 'CARRYOVER_TEST_SQLITE_TEMPLATE';
const POSTGRES_TEMPLATE_ENV = 'CARRYOVER_TEST_POSTGRES_TEMPLATE';

/**
 * Builds the migrated template databases once for a whole vitest run, and hands their names to
 * the test workers through the environment (the workers start after the global setup). Returns
 * the teardown that removes them.
 */
export async function prepareTestTemplates(): Promise<() => Promise<void>> {
  const dir = mkdtempSync(join(tmpdir(), 'carryover-template-'));
  const file = join(dir, 'template.sqlite');
  const sqliteConn = openDatabase(file);
  try {
    await migrateToLatest(sqliteConn.db);
  } finally {
    // Closing the last connection checkpoints the WAL into the file, so the file alone is whole.
    await sqliteConn.close();
  }
  process.env[SQLITE_TEMPLATE_ENV] = file;

  let postgresTemplate: string | undefined;
  const only = process.env.TEST_DIALECT as Dialect | undefined;
  if ((!only || only === 'postgres') && (await canReachPostgres())) {
    await dropStaleTemplates();
    // The time in the name lets a later run drop a template an interrupted run left behind.
    postgresTemplate = `carryover_tpl_${Math.floor(Date.now() / 1000)}_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
    await createPostgresDatabase(postgresTemplate);
    const conn = openDatabase(postgresUrlFor(postgresTemplate), { poolSize: 2 });
    try {
      await migrateToLatest(conn.db);
    } finally {
      await conn.close();
    }
    process.env[POSTGRES_TEMPLATE_ENV] = postgresTemplate;
  }

  return async () => {
    delete process.env[SQLITE_TEMPLATE_ENV];
    delete process.env[POSTGRES_TEMPLATE_ENV];
    rmSync(dir, { recursive: true, force: true });
    if (postgresTemplate) await dropPostgresDatabase(postgresTemplate);
  };
}

/** A run lasts minutes; a template older than this was left by a run that was killed. */
const STALE_TEMPLATE_SECONDS = 6 * 3600;

async function dropStaleTemplates(): Promise<void> {
  const admin = new pg.Client({ connectionString: TEST_POSTGRES_URL });
  await admin.connect();
  let names: string[];
  try {
    const { rows } = await admin.query<{ datname: string }>(
      "select datname from pg_database where datname like 'carryover\\_tpl\\_%'",
    );
    names = rows.map((r) => r.datname);
  } finally {
    await admin.end();
  }
  const now = Date.now() / 1000;
  for (const name of names) {
    const made = Number(/^carryover_tpl_(\d+)_/.exec(name)?.[1]);
    if (made > 1e9 && now - made > STALE_TEMPLATE_SECONDS)
      await dropPostgresDatabase(name).catch(() => {});
  }
}

export async function openTestSqlite(options: Pick<OpenOptions, 'log'> = {}): Promise<Connection> {
  const dir = mkdtempSync(join(tmpdir(), 'carryover-test-'));
  const file = join(dir, 'test.sqlite');
  const template = process.env[SQLITE_TEMPLATE_ENV];
  let conn: Connection;
  if (template && existsSync(template)) {
    copyFileSync(template, file);
    conn = openDatabase(file, options);
  } else {
    conn = await migratedThenLogged(file, {}, options);
  }
  return {
    ...conn,
    close: async () => {
      await conn.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function postgresUrlFor(name: string): string {
  const url = new URL(TEST_POSTGRES_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

/**
 * Creates a database, as a copy of `template` when given. Postgres refuses to copy a database
 * another session is connected to; the template's last (migrating) sessions may still be
 * closing server-side for a moment, so that refusal is retried.
 */
async function createPostgresDatabase(name: string, template?: string): Promise<void> {
  const admin = new pg.Client({ connectionString: TEST_POSTGRES_URL });
  await admin.connect();
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        await admin.query(
          template ? `create database ${name} template ${template}` : `create database ${name}`,
        );
        return;
      } catch (error) {
        const busy = (error as { code?: string }).code === '55006';
        if (!busy || attempt >= 50) throw error;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  } finally {
    await admin.end();
  }
}

async function dropPostgresDatabase(name: string): Promise<void> {
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
}

export async function openTestPostgres(
  options: Pick<OpenOptions, 'log' | 'poolSize' | 'preparedStatements' | 'planCacheMode'> = {},
): Promise<Connection> {
  const name = `carryover_t_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  const template = process.env[POSTGRES_TEMPLATE_ENV];
  await createPostgresDatabase(name, template);
  const url = postgresUrlFor(name);
  const { log, ...rest } = options;
  const base = { poolSize: 20, ...rest };
  const conn = template
    ? openDatabase(url, { ...base, log })
    : await migratedThenLogged(url, base, { log });
  return {
    ...conn,
    close: async () => {
      await conn.close();
      await dropPostgresDatabase(name);
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
