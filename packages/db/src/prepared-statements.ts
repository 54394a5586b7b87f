import { type RawBuilder, sql } from 'kysely';
import type pg from 'pg';

// Postgres parses, analyses and plans every unnamed statement anew. At 25,000 students a student
// page's dozen statements took 5.7 ms to plan and 5.0 ms to run (EXPLAIN ANALYZE, on a 2-core
// machine). A named (prepared) statement is parsed and analysed once per connection, and its
// later runs send only the values. After five runs Postgres may keep one generic plan and stop
// planning (`plan_cache_mode = auto`, `planCacheMode` in client.ts): that halved a student page's
// database CPU at 25,000 students. A statement whose best plan depends on the viewer carries
// PLAN_EACH_RUN and runs unnamed, so it is planned for its values every time.
//
// Bounded: a text is named only while the process has named fewer than MAX_NAMED_TEXTS, and a
// connection prepares at most MAX_PREPARED_PER_CONNECTION (each costs the backend memory);
// large statements (bulk inserts, long IN lists) run unnamed. A pooler in transaction mode
// (PgBouncer before 1.21) cannot route named statements: DATABASE_PREPARED_STATEMENTS=off.

const MAX_NAMED_TEXTS = 5000;
export const MAX_PREPARED_PER_CONNECTION = 250;
// A student page's one statement (queries/student.ts) is about 5,500 characters.
const MAX_PREPARED_SQL_LENGTH = 16_000;
const MAX_PREPARED_PARAMETERS = 100;
/**
 * Marks a statement whose best plan depends on its values by orders of magnitude: a
 * coordinator's scope is 1 school or 357, a district 200 students or 25,000. Postgres keeps one
 * generic plan per named statement, made for an average value (a coordinator of one school), so
 * a marked statement runs unnamed and is planned for its values on every run.
 */
export const PLAN_EACH_RUN = '/* plan each run */';

/** The marker as a query's front modifier: `query.modifyFront(planEachRun())`. */
export const planEachRun = (): RawBuilder<unknown> => sql.raw(PLAN_EACH_RUN);

/** Statements Postgres plans (utility statements such as BEGIN are not). */
const PLANNED = /^\s*(select|insert|update|delete|with)\b/i;

const names = new Map<string, string>();

function nameFor(text: string): string | null {
  const known = names.get(text);
  if (known) return known;
  if (names.size >= MAX_NAMED_TEXTS) return null;
  const name = `carryover_${names.size.toString(36)}`;
  names.set(text, name);
  return name;
}

/** A table's columns changed under a prepared statement (after a migration, say). */
const resultTypeChanged = (err: unknown) =>
  (err as { code?: string }).code === '0A000' &&
  /cached plan must not change result type/.test(String((err as Error).message));

type Query = pg.Client['query'];

/**
 * Makes `client` run the statements Kysely sends (`query(text, values)`) as named statements,
 * within the bounds above. Other calls (cursors, query configs, callbacks) pass through.
 */
export function prepareStatementsOn(client: pg.PoolClient): void {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  const prepared = new Set<string>();
  // Names whose statement broke after a schema change: run unnamed on this connection.
  const unusable = new Set<string>();
  const named = (text: string, values: unknown[]): string | null => {
    if (
      text.length > MAX_PREPARED_SQL_LENGTH ||
      values.length > MAX_PREPARED_PARAMETERS ||
      !PLANNED.test(text) ||
      text.includes(PLAN_EACH_RUN)
    )
      return null;
    const name = nameFor(text);
    if (!name || unusable.has(name)) return null;
    if (!prepared.has(name)) {
      if (prepared.size >= MAX_PREPARED_PER_CONNECTION) return null;
      prepared.add(name);
    }
    return name;
  };
  const run = async (name: string, text: string, values: unknown[]) => {
    try {
      return await query({ name, text, values });
    } catch (err) {
      if (!resultTypeChanged(err)) throw err;
      unusable.add(name);
      return await query(text, values);
    }
  };
  client.query = ((...args: unknown[]) => {
    const [text, values, callback] = args;
    if (typeof text === 'string' && Array.isArray(values) && callback === undefined) {
      const name = named(text, values);
      if (name) return run(name, text, values);
    }
    return query(...args);
  }) as Query;
}

/** How many texts this process has named (for tests). */
export function namedStatementTexts(): number {
  return names.size;
}
