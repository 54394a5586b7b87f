import { type Kysely, sql } from 'kysely';
import type { Database } from '../schema';

// Billing data (a student's Medicaid ID and diagnosis, a provider's NPI and credential) and
// the history of billing exports: what each held, so nothing is billed twice.

export async function updateStudentBilling(
  trx: Kysely<Database>,
  districtId: string,
  studentId: string,
  values: { medicaidId: string | null; diagnosisIcd10: string | null },
): Promise<boolean> {
  const r = await trx
    .updateTable('student')
    .set({ medicaid_id: values.medicaidId, diagnosis_icd10: values.diagnosisIcd10 })
    .where('district_id', '=', districtId)
    .where('id', '=', studentId)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export async function getStudentBilling(
  db: Kysely<Database>,
  districtId: string,
  studentId: string,
) {
  return db
    .selectFrom('student')
    .select(['id', 'date_of_birth', 'medicaid_id', 'diagnosis_icd10'])
    .where('district_id', '=', districtId)
    .where('id', '=', studentId)
    .executeTakeFirst();
}

export async function updateProviderBilling(
  trx: Kysely<Database>,
  districtId: string,
  staffId: string,
  values: { npi: string | null; credential: string | null },
): Promise<boolean> {
  const r = await trx
    .updateTable('staff_user')
    .set({ npi: values.npi, credential: values.credential })
    .where('district_id', '=', districtId)
    .where('id', '=', staffId)
    .where('role', 'in', ['therapist', 'assistant'])
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Therapists and assistants with their NPI and credential, by name. */
/** Therapists and assistants with their claim data (NPI, credential), for billing. */
export async function listBillingProviders(db: Kysely<Database>, districtId: string) {
  return db
    .selectFrom('staff_user')
    .select(['id', 'name', 'role', 'discipline', 'npi', 'credential'])
    .where('district_id', '=', districtId)
    .where('role', 'in', ['therapist', 'assistant'])
    .orderBy('name')
    .orderBy('id')
    .execute();
}

export async function insertBillingExport(
  trx: Kysely<Database>,
  row: { districtId: string; id: string; createdBy: string; createdAt: string; filters: unknown },
): Promise<void> {
  await trx
    .insertInto('billing_export')
    .values({
      district_id: row.districtId,
      id: row.id,
      created_by: row.createdBy,
      created_at: row.createdAt,
      filters: JSON.stringify(row.filters),
    })
    .execute();
}

export interface NewBillingExportLine {
  sessionId: string;
  studentId: string;
  sessionVersion: number;
  kind: 'bill' | 'rebill' | 'void';
  code: string | null;
  units: number;
}

/** Rows per INSERT: 8 columns each stays far below SQLite's 32,766 bound parameters. */
const EXPORT_LINE_BATCH = 1000;

export async function insertBillingExportLines(
  trx: Kysely<Database>,
  districtId: string,
  exportId: string,
  lines: readonly NewBillingExportLine[],
): Promise<void> {
  for (let i = 0; i < lines.length; i += EXPORT_LINE_BATCH) {
    await trx
      .insertInto('billing_export_line')
      .values(
        lines.slice(i, i + EXPORT_LINE_BATCH).map((l) => ({
          district_id: districtId,
          export_id: exportId,
          session_id: l.sessionId,
          student_id: l.studentId,
          session_version: l.sessionVersion,
          kind: l.kind,
          code: l.code,
          units: l.units,
        })),
      )
      .execute();
  }
}

/** The latest exports (all of the district's, or one maker's), with their line counts. */
export async function listBillingExports(
  db: Kysely<Database>,
  districtId: string,
  options: { createdBy?: string; limit?: number } = {},
) {
  let q = db
    .selectFrom('billing_export as e')
    .innerJoin('staff_user as maker', (j) =>
      j.onRef('maker.district_id', '=', 'e.district_id').onRef('maker.id', '=', 'e.created_by'),
    )
    .leftJoin('billing_export_line as l', (j) =>
      j.onRef('l.district_id', '=', 'e.district_id').onRef('l.export_id', '=', 'e.id'),
    )
    .select([
      'e.id',
      'e.created_at',
      'e.filters',
      'maker.name as maker_name',
      sql<number>`count(l.session_id)`.as('lines'),
      sql<number>`coalesce(sum(case when l.kind = 'bill' then 1 else 0 end), 0)`.as('billed'),
      sql<number>`coalesce(sum(case when l.kind = 'rebill' then 1 else 0 end), 0)`.as('rebilled'),
      sql<number>`coalesce(sum(case when l.kind = 'void' then 1 else 0 end), 0)`.as('reversed'),
      sql<number>`coalesce(sum(case when l.kind = 'void' then 0 else l.units end), 0)`.as('units'),
    ])
    .where('e.district_id', '=', districtId)
    .groupBy(['e.id', 'e.created_at', 'e.filters', 'maker.name'])
    .orderBy('e.created_at', 'desc')
    .orderBy('e.id', 'desc')
    .limit(options.limit ?? 50);
  if (options.createdBy) q = q.where('e.created_by', '=', options.createdBy);
  return q.execute();
}

/** Replaces one key of a district's settings JSON (the rest stays as it is). */
export async function updateDistrictSettingsKey(
  trx: Kysely<Database>,
  districtId: string,
  key: string,
  value: unknown,
): Promise<void> {
  const row = await trx
    .selectFrom('district')
    .select('settings')
    .where('id', '=', districtId)
    .executeTakeFirst();
  const settings = JSON.parse(row?.settings ?? '{}') as Record<string, unknown>;
  settings[key] = value;
  await trx
    .updateTable('district')
    .set({ settings: JSON.stringify(settings) })
    .where('id', '=', districtId)
    .execute();
}

/**
 * Replaces the district's settings JSON only if it is still `previous` (compare and swap): a
 * save made from a form that loaded an older version, or racing another save, changes nothing
 * and returns false, on either database, without a lock.
 */
export async function replaceDistrictSettingsIf(
  trx: Kysely<Database>,
  districtId: string,
  previous: string,
  next: string,
): Promise<boolean> {
  const r = await trx
    .updateTable('district')
    .set({ settings: next })
    .where('id', '=', districtId)
    .where('settings', '=', previous)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** The district's schools by name (the billing export's school filter). */
export async function listSchools(db: Kysely<Database>, districtId: string) {
  return db
    .selectFrom('school')
    .select(['id', 'name'])
    .where('district_id', '=', districtId)
    .orderBy('name')
    .orderBy('id')
    .execute();
}
