import { sql } from 'kysely';
import type { DB } from '../src/client';

/** Every table's rows, each as JSON, sorted: the whole database's content, order-free. */
export async function everyRow(db: DB): Promise<Record<string, string[]>> {
  const tables = await sql<{ table_name: string }>`
    select table_name from information_schema.tables
    where table_schema = current_schema() and table_type = 'BASE TABLE'
      and table_name not like 'kysely_%'
      -- a fresh random version per seed, by design (see data-version.ts)
      and table_name <> 'district_data_version'
    order by table_name`.execute(db);
  const content: Record<string, string[]> = {};
  for (const { table_name } of tables.rows) {
    const rows = await sql<Record<string, unknown>>`select * from ${sql.table(table_name)}`.execute(
      db,
    );
    content[table_name] = rows.rows.map((r) => JSON.stringify(r)).sort();
  }
  return content;
}
