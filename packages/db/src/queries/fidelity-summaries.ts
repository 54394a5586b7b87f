import {
  type FidelityService,
  type FidelitySession,
  type FidelitySummary,
  type ServiceModel,
  type SessionModel,
  summarizeFidelity,
} from '@carryover/domain';
import { type Kysely, sql } from 'kysely';
import type { Database } from '../schema';
import { isPostgres } from './dialect';
import { loadReportingPeriods } from './fidelity';
import type { FidelityRecordRow } from './fidelity-record';
import { scheduleFidelityRecords } from './schedule';
import type { StudentIdQuery } from './scope';

export type { FidelityRecordRow } from './fidelity-record';

// Fidelity summaries (docs/architecture.md, "Fidelity summaries"): per student, discipline and
// reporting period, the service-fidelity figures that do not depend on "today" or the district's
// absence policy (`summarizeFidelity`), kept in `fidelity_summary` by every write that changes a
// student's services or session records, inside that write's transaction. The Fidelity pages,
// their totals, the caseload's minutes and the Workload view read these rows and finish them for
// today with `fidelityOn` (@carryover/domain) instead of walking every session of the period.

/** Disciplines with fidelity rows, in the order rows are shown. */
export const FIDELITY_DISCIPLINES = ['OT', 'PT', 'SLP'] as const;

/** Students summarised at a time when many are (re)built. */
const REBUILD_BATCH = 500;

/** A service as the fidelity arithmetic reads it. */
export interface FidelityServiceRow {
  id: string;
  student_id: string;
  discipline: string;
  provider_id: string;
  minutes: number;
  per: 'week' | 'month';
  model: string;
  start_date: string;
  end_date: string;
}

export interface FidelitySplitRow {
  service_id: string;
  model: string;
  minutes: number;
}

/** One fidelity row's input: a student's services of one discipline meeting a period. */
export interface FidelityRowInput {
  studentId: string;
  discipline: (typeof FIDELITY_DISCIPLINES)[number];
  /** Provider of the latest service (latest start date, then id). */
  providerId: string;
  services: FidelityService[];
  sessions: FidelitySession[];
}

/**
 * The rows of the fidelity report, by student (disciplines in `FIDELITY_DISCIPLINES` order): one
 * per student and discipline with a service in `services`, which must already be those meeting
 * the period. A record counts for the row of its service, or, without a service, for its
 * provider's discipline. The one grouping both the kept summaries and a live report use.
 */
export function fidelityRowInputs(
  services: readonly FidelityServiceRow[],
  splits: readonly FidelitySplitRow[],
  records: readonly FidelityRecordRow[],
): Map<string, FidelityRowInput[]> {
  const splitsOf = new Map<string, { model: SessionModel; minutes: number }[]>();
  for (const s of splits) {
    const list = splitsOf.get(s.service_id) ?? [];
    list.push({ model: s.model as SessionModel, minutes: Number(s.minutes) });
    splitsOf.set(s.service_id, list);
  }
  const groups = new Map<string, FidelityServiceRow[]>();
  for (const s of services) {
    const key = `${s.student_id}\u0000${s.discipline}`;
    const list = groups.get(key) ?? [];
    list.push(s);
    groups.set(key, list);
  }
  const recordsOf = new Map<string, FidelityRecordRow[]>();
  for (const r of records) {
    const list = recordsOf.get(r.student_id) ?? [];
    list.push(r);
    recordsOf.set(r.student_id, list);
  }
  const students = [...new Set(services.map((s) => s.student_id))];
  const out = new Map<string, FidelityRowInput[]>();
  for (const studentId of students) {
    const rows: FidelityRowInput[] = [];
    for (const discipline of FIDELITY_DISCIPLINES) {
      const own = groups.get(`${studentId}\u0000${discipline}`);
      if (!own) continue;
      own.sort((a, b) =>
        a.start_date < b.start_date ? -1 : a.start_date > b.start_date ? 1 : a.id < b.id ? -1 : 1,
      );
      const ids = new Set(own.map((s) => s.id));
      rows.push({
        studentId,
        discipline,
        providerId: own.at(-1)!.provider_id,
        services: own.map((s) => ({
          id: s.id,
          minutes: Number(s.minutes),
          per: s.per,
          startDate: s.start_date,
          endDate: s.end_date,
          model: s.model as ServiceModel,
          split: splitsOf.get(s.id),
        })),
        sessions: (recordsOf.get(studentId) ?? [])
          .filter((r) =>
            r.service_id !== null ? ids.has(r.service_id) : r.provider_discipline === discipline,
          )
          .map((r) => ({
            date: r.session_date,
            minutes: Number(r.minutes),
            attendance: r.attendance as FidelitySession['attendance'],
            serviceId: r.service_id,
            model: r.model as SessionModel,
            groupSize: Number(r.group_size),
            scheduled: r.scheduled === true,
          })),
      });
    }
    out.set(studentId, rows);
  }
  return out;
}

