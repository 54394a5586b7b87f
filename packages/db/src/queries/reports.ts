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
      eb
        .selectFrom('goal')
        .select(sql<number>`count(*)`.as('n'))
        .whereRef('goal.district_id', '=', 'student.district_id')
        .whereRef('goal.student_id', '=', 'student.id')
        .as('goal_count'),
    ])
    .execute();
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
    'status_code' | 'gas_score' | 'gas_override_reason' | 'narrative'
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

/** Draft → final, once. Returns whether this call finalised it. */
export async function finalizeReportRow(
  trx: Kysely<Database>,
  districtId: string,
  reportId: string,
  by: string,
  at: string,
): Promise<boolean> {
  const result = await trx
    .updateTable('progress_report')
    .set({ status: 'final', finalized_at: at, finalized_by: by })
    .where('district_id', '=', districtId)
    .where('id', '=', reportId)
    .where('status', '=', 'draft')
    .executeTakeFirst();
  const finalised = Number(result.numUpdatedRows) > 0;
  if (finalised) await bumpDataVersion(trx, districtId);
  return finalised;
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
