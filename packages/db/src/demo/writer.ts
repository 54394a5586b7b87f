import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import { CompiledQuery, type Kysely } from 'kysely';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { Database, EditStamp } from '../schema';

type Table = keyof Database;
/** A generated row: edited rows start unedited (the edit stamp's column defaults). */
type SeedRow<T extends Table> = Omit<Database[T], keyof EditStamp>;
type Row = Record<string, string | number | null>;

/**
 * Parent tables before children, so immediate foreign-key checks pass at every flush. These are
 * the tables the generator fills (and the bulk load, bulk.ts, unindexes while it does).
 */
export const ORDER: readonly Table[] = [
  'district',
  'reporting_period',
  'school',
  'staff_user',
  'staff_school',
  'classroom',
  'routine',
  'student',
  'service',
  'service_model_minutes',
  'assistant_assignment',
  'goal',
  'goal_routine',
  'goal_phase_change',
  'model_change',
  'push_in_plan',
  'therapy_session',
  'session_student',
  'observation',
  'touch_base',
  'touch_base_participant',
  'touch_base_student',
  'action_item',
  'progress_report',
  'progress_report_goal',
  'progress_report_ready',
];

// SQLite allows 32766 bound variables, Postgres 65535; stay well under both.
const MAX_PARAMS = 30_000;
const MAX_ROWS = 500;

/** Where the generator's rows go: a database (BatchWriter) or memory (MemorySink). */
export interface RowSink {
  readonly counts: Record<string, number>;
  push<T extends Table>(table: T, row: SeedRow<T>): void;
  maybeFlush(): Promise<void>;
  flush(): Promise<void>;
}

/** Keeps every row in memory, per table, in generation order. */
export class MemorySink implements RowSink {
  readonly counts: Record<string, number> = {};
  readonly tables: { [T in Table]?: SeedRow<T>[] } = {};

  push<T extends Table>(table: T, row: SeedRow<T>): void {
    let list = this.tables[table] as SeedRow<T>[] | undefined;
    if (!list) {
      list = [];
      (this.tables as Record<string, unknown>)[table] = list;
    }
    list.push(row);
    this.counts[table] = (this.counts[table] ?? 0) + 1;
  }

  rows<T extends Table>(table: T): SeedRow<T>[] {
    return (this.tables[table] ?? []) as SeedRow<T>[];
  }

  async maybeFlush(): Promise<void> {}
  async flush(): Promise<void> {}
}

/**
 * Buffers rows per table and writes them in multi-row inserts. The SQL text for a given
 * table/row-count is compiled once by Kysely and reused with fresh parameters: the
 * generator's rows always have the same keys in the same order.
 */
export class BatchWriter implements RowSink {
  readonly counts: Record<string, number> = {};
  private readonly buffers = new Map<Table, Row[]>();
  private readonly sqlCache = new Map<string, { sql: string; columns: string[] }>();
  private full = false;

  constructor(private readonly db: Kysely<Database>) {
    for (const t of ORDER) this.buffers.set(t, []);
  }

  push<T extends Table>(table: T, row: SeedRow<T>): void {
    const buf = this.buffers.get(table);
    if (!buf) throw new Error(`No buffer for ${table}`);
    buf.push(row as unknown as Row);
    if (buf.length >= MAX_ROWS) this.full = true;
  }

  /** Flushes when any buffer holds a full batch; call between units of generation. */
  async maybeFlush(): Promise<void> {
    if (this.full) await this.flush();
  }

  async flush(): Promise<void> {
    for (const table of ORDER) {
      const buf = this.buffers.get(table)!;
      if (buf.length === 0) continue;
      const columns = Object.keys(buf[0]!);
      const perBatch = Math.max(1, Math.min(MAX_ROWS, Math.floor(MAX_PARAMS / columns.length)));
      for (let i = 0; i < buf.length; i += perBatch)
        await this.insert(table, buf.slice(i, i + perBatch), columns);
      this.counts[table] = (this.counts[table] ?? 0) + buf.length;
      buf.length = 0;
    }
    this.full = false;
  }

