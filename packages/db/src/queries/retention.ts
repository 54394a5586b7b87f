import { type Kysely, sql } from 'kysely';
import type { Database } from '../schema';
import { recordAuditMany, STUDENT_DELETION_ENTITY } from './audit';
import { bumpDataVersion } from './data-version';
import { forgetStoredComparisons } from './stored-comparisons';

// Retention: deleting a student removes every row of their record and, in the audit trail,
// the link from their earlier events to them, leaving one event that says the record was
// deleted (by whom, when). The chain still verifies: see queries/audit.ts.

export interface DeleteStudentArgs {
  districtId: string;
  studentId: string;
  actorId: string;
  /** The procedure path, recorded as the deletion event's action. */
  action: string;
  at: string;
}

export interface DeleteStudentResult {
  /** Rows removed per table (explicit deletes; cascades from `student` come on top). */
  deleted: Record<string, number>;
  /** Earlier audit events (and entries of their student lists) whose student linkage was removed. */
  redactedEvents: number;
  deletionSeq: number;
  /** Free text of other students' records that names the deleted student: for the admin to review. */
  mentions: NameMention[];
}

export interface NameMention {
  where: 'session note' | 'note amendment' | 'report narrative' | 'touch-base notes';
  /** The student whose record holds the text; null for a touch-base (it may concern several). */
  studentId: string | null;
  studentName: string | null;
  /** The session, report period start or meeting date. */
  date: string;
  /** About 40 characters either side of the first mention. */
  excerpt: string;
  matched: 'full name' | 'first name';
}

/** The most mentions listed; the admin reviews them by hand, so more would not be read. */
export const MENTIONS_LIMIT = 200;

const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

