import { closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import SQLite from 'better-sqlite3';
import {
  CompiledQuery,
  type DatabaseConnection,
  Kysely,
  type Logger as KyselyLogger,
  type KyselyPlugin,
  PostgresDialect,
  type SqliteDatabase,
  SqliteDialect,
  type SqliteDialectConfig,
  SqliteDriver,
} from 'kysely';
import { Migrator } from 'kysely/migration';
import pg from 'pg';
import { migrations } from './migrations/index';
import { prepareStatementsOn } from './prepared-statements';
import { fillMissingComparisonDigests } from './queries/comparison-digests';
import { rebuildAllFidelitySummaries } from './queries/fidelity-summaries';
import { fillMissingGoalSummaries } from './queries/goal-summaries';
import type { Database } from './schema';

export type Dialect = 'sqlite' | 'postgres';
export type DB = Kysely<Database>;

export interface Connection {
  db: DB;
  dialect: Dialect;
  /** Where the data lives, with any password removed: for logs and the CLI. */
  location: string;
  close(): Promise<void>;
}

export const DEFAULT_SQLITE_PATH = './data/carryover.sqlite';

// Postgres returns int8 (count(*), sums) as strings; every count here fits a JS number.
pg.types.setTypeParser(20, (v) => Number.parseInt(v, 10));
pg.types.setTypeParser(1700, (v) => Number.parseFloat(v));

export interface OpenOptions {
  poolSize?: number;
  /** Called with every statement run (and every failure): Kysely's `log` hook, for tests. */
  log?: KyselyLogger;
  /**
   * SQLite: how long a statement waits for a lock another connection holds (default 5,000 ms).
   * The wait sleeps on the event loop; 0 fails at once (SQLITE_BUSY), for a caller that retries
   * without blocking (the server's audit relay).
   */
  busyTimeoutMs?: number;
  /**
   * Postgres: run statements as named, prepared statements (prepared-statements.ts). On unless
   * this is false or DATABASE_PREPARED_STATEMENTS=off (a pooler in transaction mode).
   */
  preparedStatements?: boolean;
  /**
   * Postgres: how prepared statements are planned (`plan_cache_mode`). Default `auto`, or
   * DATABASE_PLAN_CACHE_MODE: see planCacheMode.
   */
  planCacheMode?: PlanCacheMode;
}

const PLAN_CACHE_MODES = ['auto', 'force_custom_plan', 'force_generic_plan'] as const;
export type PlanCacheMode = (typeof PLAN_CACHE_MODES)[number];

/**
 * How the pool's connections plan prepared statements. Default `auto` (Postgres's own): the
 * first five runs of a statement are planned for their values, then one generic plan is kept if
 * it costs no more, until ANALYZE changes the tables' statistics. Measured at 25,000 students
 * (README, "Plan cache mode"), it halves the database's CPU for a student page and a therapist
 * caseload. Statements whose best plan depends on the viewer (a coordinator's or admin's scope)
 * carry PLAN_EACH_RUN and are planned for their values every time whatever the mode; without
 * that, a generic plan made the coordinator's Fidelity page slower. `force_custom_plan` plans
 * every run (the default before), `force_generic_plan` never re-plans.
 */
export function planCacheMode(value = process.env.DATABASE_PLAN_CACHE_MODE): PlanCacheMode {
  if (value === undefined || value === '') return 'auto';
  if ((PLAN_CACHE_MODES as readonly string[]).includes(value)) return value as PlanCacheMode;
  throw new Error(
    `DATABASE_PLAN_CACHE_MODE must be one of ${PLAN_CACHE_MODES.join(', ')}, got ${value}`,
  );
}

/** The URL each Postgres Kysely was opened with, so a worker thread can open its own pool. */
const postgresUrls = new WeakMap<DB, string>();

/** The connection URL behind a Postgres `db` from `openDatabase`; null otherwise. */
export function postgresUrlOf(db: DB): string | null {
  return postgresUrls.get(db) ?? null;
}

/** The better-sqlite3 handle behind each SQLite Kysely from `openDatabase`. */
const sqliteHandles = new WeakMap<DB, SQLite.Database>();

/**
 * The better-sqlite3 handle behind a SQLite `db` from `openDatabase`; null otherwise. For bulk
 * reads off the event loop (the Outcomes worker), which iterate raw rows synchronously.
 */
export function sqliteHandleOf(db: DB): SQLite.Database | null {
  return sqliteHandles.get(db) ?? null;
}

/**
 * `db` with a plugin, still known as the database it came from: Kysely's `withPlugin` makes a
 * new instance, which `postgresUrlOf` and `sqliteHandleOf` would not recognise, and the
 * Outcomes worker needs the URL to read the database itself rather than be handed every row.
 */
export function withPluginKept(db: DB, plugin: KyselyPlugin): DB {
  const derived = db.withPlugin(plugin);
  const url = postgresUrls.get(db);
  if (url !== undefined) postgresUrls.set(derived, url);
  const handle = sqliteHandles.get(db);
  if (handle !== undefined) sqliteHandles.set(derived, handle);
  return derived;
}

export function isPostgresUrl(url: string | undefined): url is string {
  return !!url && /^postgres(ql)?:\/\//.test(url);
}

/**
 * Opens the database `DATABASE_URL` names: a `postgres://` URL, or a SQLite file path
 * (`file:` prefix optional). Without one, the embedded SQLite file at ./data/carryover.sqlite.
 */
export function openDatabase(
  url: string | undefined = process.env.DATABASE_URL,
  options: OpenOptions = {},
): Connection {
  if (isPostgresUrl(url)) {
    const prepared =
      options.preparedStatements ?? process.env.DATABASE_PREPARED_STATEMENTS !== 'off';
    const pool = new pg.Pool({
      connectionString: url,
      max: options.poolSize ?? 10,
      ...(prepared
        ? { options: `-c plan_cache_mode=${options.planCacheMode ?? planCacheMode()}` }
        : {}),
    });
    if (prepared) pool.on('connect', prepareStatementsOn);
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }), log: options.log });
    postgresUrls.set(db, url);
    return { db, dialect: 'postgres', location: redact(url), close: () => db.destroy() };
  }
  const path = (url ?? DEFAULT_SQLITE_PATH).replace(/^(file|sqlite):(\/\/)?/, '');
  if (path !== ':memory:') createPrivateFile(path);
  const sqlite = new SQLite(path);
  sqlite.pragma('journal_mode = WAL');
  // Deleted rows are overwritten with zeros, so a retention delete leaves no readable trace.
  sqlite.pragma('secure_delete = ON');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma(`busy_timeout = ${Math.max(0, Math.trunc(options.busyTimeoutMs ?? 5000))}`);
  // With WAL, NORMAL is durable across application crashes; only an OS crash can lose the last commits.
  sqlite.pragma('synchronous = NORMAL');
  const db = new Kysely<Database>({
    dialect: new ImmediateSqliteDialect({ database: withStatementCache(sqlite) }),
    log: options.log,
  });
  sqliteHandles.set(db, sqlite);
  return {
    db,
    dialect: 'sqlite',
    location: path === ':memory:' ? path : resolve(path),
    close: () => db.destroy(),
  };
}

