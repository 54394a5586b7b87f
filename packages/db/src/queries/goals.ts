import type { Insertable, Kysely, Updateable } from 'kysely';
import type { Database, GoalTable } from '../schema';
import { refreshComparisonDigests } from './comparison-digests';
import { bumpDataVersion } from './data-version';
import { refreshGoalSummaries } from './goal-summaries';
import { routinesWithClassroom } from './joins';
import { type Editor, updateAtVersion } from './versioned';

// Writing goals. Callers check role and scope first and pass a transaction; every query is
// still bounded by district and student, so a goal id of another student is simply not found.

export async function findGoalOfStudent(
  db: Kysely<Database>,
  districtId: string,
  studentId: string,
  goalId: string,
) {
  const goal = await db
    .selectFrom('goal')
    .selectAll()
    .where('district_id', '=', districtId)
    .where('student_id', '=', studentId)
    .where('id', '=', goalId)
    .executeTakeFirst();
  if (!goal) return undefined;
  const routines = await db
    .selectFrom('goal_routine')
    .select('routine_id')
    .where('district_id', '=', districtId)
    .where('goal_id', '=', goalId)
    .orderBy('routine_id')
    .execute();
  return { goal, routineIds: routines.map((r) => r.routine_id) };
}

/** The student's name, the routines of the classrooms in their school, their services' disciplines. */
export async function loadGoalFormContext(
  db: Kysely<Database>,
  districtId: string,
  studentId: string,
) {
  const student = await db
    .selectFrom('student')
    .select(['id', 'first_name', 'last_name', 'school_id', 'homeroom_id'])
    .where('district_id', '=', districtId)
    .where('id', '=', studentId)
    .executeTakeFirst();
  if (!student) return undefined;
  // The routines of the student's own classroom (the homeroom), and any a goal of theirs is
  // already linked to: the school's other classrooms are not where this student is.
  const routines = await routinesWithClassroom(db)
    .leftJoin('staff_user as teacher', (j) =>
      j
        .onRef('teacher.district_id', '=', 'classroom.district_id')
        .onRef('teacher.id', '=', 'classroom.teacher_id'),
    )
    .select([
      'routine.id',
      'routine.name',
      'routine.start_time',
      'classroom.id as classroom_id',
      'classroom.name as classroom_name',
      'teacher.name as teacher_name',
    ])
    .where('routine.district_id', '=', districtId)
    .where('classroom.school_id', '=', student.school_id)
    .where((eb) =>
      eb.or([
        eb('classroom.id', '=', student.homeroom_id),
        eb(
          'routine.id',
          'in',
          eb
            .selectFrom('goal_routine')
            .innerJoin('goal', (j) =>
              j
                .onRef('goal.district_id', '=', 'goal_routine.district_id')
                .onRef('goal.id', '=', 'goal_routine.goal_id'),
            )
            .select('goal_routine.routine_id')
            .where('goal_routine.district_id', '=', districtId)
            .where('goal.student_id', '=', studentId),
        ),
      ]),
    )
    .orderBy('classroom.name')
    .orderBy('routine.start_time')
    .execute();
  const services = await db
    .selectFrom('service')
    .select('discipline')
    .distinct()
    .where('district_id', '=', districtId)
    .where('student_id', '=', studentId)
    .orderBy('discipline')
    .execute();
  return { student, routines, disciplines: services.map((s) => s.discipline) };
}

/** The routine ids, among `routineIds`, that belong to a classroom of the student's school. */
export async function routinesOfStudentSchool(
  db: Kysely<Database>,
  districtId: string,
  studentId: string,
  routineIds: readonly string[],
): Promise<Set<string>> {
  if (routineIds.length === 0) return new Set();
  const rows = await db
    .selectFrom('routine')
    .innerJoin('classroom', (j) =>
      j
        .onRef('classroom.district_id', '=', 'routine.district_id')
        .onRef('classroom.id', '=', 'routine.classroom_id'),
    )
    .innerJoin('student', (j) =>
      j
        .onRef('student.district_id', '=', 'classroom.district_id')
        .onRef('student.school_id', '=', 'classroom.school_id'),
    )
    .select('routine.id')
    .where('routine.district_id', '=', districtId)
    .where('student.id', '=', studentId)
    .where('routine.id', 'in', [...routineIds])
    .execute();
  return new Set(rows.map((r) => r.id));
}

