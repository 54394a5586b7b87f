import type { Kysely } from 'kysely';
import type { Database } from '../schema';
import { studentGoalsWithSummaries } from './goal-summaries';
import { goalRoutinesWithClassroom, studentsWithPlaces } from './joins';
import { inLinkedRoutine, OBSERVATION_POINT_COLUMNS } from './observation-columns';

// One student's record. Callers check scope first; every query is still bounded by district.

export async function loadStudentDetail(
  db: Kysely<Database>,
  districtId: string,
  studentId: string,
) {
  const serviceIds = db
    .selectFrom('service')
    .select('id')
    .where('district_id', '=', districtId)
    .where('student_id', '=', studentId);
  const goalIds = db
    .selectFrom('goal')
    .select('id')
    .where('district_id', '=', districtId)
    .where('student_id', '=', studentId);

  // The statements below do not depend on one another (the two that do are chained): on
  // Postgres they run side by side on the pool's connections, so the page waits for the
  // slowest rather than the sum of a dozen round trips. SQLite runs them one after another.
  const studentQuery = studentsWithPlaces(db)
    .select([
      'student.id',
      'student.first_name',
      'student.last_name',
      'student.grade',
      'student.date_of_birth',
      'student.iep_start',
      'student.iep_annual_review',
      'student.iep_reevaluation',
      'student.family_language',
      'school.name as school_name',
      'classroom.name as homeroom_name',
    ])
    .where('student.district_id', '=', districtId)
    .where('student.id', '=', studentId)
    .executeTakeFirst();

  const servicesQuery = db
    .selectFrom('service')
    .leftJoin('staff_user as provider', (j) =>
      j
        .onRef('provider.district_id', '=', 'service.district_id')
        .onRef('provider.id', '=', 'service.provider_id'),
    )
    .selectAll('service')
    .select('provider.name as provider_name')
    .where('service.district_id', '=', districtId)
    .where('service.student_id', '=', studentId)
    .orderBy('service.start_date')
    .orderBy('service.id')
    .execute();

  const splitsQuery = db
    .selectFrom('service_model_minutes')
    .select(['service_id', 'model', 'minutes'])
    .where('district_id', '=', districtId)
    .where('service_id', 'in', serviceIds)
    .orderBy('service_id')
    .orderBy('model')
    .execute();

  const goalsQuery = studentGoalsWithSummaries(db, districtId, [studentId]);

  // Every point that counts, for the graphs and data tables; the figures come from the goals'
  // summaries. Same-day points in entry order, as the summaries take them. A voided session's
  // points never count. Then who recorded them, by name, for the graph's data table.
  const observationsQuery = (async () => {
    const observations = await db
      .selectFrom('observation')
      .select([...OBSERVATION_POINT_COLUMNS, 'late_entry', 'recorded_by', 'recorder_role'])
      .select(inLinkedRoutine)
      .where('district_id', '=', districtId)
      .where('student_id', '=', studentId)
      .where('voided_at', 'is', null)
      .orderBy('goal_id')
      .orderBy('observed_on')
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    const recorderIds = [...new Set(observations.map((o) => o.recorded_by))];
    const recorders =
      recorderIds.length === 0
        ? []
        : await db
            .selectFrom('staff_user')
            .select(['id', 'name'])
            .where('district_id', '=', districtId)
            .where('id', 'in', recorderIds)
            .execute();
    return { observations, recorders };
  })();

  // A UNION of the goal-linked and the service-linked changes, each read through its own
  // index: Postgres cannot use an index for `goal_id IN … OR service_id IN …` and scanned the
  // district's model changes. UNION (not ALL) drops a change linked both ways once, by its id.
  const modelChangeColumns = [
    'id',
    'goal_id',
    'service_id',
    'from_model',
    'to_model',
    'changed_on',
    'reason',
    'created_at',
  ] as const;
  const modelChangesQuery = db
    .selectFrom('model_change')
    .select(modelChangeColumns)
    .where('district_id', '=', districtId)
    .where('goal_id', 'in', goalIds)
    .union(
      db
        .selectFrom('model_change')
        .select(modelChangeColumns)
        .where('district_id', '=', districtId)
        .where('service_id', 'in', serviceIds),
    )
    .orderBy('changed_on')
    .orderBy('created_at')
    .orderBy('id')
    .execute();

  const phaseChangesQuery = db
    .selectFrom('goal_phase_change')
    .select(['goal_id', 'phase', 'changed_on'])
    .where('district_id', '=', districtId)
    .where('goal_id', 'in', goalIds)
    .orderBy('changed_on')
    .execute();

  const routinesQuery = goalRoutinesWithClassroom(db)
    .select([
      'goal_routine.goal_id',
      'routine.id',
      'routine.name',
      'routine.start_time',
      'classroom.name as classroom_name',
    ])
    .where('goal_routine.district_id', '=', districtId)
    .where('goal_routine.goal_id', 'in', goalIds)
    .orderBy('routine.start_time')
    .execute();

  const [
    student,
    services,
    splits,
    { goals, summaries },
    { observations, recorders },
    modelChangeRows,
    phaseChanges,
    routines,
  ] = await Promise.all([
    studentQuery,
    servicesQuery,
    splitsQuery,
    goalsQuery,
    observationsQuery,
    modelChangesQuery,
    phaseChangesQuery,
    routinesQuery,
  ]);
  if (!student) return undefined;
  const modelChanges = modelChangeRows.map(({ id: _id, created_at: _at, ...change }) => change);

  return {
    student,
    services,
    splits,
    goals,
    observations,
    recorders,
    summaries,
    modelChanges,
    phaseChanges,
    routines,
  };
}

export type StudentDetailData = NonNullable<Awaited<ReturnType<typeof loadStudentDetail>>>;