/** Whether a service meets [from, to]. */
export const serviceMeets = (s: FidelityServiceRow, from: string, to: string) =>
  s.start_date <= to && s.end_date >= from;

/** Services of some students meeting [from, to], in start order. */
export async function fidelityServicesOf(
  db: Kysely<Database>,
  districtId: string,
  studentIds: readonly string[],
  window: { from: string; to: string },
): Promise<FidelityServiceRow[]> {
  if (studentIds.length === 0) return [];
  return (
    db
      .selectFrom('service')
      .select([
        'id',
        'student_id',
        'discipline',
        'provider_id',
        'minutes',
        'per',
        'model',
        'start_date',
        'end_date',
      ])
      .where('district_id', '=', districtId)
      .where('student_id', 'in', [...studentIds])
      .where('start_date', '<=', window.to)
      .where('end_date', '>=', window.from)
      // A service still waiting for a provider (Students page, "Needs a provider") has no one to
      // account its minutes to yet; it joins the figures once someone is assigned.
      .where('provider_id', 'is not', null)
      .$narrowType<{ provider_id: string }>()
      .orderBy('start_date')
      .orderBy('id')
      .execute()
  );
}

/** The split minutes of these services (by key). */
export async function fidelitySplitsOf(
  db: Kysely<Database>,
  districtId: string,
  serviceIds: readonly string[],
): Promise<FidelitySplitRow[]> {
  if (serviceIds.length === 0) return [];
  return db
    .selectFrom('service_model_minutes')
    .select(['service_id', 'model', 'minutes'])
    .where('district_id', '=', districtId)
    .where('service_id', 'in', [...serviceIds])
    .execute();
}

/** Every session record of some students dated in [from, to], with the provider's discipline. */
export async function fidelityRecordsOf(
  db: Kysely<Database>,
  districtId: string,
  studentIds: readonly string[],
  window: { from: string; to: string },
): Promise<FidelityRecordRow[]> {
  if (studentIds.length === 0) return [];
  // Students first, then their sessions by key: a CROSS JOIN fixes that order for SQLite (an
  // inner join with the same conditions on Postgres). Left to choose, SQLite read a batch
  // holding half a 1,000-student district by walking every session and probing each for the
  // batch's 500 students: 1.7–2.4 s a batch, against 50–100 ms this way.
  return (
    db
      .selectFrom('session_student')
      .crossJoin('therapy_session as s')
      .whereRef('s.district_id', '=', 'session_student.district_id')
      .whereRef('s.id', '=', 'session_student.session_id')
      .leftJoin('staff_user as provider', (j) =>
        j
          .onRef('provider.district_id', '=', 's.district_id')
          .onRef('provider.id', '=', 's.provider_id'),
      )
      .select([
        'session_student.student_id',
        'session_student.service_id',
        'session_student.attendance',
        's.session_date',
        's.start_time',
        's.minutes',
        's.model',
        's.group_size',
        'provider.discipline as provider_discipline',
      ])
      .where('session_student.district_id', '=', districtId)
      .where('session_student.student_id', 'in', [...studentIds])
      .where('s.session_date', '>=', window.from)
      .where('s.session_date', '<=', window.to)
      // A voided session delivered nothing on record (as in the live fidelity query).
      .where('s.voided_at', 'is', null)
      .execute()
  );
}

/** The summaries these students should have: one per reporting period and row of it. */
export async function computeFidelitySummaries(
  db: Kysely<Database>,
  districtId: string,
  studentIds: readonly string[],
): Promise<
  {
    period_id: string;
    student_id: string;
    discipline: string;
    provider_id: string;
    summary: FidelitySummary;
  }[]
