import { type Insertable, type Kysely, sql } from 'kysely';
import type { Database, ProgressReportGoalTable, ProgressReportTable } from '../schema';
import { bumpDataVersion } from './data-version';
import { studentList } from './joins';
import { type ScopeViewer, scopedStudentIds } from './scope';
import { type Editor, updateAtVersion } from './versioned';

// IEP progress reports. Callers check role and scope; every query is bounded by district.

export async function listReportingPeriods(db: Kysely<Database>, districtId: string) {
  return db
    .selectFrom('reporting_period')
    .select(['id', 'name', 'starts_on', 'ends_on'])
    .where('district_id', '=', districtId)
    .orderBy('starts_on')
    .orderBy('id')
    .execute();
}

export async function findReportingPeriod(
  db: Kysely<Database>,
  districtId: string,
  periodId: string,
) {
  return db
    .selectFrom('reporting_period')
    .select(['id', 'name', 'starts_on', 'ends_on'])
    .where('district_id', '=', districtId)
    .where('id', '=', periodId)
    .executeTakeFirst();
}

/** Every student the viewer may see, with their goal count and their report for the period. */
export async function loadReportList(
  db: Kysely<Database>,
  viewer: ScopeViewer,
  today: string,
  periodId: string,
) {
  const d = viewer.districtId;
  return studentList(db, d, scopedStudentIds(db, viewer, today))
    .leftJoin('progress_report as pr', (j) =>
      j
        .onRef('pr.district_id', '=', 'student.district_id')
        .onRef('pr.student_id', '=', 'student.id')
        .on('pr.period_id', '=', periodId),
    )
    .select((eb) => [
      'student.id',
      'student.first_name',
      'student.last_name',
      'student.grade',
      'school.name as school_name',
      'pr.id as report_id',
      'pr.status as report_status',
      'pr.finalized_at',
      'pr.version as report_version',
      eb
        .selectFrom('goal')
        .select(sql<number>`count(*)`.as('n'))
        .whereRef('goal.district_id', '=', 'student.district_id')
        .whereRef('goal.student_id', '=', 'student.id')
        .as('goal_count'),
    ])
    .execute();
}

/** The family's preferred language (the parent letter's), current even for a finalised report. */
export async function studentFamilyLanguage(
  db: Kysely<Database>,
  districtId: string,
  studentId: string,
): Promise<string> {
  const row = await db
    .selectFrom('student')
    .select('family_language')
    .where('district_id', '=', districtId)
    .where('id', '=', studentId)
    .executeTakeFirst();
  return row?.family_language ?? 'en';
}

export async function findReport(db: Kysely<Database>, districtId: string, reportId: string) {
  return db
    .selectFrom('progress_report')
    .selectAll()
    .where('district_id', '=', districtId)
    .where('id', '=', reportId)
    .executeTakeFirst();
}

export async function findReportFor(
  db: Kysely<Database>,
  districtId: string,
  studentId: string,
  periodId: string,
) {
  return db
    .selectFrom('progress_report')
    .selectAll()
    .where('district_id', '=', districtId)
    .where('student_id', '=', studentId)
    .where('period_id', '=', periodId)
    .executeTakeFirst();
}

export async function loadReportLines(db: Kysely<Database>, districtId: string, reportId: string) {
  return db
    .selectFrom('progress_report_goal')
    .selectAll()
    .where('district_id', '=', districtId)
    .where('report_id', '=', reportId)
    .execute();
}

export async function insertReport(
  trx: Kysely<Database>,
  report: ProgressReportTable,
  lines: Insertable<ProgressReportGoalTable>[],
): Promise<void> {
  await trx.insertInto('progress_report').values(report).execute();
  if (lines.length > 0) await trx.insertInto('progress_report_goal').values(lines).execute();
  // Only final reports feed the comparison; a report may be made final from the start.
  if (report.status === 'final') await bumpDataVersion(trx, report.district_id);
}

