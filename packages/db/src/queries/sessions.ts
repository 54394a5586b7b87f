import { type Kysely, sql } from 'kysely';
import type { Database, NewObservation } from '../schema';
import { newId } from '../util';
import { refreshComparisonDigestsOfServices } from './comparison-digests';
import { bumpDataVersion } from './data-version';
import { isPostgres } from './dialect';
import { refreshFidelitySummaries } from './fidelity-summaries';
import { refreshGoalSummaries } from './goal-summaries';
import { routinesWithClassroom, studentList } from './joins';
import { type ScopeViewer, scopedStudentIds } from './scope';
import { type Editor, nextVersion, updateAtVersion } from './versioned';

// Session logging: the writes are free functions taking a transaction, so the API composes the
// session, its per-student records, the observations and the audit events into one commit.

/** Postgres codes worth retrying: serialization failure, deadlock, a lost unique-key race. */
const RETRYABLE = new Set(['40001', '40P01', '23505']);

function retryable(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && RETRYABLE.has(code)) return true;
  // SQLite: a unique-key race cannot happen (one writer at a time) but a busy database can.
  return typeof code === 'string' && (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED');
}

/**
 * Runs `fn` in one transaction and retries it when the database says it lost a race
 * (serialization failure, deadlock, a unique key taken meanwhile), so concurrent writes each land
 * exactly once. On Postgres, `lockKey` takes a transaction-scoped advisory lock first: writers
 * of the same key (an idempotency key, a note) queue, and each statement after the lock sees
 * what the previous holder committed (read committed).
 */
export async function writeTransaction<T>(
  db: Kysely<Database>,
  lockKey: string | null,
  fn: (trx: Kysely<Database>) => Promise<T>,
  attempts = 12,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction().execute(async (trx) => {
        if (lockKey && isPostgres(trx)) {
          await sql`select pg_advisory_xact_lock(hashtext(${lockKey}))`.execute(trx);
        }
        return fn(trx);
      });
    } catch (err) {
      if (attempt >= attempts || !retryable(err)) throw err;
      await new Promise((r) => setTimeout(r, Math.random() * 10 * attempt));
    }
  }
}

export async function staffSupervisor(db: Kysely<Database>, districtId: string, staffId: string) {
  return db
    .selectFrom('staff_user as a')
    .leftJoin('staff_user as s', (j) =>
      j.onRef('s.district_id', '=', 'a.district_id').onRef('s.id', '=', 'a.supervisor_id'),
    )
    .select([
      'a.supervisor_id',
      's.name as supervisor_name',
      's.discipline as supervisor_discipline',
    ])
    .where('a.district_id', '=', districtId)
    .where('a.id', '=', staffId)
    .executeTakeFirst();
}

export async function findSessionByKey(db: Kysely<Database>, districtId: string, key: string) {
  return db
    .selectFrom('therapy_session')
    .select(['id', 'created_by'])
    .where('district_id', '=', districtId)
    .where('idempotency_key', '=', key)
    .executeTakeFirst();
}

/** The active services of students in one discipline on a date (to link session records). */
export async function servicesOnDate(
  db: Kysely<Database>,
  districtId: string,
  studentIds: readonly string[],
  discipline: string,
  date: string,
) {
  if (studentIds.length === 0) return [];
  return db
    .selectFrom('service')
    .select(['id', 'student_id', 'provider_id'])
    .where('district_id', '=', districtId)
    .where('student_id', 'in', [...studentIds])
    .where('discipline', '=', discipline)
    .where('start_date', '<=', date)
    .where('end_date', '>=', date)
    .orderBy('start_date', 'desc')
    .execute();
}

/** What logging a session reads of a goal: whose it is, what it measures, and its phase. */
const SESSION_GOAL_COLUMNS = [
  'id',
  'student_id',
  'discipline',
  'domain',
  'text',
  'measurement_type',
  'rubric_max',
  'phase',
] as const;

export async function goalsOfStudents(
  db: Kysely<Database>,
  districtId: string,
  studentIds: readonly string[],
) {
  if (studentIds.length === 0) return [];
  return db
    .selectFrom('goal')
    .select([...SESSION_GOAL_COLUMNS, 'current_model', 'start_date'])
    .where('district_id', '=', districtId)
    .where('student_id', 'in', [...studentIds])
    .execute();
}

export async function routineInDistrict(db: Kysely<Database>, districtId: string, id: string) {
  return db
    .selectFrom('routine')
    .select(['id', 'classroom_id'])
    .where('district_id', '=', districtId)
    .where('id', '=', id)
    .executeTakeFirst();
}