/** A whole-word, case-insensitive match (letters and digits bound a word, in any script). */
function wordPattern(text: string): RegExp {
  const escaped = text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(?<![\\p{L}\\p{N}])${escaped}(?![\\p{L}\\p{N}])`, 'iu');
}

/**
 * Free text in OTHER students' records (session notes and amendments, progress-report narratives)
 * and in touch-base notes that names the student, by full name or first name (by full name only
 * in the records of students with the same first name). SQL narrows by a case-insensitive
 * substring of the first name; the word match is made here.
 */
export async function findNameMentions(
  db: Kysely<Database>,
  districtId: string,
  student: { id: string; first_name: string; last_name: string },
): Promise<NameMention[]> {
  const first = student.first_name.trim();
  if (first === '') return [];
  const full = `${first} ${student.last_name.trim()}`;
  const like = `%${escapeLike(first.toLowerCase())}%`;
  const contains = (column: string) =>
    sql<boolean>`lower(${sql.ref(column)}) like ${like} escape '\\'`;
  const studentName = sql<string>`student.first_name || ' ' || student.last_name`;

  const notes = await db
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
    .select([
      'session_student.student_id',
      studentName.as('student_name'),
      'student.first_name as student_first',
      's.session_date as date',
      'session_student.note as text',
    ])
    .where('session_student.district_id', '=', districtId)
    .where('session_student.student_id', '!=', student.id)
    .where(contains('session_student.note'))
    .limit(MENTIONS_LIMIT)
    .execute();
  const amendments = await db
    .selectFrom('session_note_amendment')
    .innerJoin('student', (j) =>
      j
        .onRef('student.district_id', '=', 'session_note_amendment.district_id')
        .onRef('student.id', '=', 'session_note_amendment.student_id'),
    )
    .select([
      'session_note_amendment.student_id',
      studentName.as('student_name'),
      'student.first_name as student_first',
      'session_note_amendment.created_at as date',
      'session_note_amendment.text as text',
    ])
    .where('session_note_amendment.district_id', '=', districtId)
    .where('session_note_amendment.student_id', '!=', student.id)
    .where(contains('session_note_amendment.text'))
    .limit(MENTIONS_LIMIT)
    .execute();
  const narratives = await db
    .selectFrom('progress_report_goal')
    .innerJoin('progress_report as r', (j) =>
      j
        .onRef('r.district_id', '=', 'progress_report_goal.district_id')
        .onRef('r.id', '=', 'progress_report_goal.report_id'),
    )
    .innerJoin('reporting_period as p', (j) =>
      j.onRef('p.district_id', '=', 'r.district_id').onRef('p.id', '=', 'r.period_id'),
    )
    .innerJoin('student', (j) =>
      j.onRef('student.district_id', '=', 'r.district_id').onRef('student.id', '=', 'r.student_id'),
    )
    .select([
      'r.student_id',
      studentName.as('student_name'),
      'student.first_name as student_first',
      'p.starts_on as date',
      'progress_report_goal.narrative as text',
    ])
    .where('progress_report_goal.district_id', '=', districtId)
    .where('r.student_id', '!=', student.id)
    .where(contains('progress_report_goal.narrative'))
    .limit(MENTIONS_LIMIT)
    .execute();
  const meetings = await db
    .selectFrom('touch_base')
    .select(['met_on as date', 'notes as text'])
    .where('district_id', '=', districtId)
    .where(contains('touch_base.notes'))
    .limit(MENTIONS_LIMIT)
    .execute();

  const fullPattern = wordPattern(full);
  const firstPattern = wordPattern(first);
  const mentions: NameMention[] = [];
  const add = (
    where: NameMention['where'],
    rows: {
      student_id?: string;
      student_name?: string;
      student_first?: string;
      date: string;
      text: string;
    }[],
  ) => {
    // A student who shares the first name is named by their own notes: only the full name
    // points at the deleted student there.
    const namesakes = (r: { student_first?: string }) =>
      r.student_first?.trim().toLowerCase() === first.toLowerCase();
    for (const r of rows) {
      const hit = fullPattern.exec(r.text) ?? (namesakes(r) ? null : firstPattern.exec(r.text));
      if (!hit) continue;
      const from = Math.max(0, hit.index - 40);
      const to = Math.min(r.text.length, hit.index + hit[0].length + 40);
      mentions.push({
        where,
        studentId: r.student_id ?? null,
        studentName: r.student_name ?? null,
        date: r.date.slice(0, 10),
        excerpt: `${from > 0 ? '…' : ''}${r.text.slice(from, to)}${to < r.text.length ? '…' : ''}`,
        matched: hit[0].length > first.length ? 'full name' : 'first name',
      });
    }
  };
  add('session note', notes);
  add('note amendment', amendments);
  add('report narrative', narratives);
  add('touch-base notes', meetings);
  return mentions
    .sort((a, b) => a.date.localeCompare(b.date) || a.where.localeCompare(b.where))
    .slice(0, MENTIONS_LIMIT);
}

/**
 * After a retention delete on SQLite: VACUUM rewrites the file without the freed pages, and the
 * WAL, which still holds the pages as they were before, is checkpointed and truncated. With
 * `secure_delete` (set by openDatabase) the deleted cells were already zeroed; this clears what
 * page reuse left behind. It holds the database while it runs (seconds for a district's file).
 * Postgres: nothing here; see README "Not covered".
 */
export async function compactAfterDeletion(db: Kysely<Database>, dialect: string): Promise<void> {
  if (dialect !== 'sqlite') return;
  await sql`vacuum`.execute(db);
  await sql`pragma wal_checkpoint(truncate)`.execute(db);
}

export async function findStudentName(db: Kysely<Database>, districtId: string, studentId: string) {
  return db
    .selectFrom('student')
    .select(['first_name', 'last_name'])
    .where('district_id', '=', districtId)
    .where('id', '=', studentId)
    .executeTakeFirst();
}

const count = (r: { numDeletedRows: bigint }[]) =>
  r.reduce((n, x) => n + Number(x.numDeletedRows), 0);

/**
 * Deletes the student and their record in one transaction (the caller's, if it passes one).
 * Returns undefined, changing nothing, when the district has no such student.
 */
export async function deleteStudentRecord(
  db: Kysely<Database>,
  args: DeleteStudentArgs,
): Promise<DeleteStudentResult | undefined> {
  if (!db.isTransaction) return db.transaction().execute((trx) => deleteStudentRecord(trx, args));
  const { districtId: d, studentId } = args;
  const exists = await db
    .selectFrom('student')
    .select('id')
    .where('district_id', '=', d)
    .where('id', '=', studentId)
    .executeTakeFirst();
  if (!exists) return undefined;
  const named = await findStudentName(db, d, studentId);
  const mentions = named ? await findNameMentions(db, d, { id: studentId, ...named }) : [];
  await bumpDataVersion(db, d);

  const deleted: Record<string, number> = {};
  // Stored Outcomes summaries hold aggregates only, but ones this student's data went into:
  // they go too, and the next view computes without the student.
  deleted.stored_comparison = await forgetStoredComparisons(db, d);
  const goalIds = db
    .selectFrom('goal')
    .select('id')
    .where('district_id', '=', d)
    .where('student_id', '=', studentId);
  const serviceIds = db
    .selectFrom('service')
    .select('id')
    .where('district_id', '=', d)
    .where('student_id', '=', studentId);
  const reportIds = db
    .selectFrom('progress_report')
    .select('id')
    .where('district_id', '=', d)
    .where('student_id', '=', studentId);
  const sessionIds = (
    await db
      .selectFrom('session_student')
      .select('session_id')
      .where('district_id', '=', d)
      .where('student_id', '=', studentId)
      .execute()
  ).map((r) => r.session_id);

  // Children before parents, explicitly: goal → service is ON DELETE RESTRICT, so leaving the
  // order to the cascades from `student` could refuse the delete.
  const byStudent = [
    'observation',
    'session_note_amendment',
    'session_student',
    'push_in_plan',
    'assistant_assignment',
    'touch_base_student',
  ] as const;
  for (const table of byStudent) {
    deleted[table] = count(
      await db
        .deleteFrom(table)
        .where('district_id', '=', d)
        .where('student_id', '=', studentId)
        .execute(),
    );
  }
  for (const table of ['progress_report_ready', 'progress_report_version'] as const) {
    deleted[table] = count(
      await db
        .deleteFrom(table)
        .where('district_id', '=', d)
        .where('report_id', 'in', reportIds)
        .execute(),
    );
  }
  deleted.progress_report_goal = count(
    await db
      .deleteFrom('progress_report_goal')
      .where('district_id', '=', d)
      .where('report_id', 'in', reportIds)
      .execute(),
  );
  deleted.progress_report = count(
    await db
      .deleteFrom('progress_report')
      .where('district_id', '=', d)
      .where('student_id', '=', studentId)
      .execute(),
  );
  for (const table of [
    'goal_routine',
    'goal_phase_change',
    'recommendation_decision',
    'model_change',
  ] as const) {
    deleted[table] = count(
      await db
        .deleteFrom(table)
        .where('district_id', '=', d)
        .where('goal_id', 'in', goalIds)
        .execute(),
    );
  }
  deleted.model_change =
    (deleted.model_change ?? 0) +
    count(
      await db
        .deleteFrom('model_change')
        .where('district_id', '=', d)
        .where('service_id', 'in', serviceIds)
        .execute(),
    );
  deleted.goal = count(
    await db
      .deleteFrom('goal')
      .where('district_id', '=', d)
      .where('student_id', '=', studentId)
      .execute(),
  );
  deleted.service_model_minutes = count(
    await db
      .deleteFrom('service_model_minutes')
      .where('district_id', '=', d)
      .where('service_id', 'in', serviceIds)
      .execute(),
  );
  deleted.service = count(
    await db
      .deleteFrom('service')
      .where('district_id', '=', d)
      .where('student_id', '=', studentId)
      .execute(),
  );
  // A session that served only this student is theirs alone; a group session stays for the others.
  if (sessionIds.length > 0) {
    deleted.therapy_session = count(
      await db
        .deleteFrom('therapy_session')
        .where('district_id', '=', d)
        .where('id', 'in', sessionIds)
        .where((eb) =>
          eb.not(
            eb.exists(
              eb
                .selectFrom('session_student')
                .select('session_student.session_id')
                .whereRef('session_student.district_id', '=', 'therapy_session.district_id')
                .whereRef('session_student.session_id', '=', 'therapy_session.id'),
            ),
          ),
        )
        .where((eb) =>
          eb.not(
            eb.exists(
              eb
                .selectFrom('observation')
                .select('observation.id')
                .whereRef('observation.district_id', '=', 'therapy_session.district_id')
                .whereRef('observation.session_id', '=', 'therapy_session.id'),
            ),
          ),
        )
        .execute(),
    );
  }
  // Tables added later that reference the student go with it through their cascades.
  deleted.student = count(
    await db
      .deleteFrom('student')
      .where('district_id', '=', d)
      .where('id', '=', studentId)
      .execute(),
  );

  // The trail: one deletion event, then every earlier event of the student loses its link.
  await recordAuditMany(db, [
    {
      districtId: d,
      actorId: args.actorId,
      action: args.action,
      entity: STUDENT_DELETION_ENTITY,
      entityId: studentId,
      studentId: null,
      outcome: 'ok',
      at: args.at,
    },
  ]);
  const deletion = await db
    .selectFrom('audit_event')
    .select('seq')
    .where('district_id', '=', d)
    .where('entity', '=', STUDENT_DELETION_ENTITY)
    .where('entity_id', '=', studentId)
    .orderBy('seq', 'desc')
    .limit(1)
    .executeTakeFirstOrThrow();
  const deletionSeq = Number(deletion.seq);
  const redacted = await db
    .updateTable('audit_event')
    .set({ student_id: null, entity_id: null, link_salt: null, redacted_by_seq: deletionSeq })
    .where('district_id', '=', d)
    .where('seq', '<', deletionSeq)
    .where((eb) => eb.or([eb('student_id', '=', studentId), eb('entity_id', '=', studentId)]))
    .executeTakeFirst();
  // Reads of many students name this one in their student lists: the same removal there.
  const redactedListings = await db
    .updateTable('audit_event_student')
    .set({ student_id: null, link_salt: null, redacted_by_seq: deletionSeq })
    .where('district_id', '=', d)
    .where('seq', '<', deletionSeq)
    .where('student_id', '=', studentId)
    .executeTakeFirst();
  return {
    deleted,
    redactedEvents: Number(redacted.numUpdatedRows) + Number(redactedListings.numUpdatedRows),
    deletionSeq,
    mentions,
  };
}
