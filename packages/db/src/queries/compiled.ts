import { randomBytes } from 'node:crypto';
import { type Compilable, CompiledQuery, type Kysely } from 'kysely';
import type { Database } from '../schema';

// Statements built and compiled once per database handle, then run with each call's values.
//
// Kysely builds a query as a tree of frozen nodes and compiles the tree to SQL on every call.
// For the hottest pages that was a fifth of a server worker's CPU at 25,000 students (a student
// page's reads are one statement of ~5,500 characters on Postgres); docs/architecture.md has the
// profile. A template builds its statements with a unique placeholder for each value, compiles
// them, and records which of the compiled parameters each placeholder became; a call copies the
// parameters and puts its values in those places. The SQL text is the same as Kysely would
// compile for those values, so the same prepared statement and plan serve it.

/** A template's values: strings only, each bound as one parameter (never inlined, never a list). */
export type TemplateValues = Record<string, string>;

export interface TemplateOptions<V extends TemplateValues> {
  /** Values the statements may leave out (one template per shape, not every shape uses all). */
  mayLeaveOut?: readonly (keyof V & string)[];
}

interface Compiled {
  query: CompiledQuery;
  /** [index in `query.parameters`, the value's name] for every placeholder the query holds. */
  slots: [number, string][];
}

/**
 * Makes `build`'s statements reusable across calls. `build` must give the same statements for
 * any values: its values go in only as bound parameters (`where(col, '=', v)`, `eb.val(v)`), no
 * branch may depend on them, and nothing may inline or transform them. A value used any other way
 * is found at the first compile and throws, rather than running with the first call's value.
 */
export function statementTemplate<V extends TemplateValues, T = unknown>(
  build: (db: Kysely<Database>, values: V) => readonly Compilable<T>[],
  options: TemplateOptions<V> = {},
): (db: Kysely<Database>, values: V) => CompiledQuery<T>[] {
  // Per handle: a handle's plugins and dialect decide the SQL. A transaction's handle is new
  // each time and compiles each time, as without a template.
  const byHandle = new WeakMap<Kysely<Database>, Compiled[]>();
  return (db, values) => {
    let compiled = byHandle.get(db);
    if (!compiled) {
      compiled = compileWithPlaceholders(db, Object.keys(values), build, options.mayLeaveOut);
      byHandle.set(db, compiled);
    }
    return compiled.map(({ query, slots }) => {
      const parameters = [...query.parameters];
      for (const [index, name] of slots) parameters[index] = values[name];
      return CompiledQuery.raw(query.sql, parameters) as CompiledQuery<T>;
    });
  };
}

/** `statementTemplate` for one statement. */
export function singleStatementTemplate<V extends TemplateValues, T>(
  build: (db: Kysely<Database>, values: V) => Compilable<T>,
  options: TemplateOptions<V> = {},
): (db: Kysely<Database>, values: V) => CompiledQuery<T> {
  const template = statementTemplate(
    (db: Kysely<Database>, values: V) => [build(db, values)],
    options,
  );
  return (db, values) => template(db, values)[0] as CompiledQuery<T>;
}

function compileWithPlaceholders<V extends TemplateValues, T>(
  db: Kysely<Database>,
  names: string[],
  build: (db: Kysely<Database>, values: V) => readonly Compilable<T>[],
  mayLeaveOut: readonly string[] = [],
): Compiled[] {
  // Random, so no real value or SQL text can look like one.
  const tag = `\u0000template:${randomBytes(9).toString('base64')}:`;
  const placeholders = Object.fromEntries(names.map((name) => [name, `${tag}${name}`])) as V;
  const used = new Set<string>();
  const compiled = build(db, placeholders).map((statement) => {
    const query = statement.compile();
    if (query.sql.includes(tag)) throw new Error('statementTemplate: a value was inlined into SQL');
    const slots: [number, string][] = [];
    query.parameters.forEach((parameter, index) => {
      if (typeof parameter === 'string' && parameter.startsWith(tag)) {
        const name = parameter.slice(tag.length);
        if (!names.includes(name))
          throw new Error('statementTemplate: a value was transformed into another parameter');
        slots.push([index, name]);
        used.add(name);
      } else if (JSON.stringify(parameter ?? null).includes(tag.slice(1))) {
        throw new Error('statementTemplate: a value was transformed into another parameter');
      }
    });
    return { query, slots };
  });
  const unused = names.filter((name) => !used.has(name) && !mayLeaveOut.includes(name));
  if (unused.length > 0) throw new Error(`statementTemplate: unused values ${unused.join(', ')}`);
  return compiled;
}