/** Where a routine is: its classroom and that classroom's school. */
export async function routinePlace(db: Kysely<Database>, districtId: string, id: string) {
  return db
    .selectFrom('routine')
    .innerJoin('classroom', (j) =>
      j
        .onRef('classroom.district_id', '=', 'routine.district_id')
        .onRef('classroom.id', '=', 'routine.classroom_id'),
    )
    .select(['routine.id', 'routine.classroom_id', 'classroom.school_id'])
    .where('routine.district_id', '=', districtId)
    .where('routine.id', '=', id)
    .executeTakeFirst();
}

/** Each student's school and homeroom. */
export async function studentPlaces(
  db: Kysely<Database>,
  districtId: string,
  studentIds: readonly string[],
) {
  if (studentIds.length === 0) return [];
  return db
    .selectFrom('student')
    .select(['id', 'school_id', 'homeroom_id'])
    .where('district_id', '=', districtId)
    .where('id', 'in', [...studentIds])
    .execute();
}

/** The first day of each student's services of `discipline` (students without one are absent). */
export async function firstServiceDays(
  db: Kysely<Database>,
  districtId: string,
  studentIds: readonly string[],
  discipline: string,
) {
  if (studentIds.length === 0) return new Map<string, string>();
  const rows = await db
    .selectFrom('service')
    .select(['student_id', (eb) => eb.fn.min('start_date').as('first_day')])
    .where('district_id', '=', districtId)
    .where('student_id', 'in', [...studentIds])
    .where('discipline', '=', discipline)
    .groupBy('student_id')
    .execute();
  return new Map(rows.map((r) => [r.student_id, String(r.first_day)]));
}

/** The reporting periods in which each student has a finalised progress report. */
export async function finalisedPeriodsOf(
  db: Kysely<Database>,
  districtId: string,
  studentIds: readonly string[],
) {
  if (studentIds.length === 0) return [];
  return db
    .selectFrom('progress_report as pr')
    .innerJoin('reporting_period as rp', (j) =>
      j.onRef('rp.district_id', '=', 'pr.district_id').onRef('rp.id', '=', 'pr.period_id'),
    )
    .select(['pr.student_id', 'rp.name', 'rp.starts_on', 'rp.ends_on'])
    .where('pr.district_id', '=', districtId)
    .where('pr.student_id', 'in', [...studentIds])
    .where('pr.status', '=', 'final')
    .orderBy('rp.starts_on')
    .execute();
}

/** Of `goalIds`, those linked to a routine of a classroom `teacherId` teaches. */
export async function goalsAtTeachersRoutines(
  db: Kysely<Database>,
  districtId: string,
  teacherId: string,
  goalIds: readonly string[],
): Promise<Set<string>> {
  if (goalIds.length === 0) return new Set();
  const rows = await db
    .selectFrom('goal_routine as gr')
    .innerJoin('routine', (j) =>
      j
        .onRef('routine.district_id', '=', 'gr.district_id')
        .onRef('routine.id', '=', 'gr.routine_id'),
    )
    .innerJoin('classroom', (j) =>
      j
        .onRef('classroom.district_id', '=', 'routine.district_id')
        .onRef('classroom.id', '=', 'routine.classroom_id'),
    )
    .select('gr.goal_id')
    .where('gr.district_id', '=', districtId)
    .where('gr.goal_id', 'in', [...goalIds])
    .where('classroom.teacher_id', '=', teacherId)
    .execute();
  return new Set(rows.map((r) => r.goal_id));
}

export interface NewSessionRecord {
  districtId: string;
  id: string;
  date: string;
  startTime: string;
  endTime: string;
  minutes: number;
  providerId: string;
  createdBy: string;
  model: string;
  setting: string;
  routineId: string | null;
  collaborationMode: string | null;
  idempotencyKey: string;
  /** Set for a late entry: the session is dated inside a finalised report's period. */
  lateEntryReason?: string | null;
  at: string;
  students: {
    studentId: string;
    serviceId: string | null;
    attendance: string;
    note: string;
    signed: boolean;
  }[];
  observations: Omit<NewObservation, 'district_id' | 'id' | 'session_id' | 'created_at'>[];
}

