import { type Kysely, SqliteAdapter, sql } from 'kysely';

// Frozen in time: never imports app code. People, students and transfers by hand (issue 14):
// - staff, students and services are edited in forms, so they carry a version and the last
//   edit's editor, time and changed columns, like the other edited rows (2026_11_30_k);
// - a service may have no provider yet (a transfer's continuing mandate at the receiving
//   school, a new IEP): it waits on the coordinator's "Needs a provider" list;
// - every move of a student between schools or homerooms is kept as a transfer row.

const VERSIONED = ['staff_user', 'student', 'service'] as const;

/** The dialect, from Kysely's adapter (a failing probe would abort Postgres's migration transaction). */
function isSqlite(db: Kysely<any>): boolean {
  return db.getExecutor().adapter instanceof SqliteAdapter;
}

/**
 * SQLite cannot drop a NOT NULL: the table is rebuilt (sqlite.org/lang_altertable.html, "Making
 * other kinds of table schema changes"), with foreign keys off so dropping the old table does
 * not cascade into its children. Kysely runs SQLite migrations outside a transaction, so the
 * pragma takes effect; the rebuild itself is one transaction.
 */
async function serviceProviderOptionalSqlite(db: Kysely<any>): Promise<void> {
  const table = await sql<{ sql: string }>`
    select sql from sqlite_master where type = 'table' and name = 'service'`.execute(db);
  const indexes = await sql<{ sql: string }>`
    select sql from sqlite_master
    where type = 'index' and tbl_name = 'service' and sql is not null`.execute(db);
  const create = table.rows[0]?.sql;
  if (!create) throw new Error('no service table');
  const rebuilt = create
    .replace(/^create table "service"/i, 'create table "service_rebuilt"')
    .replace(/"provider_id" text not null/i, '"provider_id" text');
  if (
    rebuilt === create ||
    !rebuilt.includes('service_rebuilt') ||
    /"provider_id" text not null/i.test(rebuilt)
  )
    throw new Error('unexpected service table definition');
  await sql`pragma foreign_keys = off`.execute(db);
  try {
    await db.transaction().execute(async (trx) => {
      await sql.raw(rebuilt).execute(trx);
      await sql`insert into service_rebuilt select * from service`.execute(trx);
      await sql`drop table service`.execute(trx);
      await sql`alter table service_rebuilt rename to service`.execute(trx);
      for (const index of indexes.rows) await sql.raw(index.sql).execute(trx);
      const broken = await sql`pragma foreign_key_check`.execute(trx);
      if (broken.rows.length > 0) throw new Error('service rebuild broke a foreign key');
    });
  } finally {
    await sql`pragma foreign_keys = on`.execute(db);
  }
}

export async function up(db: Kysely<any>): Promise<void> {
  if (isSqlite(db)) await serviceProviderOptionalSqlite(db);
  else
    await db.schema
      .alterTable('service')
      .alterColumn('provider_id', (c) => c.dropNotNull())
      .execute();

  for (const table of VERSIONED) {
    await db.schema
      .alterTable(table)
      .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
      .execute();
    await db.schema.alterTable(table).addColumn('updated_by', 'text').execute();
    await db.schema.alterTable(table).addColumn('updated_at', 'text').execute();
    await db.schema.alterTable(table).addColumn('updated_fields', 'text').execute();
  }

  // A student's moves: kept with the student (and deleted with them by retention).
  await db.schema
    .createTable('student_transfer')
    .addColumn('district_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('student_id', 'text', (c) => c.notNull())
    .addColumn('effective_on', 'text', (c) => c.notNull())
    .addColumn('from_school_id', 'text', (c) => c.notNull())
    .addColumn('to_school_id', 'text', (c) => c.notNull())
    .addColumn('from_homeroom_id', 'text')
    .addColumn('to_homeroom_id', 'text')
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('student_transfer_pk', ['district_id', 'id'])
    .addForeignKeyConstraint(
      'student_transfer_student_id_fk',
      ['district_id', 'student_id'],
      'student',
      ['district_id', 'id'],
      (fk) => fk.onDelete('cascade'),
    )
    .execute();
  await db.schema
    .createIndex('student_transfer_student_ix')
    .on('student_transfer')
    .columns(['district_id', 'student_id', 'effective_on'])
    .execute();
  // The "Needs a provider" list reads a district's unassigned services.
  await db.schema
    .createIndex('service_unassigned_ix')
    .on('service')
    .columns(['district_id', 'end_date'])
    .where(sql.ref('provider_id'), 'is', null)
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('service_unassigned_ix').execute();
  await db.schema.dropTable('student_transfer').execute();
  for (const table of VERSIONED) {
    for (const column of ['updated_fields', 'updated_at', 'updated_by', 'version']) {
      await db.schema.alterTable(table).dropColumn(column).execute();
    }
  }
  // The provider stays optional: services made without one have nowhere to go.
}
