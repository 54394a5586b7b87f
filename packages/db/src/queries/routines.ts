import { type Insertable, type Kysely, sql } from 'kysely';
import type { Database, RoutineTable } from '../schema';
import type { ScopeViewer } from './scope';
import { type Editor, updateAtVersion } from './versioned';

// Classroom routines (issue 7). Who sees a classroom: its teacher; therapists, assistants and
// coordinators of its school; admins all of the district. Who edits: its teacher, therapists of
// its school, admins.

/** Ids of the classrooms `viewer` may see (`edit`: may edit). */
export function classroomIdsFor(db: Kysely<Database>, viewer: ScopeViewer, edit = false) {
  const base = db
    .selectFrom('classroom')
    .select('classroom.id')
    .where('classroom.district_id', '=', viewer.districtId);
  if (viewer.role === 'admin') return base;
  if (viewer.role === 'teacher') return base.where('classroom.teacher_id', '=', viewer.id);
  const schoolStaff = ['therapist', ...(edit ? [] : ['assistant', 'coordinator'])];
  if (!schoolStaff.includes(viewer.role)) return base.where(sql<boolean>`1 = 0`);
  return base.where((eb) =>
    eb.exists(
      eb
        .selectFrom('staff_school')
        .select(sql<number>`1`.as('one'))
        .whereRef('staff_school.district_id', '=', 'classroom.district_id')
        .whereRef('staff_school.school_id', '=', 'classroom.school_id')
        .where('staff_school.staff_id', '=', viewer.id),
    ),
  );
}

export async function canEditClassroom(
  db: Kysely<Database>,
  viewer: ScopeViewer,
  classroomId: string,
): Promise<boolean> {
  const row = await classroomIdsFor(db, viewer, true)
    .where('classroom.id', '=', classroomId)
    .executeTakeFirst();
  return row !== undefined;
}

export async function listClassroomRoutines(
  db: Kysely<Database>,
  viewer: ScopeViewer,
  classroomId?: string,
) {
  let q = db
    .selectFrom('classroom')
    .innerJoin('school', (j) =>
      j
        .onRef('school.district_id', '=', 'classroom.district_id')
        .onRef('school.id', '=', 'classroom.school_id'),
    )
    .leftJoin('staff_user as teacher', (j) =>
      j
        .onRef('teacher.district_id', '=', 'classroom.district_id')
        .onRef('teacher.id', '=', 'classroom.teacher_id'),
    )
    .select([
      'classroom.id',
      'classroom.name',
      'classroom.grade',
      'school.name as school_name',
      'teacher.name as teacher_name',
    ])
    .where('classroom.district_id', '=', viewer.districtId)
    .where('classroom.id', 'in', classroomIdsFor(db, viewer));
  if (classroomId) q = q.where('classroom.id', '=', classroomId);
  const classrooms = await q
    .orderBy('school.name')
    .orderBy('classroom.name')
    .orderBy('classroom.id')
    .execute();
  const ids = classrooms.map((c) => c.id);
  const routines =
    ids.length === 0
      ? []
      : await db
          .selectFrom('routine')
          .selectAll()
          .where('district_id', '=', viewer.districtId)
          .where('classroom_id', 'in', ids)
          .orderBy('start_time')
          .orderBy('id')
          .execute();
  return { classrooms, routines };
}

export async function findRoutine(db: Kysely<Database>, districtId: string, routineId: string) {
  return db
    .selectFrom('routine')
    .innerJoin('classroom', (j) =>
      j
        .onRef('classroom.district_id', '=', 'routine.district_id')
        .onRef('classroom.id', '=', 'routine.classroom_id'),
    )
    .selectAll('routine')
    .select(['classroom.name as classroom_name', 'classroom.teacher_id'])
    .where('routine.district_id', '=', districtId)
    .where('routine.id', '=', routineId)
    .executeTakeFirst();
}

/**
 * Inserts a new routine (`expectedVersion` null), or edits one if it is still at
 * `expectedVersion` (else StaleVersionError, see versioned.ts). Returns the routine's version.
 */
export async function saveRoutine(
  trx: Kysely<Database>,
  row: Insertable<RoutineTable>,
  expectedVersion: number | null,
  editor: Editor,
): Promise<{ version: number }> {
  if (expectedVersion === null) {
    await trx.insertInto('routine').values(row).execute();
    return { version: 1 };
  }
  return updateAtVersion(
    trx,
    'routine',
    { district_id: row.district_id, id: row.id },
    expectedVersion,
    {
      name: row.name,
      weekdays: row.weekdays,
      start_time: row.start_time,
      end_time: row.end_time,
    },
    editor,
  );
}