/**
 * Changes one goal's line while the report is a draft and the line still at `expectedVersion`,
 * in one statement, so neither a concurrent finalisation nor another editor's save can slip
 * between a check and the write: either throws StaleVersionError (see versioned.ts).
 */
export async function updateDraftReportLine(
  trx: Kysely<Database>,
  districtId: string,
  reportId: string,
  goalId: string,
  expectedVersion: number,
  values: Pick<
    ProgressReportGoalTable,
    'status_code' | 'gas_score' | 'gas_override_reason' | 'status_reason' | 'narrative'
  >,
  editor: Editor,
): Promise<{ version: number }> {
  return updateAtVersion(
    trx,
    'progress_report_goal',
    { district_id: districtId, report_id: reportId, goal_id: goalId },
    expectedVersion,
    values,
    editor,
    {
      guard: (eb) =>
        eb.exists(
          eb
            .selectFrom('progress_report')
            .select(sql<number>`1`.as('one'))
            .where('progress_report.district_id', '=', districtId)
            .where('progress_report.id', '=', reportId)
            .where('progress_report.status', '=', 'draft'),
        ),
    },
  );
}

/**
 * Draft → final, once, keeping `snapshot` (the JSON of everything the version shows) as the
 * record of this version. Returns whether this call finalised it.
 */
export async function finalizeReportRow(
  trx: Kysely<Database>,
  districtId: string,
  reportId: string,
  by: string,
  at: string,
  snapshot: string,
): Promise<boolean> {
  const result = await trx
    .updateTable('progress_report')
    .set({ status: 'final', finalized_at: at, finalized_by: by })
    .where('district_id', '=', districtId)
    .where('id', '=', reportId)
    .where('status', '=', 'draft')
    .executeTakeFirst();
  const finalised = Number(result.numUpdatedRows) > 0;
  if (!finalised) return false;
  const report = await trx
    .selectFrom('progress_report')
    .select(['version', 'amend_reason'])
    .where('district_id', '=', districtId)
    .where('id', '=', reportId)
    .executeTakeFirstOrThrow();
  await trx
    .insertInto('progress_report_version')
    .values({
      district_id: districtId,
      report_id: reportId,
      version: Number(report.version ?? 1),
      finalized_at: at,
      finalized_by: by,
      amend_reason: report.amend_reason ?? null,
      snapshot,
    })
    .execute();
  await bumpDataVersion(trx, districtId);
  return true;
}

/**
 * Keeps a finalised version's snapshot for a report made final without one (the demo seed's),
 * so reopening it leaves that version printable. Does nothing when the version has one.
 */
export async function keepReportVersion(
  trx: Kysely<Database>,
  districtId: string,
  row: {
    reportId: string;
    version: number;
    finalizedAt: string;
    finalizedBy: string;
    amendReason: string | null;
  },
  snapshot: string,
): Promise<void> {
  await trx
    .insertInto('progress_report_version')
    .values({
      district_id: districtId,
      report_id: row.reportId,
      version: row.version,
      finalized_at: row.finalizedAt,
      finalized_by: row.finalizedBy,
      amend_reason: row.amendReason,
      snapshot,
    })
    .onConflict((oc) => oc.columns(['district_id', 'report_id', 'version']).doNothing())
    .execute();
}

/**
 * Final → draft as the next version, with the reason; the finalised versions stay as they
 * were, and every discipline marks its lines ready again. Returns the new version, or null
 * when the report was not final.
 */
