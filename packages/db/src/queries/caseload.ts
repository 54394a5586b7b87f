import { type Kysely, sql } from 'kysely';
import type { Database } from '../schema';
import { studentList } from './joins';
import { OBSERVATION_POINT_COLUMNS } from './observation-columns';
import { type ScopeViewer, type StudentIdQuery, scopedStudentIds } from './scope';

// The caseload in a fixed number of queries, whatever its size: every query filters by the
// same scope subquery instead of a list of ids, so there is no N+1 and no IN-list to chunk.

export interface CaseloadFilters {
  /** Case-insensitive substring of "first last". */
  search?: string;
  /** Students with a goal or a current service in this discipline. */
  discipline?: string;
}

export interface CaseloadWindow {
  today: string;
  weekStart: string;
  weekEnd: string;
}

/** `%`, `_` and the escape character itself lose their LIKE meaning. */
function likePattern(text: string): string {
  return `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

export function caseloadStudentIds(
  db: Kysely<Database>,
  viewer: ScopeViewer,
  today: string,
  filters: CaseloadFilters = {},
): StudentIdQuery {
  let q = scopedStudentIds(db, viewer, today);
  if (filters.search) {
    const pattern = likePattern(filters.search);
    q = q.where(
      sql<boolean>`lower(student.first_name || ' ' || student.last_name) like ${pattern} escape '\\'`,
    );
  }
  const discipline = filters.discipline;
  if (discipline) {
    q = q.where((eb) =>
      eb.or([
        eb.exists(
          eb
            .selectFrom('goal')
            .select(sql<number>`1`.as('one'))
            .whereRef('goal.district_id', '=', 'student.district_id')
            .whereRef('goal.student_id', '=', 'student.id')
            .where('goal.discipline', '=', discipline),
        ),
        eb.exists(
          eb
            .selectFrom('service')
            .select(sql<number>`1`.as('one'))
            .whereRef('service.district_id', '=', 'student.district_id')
            .whereRef('service.student_id', '=', 'student.id')
            .where('service.discipline', '=', discipline)
            .where('service.end_date', '>=', today),
        ),
      ]),
    );
  }
  return q;
}

/** Everything the caseload table needs, in five queries. */
export async function loadCaseload(
  db: Kysely<Database>,
  viewer: ScopeViewer,
  window: CaseloadWindow,
  filters: CaseloadFilters = {},
) {
  const districtId = viewer.districtId;
  const ids = () => caseloadStudentIds(db, viewer, window.today, filters);

  const students = await studentList(db, districtId, ids())
    .select([
      'student.id',
      'student.first_name',
      'student.last_name',
      'student.grade',
      'student.iep_annual_review',
      'student.iep_reevaluation',
      'school.name as school_name',
      'classroom.name as homeroom_name',
    ])
    .execute();

  const goals = await db
    .selectFrom('goal')
    .selectAll()
    .where('district_id', '=', districtId)
    .where('student_id', 'in', ids())
    .orderBy('student_id')
    .orderBy('created_at')
    .orderBy('id')
    .execute();

  const observations = await db
    .selectFrom('observation')
    .select(OBSERVATION_POINT_COLUMNS)
    .where('district_id', '=', districtId)
    .where('student_id', 'in', ids())
    .orderBy('goal_id')
    .orderBy('observed_on')
    .execute();

  const services = await db
    .selectFrom('service')
    .select(['student_id', 'discipline', 'minutes', 'per'])
    .where('district_id', '=', districtId)
    .where('student_id', 'in', ids())
    .where('start_date', '<=', window.today)
    .where('end_date', '>=', window.today)
    .execute();

  // A session's discipline is its service's, else its provider's (a consult logged without a
  // service); null when neither is known, which still counts in the unfiltered total.
  const delivered = await db
    .selectFrom('session_student')
    .innerJoin('therapy_session', (j) =>
      j
        .onRef('therapy_session.district_id', '=', 'session_student.district_id')
        .onRef('therapy_session.id', '=', 'session_student.session_id'),
    )
    .leftJoin('service', (j) =>
      j
        .onRef('service.district_id', '=', 'session_student.district_id')
        .onRef('service.id', '=', 'session_student.service_id'),
    )
    .leftJoin('staff_user as provider', (j) =>
      j
        .onRef('provider.district_id', '=', 'therapy_session.district_id')
        .onRef('provider.id', '=', 'therapy_session.provider_id'),
    )
    .select((eb) => [
      'session_student.student_id',
      eb.fn.coalesce('service.discipline', 'provider.discipline').as('discipline'),
      eb.fn.sum<number>('therapy_session.minutes').as('minutes'),
    ])
    .where('session_student.district_id', '=', districtId)
    .where('session_student.student_id', 'in', ids())
    .where('session_student.attendance', 'in', ['delivered', 'makeup'])
    .where('therapy_session.session_date', '>=', window.weekStart)
    .where('therapy_session.session_date', '<=', window.weekEnd)
    .groupBy(['session_student.student_id', 'service.discipline', 'provider.discipline'])
    .execute();

  return { students, goals, observations, services, delivered };
}

export type CaseloadData = Awaited<ReturnType<typeof loadCaseload>>;