> {
  const periods = await loadReportingPeriods(db, districtId);
  if (periods.length === 0 || studentIds.length === 0) return [];
  // ISO dates: the earliest start and the latest end sort first and last.
  const span = {
    from: periods.map((p) => p.starts_on).sort()[0]!,
    to: periods
      .map((p) => p.ends_on)
      .sort()
      .at(-1)!,
  };
  const services = await fidelityServicesOf(db, districtId, studentIds, span);
  if (services.length === 0) return [];
  const splits = await fidelitySplitsOf(
    db,
    districtId,
    services.map((s) => s.id),
  );
  const logged = await fidelityRecordsOf(db, districtId, studentIds, span);
  // The stored schedule: planned minutes, cancellations and closures (queries/schedule.ts).
  const records = [
    ...logged,
    ...(await scheduleFidelityRecords(db, districtId, studentIds, span, logged)),
  ];
  const out = [];
  for (const period of periods) {
    const { starts_on: from, ends_on: to } = period;
    if (to < from) continue; // not a period any report can show
    const rows = fidelityRowInputs(
      services.filter((s) => serviceMeets(s, from, to)),
      splits,
      records.filter((r) => r.session_date >= from && r.session_date <= to),
    );
    for (const list of rows.values()) {
      for (const row of list) {
        out.push({
          period_id: period.id,
          student_id: row.studentId,
          discipline: row.discipline,
          provider_id: row.providerId,
          summary: summarizeFidelity({ services: row.services, sessions: row.sessions, from, to }),
        });
      }
    }
  }
  return out;
}

async function writeFidelitySummaries(
  trx: Kysely<Database>,
  districtId: string,
  studentIds: readonly string[],
  lock: boolean,
): Promise<void> {
  if (lock && isPostgres(trx)) {
    // Read committed: two writers for one student would each summarise without the other's
    // uncommitted records, and the later commit would keep a stale summary. The row lock makes
    // the second wait, then read what the first committed. NO KEY UPDATE, in id order: it does
    // not conflict with the key-share locks that inserting a record takes on its student, and a
    // fixed order cannot deadlock.
    await trx
      .selectFrom('student')
      .select('id')
      .where('district_id', '=', districtId)
      .where('id', 'in', [...studentIds])
      .orderBy('id')
      .forNoKeyUpdate()
      .execute();
  }
  const rows = await computeFidelitySummaries(trx, districtId, studentIds);
  await trx
    .deleteFrom('fidelity_summary')
    .where('district_id', '=', districtId)
    .where('student_id', 'in', [...studentIds])
    .execute();
  for (let i = 0; i < rows.length; i += 200) {
    await trx
      .insertInto('fidelity_summary')
      .values(
        rows.slice(i, i + 200).map((r) => ({
          district_id: districtId,
          ...r,
          summary: JSON.stringify(r.summary),
        })),
      )
      .execute();
  }
}

/**
 * Recomputes the fidelity summaries of these students, for every reporting period of the
 * district, from scratch. Every write that changes a student's services, split minutes or
 * session records calls it inside its transaction, after the change, so the figures commit with
 * the data: logging a session (`insertSession`), a service's model change; a later session edit,
 * void or delete calls it the same way with the session's students.
 */
export async function refreshFidelitySummaries(
  trx: Kysely<Database>,
  districtId: string,
  studentIds: Iterable<string>,
): Promise<void> {
  const ids = [...new Set(studentIds)].sort();
  for (let i = 0; i < ids.length; i += REBUILD_BATCH)
    await writeFidelitySummaries(trx, districtId, ids.slice(i, i + REBUILD_BATCH), true);
}

/**
 * Recomputes every fidelity summary of a district: after a bulk load that bypassed the write
 * paths (the demo seed, test fixtures) or a change of its reporting periods. Students are read a
 * batch at a time, so memory stays bounded. `lock: false` inside the transaction that made the
 * rows (nobody else can see them yet).
 */
export async function rebuildFidelitySummaries(
  db: Kysely<Database>,
  districtId: string,
  options: { lock?: boolean } = {},
): Promise<number> {
  let after = '';
  let students = 0;
  for (;;) {
    const ids = (
      await db
        .selectFrom('student')
        .select('id')
        .where('district_id', '=', districtId)
        .where('id', '>', after)
        .orderBy('id')
        .limit(REBUILD_BATCH)
        .execute()
    ).map((r) => r.id);
    if (ids.length === 0) return students;
    await writeFidelitySummaries(db, districtId, ids, options.lock ?? true);
    students += ids.length;
    after = ids.at(-1)!;
  }
}