  private async insert(table: Table, rows: Row[], columns: string[]): Promise<void> {
    const key = `${table}:${rows.length}:${columns.join(',')}`;
    const params: unknown[] = new Array(rows.length * columns.length);
    let k = 0;
    for (const r of rows) for (const c of columns) params[k++] = r[c] ?? null;
    let cached = this.sqlCache.get(key);
    if (!cached) {
      const compiled = this.db
        .insertInto(table)
        .values(rows as never)
        .compile();
      // The reuse relies on Kysely's parameter order being row-major in key order.
      if (
        compiled.parameters.length !== params.length ||
        compiled.parameters.some((p, i) => (p ?? null) !== params[i])
      )
        throw new Error(`Unexpected parameter order compiling insert into ${table}`);
      cached = { sql: compiled.sql, columns };
      this.sqlCache.set(key, cached);
    }
    await this.db.executeQuery(CompiledQuery.raw(cached.sql, params));
  }
}

/** A value in COPY's text format: `\N` for null, and backslash, tab and line ends escaped. */
function copyText(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '\\N';
  if (typeof value === 'number') return String(value);
  return value.replace(/[\\\t\n\r]/g, (c) =>
    c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r',
  );
}

/** Rows per table kept before a COPY; one COPY statement costs about as much as a few rows. */
const COPY_ROWS = 20_000;
/** Bytes handed to the socket per write: large enough to amortise, small enough to stream. */
const COPY_CHUNK_BYTES = 1 << 20;

/**
 * Postgres only: writes each table's buffered rows with `COPY … FROM STDIN` on the seed's own
 * client (inside its transaction): the server parses no SQL and plans nothing per batch, and no
 * bind parameters are built. Same tables, same order, same rows as BatchWriter. Foreign keys
 * are still checked row by row and every index kept up, which is most of a seed's cost: on a
 * saturated 2-core machine COPY was no faster than inserts (README, Benchmarks).
 */
export class CopyWriter implements RowSink {
  readonly counts: Record<string, number> = {};
  private readonly buffers = new Map<Table, Row[]>();
  private full = false;

  constructor(private readonly client: pg.ClientBase) {
    for (const t of ORDER) this.buffers.set(t, []);
  }

  push<T extends Table>(table: T, row: Database[T]): void {
    const buf = this.buffers.get(table);
    if (!buf) throw new Error(`No buffer for ${table}`);
    buf.push(row as unknown as Row);
    if (buf.length >= COPY_ROWS) this.full = true;
  }

  async maybeFlush(): Promise<void> {
    if (this.full) await this.flush();
  }

  async flush(): Promise<void> {
    for (const table of ORDER) {
      const buf = this.buffers.get(table)!;
      if (buf.length === 0) continue;
      await this.copy(table, buf);
      this.counts[table] = (this.counts[table] ?? 0) + buf.length;
      buf.length = 0;
    }
    this.full = false;
  }

  private async copy(table: Table, rows: Row[]): Promise<void> {
    const columns = Object.keys(rows[0]!);
    const quoted = columns.map((c) => `"${c}"`).join(', ');
    const stream = this.client.query(copyFrom(`COPY "${table}" (${quoted}) FROM STDIN`));
    const done = finished(stream);
    let chunk = '';
    for (const r of rows) {
      let line = '';
      for (let i = 0; i < columns.length; i++)
        line += (i === 0 ? '' : '\t') + copyText(r[columns[i]!]);
      chunk += `${line}\n`;
      if (chunk.length >= COPY_CHUNK_BYTES) {
        if (!stream.write(chunk)) await once(stream, 'drain');
        chunk = '';
      }
    }
    stream.end(chunk);
    await done;
  }
}
