import type { Kysely } from 'kysely';

// Frozen in time: never imports app code. Medicaid-ready billing (issue 15):
// - a student's Medicaid ID and ICD-10 diagnosis from the IEP (the date of birth is already
//   kept); a provider's NPI and credential;
// - the history of billing exports and what was in each (one line per student per session, at
//   the session's version then), so nothing is billed twice and a session corrected after its
//   export is found for re-billing. A line goes with its student (retention's cascade).
// The code mapping and the units rule are district settings (JSON, with defaults in code).

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('student').addColumn('medicaid_id', 'text').execute();
  await db.schema.alterTable('student').addColumn('diagnosis_icd10', 'text').execute();
  await db.schema.alterTable('staff_user').addColumn('npi', 'text').execute();
  await db.schema.alterTable('staff_user').addColumn('credential', 'text').execute();

  await db.schema
    .createTable('billing_export')
    .addColumn('district_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    /** JSON of the export's filters: period, school, therapist, student. */
    .addColumn('filters', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('billing_export_pk', ['district_id', 'id'])
    .execute();
  await db.schema
    .createIndex('billing_export_created_idx')
    .on('billing_export')
    .columns(['district_id', 'created_at'])
    .execute();

  await db.schema
    .createTable('billing_export_line')
    .addColumn('district_id', 'text', (c) => c.notNull())
    .addColumn('export_id', 'text', (c) => c.notNull())
    .addColumn('session_id', 'text', (c) => c.notNull())
    .addColumn('student_id', 'text', (c) => c.notNull())
    /** The session's version when exported: a later version means it was corrected since. */
    .addColumn('session_version', 'integer', (c) => c.notNull())
    /** `bill`, `rebill` (corrected after an earlier export) or `void` (voided after one). */
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('code', 'text')
    .addColumn('units', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('billing_export_line_pk', [
      'district_id',
      'export_id',
      'session_id',
      'student_id',
    ])
    .addForeignKeyConstraint(
      'billing_export_line_export_fk',
      ['district_id', 'export_id'],
      'billing_export',
      ['district_id', 'id'],
      (fk) => fk.onDelete('cascade'),
    )
    .addForeignKeyConstraint(
      'billing_export_line_student_fk',
      ['district_id', 'student_id'],
      'student',
      ['district_id', 'id'],
      (fk) => fk.onDelete('cascade'),
    )
    .execute();
  await db.schema
    .createIndex('billing_export_line_session_idx')
    .on('billing_export_line')
    .columns(['district_id', 'session_id', 'student_id'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('billing_export_line').execute();
  await db.schema.dropTable('billing_export').execute();
  await db.schema.alterTable('staff_user').dropColumn('credential').execute();
  await db.schema.alterTable('staff_user').dropColumn('npi').execute();
  await db.schema.alterTable('student').dropColumn('diagnosis_icd10').execute();
  await db.schema.alterTable('student').dropColumn('medicaid_id').execute();
}
