import type { Kysely } from 'kysely';

// Frozen in time: never imports app code. Correctable sessions (issue 15):
// - a signed session can be voided with a reason: it stays, struck through, and leaves
//   fidelity and billing (`voided_at`, `voided_by`, `void_reason`);
// - a session carries a version like the other rows people edit, so an unsigned draft is
//   edited at the version its form loaded, and a correction after a billing export (a void,
//   an amendment) moves the version on, which is how the export history finds it;
// - the supervising therapist's co-sign queue reads sessions by provider and co-signature.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('therapy_session').addColumn('voided_at', 'text').execute();
  await db.schema.alterTable('therapy_session').addColumn('voided_by', 'text').execute();
  await db.schema.alterTable('therapy_session').addColumn('void_reason', 'text').execute();
  await db.schema
    .alterTable('therapy_session')
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .execute();
  await db.schema.alterTable('therapy_session').addColumn('updated_by', 'text').execute();
  await db.schema.alterTable('therapy_session').addColumn('updated_at', 'text').execute();
  await db.schema.alterTable('therapy_session').addColumn('updated_fields', 'text').execute();
  await db.schema
    .createIndex('therapy_session_cosign_idx')
    .on('therapy_session')
    .columns(['district_id', 'provider_id', 'cosigned_at', 'session_date'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('therapy_session_cosign_idx').execute();
  for (const column of [
    'updated_fields',
    'updated_at',
    'updated_by',
    'version',
    'void_reason',
    'voided_by',
    'voided_at',
  ]) {
    await db.schema.alterTable('therapy_session').dropColumn(column).execute();
  }
}