/** Builds the summaries of every district with reporting periods: after the migration that made the table. */
export async function rebuildAllFidelitySummaries(db: Kysely<Database>): Promise<number> {
  const districts = await db
    .selectFrom('reporting_period')
    .select('district_id')
    .distinct()
    .orderBy('district_id')
    .execute();
  let students = 0;
  for (const { district_id } of districts)
    students += await db
      .transaction()
      .execute((trx) => rebuildFidelitySummaries(trx, district_id, { lock: false }));
  return students;
}

/** A kept row with what the pages show beside its figures. */
export interface FidelitySummaryRow {
  student_id: string;
  first_name: string;
  last_name: string;
  school_name: string;
  discipline: string;
  provider_id: string;
  provider_name: string | null;
  summary: string;
}

function summaryRows(db: Kysely<Database>, districtId: string, periodId: string) {
  return db
    .selectFrom('fidelity_summary as fs')
    .innerJoin('student', (j) =>
      j
        .onRef('student.district_id', '=', 'fs.district_id')
        .onRef('student.id', '=', 'fs.student_id'),
    )
    .innerJoin('school', (j) =>
      j
        .onRef('school.district_id', '=', 'student.district_id')
        .onRef('school.id', '=', 'student.school_id'),
    )
    .leftJoin('staff_user as provider', (j) =>
      j
        .onRef('provider.district_id', '=', 'fs.district_id')
        .onRef('provider.id', '=', 'fs.provider_id'),
    )
    .select([
      'fs.student_id',
      'student.first_name',
      'student.last_name',
      'school.name as school_name',
      'fs.discipline',
      'fs.provider_id',
      'provider.name as provider_name',
      'fs.summary',
    ])
    .where('fs.district_id', '=', districtId)
    .where('fs.period_id', '=', periodId);
}

/**
 * The kept rows of these students (already in scope) for a reporting period, in the report's
 * order: last name, first name, student id, discipline.
 */
export async function fidelitySummaryRowsOf(
  db: Kysely<Database>,
  districtId: string,
  periodId: string,
  studentIds: readonly string[],
  discipline?: string,
): Promise<FidelitySummaryRow[]> {
  if (studentIds.length === 0) return [];
  let q = summaryRows(db, districtId, periodId).where('fs.student_id', 'in', [...studentIds]);
  if (discipline) q = q.where('fs.discipline', '=', discipline);
  return q
    .orderBy('student.last_name')
    .orderBy('student.first_name')
    .orderBy('fs.student_id')
    .orderBy('fs.discipline')
    .execute();
}

/**
 * Only the kept summaries of these students (already in scope) for a reporting period, in no
 * order: for figures that need no names (the caseload's minutes), by primary key, without the
 * joins and sort of `fidelitySummaryRowsOf`.
 */
export function fidelitySummariesOf(
  db: Kysely<Database>,
  districtId: string,
  periodId: string,
  studentIds: readonly string[],
  discipline?: string,
): Promise<{ student_id: string; summary: string }[]> {
  if (studentIds.length === 0) return Promise.resolve([]);
  let q = db
    .selectFrom('fidelity_summary')
    .select(['student_id', 'summary'])
    .where('district_id', '=', districtId)
    .where('period_id', '=', periodId)
    .where('student_id', 'in', [...studentIds]);
  if (discipline) q = q.where('discipline', '=', discipline);
  return q.execute();
}

/**
 * Every kept row of a scope for a reporting period, `batch` rows at a time in key order
 * (student id, discipline), so a whole district's rows are never held at once.
 */
export async function* fidelitySummaryRowsInScope(
  db: Kysely<Database>,
  districtId: string,
  periodId: string,
  scope: () => StudentIdQuery,
  options: { discipline?: string | undefined; batch?: number } = {},
): AsyncGenerator<FidelitySummaryRow[]> {
  const batch = options.batch ?? 2000;
  let after: [string, string] | null = null;
  for (;;) {
    let q = summaryRows(db, districtId, periodId).where('fs.student_id', 'in', scope());
    if (options.discipline) q = q.where('fs.discipline', '=', options.discipline);
    if (after)
      q = q.where(sql<boolean>`(fs.student_id, fs.discipline) > (${after[0]}, ${after[1]})`);
    const rows = await q.orderBy('fs.student_id').orderBy('fs.discipline').limit(batch).execute();
    if (rows.length > 0) yield rows;
    if (rows.length < batch) return;
    const last = rows.at(-1)!;
    after = [last.student_id, last.discipline];
  }
}
