import type { Kysely } from 'kysely';
import type { Database } from '../schema';
import { recordAuditMany, STUDENT_DELETION_ENTITY } from './audit';
import { bumpDataVersion } from './data-version';

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
  await bumpDataVersion(db, d);

  const deleted: Record<string, number> = {};
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
  };
}
