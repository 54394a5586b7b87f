import { type Kysely, sql } from 'kysely';
import type { Database } from '../schema';
import { type ScopeViewer, scopedStudentIds } from './scope';
import { type Editor, nextVersion } from './versioned';

// Touch-base meetings and action items (issue 7). A meeting is visible to its participants and
// its author (and to admins); an action item to its owner and the meeting's participants.

function schoolIdsOf(db: Kysely<Database>, viewer: ScopeViewer) {
  return db
    .selectFrom('staff_school')
    .select('school_id as id')
    .where('district_id', '=', viewer.districtId)
    .where('staff_id', '=', viewer.id)
    .union(
      db
        .selectFrom('classroom')
        .select('school_id as id')
        .where('district_id', '=', viewer.districtId)
        .where('teacher_id', '=', viewer.id),
    );
}

/** Active staff who share a school with the viewer (admins: the whole district), by name. */
export async function teamPeople(db: Kysely<Database>, viewer: ScopeViewer) {
  let q = db
    .selectFrom('staff_user')
    .select(['id', 'name', 'role', 'discipline'])
    .where('district_id', '=', viewer.districtId)
    .where('active', '=', 1);
  if (viewer.role !== 'admin') {
    q = q.where((eb) =>
      eb.or([
        eb('id', '=', viewer.id),
        eb.exists(
          eb
            .selectFrom('staff_school')
            .select(sql<number>`1`.as('one'))
            .whereRef('staff_school.district_id', '=', 'staff_user.district_id')
            .whereRef('staff_school.staff_id', '=', 'staff_user.id')
            .where('staff_school.school_id', 'in', schoolIdsOf(db, viewer)),
        ),
        eb.exists(
          eb
            .selectFrom('classroom')
            .select(sql<number>`1`.as('one'))
            .whereRef('classroom.district_id', '=', 'staff_user.district_id')
            .whereRef('classroom.teacher_id', '=', 'staff_user.id')
            .where('classroom.school_id', 'in', schoolIdsOf(db, viewer)),
        ),
      ]),
    );
  }
  return q.orderBy('name').orderBy('id').execute();
}

export async function staffNames(db: Kysely<Database>, districtId: string, ids: string[]) {
  if (ids.length === 0) return new Map<string, string>();
  const rows = await db
    .selectFrom('staff_user')
    .select(['id', 'name'])
    .where('district_id', '=', districtId)
    .where('id', 'in', ids)
    .execute();
  return new Map(rows.map((r) => [r.id, r.name]));
}

function visibleTouchBaseIds(db: Kysely<Database>, viewer: ScopeViewer) {
  const base = db
    .selectFrom('touch_base')
    .select('touch_base.id')
    .where('touch_base.district_id', '=', viewer.districtId);
  if (viewer.role === 'admin') return base;
  return base.where((eb) =>
    eb.or([
      eb('touch_base.created_by', '=', viewer.id),
      eb.exists(
        eb
          .selectFrom('touch_base_participant as tp')
          .select(sql<number>`1`.as('one'))
          .whereRef('tp.district_id', '=', 'touch_base.district_id')
          .whereRef('tp.touch_base_id', '=', 'touch_base.id')
          .where('tp.staff_id', '=', viewer.id),
      ),
    ]),
  );
}

