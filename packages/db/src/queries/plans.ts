import type { Insertable, Kysely } from 'kysely';
import type { Database, PushInPlanTable } from '../schema';
import { type ScopeViewer, scopedStudentIds } from './scope';
import { type Editor, nextVersion } from './versioned';

// Push-in plans (issue 7). A teacher sees the plans of their classrooms; a therapist their own
// plans and those of students they serve; others the plans of students in their scope.

function plansQuery(db: Kysely<Database>, districtId: string) {
  return db
    .selectFrom('push_in_plan as p')
    .innerJoin('student', (j) =>
      j.onRef('student.district_id', '=', 'p.district_id').onRef('student.id', '=', 'p.student_id'),
    )
    .innerJoin('routine', (j) =>
      j.onRef('routine.district_id', '=', 'p.district_id').onRef('routine.id', '=', 'p.routine_id'),
    )
    .innerJoin('classroom', (j) =>
      j
        .onRef('classroom.district_id', '=', 'p.district_id')
        .onRef('classroom.id', '=', 'p.classroom_id'),
    )
    .innerJoin('staff_user as therapist', (j) =>
      j
        .onRef('therapist.district_id', '=', 'p.district_id')
        .onRef('therapist.id', '=', 'p.therapist_id'),
    )
    .leftJoin('staff_user as teacher', (j) =>
      j
        .onRef('teacher.district_id', '=', 'classroom.district_id')
        .onRef('teacher.id', '=', 'classroom.teacher_id'),
    )
    .leftJoin('staff_user as ack', (j) =>
      j.onRef('ack.district_id', '=', 'p.district_id').onRef('ack.id', '=', 'p.acknowledged_by'),
    )
    .selectAll('p')
    .select([
      'student.first_name',
      'student.last_name',
      'routine.name as routine_name',
      'routine.weekdays',
      'routine.start_time',
      'routine.end_time',
      'classroom.name as classroom_name',
      'classroom.teacher_id',
      'therapist.name as therapist_name',
      'therapist.discipline as therapist_discipline',
      'teacher.name as teacher_name',
      'ack.name as acknowledged_by_name',
    ])
    .where('p.district_id', '=', districtId);
}

export type PlanRow = Awaited<ReturnType<typeof listPlans>>[number];

export async function listPlans(
  db: Kysely<Database>,
  viewer: ScopeViewer,
  today: string,
  filter: { studentId?: string; planId?: string; classroomIds?: string[] } = {},
) {
  let q = plansQuery(db, viewer.districtId);
  if (viewer.role === 'teacher') {
    q = q.where('classroom.teacher_id', '=', viewer.id);
  } else if (viewer.role === 'therapist') {
    q = q.where((eb) =>
      eb.or([
        eb('p.therapist_id', '=', viewer.id),
        eb('p.student_id', 'in', scopedStudentIds(db, viewer, today)),
      ]),
    );
  } else {
    q = q.where('p.student_id', 'in', scopedStudentIds(db, viewer, today));
  }
  if (filter.studentId) q = q.where('p.student_id', '=', filter.studentId);
  if (filter.planId) q = q.where('p.id', '=', filter.planId);
  if (filter.classroomIds) {
    if (filter.classroomIds.length === 0) return [];
    q = q.where('p.classroom_id', 'in', filter.classroomIds);
  }
  return q
    .orderBy('routine.start_time')
    .orderBy('student.last_name')
    .orderBy('student.first_name')
    .orderBy('p.id')
    .execute();
}

export async function findPlanRow(db: Kysely<Database>, districtId: string, planId: string) {
  return plansQuery(db, districtId).where('p.id', '=', planId).executeTakeFirst();
}

export async function studentHomeroom(db: Kysely<Database>, districtId: string, studentId: string) {
  const row = await db
    .selectFrom('student')
    .select('homeroom_id')
    .where('district_id', '=', districtId)
    .where('id', '=', studentId)
    .executeTakeFirst();
  return row?.homeroom_id ?? null;
}

export async function insertPlan(trx: Kysely<Database>, row: Insertable<PushInPlanTable>) {
  await trx.insertInto('push_in_plan').values(row).execute();
}

/** The teacher's acknowledgement; the version moves on so an open plan form sees it. */
export async function acknowledgePlan(
  trx: Kysely<Database>,
  districtId: string,
  planId: string,
  editor: Editor,
) {
  await trx
    .updateTable('push_in_plan')
    .set({
      acknowledged_at: editor.at,
      acknowledged_by: editor.by,
      ...nextVersion(editor, ['acknowledged_at']),
    })
    .where('district_id', '=', districtId)
    .where('id', '=', planId)
    .execute();
}

/** The teacher's students (their classrooms' homerooms) who have a service, with it. */
export async function teacherStudentsWithTherapy(
  db: Kysely<Database>,
  districtId: string,
  teacherId: string,
  today: string,
) {
  return db
    .selectFrom('student')
    .innerJoin('classroom', (j) =>
      j
        .onRef('classroom.district_id', '=', 'student.district_id')
        .onRef('classroom.id', '=', 'student.homeroom_id'),
    )
    .innerJoin('service', (j) =>
      j
        .onRef('service.district_id', '=', 'student.district_id')
        .onRef('service.student_id', '=', 'student.id'),
    )
    .innerJoin('staff_user as provider', (j) =>
      j
        .onRef('provider.district_id', '=', 'service.district_id')
        .onRef('provider.id', '=', 'service.provider_id'),
    )
    .select([
      'student.id',
      'student.first_name',
      'student.last_name',
      'classroom.name as classroom_name',
      'service.discipline',
      'service.model',
      'service.minutes',
      'service.per',
      'provider.name as provider_name',
    ])
    .where('student.district_id', '=', districtId)
    .where('classroom.teacher_id', '=', teacherId)
    .where('service.end_date', '>=', today)
    .where('service.start_date', '<=', today)
    .orderBy('student.last_name')
    .orderBy('student.first_name')
    .orderBy('service.discipline')
    .execute();
}
