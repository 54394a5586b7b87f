import type { Kysely } from 'kysely';
import type { Database } from '../schema';
import type { StudentIdQuery } from './scope';

// Query shapes several loaders share. Each returns a Kysely builder with no columns selected:
// callers pick their own columns (and add joins or filters) before executing.

/**
 * Students with their school and homeroom joined. A student always has exactly one school and
 * at most one homeroom, so the joins never add or drop a row.
 */
export function studentsWithPlaces(db: Kysely<Database>) {
  return db
    .selectFrom('student')
    .innerJoin('school', (j) =>
      j
        .onRef('school.district_id', '=', 'student.district_id')
        .onRef('school.id', '=', 'student.school_id'),
    )
    .leftJoin('classroom', (j) =>
      j
        .onRef('classroom.district_id', '=', 'student.district_id')
        .onRef('classroom.id', '=', 'student.homeroom_id'),
    );
}

/** The students of `ids` in the district (school and homeroom joined), by last name, first name, id. */
export function studentList(db: Kysely<Database>, districtId: string, ids: StudentIdQuery) {
  return studentsWithPlaces(db)
    .where('student.district_id', '=', districtId)
    .where('student.id', 'in', ids)
    .orderBy('student.last_name')
    .orderBy('student.first_name')
    .orderBy('student.id');
}

/** Routines with their classroom joined. */
export function routinesWithClassroom(db: Kysely<Database>) {
  return db
    .selectFrom('routine')
    .innerJoin('classroom', (j) =>
      j
        .onRef('classroom.district_id', '=', 'routine.district_id')
        .onRef('classroom.id', '=', 'routine.classroom_id'),
    );
}

/** A goal's linked routines, each with its classroom joined. */
export function goalRoutinesWithClassroom(db: Kysely<Database>) {
  return db
    .selectFrom('goal_routine')
    .innerJoin('routine', (j) =>
      j
        .onRef('routine.district_id', '=', 'goal_routine.district_id')
        .onRef('routine.id', '=', 'goal_routine.routine_id'),
    )
    .innerJoin('classroom', (j) =>
      j
        .onRef('classroom.district_id', '=', 'routine.district_id')
        .onRef('classroom.id', '=', 'routine.classroom_id'),
    );
}