/** Inserts a session with its per-student records and observations (inside the caller's transaction). */
export async function insertSession(trx: Kysely<Database>, s: NewSessionRecord): Promise<void> {
  await trx
    .insertInto('therapy_session')
    .values({
      district_id: s.districtId,
      id: s.id,
      session_date: s.date,
      start_time: s.startTime,
      end_time: s.endTime,
      minutes: s.minutes,
      provider_id: s.providerId,
      model: s.model,
      setting: s.setting,
      routine_id: s.routineId,
      collaboration_mode: s.collaborationMode,
      group_size: s.students.length,
      idempotency_key: s.idempotencyKey,
      late_entry_reason: s.lateEntryReason ?? null,
      created_by: s.createdBy,
      cosigned_by: null,
      cosigned_at: null,
      created_at: s.at,
    })
    .execute();
  await trx
    .insertInto('session_student')
    .values(
      s.students.map((st) => ({
        district_id: s.districtId,
        session_id: s.id,
        student_id: st.studentId,
        service_id: st.serviceId,
        attendance: st.attendance,
        note: st.note,
        signed_at: st.signed ? s.at : null,
        signed_by: st.signed ? s.createdBy : null,
      })),
    )
    .execute();
  if (s.observations.length > 0) {
    await trx
      .insertInto('observation')
      .values(
        s.observations.map((o) => ({
          ...o,
          district_id: s.districtId,
          id: newId(),
          session_id: s.id,
          created_at: s.at,
          late_entry: s.lateEntryReason ? (1 as const) : (0 as const),
        })),
      )
      .execute();
  }
  // Delivered minutes enter each goal of the services' minutes per week (Outcomes digests).
  // Before the goal summaries: both lock goals on Postgres, and taking the services' goals
  // first (a superset, in id order) keeps every writer's lock order the same.
  await refreshComparisonDigestsOfServices(
    trx,
    s.districtId,
    s.students.map((st) => st.serviceId),
  );
  if (s.observations.length > 0) {
    await refreshGoalSummaries(
      trx,
      s.districtId,
      s.observations.map((o) => o.goal_id),
    );
  }
  await refreshFidelitySummaries(
    trx,
    s.districtId,
    s.students.map((st) => st.studentId),
  );
  // Last, after the goal and student locks above (data-version.ts says why).
  await bumpDataVersion(trx, s.districtId);
}

/** The Outcomes digests of every goal of a session's services (its minutes changed). */
async function refreshSessionDigests(trx: Kysely<Database>, districtId: string, sessionId: string) {
  const rows = await trx
    .selectFrom('session_student')
    .select('service_id')
    .where('district_id', '=', districtId)
    .where('session_id', '=', sessionId)
    .execute();
  await refreshComparisonDigestsOfServices(
    trx,
    districtId,
    rows.map((r) => r.service_id),
  );
}

export async function insertProbe(
  trx: Kysely<Database>,
  row: Omit<NewObservation, 'id' | 'session_id'>,
): Promise<string> {
  const id = newId();
  await trx
    .insertInto('observation')
    .values({ ...row, id, session_id: null })
    .execute();
  await refreshGoalSummaries(trx, row.district_id, [row.goal_id]);
  // Last, after the goal and student locks above (data-version.ts says why).
  await bumpDataVersion(trx, row.district_id);
  return id;
}

/** A probe already stored under an idempotency key (sent again from the browser's outbox). */
export async function findProbeByKey(db: Kysely<Database>, districtId: string, key: string) {
  return db
    .selectFrom('observation')
    .select(['id', 'recorded_by'])
    .where('district_id', '=', districtId)
    .where('idempotency_key', '=', key)
    .executeTakeFirst();
}

export async function getSessionRow(db: Kysely<Database>, districtId: string, sessionId: string) {
  return db
    .selectFrom('therapy_session')
    .selectAll()
    .where('district_id', '=', districtId)
    .where('id', '=', sessionId)
    .executeTakeFirst();
}

export async function getSessionStudent(
  db: Kysely<Database>,
  districtId: string,
  sessionId: string,
  studentId: string,
) {
  return db
    .selectFrom('session_student')
    .selectAll()
    .where('district_id', '=', districtId)
    .where('session_id', '=', sessionId)
    .where('student_id', '=', studentId)
    .executeTakeFirst();
}

/** The students recorded on one session. */
export async function sessionStudentIds(
  db: Kysely<Database>,
  districtId: string,
  sessionId: string,
): Promise<string[]> {
  const rows = await db
    .selectFrom('session_student')
    .select('student_id')
    .where('district_id', '=', districtId)
    .where('session_id', '=', sessionId)
    .orderBy('student_id')
    .execute();
  return rows.map((r) => r.student_id);
}