export async function reopenReport(
  trx: Kysely<Database>,
  districtId: string,
  reportId: string,
  reason: string,
): Promise<number | null> {
  const report = await trx
    .selectFrom('progress_report')
    .select(['version', 'status'])
    .where('district_id', '=', districtId)
    .where('id', '=', reportId)
    .executeTakeFirst();
  if (report?.status !== 'final') return null;
  const next = Number(report.version ?? 1) + 1;
  const result = await trx
    .updateTable('progress_report')
    .set({
      status: 'draft',
      version: next,
      amend_reason: reason,
      finalized_at: null,
      finalized_by: null,
    })
    .where('district_id', '=', districtId)
    .where('id', '=', reportId)
    .where('status', '=', 'final')
    .where('version', '=', Number(report.version ?? 1))
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) === 0) return null;
  await trx
    .deleteFrom('progress_report_ready')
    .where('district_id', '=', districtId)
    .where('report_id', '=', reportId)
    .execute();
  // The comparison reads final reports only: this one leaves it until finalised again.
  await bumpDataVersion(trx, districtId);
  return next;
}

/** The report's finalised versions, oldest first, without their snapshots. */
export async function listReportVersions(
  db: Kysely<Database>,
  districtId: string,
  reportId: string,
) {
  return db
    .selectFrom('progress_report_version as v')
    .leftJoin('staff_user as s', (j) =>
      j.onRef('s.district_id', '=', 'v.district_id').onRef('s.id', '=', 'v.finalized_by'),
    )
    .select(['v.version', 'v.finalized_at', 'v.amend_reason', 's.name as finalized_by_name'])
    .where('v.district_id', '=', districtId)
    .where('v.report_id', '=', reportId)
    .orderBy('v.version')
    .execute();
}

export async function findReportSnapshot(
  db: Kysely<Database>,
  districtId: string,
  reportId: string,
  version: number,
) {
  const row = await db
    .selectFrom('progress_report_version')
    .select('snapshot')
    .where('district_id', '=', districtId)
    .where('report_id', '=', reportId)
    .where('version', '=', version)
    .executeTakeFirst();
  return row?.snapshot ?? null;
}

/** Which disciplines have marked their lines of the report ready, by whom and when. */
export async function loadReadyMarks(db: Kysely<Database>, districtId: string, reportId: string) {
  return db
    .selectFrom('progress_report_ready as r')
    .leftJoin('staff_user as s', (j) =>
      j.onRef('s.district_id', '=', 'r.district_id').onRef('s.id', '=', 'r.marked_by'),
    )
    .select(['r.discipline', 'r.marked_at', 's.name as marked_by_name'])
    .where('r.district_id', '=', districtId)
    .where('r.report_id', '=', reportId)
    .execute();
}

/**
 * Marks (or unmarks) a discipline's lines ready while the report is a draft, in one statement
 * each, so a concurrent finalisation cannot slip between a check and the write.
 */
export async function setReadyMark(
  trx: Kysely<Database>,
  districtId: string,
  reportId: string,
  discipline: string,
  mark: { by: string; at: string } | null,
): Promise<boolean> {
  await trx
    .deleteFrom('progress_report_ready')
    .where('district_id', '=', districtId)
    .where('report_id', '=', reportId)
    .where('discipline', '=', discipline)
    .execute();
  if (!mark) return true;
  const result = await trx
    .insertInto('progress_report_ready')
    .columns(['district_id', 'report_id', 'discipline', 'marked_by', 'marked_at'])
    .expression((eb) =>
      eb
        .selectFrom('progress_report')
        .select([
          eb.val(districtId).as('district_id'),
          eb.val(reportId).as('report_id'),
          eb.val(discipline).as('discipline'),
          eb.val(mark.by).as('marked_by'),
          eb.val(mark.at).as('marked_at'),
        ])
        .where('progress_report.district_id', '=', districtId)
        .where('progress_report.id', '=', reportId)
        .where('progress_report.status', '=', 'draft'),
    )
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
}

export async function staffName(db: Kysely<Database>, districtId: string, staffId: string) {
  const row = await db
    .selectFrom('staff_user')
    .select('name')
    .where('district_id', '=', districtId)
    .where('id', '=', staffId)
    .executeTakeFirst();
  return row?.name ?? null;
}
