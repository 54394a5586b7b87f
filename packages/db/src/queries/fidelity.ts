import { type Kysely, sql } from 'kysely';
import type { Database } from '../schema';
import { studentList } from './joins';
import { scheduleFidelityRecords } from './schedule';
import { type ScopeViewer, type StudentIdQuery, scopedStudentIds } from './scope';

/** Roles whose scope is their own short list of students (services, assignments, classes). */
const OWN_LIST_ROLES: ReadonlySet<string> = new Set(['therapist', 'assistant', 'teacher']);

// Everything the service-fidelity report needs for the students a viewer may see, in a fixed
// number of queries: students, services (with split minutes) meeting the period, and every
// per-student session record in the period. The arithmetic is @carryover/domain's.

export async function loadReportingPeriods(db: Kysely<Database>, districtId: string) {
  return db
    .selectFrom('reporting_period')
    .select(['id', 'name', 'starts_on', 'ends_on'])
    .where('district_id', '=', districtId)
    .orderBy('starts_on')
    .execute();
}

export async function loadDistrictSettings(db: Kysely<Database>, districtId: string) {
  const row = await db
    .selectFrom('district')
    .select('settings')
    .where('id', '=', districtId)
    .executeTakeFirst();
  return row?.settings ?? '{}';
}

export async function loadFidelityData(
  db: Kysely<Database>,
  viewer: ScopeViewer,
  window: { today: string; from: string; to: string },
  options: {
    studentIds?: () => ReturnType<typeof scopedStudentIds>;
    /**
     * These students only (already checked to be in scope; a page of them). A literal id list
     * lets the planner use the per-student indexes, where a subquery led it to scan.
     */
    onlyStudents?: readonly string[];
  } = {},
) {
  const districtId = viewer.districtId;
  const only = options.onlyStudents;
  const ids = only
    ? () =>
        db
          .selectFrom('student')
          .select('student.id')
          .where('student.district_id', '=', districtId)
          .where('student.id', 'in', [...only])
    : (options.studentIds ?? (() => scopedStudentIds(db, viewer, window.today)));
  const filter = () => (only ? [...only] : ids());
  const students = await studentList(db, districtId, ids())
    .select([
      'student.id',
      'student.first_name',
      'student.last_name',
      'school.id as school_id',
      'school.name as school_name',
    ])
    .execute();
  const services = await db
    .selectFrom('service')
    .innerJoin('staff_user', (j) =>
      j
        .onRef('staff_user.district_id', '=', 'service.district_id')
        .onRef('staff_user.id', '=', 'service.provider_id'),
    )
    .select([
      'service.id',
      'service.student_id',
      'service.discipline',
      'service.provider_id',
      'service.minutes',
      'service.per',
      'service.model',
      'service.start_date',
      'service.end_date',
      'staff_user.name as provider_name',
    ])
    .where('service.district_id', '=', districtId)
    .where('service.student_id', 'in', filter())
    .where('service.start_date', '<=', window.to)
    .where('service.end_date', '>=', window.from)
    .orderBy('service.start_date')
    // The inner join keeps only services with a provider.
    .$narrowType<{ provider_id: string }>()
    .execute();
  const allSplits = () =>
    db
      .selectFrom('service_model_minutes')
      .innerJoin('service', (j) =>
        j
          .onRef('service.district_id', '=', 'service_model_minutes.district_id')
          .onRef('service.id', '=', 'service_model_minutes.service_id'),
      )
      .select([
        'service_model_minutes.service_id',
        'service_model_minutes.model',
        'service_model_minutes.minutes',
      ])
      .where('service_model_minutes.district_id', '=', districtId)
      .where('service.student_id', 'in', filter())
      .execute();
  // For a page of students, by the services just loaded (the primary key serves the lookup).
  const serviceIds = services.map((s) => s.id);
  const splits = !only
    ? await allSplits()
    : serviceIds.length === 0
      ? []
      : await db
          .selectFrom('service_model_minutes')
          .select([
            'service_model_minutes.service_id',
            'service_model_minutes.model',
            'service_model_minutes.minutes',
          ])
          .where('service_model_minutes.district_id', '=', districtId)
          .where('service_model_minutes.service_id', 'in', serviceIds)
          .execute();
  const logged = await db
    .selectFrom('session_student')
    .innerJoin('therapy_session as s', (j) =>
      j
        .onRef('s.district_id', '=', 'session_student.district_id')
        .onRef('s.id', '=', 'session_student.session_id'),
    )
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
      's.provider_id',
      'provider.discipline as provider_discipline',
    ])
    .where('session_student.district_id', '=', districtId)
    .where('session_student.student_id', 'in', filter())
    .where('s.session_date', '>=', window.from)
    .where('s.session_date', '<=', window.to)
    // A voided session delivered nothing on record: it leaves the minutes (and billing).
    .where('s.voided_at', 'is', null)
    .execute();
  // The stored schedule: planned minutes, cancellations and closures (queries/schedule.ts).
  const planned = await scheduleFidelityRecords(
    db,
    districtId,
    only ? [...only] : ids(),
    window,
    logged,
  );
  const records: (typeof logged)[number][] = [
    ...logged,
    ...planned.map((p) => ({ ...p, provider_id: '', start_time: '' })),
  ];
  return { students, services, splits, records };
}