/** Signs an unsigned note; false when it was already signed (a concurrent signer won). */
export async function signNote(
  trx: Kysely<Database>,
  ref: { districtId: string; sessionId: string; studentId: string },
  by: string,
  at: string,
): Promise<boolean> {
  const r = await trx
    .updateTable('session_student')
    .set({ signed_at: at, signed_by: by })
    .where('district_id', '=', ref.districtId)
    .where('session_id', '=', ref.sessionId)
    .where('student_id', '=', ref.studentId)
    .where('signed_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Changes the note of an unsigned record; false when it is signed (only amendments then). */
export async function updateUnsignedNote(
  trx: Kysely<Database>,
  ref: { districtId: string; sessionId: string; studentId: string },
  note: string,
): Promise<boolean> {
  const r = await trx
    .updateTable('session_student')
    .set({ note })
    .where('district_id', '=', ref.districtId)
    .where('session_id', '=', ref.sessionId)
    .where('student_id', '=', ref.studentId)
    .where('signed_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export async function insertAmendment(
  trx: Kysely<Database>,
  ref: { districtId: string; sessionId: string; studentId: string },
  text: string,
  authorId: string,
  at: string,
): Promise<string> {
  const id = newId();
  await trx
    .insertInto('session_note_amendment')
    .values({
      district_id: ref.districtId,
      id,
      session_id: ref.sessionId,
      student_id: ref.studentId,
      text,
      author_id: authorId,
      created_at: at,
    })
    .execute();
  return id;
}

/** Co-signs once; false when already co-signed. */
export async function cosignSession(
  trx: Kysely<Database>,
  districtId: string,
  sessionId: string,
  by: string,
  at: string,
): Promise<boolean> {
  const r = await trx
    .updateTable('therapy_session')
    .set({ cosigned_by: by, cosigned_at: at })
    .where('district_id', '=', districtId)
    .where('id', '=', sessionId)
    .where('cosigned_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/**
 * Voids a session once, with a reason: it stays (struck through where it is shown) and leaves
 * fidelity and billing. Moves the version on, so a draft form loaded before cannot undo it.
 * False when it was already voided (a concurrent void won).
 */
export async function voidSession(
  trx: Kysely<Database>,
  districtId: string,
  sessionId: string,
  reason: string,
  editor: Editor,
): Promise<boolean> {
  const r = await trx
    .updateTable('therapy_session')
    .set({
      voided_at: editor.at,
      voided_by: editor.by,
      void_reason: reason,
      ...nextVersion(editor, ['voided_at', 'void_reason']),
    })
    .where('district_id', '=', districtId)
    .where('id', '=', sessionId)
    .where('voided_at', 'is', null)
    .executeTakeFirst();
  if (Number(r.numUpdatedRows) !== 1) return false;
  // Its observations stay on record with it but leave every number: graphs, summaries, reports,
  // Outcomes and recommendations read only observations without a void time.
  const points = await trx
    .selectFrom('observation')
    .select('goal_id')
    .where('district_id', '=', districtId)
    .where('session_id', '=', sessionId)
    .execute();
  await trx
    .updateTable('observation')
    .set({ voided_at: editor.at })
    .where('district_id', '=', districtId)
    .where('session_id', '=', sessionId)
    .execute();
  // The services' goals first (see insertSession), then the summaries of the voided points.
  await refreshSessionDigests(trx, districtId, sessionId);
  if (points.length > 0)
    await refreshGoalSummaries(
      trx,
      districtId,
      points.map((p) => p.goal_id),
    );
  await refreshFidelitySummaries(
    trx,
    districtId,
    await sessionStudentIds(trx, districtId, sessionId),
  );
  // Last, after the goal and student locks above (data-version.ts says why).
  await bumpDataVersion(trx, districtId);
  return true;
}

/** Moves a session's version on for a change kept in another table (a note amendment). */
export async function touchSession(
  trx: Kysely<Database>,
  districtId: string,
  sessionId: string,
  editor: Editor,
  fields: readonly string[],
): Promise<void> {
  await trx
    .updateTable('therapy_session')
    .set(nextVersion(editor, fields))
    .where('district_id', '=', districtId)
    .where('id', '=', sessionId)
    .execute();
}

export interface DraftSessionEdit {
  districtId: string;
  sessionId: string;
  expectedVersion: number;
  date: string;
  startTime: string;
  endTime: string;
  minutes: number;
  lateEntryReason: string | null;
  students: { studentId: string; attendance: string; note: string }[];
}

/**
 * Edits a saved, unsigned draft at the version its form loaded (StaleVersionError otherwise,
 * or when a record was signed or the session voided meanwhile): date, times and each student's
 * attendance and note. Its data points move with the date, and their goals are summarised again.
 */
export async function updateDraftSession(
  trx: Kysely<Database>,
  edit: DraftSessionEdit,
  editor: Editor,
): Promise<{ version: number; changed: string[] }> {
  const d = edit.districtId;
  const records = await trx
    .selectFrom('session_student')
    .select(['student_id', 'attendance', 'note'])
    .where('district_id', '=', d)
    .where('session_id', '=', edit.sessionId)
    .execute();
  const before = new Map(records.map((r) => [r.student_id, r]));
  const recordChanges: string[] = [];
  for (const st of edit.students) {
    const old = before.get(st.studentId);
    if (!old) continue;
    if (old.attendance !== st.attendance) recordChanges.push('attendance');
    if (old.note !== st.note) recordChanges.push('note');
  }
  const result = await updateAtVersion(
    trx,
    'therapy_session',
    { district_id: d, id: edit.sessionId },
    edit.expectedVersion,
    {
      session_date: edit.date,
      start_time: edit.startTime,
      end_time: edit.endTime,
      minutes: edit.minutes,
      late_entry_reason: edit.lateEntryReason,
    },
    editor,
    {
      alsoChanged: [...new Set(recordChanges)],
      // A draft only: not voided, and no student's note signed yet.
      guard: (eb) =>
        eb.and([
          eb('voided_at', 'is', null),
          eb.not(
            eb.exists(
              eb
                .selectFrom('session_student as signed')
                .select('signed.session_id')
                .where('signed.district_id', '=', d)
                .where('signed.session_id', '=', edit.sessionId)
                .where('signed.signed_at', 'is not', null),
            ),
          ),
        ]),
    },
  );
  if (result.changed.length === 0) return result;
  for (const st of edit.students) {
    if (!before.has(st.studentId)) continue;
    await trx
      .updateTable('session_student')
      .set({ attendance: st.attendance, note: st.note })
      .where('district_id', '=', d)
      .where('session_id', '=', edit.sessionId)
      .where('student_id', '=', st.studentId)
      .where('signed_at', 'is', null)
      .execute();
  }
  const points = await trx
    .selectFrom('observation')
    .select('goal_id')
    .where('district_id', '=', d)
    .where('session_id', '=', edit.sessionId)
    .execute();
  await trx
    .updateTable('observation')
    .set({ observed_on: edit.date, late_entry: edit.lateEntryReason ? 1 : 0 })
    .where('district_id', '=', d)
    .where('session_id', '=', edit.sessionId)
    .execute();
  // The services' goals first (see insertSession), then the summaries of the moved points.
  await refreshSessionDigests(trx, d, edit.sessionId);
  if (points.length > 0)
    await refreshGoalSummaries(
      trx,
      d,
      points.map((p) => p.goal_id),
    );
  // Date, minutes and attendance are what the fidelity figures count.
  await refreshFidelitySummaries(trx, d, [...before.keys()]);
  // Last, after the goal and student locks above (data-version.ts says why).
  await bumpDataVersion(trx, d);
  return result;
}

/** Signs every unsigned note of a session at once (a group session); how many were signed. */
export async function signAllNotes(
  trx: Kysely<Database>,
  districtId: string,
  sessionId: string,
  by: string,
  at: string,
): Promise<string[]> {
  const unsigned = await trx
    .selectFrom('session_student')
    .select('student_id')
    .where('district_id', '=', districtId)
    .where('session_id', '=', sessionId)
    .where('signed_at', 'is', null)
    .execute();
  if (unsigned.length === 0) return [];
  await trx
    .updateTable('session_student')
    .set({ signed_at: at, signed_by: by })
    .where('district_id', '=', districtId)
    .where('session_id', '=', sessionId)
    .where('signed_at', 'is', null)
    .execute();
  return unsigned.map((u) => u.student_id);
}

/**
 * The supervisor's co-sign queue: sessions their assistants logged under them, not co-signed
 * and not voided, oldest first, with each student's record and data points.
 */
export async function loadCosignQueue(
  db: Kysely<Database>,
  districtId: string,
  supervisorId: string,
  limit = 100,
) {
  const sessions = await db
    .selectFrom('therapy_session as s')
    .innerJoin('staff_user as author', (j) =>
      j.onRef('author.district_id', '=', 's.district_id').onRef('author.id', '=', 's.created_by'),
    )
    .select([
      's.id',
      's.session_date',
      's.start_time',
      's.end_time',
      's.minutes',
      's.model',
      's.setting',
      's.late_entry_reason',
      'author.name as author_name',
    ])
    .where('s.district_id', '=', districtId)
    // Logged under the supervisor, or by one of their assistants under the assistant's name.
    .where((eb) =>
      eb.or([
        eb('s.provider_id', '=', supervisorId),
        eb('author.supervisor_id', '=', supervisorId),
      ]),
    )
    .where('author.role', '=', 'assistant')
    .where('s.cosigned_at', 'is', null)
    .where('s.voided_at', 'is', null)
    .where('s.created_by', '!=', supervisorId)
    // The assistant has signed: the session is theirs to hand over.
    .where((eb) =>
      eb.exists(
        eb
          .selectFrom('session_student as signed')
          .select('signed.session_id')
          .whereRef('signed.district_id', '=', 's.district_id')
          .whereRef('signed.session_id', '=', 's.id')
          .where('signed.signed_at', 'is not', null),
      ),
    )
    .orderBy('s.session_date')
    .orderBy('s.start_time')
    .orderBy('s.id')
    .limit(limit)
    .execute();
  const ids = sessions.map((s) => s.id);
  if (ids.length === 0) return { sessions, records: [], observations: [] };
  const { records } = await sessionDetails(db, districtId, ids);
  const observations = await db
    .selectFrom('observation')
    .innerJoin('goal', (j) =>
      j
        .onRef('goal.district_id', '=', 'observation.district_id')
        .onRef('goal.id', '=', 'observation.goal_id'),
    )
    .select([
      'observation.session_id',
      'observation.student_id',
      'goal.domain',
      'goal.measurement_type',
      'observation.trials_correct',
      'observation.trials_prompted',
      'observation.trials_incorrect',
      'observation.prompt_level',
      'observation.count',
      'observation.seconds',
      'observation.rubric_score',
    ])
    .where('observation.district_id', '=', districtId)
    .where('observation.session_id', 'in', ids)
    .orderBy('observation.created_at')
    .orderBy('observation.id')
    .execute();
  return { sessions, records, observations };
}

/** Students the viewer may log for, their goals, and the routines of their homerooms. */
export async function loadSessionFormContext(
  db: Kysely<Database>,
  viewer: ScopeViewer,
  today: string,
) {
  const districtId = viewer.districtId;
  const ids = () => scopedStudentIds(db, viewer, today);
  const students = await studentList(db, districtId, ids())
    .select([
      'student.id',
      'student.first_name',
      'student.last_name',
      'student.grade',
      'student.homeroom_id',
      'classroom.name as homeroom_name',
    ])
    .execute();
  const goals = await db
    .selectFrom('goal')
    .select(SESSION_GOAL_COLUMNS)
    .where('district_id', '=', districtId)
    .where('student_id', 'in', ids())
    .where('phase', '!=', 'discontinued')
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  const routines = await routinesWithClassroom(db)
    // The teacher's name tells apart two homerooms of the same name in the picker.
    .leftJoin('staff_user as teacher', (j) =>
      j
        .onRef('teacher.district_id', '=', 'classroom.district_id')
        .onRef('teacher.id', '=', 'classroom.teacher_id'),
    )
    .select([
      'routine.id',
      'routine.name',
      'routine.start_time',
      'routine.classroom_id',
      'classroom.name as classroom_name',
      'teacher.name as teacher_name',
    ])
    .where('routine.district_id', '=', districtId)
    .where('routine.classroom_id', 'in', (eb) =>
      eb
        .selectFrom('student')
        .select('student.homeroom_id')
        .where('student.district_id', '=', districtId)
        .where('student.id', 'in', ids())
        .where('student.homeroom_id', 'is not', null)
        .$narrowType<{ homeroom_id: string }>(),
    )
    .orderBy('classroom.name')
    .orderBy('routine.start_time')
    .execute();
  return { students, goals, routines };
}

/** Sessions the viewer provided or logged (or, for a supervisor, their assistants logged), newest first. */
export async function loadRecentSessions(
  db: Kysely<Database>,
  districtId: string,
  viewerId: string,
  limit = 20,
) {
  const sessions = await db
    .selectFrom('therapy_session')
    .innerJoin('staff_user as provider', (j) =>
      j
        .onRef('provider.district_id', '=', 'therapy_session.district_id')
        .onRef('provider.id', '=', 'therapy_session.provider_id'),
    )
    .innerJoin('staff_user as author', (j) =>
      j
        .onRef('author.district_id', '=', 'therapy_session.district_id')
        .onRef('author.id', '=', 'therapy_session.created_by'),
    )
    .leftJoin('staff_user as cosigner', (j) =>
      j
        .onRef('cosigner.district_id', '=', 'therapy_session.district_id')
        .onRef('cosigner.id', '=', 'therapy_session.cosigned_by'),
    )
    .leftJoin('staff_user as voider', (j) =>
      j
        .onRef('voider.district_id', '=', 'therapy_session.district_id')
        .onRef('voider.id', '=', 'therapy_session.voided_by'),
    )
    .selectAll('therapy_session')
    .select([
      'provider.name as provider_name',
      'author.name as author_name',
      'cosigner.name as cosigner_name',
      'voider.name as voider_name',
    ])
    .where('therapy_session.district_id', '=', districtId)
    .where((eb) =>
      eb.or([
        eb('therapy_session.provider_id', '=', viewerId),
        eb('therapy_session.created_by', '=', viewerId),
      ]),
    )
    .orderBy('therapy_session.session_date', 'desc')
    .orderBy('therapy_session.start_time', 'desc')
    .orderBy('therapy_session.created_at', 'desc')
    .limit(limit)
    .execute();
  return {
    sessions,
    ...(await sessionDetails(
      db,
      districtId,
      sessions.map((s) => s.id),
    )),
  };
}

export async function sessionDetails(
  db: Kysely<Database>,
  districtId: string,
  sessionIds: readonly string[],
) {
  if (sessionIds.length === 0) return { records: [], amendments: [], observationCounts: [] };
  const ids = [...sessionIds];
  const records = await db
    .selectFrom('session_student')
    .innerJoin('student', (j) =>
      j
        .onRef('student.district_id', '=', 'session_student.district_id')
        .onRef('student.id', '=', 'session_student.student_id'),
    )
    .leftJoin('staff_user as signer', (j) =>
      j
        .onRef('signer.district_id', '=', 'session_student.district_id')
        .onRef('signer.id', '=', 'session_student.signed_by'),
    )
    .selectAll('session_student')
    .select(['student.first_name', 'student.last_name', 'signer.name as signer_name'])
    .where('session_student.district_id', '=', districtId)
    .where('session_student.session_id', 'in', ids)
    .orderBy('student.last_name')
    .orderBy('student.first_name')
    .execute();
  const amendments = await db
    .selectFrom('session_note_amendment')
    .innerJoin('staff_user', (j) =>
      j
        .onRef('staff_user.district_id', '=', 'session_note_amendment.district_id')
        .onRef('staff_user.id', '=', 'session_note_amendment.author_id'),
    )
    .selectAll('session_note_amendment')
    .select('staff_user.name as author_name')
    .where('session_note_amendment.district_id', '=', districtId)
    .where('session_note_amendment.session_id', 'in', ids)
    .orderBy('session_note_amendment.created_at')
    .execute();
  const observationCounts = await db
    .selectFrom('observation')
    .select((eb) => ['session_id', 'student_id', eb.fn.countAll<number>().as('n')])
    .where('district_id', '=', districtId)
    .where('session_id', 'in', ids)
    .groupBy(['session_id', 'student_id'])
    .execute();
  return { records, amendments, observationCounts };
}

/** Where a billing batch ends: date, start, last and first name, session, student (its order). */
export type BillingKey = [string, string, string, string, string, string];

/** The billing export's filters past its period (each optional). */
export interface BillingFilter {
  from: string;
  to: string;
  schoolId?: string | undefined;
  /** Sessions this staff member provided or logged. */
  therapistId?: string | undefined;
  studentId?: string | undefined;
}

/**
 * One row per student per session for students in scope, for the billing export, in date, time
 * and name order, with what a claim needs (Medicaid ID, birth date, diagnosis, the provider's
 * NPI and credential, who delivered it). With `page`, the `limit` rows after the key `after`
 * (keyset batches: an export streams a batch at a time); without, every row.
 */
export async function loadBillingRows(
  db: Kysely<Database>,
  viewer: ScopeViewer,
  today: string,
  filter: BillingFilter,
  page?: { after: BillingKey | null; limit: number },
) {
  const districtId = viewer.districtId;
  let query = db
    .selectFrom('session_student')
    .innerJoin('therapy_session as s', (j) =>
      j
        .onRef('s.district_id', '=', 'session_student.district_id')
        .onRef('s.id', '=', 'session_student.session_id'),
    )
    .innerJoin('student', (j) =>
      j
        .onRef('student.district_id', '=', 'session_student.district_id')
        .onRef('student.id', '=', 'session_student.student_id'),
    )
    .innerJoin('staff_user as provider', (j) =>
      j
        .onRef('provider.district_id', '=', 's.district_id')
        .onRef('provider.id', '=', 's.provider_id'),
    )
    .innerJoin('staff_user as author', (j) =>
      j.onRef('author.district_id', '=', 's.district_id').onRef('author.id', '=', 's.created_by'),
    )
    .leftJoin('service', (j) =>
      j
        .onRef('service.district_id', '=', 'session_student.district_id')
        .onRef('service.id', '=', 'session_student.service_id'),
    )
    .leftJoin('staff_user as signer', (j) =>
      j
        .onRef('signer.district_id', '=', 'session_student.district_id')
        .onRef('signer.id', '=', 'session_student.signed_by'),
    )
    .leftJoin('staff_user as cosigner', (j) =>
      j
        .onRef('cosigner.district_id', '=', 's.district_id')
        .onRef('cosigner.id', '=', 's.cosigned_by'),
    )
    .select([
      'session_student.session_id',
      'session_student.student_id',
      'session_student.attendance',
      'session_student.signed_at',
      'student.first_name',
      'student.last_name',
      'student.date_of_birth',
      'student.medicaid_id',
      'student.diagnosis_icd10',
      's.session_date',
      's.start_time',
      's.end_time',
      's.minutes',
      's.model',
      's.setting',
      's.group_size',
      's.provider_id',
      's.created_by',
      's.cosigned_at',
      's.voided_at',
      's.void_reason',
      's.late_entry_reason',
      's.version',
      'provider.name as provider_name',
      'provider.discipline as provider_discipline',
      'provider.npi as provider_npi',
      'provider.credential as provider_credential',
      'author.name as author_name',
      'author.role as author_role',
      'author.credential as author_credential',
      'service.discipline as service_discipline',
      'signer.name as signer_name',
      'cosigner.name as cosigner_name',
    ])
    .where('session_student.district_id', '=', districtId)
    .where('session_student.student_id', 'in', scopedStudentIds(db, viewer, today))
    .where('s.session_date', '>=', filter.from)
    .where('s.session_date', '<=', filter.to)
    .orderBy('s.session_date')
    .orderBy('s.start_time')
    .orderBy('student.last_name')
    .orderBy('student.first_name')
    .orderBy('session_student.session_id')
    .orderBy('session_student.student_id');
  if (filter.schoolId) query = query.where('student.school_id', '=', filter.schoolId);
  if (filter.studentId) query = query.where('session_student.student_id', '=', filter.studentId);
  const therapist = filter.therapistId;
  if (therapist)
    query = query.where((eb) =>
      eb.or([eb('s.provider_id', '=', therapist), eb('s.created_by', '=', therapist)]),
    );
  if (page?.after) {
    const [date, start, last, first, session, student] = page.after;
    query = query.where(
      sql<boolean>`(s.session_date, s.start_time, student.last_name, student.first_name, session_student.session_id, session_student.student_id) > (${date}, ${start}, ${last}, ${first}, ${session}, ${student})`,
    );
  }
  if (page) query = query.limit(page.limit);
  const rows = await query.execute();
  const sessionIds = [...new Set(rows.map((r) => r.session_id))];
  if (sessionIds.length === 0) return { rows, data: [], exported: [], amended: [] };
  const data = await db
    .selectFrom('observation')
    .select(['session_id', 'student_id', 'prompt_level', 'trials_prompted', 'trials_correct'])
    .where('district_id', '=', districtId)
    .where('session_id', 'in', sessionIds)
    .execute();
  // What earlier exports held of these sessions, and when their notes were last amended.
  const exported = await db
    .selectFrom('billing_export_line as l')
    .innerJoin('billing_export as e', (j) =>
      j.onRef('e.district_id', '=', 'l.district_id').onRef('e.id', '=', 'l.export_id'),
    )
    .select(['l.session_id', 'l.student_id', 'l.kind', 'e.created_at', 'e.id as export_id'])
    .where('l.district_id', '=', districtId)
    .where('l.session_id', 'in', sessionIds)
    .orderBy('e.created_at')
    .orderBy('e.id')
    .execute();
  const amended = await db
    .selectFrom('session_note_amendment')
    .select((eb) => ['session_id', 'student_id', eb.fn.max('created_at').as('last_at')])
    .where('district_id', '=', districtId)
    .where('session_id', 'in', sessionIds)
    .groupBy(['session_id', 'student_id'])
    .execute();
  return { rows, data, exported, amended };
}

/** How many sessions carry this key (tests and diagnostics). */
export async function countSessionsWithKey(db: Kysely<Database>, districtId: string, key: string) {
  const r = await db
    .selectFrom('therapy_session')
    .select(sql<number>`count(*)`.as('n'))
    .where('district_id', '=', districtId)
    .where('idempotency_key', '=', key)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}
