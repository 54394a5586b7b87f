import type { CreateTableBuilder, Kysely } from 'kysely';

// Frozen in time: never imports app code. Accounts hardening: multi-factor sign-in (a TOTP
// secret per user; one-time recovery codes, stored as hashes), sessions a user can see and end
// (device, address, and how far sign-in has got), devices that signed in before (so someone
// else's wrong guesses never lock the owner out on their own device), and one-time setup
// links for a first admin, stored as hashes. Keys lead with district_id, foreign keys are
// composite, as in the first migration.

const text = 'text' as const;

function userScoped(db: Kysely<any>, name: string): CreateTableBuilder<string, string> {
  return db.schema
    .createTable(name)
    .addColumn('district_id', text, (c) =>
      c.notNull().references('district.id').onDelete('cascade'),
    )
    .addColumn('id', text, (c) => c.notNull())
    .addColumn('user_id', text, (c) => c.notNull())
    .addColumn('created_at', text, (c) => c.notNull())
    .addPrimaryKeyConstraint(`${name}_pk`, ['district_id', 'id'] as never)
    .addForeignKeyConstraint(
      `${name}_user_id_fk`,
      ['district_id', 'user_id'] as never,
      'staff_user',
      ['district_id', 'id'],
      (fk) => fk.onDelete('cascade'),
    );
}

export async function up(db: Kysely<any>): Promise<void> {
  for (const column of ['totp_secret', 'totp_pending_secret', 'totp_enabled_at'])
    await db.schema.alterTable('staff_user').addColumn(column, text).execute();
  await db.schema.alterTable('staff_user').addColumn('totp_last_step', 'integer').execute();

  await db.schema
    .alterTable('auth_session')
    .addColumn('stage', text, (c) => c.notNull().defaultTo('full'))
    .execute();
  await db.schema.alterTable('auth_session').addColumn('user_agent', text).execute();
  await db.schema.alterTable('auth_session').addColumn('address', text).execute();
  await db.schema
    .createIndex('auth_session_user_ix')
    .on('auth_session')
    .columns(['district_id', 'user_id', 'created_at'])
    .execute();

  // id = SHA-256 of the code.
  await userScoped(db, 'recovery_code').addColumn('used_at', text).execute();
  // id = SHA-256 of the device cookie's token.
  await userScoped(db, 'known_device')
    .addColumn('last_used_at', text, (c) => c.notNull())
    .execute();
  // id = SHA-256 of the link's secret.
  await userScoped(db, 'setup_token')
    .addColumn('expires_at', text, (c) => c.notNull())
    .addColumn('used_at', text)
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['setup_token', 'known_device', 'recovery_code'])
    await db.schema.dropTable(table).execute();
  await db.schema.dropIndex('auth_session_user_ix').execute();
  for (const column of ['address', 'user_agent', 'stage'])
    await db.schema.alterTable('auth_session').dropColumn(column).execute();
  for (const column of ['totp_last_step', 'totp_enabled_at', 'totp_pending_secret', 'totp_secret'])
    await db.schema.alterTable('staff_user').dropColumn(column).execute();
}