export async function listTouchBases(db: Kysely<Database>, viewer: ScopeViewer) {
  const d = viewer.districtId;
  const ids = () => visibleTouchBaseIds(db, viewer);
  const meetings = await db
    .selectFrom('touch_base')
    .selectAll()
    .where('district_id', '=', d)
    .where('id', 'in', ids())
    .orderBy('met_on', 'desc')
    .orderBy('start_time', 'desc')
    .orderBy('id')
    .limit(200)
    .execute();
  if (meetings.length === 0) return { meetings, participants: [], students: [], items: [] };
  const mIds = meetings.map((m) => m.id);
  const participants = await db
    .selectFrom('touch_base_participant as tp')
    .innerJoin('staff_user', (j) =>
      j
        .onRef('staff_user.district_id', '=', 'tp.district_id')
        .onRef('staff_user.id', '=', 'tp.staff_id'),
    )
    .select(['tp.touch_base_id', 'staff_user.id', 'staff_user.name', 'staff_user.role'])
    .where('tp.district_id', '=', d)
    .where('tp.touch_base_id', 'in', mIds)
    .orderBy('staff_user.name')
    .execute();
  const students = await db
    .selectFrom('touch_base_student as ts')
    .innerJoin('student', (j) =>
      j
        .onRef('student.district_id', '=', 'ts.district_id')
        .onRef('student.id', '=', 'ts.student_id'),
    )
    .select(['ts.touch_base_id', 'student.id', 'student.first_name', 'student.last_name'])
    .where('ts.district_id', '=', d)
    .where('ts.touch_base_id', 'in', mIds)
    .orderBy('student.last_name')
    .orderBy('student.first_name')
    .execute();
  const items = await db
    .selectFrom('action_item')
    .innerJoin('staff_user as owner', (j) =>
      j
        .onRef('owner.district_id', '=', 'action_item.district_id')
        .onRef('owner.id', '=', 'action_item.owner_id'),
    )
    .selectAll('action_item')
    .select('owner.name as owner_name')
    .where('action_item.district_id', '=', d)
    .where('action_item.touch_base_id', 'in', mIds)
    .orderBy('action_item.due_on')
    .orderBy('action_item.id')
    .execute();
  return { meetings, participants, students, items };
}

/** The open action items a person owns, with the meeting they came from. */
export async function openActionItems(db: Kysely<Database>, districtId: string, ownerId: string) {
  return db
    .selectFrom('action_item')
    .innerJoin('touch_base', (j) =>
      j
        .onRef('touch_base.district_id', '=', 'action_item.district_id')
        .onRef('touch_base.id', '=', 'action_item.touch_base_id'),
    )
    .selectAll('action_item')
    .select('touch_base.met_on')
    .where('action_item.district_id', '=', districtId)
    .where('action_item.owner_id', '=', ownerId)
    .where('action_item.done_on', 'is', null)
    .orderBy('action_item.due_on')
    .orderBy('action_item.id')
    .limit(100)
    .execute();
}

export async function findActionItem(db: Kysely<Database>, districtId: string, id: string) {
  return db
    .selectFrom('action_item')
    .selectAll()
    .where('district_id', '=', districtId)
    .where('id', '=', id)
    .executeTakeFirst();
}

export async function isTouchBaseParticipant(
  db: Kysely<Database>,
  districtId: string,
  touchBaseId: string,
  staffId: string,
) {
  const row = await db
    .selectFrom('touch_base_participant')
    .select('staff_id')
    .where('district_id', '=', districtId)
    .where('touch_base_id', '=', touchBaseId)
    .where('staff_id', '=', staffId)
    .executeTakeFirst();
  return row !== undefined;
}

/** Ticks an item done or not; the version moves on so an open edit form cannot undo it. */
export async function setActionItemDone(
  trx: Kysely<Database>,
  districtId: string,
  id: string,
  doneOn: string | null,
  editor: Editor,
) {
  await trx
    .updateTable('action_item')
    .set({ done_on: doneOn, ...nextVersion(editor, ['done_on']) })
    .where('district_id', '=', districtId)
    .where('id', '=', id)
    .execute();
}

export interface NewTouchBase {
  districtId: string;
  id: string;
  metOn: string;
  startTime: string | null;
  notes: string;
  createdBy: string;
  createdAt: string;
  participantIds: string[];
  studentIds: string[];
  actionItems: { id: string; ownerId: string; text: string; dueOn: string }[];
}

export async function insertTouchBase(trx: Kysely<Database>, t: NewTouchBase) {
  const d = t.districtId;
  await trx
    .insertInto('touch_base')
    .values({
      district_id: d,
      id: t.id,
      met_on: t.metOn,
      start_time: t.startTime,
      notes: t.notes,
      created_by: t.createdBy,
      created_at: t.createdAt,
    })
    .execute();
  await trx
    .insertInto('touch_base_participant')
    .values(t.participantIds.map((staff_id) => ({ district_id: d, touch_base_id: t.id, staff_id })))
    .execute();
  await trx
    .insertInto('touch_base_student')
    .values(t.studentIds.map((student_id) => ({ district_id: d, touch_base_id: t.id, student_id })))
    .execute();
  if (t.actionItems.length > 0) {
    await trx
      .insertInto('action_item')
      .values(
        t.actionItems.map((a) => ({
          district_id: d,
          id: a.id,
          touch_base_id: t.id,
          owner_id: a.ownerId,
          text: a.text,
          due_on: a.dueOn,
          done_on: null,
        })),
      )
      .execute();
  }
}