/** The most keys a coordinator's Fidelity page tests for a service at once. */
const MAX_KEY_BATCH = 5_000;

/**
 * The next `limit` students in the viewer's scope with a service (of `discipline`, when given)
 * meeting the period, after `after` in name order (last name, first name, id: unique, so pages
 * neither skip nor repeat a student). No figures are computed here.
 */
export async function fidelityPageStudents(
  db: Kysely<Database>,
  viewer: ScopeViewer,
  window: { today: string; from: string; to: string },
  page: { discipline?: string | undefined; after: [string, string, string] | null; limit: number },
) {
  const nameAfter = <Q extends StudentIdQuery>(q: Q, after: [string, string, string] | null): Q =>
    after
      ? (q.where(
          sql<boolean>`(student.last_name, student.first_name, student.id) > (${after[0]}, ${after[1]}, ${after[2]})`,
        ) as Q)
      : q;
  const byName = <Q extends StudentIdQuery>(q: Q): Q =>
    q.orderBy('student.last_name').orderBy('student.first_name').orderBy('student.id') as Q;
  type Key = { id: string; last_name: string; first_name: string };
  /** `keys`' students with a service (of the discipline) meeting the period, in their order. */
  const servedOf = async (keys: readonly Key[]) => {
    let served = db
      .selectFrom('service')
      .select('service.student_id')
      .distinct()
      .where('service.district_id', '=', viewer.districtId)
      .where(
        'service.student_id',
        'in',
        keys.map((k) => k.id),
      )
      .where('service.start_date', '<=', window.to)
      .where('service.end_date', '>=', window.from);
    if (page.discipline) served = served.where('service.discipline', '=', page.discipline);
    const withService = new Set((await served.execute()).map((r) => r.student_id));
    return keys
      .filter((k) => withService.has(k.id))
      .map((k) => ({
        id: k.id,
        sortKey: [k.last_name, k.first_name, k.id] as [string, string, string],
      }));
  };
  if (OWN_LIST_ROLES.has(viewer.role)) {
    // A therapist's, assistant's or teacher's short list is resolved first and read by key,
    // read whole and cut here, so the district's name index is never walked to find it.
    const ids = (await scopedStudentIds(db, viewer, window.today).execute()).map((r) => r.id);
    if (ids.length === 0) return [];
    const keys = await byName(
      nameAfter(
        db
          .selectFrom('student')
          .select(['student.id', 'student.last_name', 'student.first_name'])
          .where('student.district_id', '=', viewer.districtId)
          .where('student.id', 'in', ids),
        page.after,
      ),
    ).execute();
    if (keys.length === 0) return [];
    return (await servedOf(keys)).slice(0, page.limit);
  }
  // A coordinator's or admin's scope is thousands of students. Testing each for a service before
  // sorting costs a lookup per student of the scope; instead its keys are taken in name order a
  // batch at a time (sorted from student_school_name_ix alone), and only a batch's students are
  // tested, until the page is full. Batches double (up to MAX_KEY_BATCH keys, well inside both
  // databases' limits on bound values), so a scope with few served students costs a handful of
  // batches, not one per page's worth.
  const found: Awaited<ReturnType<typeof servedOf>> = [];
  let after = page.after;
  for (let batch = Math.max(200, page.limit * 4); ; batch = Math.min(batch * 2, MAX_KEY_BATCH)) {
    const keys = await byName(
      nameAfter(
        scopedStudentIds(db, viewer, window.today).select([
          'student.last_name',
          'student.first_name',
        ]),
        after,
      ),
    )
      .limit(batch)
      .execute();
    if (keys.length === 0) return found;
    for (const served of await servedOf(keys)) {
      found.push(served);
      if (found.length === page.limit) return found;
    }
    if (keys.length < batch) return found;
    const last = keys[keys.length - 1]!;
    after = [last.last_name, last.first_name, last.id];
  }
}

export type FidelityData = Awaited<ReturnType<typeof loadFidelityData>>;
