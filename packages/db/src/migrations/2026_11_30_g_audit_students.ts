import type { Kysely } from 'kysely';

// Frozen in time: never imports app code. One audit event per request: a read of many
// students is one `audit_event` whose chain hash covers `students_digest`, a digest of the
// salted commitments of the students it read, each kept as a row of `audit_event_student`
// (retention clears a row's student_id and salt, as it does an event's linkage). `mac` is a
// keyed HMAC of the event's hash, made with a key kept outside the database, so someone who
// can write the database cannot re-chain it undetected. Existing events keep their hashes:
// the digest is hashed only when present.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('audit_event').addColumn('students_digest', 'text').execute();
  await db.schema.alterTable('audit_event').addColumn('mac', 'text').execute();
  // No foreign key to student (the trail outlives the rows it speaks of) nor to audit_event
  // (its key is (district_id, id); the chain position is what the digest is checked by).
  await db.schema
    .createTable('audit_event_student')
    .addColumn('district_id', 'text', (c) => c.notNull())
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('student_id', 'text')
    .addColumn('link_salt', 'text')
    .addColumn('link_hash', 'text', (c) => c.notNull())
    .addColumn('redacted_by_seq', 'integer')
    .addPrimaryKeyConstraint('audit_event_student_pk', ['district_id', 'seq', 'position'])
    .execute();
  await db.schema
    .createIndex('audit_event_student_student_ix')
    .on('audit_event_student')
    .columns(['district_id', 'student_id'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('audit_event_student').execute();
  await db.schema.alterTable('audit_event').dropColumn('mac').execute();
  await db.schema.alterTable('audit_event').dropColumn('students_digest').execute();
}
