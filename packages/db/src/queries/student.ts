import type { Kysely } from 'kysely';
import type { Database } from '../schema';
import { readEachTemplate } from './dialect';
import { goalSummariesOf } from './goal-summaries';
import { goalRoutinesWithClassroom, studentsWithPlaces } from './joins';
import { inLinkedRoutine, OBSERVATION_POINT_COLUMNS } from './observation-columns';

// One student's record. Callers check scope first; every query is still bounded by district.

// The page's reads, independent of one another: one statement on Postgres (`readEach`), built and
// compiled once per database handle (a fifth of a worker's CPU per page when built per call).
const studentPageReads = readEachTemplate(
  (db: Kysely<Database>, { districtId, studentId }: { districtId: string; studentId: string }) => {
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

    const studentRow = studentsWithPlaces(db)
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
      .where('student.id', '=', studentId);

    const servicesRows = db
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
      .orderBy('service.id');

    const splitsRows = db
      .selectFrom('service_model_minutes')
      .select(['service_id', 'model', 'minutes'])
      .where('district_id', '=', districtId)
      .where('service_id', 'in', serviceIds)
      .orderBy('service_id')
      .orderBy('model');

    const goalsRows = db
      .selectFrom('goal')
      .selectAll()
      .where('district_id', '=', districtId)
      .where('student_id', '=', studentId)
      .orderBy('created_at')
      .orderBy('id');

    const summariesRows = db
      .selectFrom('goal_summary')
      .select(['goal_id', 'summary'])
      .where('district_id', '=', districtId)
      .where('goal_id', 'in', goalIds);

    // Every point that counts, for the graphs and data tables; the figures come from the goals'
    // summaries. Same-day points in entry order, as the summaries take them. A voided session's
    // points never count. Then who recorded them, by name, for the graph's data table.
    const countingObservations = db
      .selectFrom('observation')
      .where('district_id', '=', districtId)
      .where('student_id', '=', studentId)
      .where('voided_at', 'is', null);
    const observationsRows = countingObservations
      .select([...OBSERVATION_POINT_COLUMNS, 'late_entry', 'recorded_by', 'recorder_role'])
      .select(inLinkedRoutine)
      .orderBy('goal_id')
      .orderBy('observed_on')
      .orderBy('created_at')
      .orderBy('id');
    // Each distinct recorder's name by key. As a join (or `id IN (…)`), Postgres expected a
    // hundred recorders where there are two, hashed them and read every staff row of the district.
    const recordersRows = db
      .selectFrom(countingObservations.select('recorded_by').distinct().as('recorder'))
      .select((eb) => [
        'recorder.recorded_by as id',
        eb
          .selectFrom('staff_user')
          .select('staff_user.name')
          .where('staff_user.district_id', '=', districtId)
          .whereRef('staff_user.id', '=', 'recorder.recorded_by')
          .as('name'),
      ])
      .orderBy('recorder.recorded_by');

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
    const modelChangesRows = db
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
      .orderBy('id');

    const phaseChangesRows = db
      .selectFrom('goal_phase_change')
      .select(['goal_id', 'phase', 'changed_on'])
      .where('district_id', '=', districtId)
      .where('goal_id', 'in', goalIds)
      .orderBy('changed_on');

    const routinesRows = goalRoutinesWithClassroom(db)
      .select([
        'goal_routine.goal_id',
        'routine.id',
        'routine.name',
        'routine.start_time',
        'classroom.name as classroom_name',
      ])
      .where('goal_routine.district_id', '=', districtId)
      .where('goal_routine.goal_id', 'in', goalIds)
      .orderBy('routine.start_time');

    return {
      student: studentRow,
      services: servicesRows,
      splits: splitsRows,
      goals: goalsRows,
      summaries: summariesRows,
      observations: observationsRows,
      recorders: recordersRows,
      modelChanges: modelChangesRows,
      phaseChanges: phaseChangesRows,
      routines: routinesRows,
    };
  },
);

export async function loadStudentDetail(
  db: Kysely<Database>,
  districtId: string,
  studentId: string,
) {
  const rows = await studentPageReads(db, { districtId, studentId });
  const [student] = rows.student;
  if (!student) return undefined;
  const modelChanges = rows.modelChanges.map(({ id: _id, created_at: _at, ...change }) => change);
  return {
    student,
    services: rows.services,
    splits: rows.splits,
    goals: rows.goals,
    observations: rows.observations,
    recorders: rows.recorders,
    summaries: await goalSummariesOf(db, districtId, rows.goals, rows.summaries),
    modelChanges,
    phaseChanges: rows.phaseChanges,
    routines: rows.routines,
  };
}

export type StudentDetailData = NonNullable<Awaited<ReturnType<typeof loadStudentDetail>>>;