/** The student's service of that discipline that is in force on `date` (else the latest one). */
export async function serviceForDiscipline(
  db: Kysely<Database>,
  districtId: string,
  studentId: string,
  discipline: string,
  date: string,
): Promise<string | null> {
  const rows = await db
    .selectFrom('service')
    .select(['id', 'start_date', 'end_date'])
    .where('district_id', '=', districtId)
    .where('student_id', '=', studentId)
    .where('discipline', '=', discipline)
    .orderBy('start_date', 'desc')
    .orderBy('id')
    .execute();
  const current = rows.find((r) => r.start_date <= date && r.end_date >= date);
  return (current ?? rows[0])?.id ?? null;
}

export async function insertGoal(
  trx: Kysely<Database>,
  goal: Insertable<GoalTable>,
  routineIds: readonly string[],
  phaseChange: { id: string; changedOn: string; changedBy: string },
): Promise<void> {
  await trx.insertInto('goal').values(goal).execute();
  await refreshGoalSummaries(trx, goal.district_id, [goal.id]);
  await replaceGoalRoutines(trx, goal.district_id, goal.id, routineIds);
  await trx
    .insertInto('goal_phase_change')
    .values({
      district_id: goal.district_id,
      id: phaseChange.id,
      goal_id: goal.id,
      phase: goal.phase,
      changed_on: phaseChange.changedOn,
      changed_by: phaseChange.changedBy,
    })
    .execute();
  await refreshComparisonDigests(trx, goal.district_id, [goal.id]);
  // Last, after the goal and student locks above (data-version.ts says why).
  await bumpDataVersion(trx, goal.district_id);
}

/** Edits the goal if it is still at `expectedVersion` (else StaleVersionError, see versioned.ts). */
export async function updateGoalRow(
  trx: Kysely<Database>,
  districtId: string,
  goalId: string,
  expectedVersion: number,
  values: Updateable<GoalTable>,
  editor: Editor,
  alsoChanged: readonly string[] = [],
): Promise<{ version: number }> {
  const saved = await updateAtVersion(
    trx,
    'goal',
    { district_id: districtId, id: goalId },
    expectedVersion,
    values,
    editor,
    { alsoChanged },
  );
  // Baseline, target, dates, phase and mastery rule all enter the summary.
  await refreshGoalSummaries(trx, districtId, [goalId]);
  // Last, after the goal and student locks above (data-version.ts says why).
  await bumpDataVersion(trx, districtId);
  return saved;
}

export async function replaceGoalRoutines(
  trx: Kysely<Database>,
  districtId: string,
  goalId: string,
  routineIds: readonly string[],
): Promise<void> {
  await trx
    .deleteFrom('goal_routine')
    .where('district_id', '=', districtId)
    .where('goal_id', '=', goalId)
    .execute();
  const unique = [...new Set(routineIds)];
  if (unique.length > 0) {
    await trx
      .insertInto('goal_routine')
      .values(
        unique.map((routineId) => ({
          district_id: districtId,
          goal_id: goalId,
          routine_id: routineId,
        })),
      )
      .execute();
  }
  // Data taken in a linked routine count toward mastery, so the links enter the summary.
  await refreshGoalSummaries(trx, districtId, [goalId]);
}

export async function insertPhaseChange(
  trx: Kysely<Database>,
  row: Insertable<Database['goal_phase_change']>,
): Promise<void> {
  await trx.insertInto('goal_phase_change').values(row).execute();
  await refreshComparisonDigests(trx, row.district_id, [row.goal_id]);
  // Last, after the goal and student locks above (data-version.ts says why).
  await bumpDataVersion(trx, row.district_id);
}

export async function insertGoalModelChange(
  trx: Kysely<Database>,
  row: Insertable<Database['model_change']>,
): Promise<void> {
  await trx.insertInto('model_change').values(row).execute();
  if (row.goal_id) await refreshComparisonDigests(trx, row.district_id, [row.goal_id]);
  // Last, after the goal and student locks above (data-version.ts says why).
  await bumpDataVersion(trx, row.district_id);
}