/**
 * Creates a database or backup file readable by its owner only (0600; its folder 0700 when made
 * here), unless it exists. SQLite gives its -wal and -shm files the database file's mode.
 */
export function createPrivateFile(path: string): void {
  const full = resolve(path);
  mkdirSync(dirname(full), { recursive: true, mode: 0o700 });
  if (!existsSync(full)) closeSync(openSync(full, 'a', 0o600));
}

/** How many prepared statements each SQLite connection keeps, least recently used out first. */
export const STATEMENT_CACHE_SIZE = 1000;

/**
 * The handle as Kysely's SQLite driver sees it, with each statement prepared once per SQL text
 * instead of on every run: the same few dozen statements serve every request, and preparing one
 * cost about as much CPU as running it (a tenth of a student page's in-process time). Statements
 * are reset after each run, so none holds a lock or blocks DDL. (A statement still iterating, a
 * streamed read, would not be handed out again; Kysely holds the one connection while it streams,
 * so nothing else runs meanwhile anyway.)
 */
function withStatementCache(sqlite: SQLite.Database): SqliteDatabase {
  const cache = new Map<string, SQLite.Statement>();
  return {
    close: () => sqlite.close(),
    prepare(text: string) {
      const cached = cache.get(text);
      if (cached && !cached.busy) {
        // Most recently used last: a Map keeps insertion order.
        cache.delete(text);
        cache.set(text, cached);
        return cached;
      }
      const statement = sqlite.prepare(text);
      if (!cached) {
        cache.set(text, statement);
        if (cache.size > STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value as string);
      }
      return statement;
    },
  };
}

/**
 * Kysely begins SQLite transactions with a deferred `BEGIN`: the write lock is taken at the
 * first write, and if another process committed since this transaction's first read, SQLite
 * refuses the write at once (SQLITE_BUSY_SNAPSHOT; busy_timeout does not wait for it). With
 * several server processes on one file, every transaction here begins `IMMEDIATE` instead:
 * it waits (busy_timeout) for the write lock up front, so what it reads, such as the audit
 * chain's head, is still the latest when it writes.
 */
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

class ImmediateSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;
  constructor(config: SqliteDialectConfig) {
    super(config);
    this.#config = config;
  }
  override createDriver(): SqliteDriver {
    return new ImmediateSqliteDriver(this.#config);
  }
}

function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres://…';
  }
}

export async function migrateToLatest(
  db: DB,
  /** Tests that take one migration out from under later ones put it back out of order. */
  options: { allowUnorderedMigrations?: boolean } = {},
): Promise<string[]> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
    allowUnorderedMigrations: options.allowUnorderedMigrations ?? false,
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  const applied = (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
  // The migration made the table (f), or emptied it when the summaries changed meaning (o, za,
  // and y, which dropped the summaries that counted voided sessions); the progress math that
  // fills it is app code.
  if (
    applied.includes('2026_11_30_f_goal_summaries') ||
    applied.includes('2026_11_30_o_progress_rules') ||
    applied.includes('2026_11_30_y_void_observations') ||
    applied.includes('2026_11_30_za_mastery_routines')
  ) {
    await fillMissingGoalSummaries(db);
  }
  if (applied.includes('2026_11_30_m_fidelity_summaries')) await rebuildAllFidelitySummaries(db);
  if (applied.includes('2026_11_30_zc_comparison_digests')) await fillMissingComparisonDigests(db);
  return applied;
}
