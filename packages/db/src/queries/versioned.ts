import {
  type Expression,
  type ExpressionBuilder,
  type Kysely,
  type SqlBool,
  sql,
  type Updateable,
} from 'kysely';
import type { Database } from '../schema';

// Optimistic concurrency for the rows people edit in forms (migration 2026_11_30_k_row_versions).
// An edit form loads a row's version and sends it back; the write is one UPDATE … WHERE
// version = the loaded one, so of two people who loaded the same version exactly one saves and
// the other is told who changed what, and when. No row locks are held while someone types.

export type VersionedTable =
  | 'goal'
  | 'progress_report_goal'
  | 'push_in_plan'
  | 'routine'
  | 'touch_base'
  | 'action_item'
  | 'staff_user'
  | 'student'
  | 'service'
  | 'therapy_session'
  | 'schedule_session';

/** A row's district and the rest of its primary key, e.g. `{ district_id, id }`. */
export type RowKey = { district_id: string } & Record<string, string>;

/** Who edits, and when (ISO instant). */
export interface Editor {
  by: string;
  at: string;
}

/**
 * Thrown inside the writing transaction when the row is no longer at the version the editor
 * loaded, so everything else the transaction wrote rolls back with it.
 */
export class StaleVersionError extends Error {
  constructor(
    readonly table: VersionedTable,
    readonly key: RowKey,
    readonly expectedVersion: number,
  ) {
    super(`${table} is no longer at version ${expectedVersion}`);
    this.name = 'StaleVersionError';
  }
}

/** The version and last edit of a row, with the editor's name. */
export interface EditState {
  version: number;
  updatedBy: string | null;
  updatedByName: string | null;
  updatedAt: string | null;
  /** Column names the last edit changed. */
  updatedFields: string[];
}

// The helpers serve six tables with different keys: they build on an untyped view of the
// database, and the typed callers pass typed values.
// biome-ignore lint/suspicious/noExplicitAny: one query shape over six differently keyed tables
type AnyDb = Kysely<any>;

function sameValue(a: unknown, b: unknown): boolean {
  if (a == null || b == null) return a == null && b == null;
  // Postgres may return numbers as strings; the form sends numbers.
  return String(a) === String(b);
}

function splitFields(stored: string | null): string[] {
  return stored ? stored.split(',').filter((f) => f !== '') : [];
}

/**
 * The set clause of an edit that is not made from a form (a checkbox, an acknowledgement):
 * it takes no expected version, but still moves the version on, so a form loaded before it
 * cannot silently undo it.
 */
export function nextVersion(editor: Editor, fields: readonly string[]) {
  return {
    version: sql<number>`version + 1`,
    updated_by: editor.by,
    updated_at: editor.at,
    updated_fields: fields.join(','),
  };
}

/**
 * Writes `values` to the row at `key` if it is still at `expectedVersion`: version + 1, with the
 * editor, the time and the columns that changed (`alsoChanged` names changes kept in other
 * tables, such as a goal's routines). `guard` adds a condition the row must meet (a report still
 * a draft). Throws StaleVersionError otherwise. A save that changes nothing writes nothing.
 */
export async function updateAtVersion<T extends VersionedTable>(
  trx: Kysely<Database>,
  table: T,
  key: RowKey,
  expectedVersion: number,
  values: Updateable<Database[T]>,
  editor: Editor,
  options: {
    alsoChanged?: readonly string[];
    guard?: (eb: ExpressionBuilder<Database, T>) => Expression<SqlBool>;
  } = {},
): Promise<{ version: number; changed: string[] }> {
  const db = trx as unknown as AnyDb;
  let read = db
    .selectFrom(table as string)
    .selectAll()
    .where('version', '=', expectedVersion);
  for (const [column, value] of Object.entries(key)) read = read.where(column, '=', value);
  const current = (await read.executeTakeFirst()) as Record<string, unknown> | undefined;
  if (!current) throw new StaleVersionError(table, key, expectedVersion);
  const changed = [
    ...Object.entries(values as Record<string, unknown>)
      .filter(([column, value]) => !sameValue(current[column], value))
      .map(([column]) => column),
    ...(options.alsoChanged ?? []),
  ];
  if (changed.length === 0) return { version: expectedVersion, changed };
  let write = db
    .updateTable(table as string)
    .set({
      ...(values as Record<string, unknown>),
      version: expectedVersion + 1,
      updated_by: editor.by,
      updated_at: editor.at,
      updated_fields: changed.join(','),
    })
    .where('version', '=', expectedVersion);
  for (const [column, value] of Object.entries(key)) write = write.where(column, '=', value);
  const guard = options.guard;
  if (guard) write = write.where((eb) => guard(eb as unknown as ExpressionBuilder<Database, T>));
  const result = await write.executeTakeFirst();
  if (Number(result.numUpdatedRows) === 0) throw new StaleVersionError(table, key, expectedVersion);
  return { version: expectedVersion + 1, changed };
}

/** The row's version and last edit, or undefined when there is no such row. */
export async function readEditState(
  db: Kysely<Database>,
  table: VersionedTable,
  key: RowKey,
): Promise<EditState | undefined> {
  let q = (db as unknown as AnyDb)
    .selectFrom(`${table} as r`)
    .leftJoin('staff_user as editor', (j) =>
      j.onRef('editor.district_id', '=', 'r.district_id').onRef('editor.id', '=', 'r.updated_by'),
    )
    .select([
      'r.version',
      'r.updated_by',
      'r.updated_at',
      'r.updated_fields',
      'editor.name as editor_name',
    ]);
  for (const [column, value] of Object.entries(key)) q = q.where(`r.${column}`, '=', value);
  const row = (await q.executeTakeFirst()) as
    | {
        version: number | string;
        updated_by: string | null;
        updated_at: string | null;
        updated_fields: string | null;
        editor_name: string | null;
      }
    | undefined;
  if (!row) return undefined;
  return {
    version: Number(row.version),
    updatedBy: row.updated_by,
    updatedByName: row.editor_name,
    updatedAt: row.updated_at,
    updatedFields: splitFields(row.updated_fields),
  };
}
