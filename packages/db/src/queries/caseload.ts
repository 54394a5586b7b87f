import {
  type CaseloadSort,
  type CaseloadSortKey,
  type GoalSummary,
  GRADE_RANK_UNKNOWN,
  NO_NEXT_IEP,
} from '@carryover/domain';
import { type Kysely, type RawBuilder, sql } from 'kysely';
import type { Database } from '../schema';
import { studentGoalsWithSummaries } from './goal-summaries';
import { studentsWithPlaces } from './joins';
import { type ScopeViewer, type StudentIdQuery, scopedStudentIds } from './scope';

// The caseload a page at a time: one keyset query picks the page's students from the viewer's
// scope (filters and order in SQL), then a fixed number of queries load figures for those
// students only, so a request costs in proportion to what it shows.

export interface CaseloadFilters {
  /** Case-insensitive substring of "first last". */
  search?: string;
  /** Students with a goal or a current service in this discipline. */
  discipline?: string;
  schoolId?: string;
  /** Exact grade as stored (e.g. "K", "3"). */
  grade?: string;
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
  if (filters.schoolId) q = q.where('student.school_id', '=', filters.schoolId);
  if (filters.grade) q = q.where('student.grade', '=', filters.grade);
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

/** Roles whose scope is their own short list of students (services, assignments, classes). */
const OWN_LIST_ROLES: ReadonlySet<string> = new Set(['therapist', 'assistant', 'teacher']);

/** A page request: the order, the sort key of the last row already shown, and how many more. */
export interface CaseloadPageRequest {
  sort: CaseloadSort;
  order: 'asc' | 'desc';
  after: CaseloadSortKey | null;
  limit: number;
}

// The sort expressions, as SQL both dialects run. Grade rank follows @carryover/domain's
// gradeRank; the CASE text is built from constants only, never from input.
const gradeRankCase = (() => {
  const whens = [
    ...['prek', 'pre-k', 'pk'].map((g) => `when '${g}' then -1`),
    ...['k', 'kindergarten'].map((g) => `when '${g}' then 0`),
    ...Array.from({ length: 12 }, (_, i) => i + 1).flatMap((n) =>
      (n < 10 ? [`${n}`, `0${n}`] : [`${n}`]).map((g) => `when '${g}' then ${n}`),
    ),
  ];
  return sql<number>`case lower(trim(student.grade)) ${sql.raw(whens.join(' '))} else ${sql.lit(GRADE_RANK_UNKNOWN)} end`;
})();

/** The earliest IEP date still ahead (as nextIep in the API computes it), else a far date. */
function nextIepSql(today: string) {
  return sql<string>`case
    when student.iep_annual_review >= ${today}
      and (student.iep_reevaluation < ${today} or student.iep_annual_review <= student.iep_reevaluation)
      then student.iep_annual_review
    when student.iep_reevaluation >= ${today} then student.iep_reevaluation
    else ${NO_NEXT_IEP} end`;
}

function sortExpression(sort: CaseloadSort, today: string): RawBuilder<string | number> {
  switch (sort) {
    case 'grade':
      return gradeRankCase;
    case 'school':
      return sql<string>`school.name`;
    case 'nextIep':
      return nextIepSql(today);
    default:
      return sql<string>`student.last_name`;
  }
}

/**
 * The next `limit` students in the viewer's scope matching the filters, after `after` in the
 * requested order (sort column, then last name, first name, id: unique, so no row is skipped or
 * repeated between pages). Each row carries its sort key for the next cursor.
 */
export async function caseloadPageStudents(
  db: Kysely<Database>,
  viewer: ScopeViewer,
  today: string,
  filters: CaseloadFilters,
  page: CaseloadPageRequest,
) {
  const sortBy = sortExpression(page.sort, today);
  const desc = page.order === 'desc';
  const direction = desc ? 'desc' : 'asc';
  const tuple = sql`(${sortBy}, student.last_name, student.first_name, student.id)`;
  const inPageOrder = <Q extends StudentIdQuery>(q: Q): Q =>
    q
      .orderBy(sortBy, direction)
      .orderBy('student.last_name', direction)
      .orderBy('student.first_name', direction)
      .orderBy('student.id', direction) as Q;
  const afterCursor = <Q extends StudentIdQuery>(q: Q): Q => {
    if (!page.after) return q;
    const [v, last, first, id] = page.after;
    const key = sql`(${v}, ${last}, ${first}, ${id})`;
    return q.where(desc ? sql<boolean>`${tuple} < ${key}` : sql<boolean>`${tuple} > ${key}`) as Q;
  };
  // The page's students, read by key, with their school and homeroom.
  const studentsById = (ids: readonly string[]) =>
    studentsWithPlaces(db)
      .select([
        'student.id',
        'student.first_name',
        'student.last_name',
        'student.grade',
        'student.iep_annual_review',
        'student.iep_reevaluation',
        'school.name as school_name',
        'classroom.name as homeroom_name',
        sortBy.as('sort_value'),
      ])
      .where('student.district_id', '=', viewer.districtId)
      .where('student.id', 'in', ids);
  let rows: Awaited<ReturnType<ReturnType<typeof studentsById>['execute']>>;
  if (OWN_LIST_ROLES.has(viewer.role)) {
    // A therapist's, assistant's or teacher's scope is a short list: resolved first and its
    // students read by key, so the district is never walked to find them; read whole and cut
    // here (with a LIMIT the planner may walk the district's name index to skip a sort that
    // costs nothing on a few dozen rows).
    const ids = (await caseloadStudentIds(db, viewer, today, filters).execute()).map((r) => r.id);
    if (ids.length === 0) return [];
    rows = (await inPageOrder(afterCursor(studentsById(ids))).execute()).slice(0, page.limit);
  } else {
    // A coordinator's or admin's scope is thousands of students. The page's keys come first,
    // from the scope query itself with only what the order needs: sorted by name, from the
    // student_school_name_ix index alone, not from every student's row. Then the page's
    // students are read by key, in that order.
    let keys = caseloadStudentIds(db, viewer, today, filters);
    if (page.sort === 'school')
      keys = keys.innerJoin('school', (j) =>
        j
          .onRef('school.district_id', '=', 'student.district_id')
          .onRef('school.id', '=', 'student.school_id'),
      ) as StudentIdQuery;
    const pageIds = (await inPageOrder(afterCursor(keys)).limit(page.limit).execute()).map(
      (r) => r.id,
    );
    if (pageIds.length === 0) return [];
    const read = new Map((await studentsById(pageIds).execute()).map((r) => [r.id, r]));
    rows = pageIds.flatMap((id) => read.get(id) ?? []);
  }
  return rows.map(({ sort_value, ...student }) => ({
    ...student,
    sortKey: [
      page.sort === 'grade' ? Number(sort_value) : String(sort_value),
      student.last_name,
      student.first_name,
      student.id,
    ] as CaseloadSortKey,
  }));
}

export type CaseloadPageStudent = Awaited<ReturnType<typeof caseloadPageStudents>>[number];

/** How many students the filters leave in scope (one indexed count, no figures). */
export async function countCaseload(
  db: Kysely<Database>,
  viewer: ScopeViewer,
  today: string,
  filters: CaseloadFilters,
): Promise<number> {
  const row = await db
    .selectFrom(caseloadStudentIds(db, viewer, today, filters).as('ids'))
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * Goals with their summaries and this week's services of the given students (a page, so at most
 * a few hundred ids): three queries whatever the page holds. The ids must already be in the
 * viewer's scope. Minutes delivered and behind are the fidelity summaries' (api caseload router).
 */
export async function loadCaseloadFigures(
  db: Kysely<Database>,
  districtId: string,
  window: CaseloadWindow,
  studentIds: readonly string[],
) {
  if (studentIds.length === 0)
    return { goals: [], summaries: new Map<string, GoalSummary>(), services: [] };
  const ids = [...studentIds];

  // The services do not depend on the goals: on Postgres they are read beside them, on
  // another pooled connection (SQLite runs one statement at a time either way).
  const servicesQuery = db
    .selectFrom('service')
    .select(['student_id', 'discipline', 'minutes', 'per'])
    .where('district_id', '=', districtId)
    .where('student_id', 'in', ids)
    .where('start_date', '<=', window.today)
    .where('end_date', '>=', window.today)
    .execute();
  // One summary row per goal (kept by the writes), not the goals' observations.
  const goalsAndSummaries = studentGoalsWithSummaries(db, districtId, ids);
  const [{ goals, summaries }, services] = await Promise.all([goalsAndSummaries, servicesQuery]);
  return { goals, summaries, services };
}

export type CaseloadData = Awaited<ReturnType<typeof loadCaseloadFigures>> & {
  students: Omit<CaseloadPageStudent, 'sortKey'>[];
};
