import type { Kysely } from 'kysely';
import type { Database } from '../schema';
import { refreshComparisonDigests } from './comparison-digests';
import { goalRoutinesWithClassroom, routinesWithClassroom, studentList } from './joins';
import { inLinkedRoutine, OBSERVATION_POINT_COLUMNS } from './observation-columns';
import { type ScopeViewer, scopedStudentIds } from './scope';

// What the recommendation rules read (issue 7): per goal its spec, observations, linked
// routines and the student's homeroom routines, plus earlier decisions. Students in scope only;
// `studentId` narrows to one.

export async function loadRecommendationInputs(
  db: Kysely<Database>,
  viewer: ScopeViewer,
  today: string,
  studentId?: string,
) {
  const d = viewer.districtId;
  const ids = () => {
    const q = scopedStudentIds(db, viewer, today);
    return studentId ? q.where('student.id', '=', studentId) : q;
  };
  const students = await studentList(db, d, ids())
    .select(['student.id', 'student.first_name', 'student.last_name', 'student.homeroom_id'])
    .execute();
  if (students.length === 0) {
    return { students, goals: [], observations: [], linked: [], homeroom: [], decisions: [] };
  }
  const goals = await db
    .selectFrom('goal')
    .selectAll()
    .where('district_id', '=', d)
    .where('student_id', 'in', ids())
    .where('phase', 'in', ['baseline', 'intervention'])
    .orderBy('student_id')
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  const goalIds = () =>
    db
      .selectFrom('goal')
      .select('id')
      .where('district_id', '=', d)
      .where('student_id', 'in', ids())
      .where('phase', 'in', ['baseline', 'intervention']);
  const observations = await db
    .selectFrom('observation')
    .select(OBSERVATION_POINT_COLUMNS)
    .select(inLinkedRoutine)
    .where('district_id', '=', d)
    .where('goal_id', 'in', goalIds())
    .where('voided_at', 'is', null)
    .orderBy('goal_id')
    .orderBy('observed_on')
    .execute();
  const linked = await goalRoutinesWithClassroom(db)
    .select([
      'goal_routine.goal_id',
      'routine.id',
      'routine.name',
      'routine.classroom_id',
      'classroom.name as classroom',
    ])
    .where('goal_routine.district_id', '=', d)
    .where('goal_routine.goal_id', 'in', goalIds())
    .orderBy('routine.start_time')
    .execute();
  const homeroomIds = [...new Set(students.flatMap((s) => (s.homeroom_id ? [s.homeroom_id] : [])))];
  const homeroom =
    homeroomIds.length === 0
      ? []
      : await routinesWithClassroom(db)
          .select([
            'routine.id',
            'routine.name',
            'routine.classroom_id',
            'classroom.name as classroom',
          ])
          .where('routine.district_id', '=', d)
          .where('routine.classroom_id', 'in', homeroomIds)
          .orderBy('routine.start_time')
          .execute();
  const decisions = await db
    .selectFrom('recommendation_decision')
    .selectAll()
    .where('district_id', '=', d)
    .where('goal_id', 'in', goalIds())
    .orderBy('decided_at')
    .execute();
  return { students, goals, observations, linked, homeroom, decisions };
}

export type RecommendationInputs = Awaited<ReturnType<typeof loadRecommendationInputs>>;

export async function insertRecommendationDecision(
  trx: Kysely<Database>,
  row: Database['recommendation_decision'],
) {
  await trx.insertInto('recommendation_decision').values(row).execute();
  // An accepted recommendation flags the switch that follows it (Outcomes digests).
  if (row.decision === 'accepted')
    await refreshComparisonDigests(trx, row.district_id, [row.goal_id]);
}