/** Active staff ids of the district among `ids`. */
export async function districtStaffIds(db: Kysely<Database>, districtId: string, ids: string[]) {
  if (ids.length === 0) return new Set<string>();
  const rows = await db
    .selectFrom('staff_user')
    .select('id')
    .where('district_id', '=', districtId)
    .where('active', '=', 1)
    .where('id', 'in', ids)
    .execute();
  return new Set(rows.map((r) => r.id));
}

/** Push-in plans whose therapist or classroom teacher is one of `staffIds`, with their routine. */
export async function pushInSlotsOf(db: Kysely<Database>, districtId: string, staffIds: string[]) {
  if (staffIds.length === 0) return [];
  return db
    .selectFrom('push_in_plan as p')
    .innerJoin('routine', (j) =>
      j.onRef('routine.district_id', '=', 'p.district_id').onRef('routine.id', '=', 'p.routine_id'),
    )
    .innerJoin('classroom', (j) =>
      j
        .onRef('classroom.district_id', '=', 'p.district_id')
        .onRef('classroom.id', '=', 'p.classroom_id'),
    )
    .innerJoin('student', (j) =>
      j.onRef('student.district_id', '=', 'p.district_id').onRef('student.id', '=', 'p.student_id'),
    )
    .select([
      'p.id',
      'p.therapist_id',
      'classroom.teacher_id',
      'classroom.name as classroom_name',
      'routine.name as routine_name',
      'routine.weekdays',
      'routine.start_time',
      'routine.end_time',
      'student.first_name',
      'student.last_name',
    ])
    .where('p.district_id', '=', districtId)
    .where((eb) =>
      eb.or([eb('p.therapist_id', 'in', staffIds), eb('classroom.teacher_id', 'in', staffIds)]),
    )
    .execute();
}

/**
 * Which of `studentIds` each of `staffIds` may hear discussed: students at a school the staff
 * member serves or teaches in, and students in their scope. Admins reach every student of the
 * district. One entry per active staff member of the district.
 */
export async function studentsReachedBy(
  db: Kysely<Database>,
  districtId: string,
  staffIds: readonly string[],
  studentIds: readonly string[],
  today: string,
): Promise<Map<string, Set<string>>> {
  const out = new Map<string, Set<string>>();
  if (staffIds.length === 0 || studentIds.length === 0) return out;
  const staff = await db
    .selectFrom('staff_user')
    .select(['id', 'role'])
    .where('district_id', '=', districtId)
    .where('active', '=', 1)
    .where('id', 'in', [...staffIds])
    .execute();
  for (const member of staff) {
    const viewer = { id: member.id, districtId, role: member.role };
    const rows = await db
      .selectFrom('student')
      .select('id')
      .where('district_id', '=', districtId)
      .where('id', 'in', [...studentIds])
      .where((eb) =>
        eb.or([
          eb('school_id', 'in', schoolIdsOf(db, viewer)),
          eb('id', 'in', scopedStudentIds(db, viewer, today)),
        ]),
      )
      .execute();
    out.set(member.id, new Set(rows.map((r) => r.id)));
  }
  return out;
}

/** A meeting with the ids of the students it discussed. */
export async function findTouchBase(db: Kysely<Database>, districtId: string, id: string) {
  const meeting = await db
    .selectFrom('touch_base')
    .selectAll()
    .where('district_id', '=', districtId)
    .where('id', '=', id)
    .executeTakeFirst();
  if (!meeting) return undefined;
  const students = await db
    .selectFrom('touch_base_student')
    .select('student_id')
    .where('district_id', '=', districtId)
    .where('touch_base_id', '=', id)
    .orderBy('student_id')
    .execute();
  return { meeting, studentIds: students.map((s) => s.student_id) };
}
