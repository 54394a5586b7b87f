import { type Kysely, type SelectQueryBuilder, sql } from 'kysely';
import type { Database } from '../schema';

// Which students a staff member may see. The district always comes from the signed-in
// viewer's session; callers never pass one from input.

export interface ScopeViewer {
  id: string;
  districtId: string;
  role: string;
}

export type StudentIdQuery = SelectQueryBuilder<Database, 'student', { id: string }>;

/**
 * A subquery of the ids of the students `viewer` may see on `today`:
 * - therapist: a service they provide that has not ended before today (current and upcoming);
 * - assistant: an assistant_assignment to them;
 * - teacher: the student's homeroom is a classroom they teach;
 * - coordinator: the student's school is one of theirs (staff_school);
 * - admin: every student of the district;
 * - any other role: nobody.
 */
export function scopedStudentIds(
  db: Kysely<Database>,
  viewer: ScopeViewer,
  today: string,
): StudentIdQuery {
  const base = db
    .selectFrom('student')
    .select('student.id')
    .where('student.district_id', '=', viewer.districtId);
  switch (viewer.role) {
    case 'admin':
      return base;
    case 'therapist':
      return base.where((eb) =>
        eb.exists(
          eb
            .selectFrom('service')
            .select(sql<number>`1`.as('one'))
            .whereRef('service.district_id', '=', 'student.district_id')
            .whereRef('service.student_id', '=', 'student.id')
            .where('service.provider_id', '=', viewer.id)
            .where('service.end_date', '>=', today),
        ),
      );
    case 'assistant':
      return base.where((eb) =>
        eb.exists(
          eb
            .selectFrom('assistant_assignment')
            .select(sql<number>`1`.as('one'))
            .whereRef('assistant_assignment.district_id', '=', 'student.district_id')
            .whereRef('assistant_assignment.student_id', '=', 'student.id')
            .where('assistant_assignment.assistant_id', '=', viewer.id),
        ),
      );
    case 'teacher':
      return base.where((eb) =>
        eb.exists(
          eb
            .selectFrom('classroom')
            .select(sql<number>`1`.as('one'))
            .whereRef('classroom.district_id', '=', 'student.district_id')
            .whereRef('classroom.id', '=', 'student.homeroom_id')
            .where('classroom.teacher_id', '=', viewer.id),
        ),
      );
    case 'coordinator':
      return base.where((eb) =>
        eb.exists(
          eb
            .selectFrom('staff_school')
            .select(sql<number>`1`.as('one'))
            .whereRef('staff_school.district_id', '=', 'student.district_id')
            .whereRef('staff_school.school_id', '=', 'student.school_id')
            .where('staff_school.staff_id', '=', viewer.id),
        ),
      );
    default:
      return base.where(sql<boolean>`1 = 0`);
  }
}

/** Whether `viewer` may see the student. A student of another district is simply not found. */
export async function studentInScope(
  db: Kysely<Database>,
  viewer: ScopeViewer,
  studentId: string,
  today: string,
): Promise<boolean> {
  const row = await scopedStudentIds(db, viewer, today)
    .where('student.id', '=', studentId)
    .executeTakeFirst();
  return row !== undefined;
}

/** Whether the id names a student of this district (for the audit trail of refused reads). */
export async function studentExists(
  db: Kysely<Database>,
  districtId: string,
  studentId: string,
): Promise<boolean> {
  const row = await db
    .selectFrom('student')
    .select('id')
    .where('district_id', '=', districtId)
    .where('id', '=', studentId)
    .executeTakeFirst();
  return row !== undefined;
}
