import {
  type Kysely,
  PostgresAdapter,
  type SelectQueryBuilder,
  type ShallowDehydrateObject,
  type Simplify,
} from 'kysely';
import { jsonArrayFrom } from 'kysely/helpers/postgres';
import type { Database } from '../schema';

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
  const entries = Object.entries(queries);
  if (isPostgres(db)) {
    // The JSON arrays come back parsed: pg parses `json` columns.
    return (await db
      .selectNoFrom(entries.map(([name, query]) => jsonArrayFrom(query).as(name)))
      .executeTakeFirstOrThrow()) as { [K in keyof Q]: RowsOf<Q[K]> };
  }
  const out: Record<string, unknown> = {};
  for (const [name, query] of entries) out[name] = await query.execute();
  return out as { [K in keyof Q]: RowsOf<Q[K]> };
}
