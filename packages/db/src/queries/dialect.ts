import {
  type Compilable,
  type Kysely,
  PostgresAdapter,
  type SelectQueryBuilder,
  type ShallowDehydrateObject,
  type Simplify,
} from 'kysely';
import { jsonArrayFrom } from 'kysely/helpers/postgres';
import type { Database } from '../schema';
import { statementTemplate, type TemplateValues } from './compiled';

// What differs between the two databases, for the queries that need to know.

// biome-ignore lint/suspicious/noExplicitAny: any database schema; only the adapter is read.
export const isPostgres = (db: Kysely<any>): boolean =>
  db.getExecutor().adapter instanceof PostgresAdapter;

// biome-ignore lint/suspicious/noExplicitAny: any query's tables; its rows type the result.
type AnySelect = SelectQueryBuilder<any, any, any>;
type RowsOf<Q> = Q extends SelectQueryBuilder<never, never, infer O> ? Rows<O> : never;
/** A read's rows as JSON hands them back; the same values for this schema's columns. */
type Rows<O> = Simplify<ShallowDehydrateObject<O>>[];

/**
 * Runs a page's independent reads and returns each one's rows, in its ORDER BY.
 *
 * On Postgres they go as one statement, each read a JSON array beside the others: every
 * statement is a round trip, whose sends and binds were much of a student page's CPU at 25,000
 * students (ten of its twelve statements were these reads). SQLite runs them in turn: in
 * process a statement costs no round trip, and building and parsing the JSON cost more than it
 * saved (about 10% fewer student pages a second). docs/architecture.md has the numbers.
 */
export async function readEach<const Q extends Record<string, AnySelect>>(
  db: Kysely<Database>,
  queries: Q,
): Promise<{ [K in keyof Q]: RowsOf<Q[K]> }> {
  const names = Object.keys(queries);
  const results = [];
  for (const statement of readStatements(db, queries))
    results.push(await db.executeQuery(statement));
  return rowsByName(db, names, results) as { [K in keyof Q]: RowsOf<Q[K]> };
}

/**
 * `readEach` for a page whose reads differ only in their values: built and compiled once per
 * database handle (`statementTemplate`, ./compiled.ts), then each call binds its own values.
 */
export function readEachTemplate<
  V extends TemplateValues,
  const Q extends Record<string, AnySelect>,
>(
  build: (db: Kysely<Database>, values: V) => Q,
): (db: Kysely<Database>, values: V) => Promise<{ [K in keyof Q]: RowsOf<Q[K]> }> {
  // The same names for every handle and values: `build` may not branch on its values.
  let names: string[] = [];
  const statements = statementTemplate((db: Kysely<Database>, values: V) => {
    const queries = build(db, values);
    names = Object.keys(queries);
    return readStatements(db, queries);
  });
  return async (db, values) => {
    const results = [];
    for (const statement of statements(db, values)) results.push(await db.executeQuery(statement));
    return rowsByName(db, names, results) as { [K in keyof Q]: RowsOf<Q[K]> };
  };
}

/** Postgres: one statement of JSON arrays; SQLite: the reads themselves, in turn. */
function readStatements(db: Kysely<Database>, queries: Record<string, AnySelect>): Compilable[] {
  const entries = Object.entries(queries);
  if (!isPostgres(db)) return entries.map(([, query]) => query);
  return [db.selectNoFrom(entries.map(([name, query]) => jsonArrayFrom(query).as(name)))];
}

function rowsByName(
  db: Kysely<Database>,
  names: string[],
  results: { rows: unknown[] }[],
): Record<string, unknown> {
  // The JSON arrays come back parsed: pg parses `json` columns.
  if (isPostgres(db)) {
    const [row] = results[0]?.rows ?? [];
    if (!row) throw new Error('readEach: no row');
    return row as Record<string, unknown>;
  }
  return Object.fromEntries(names.map((name, i) => [name, results[i]?.rows]));
}
