import type { Kysely } from 'kysely';

// Frozen in time: never imports app code. Therapists' stored weekly schedules (issue 17):
// - `schedule_session`: a planned session that recurs every week on one weekday, from
//   `valid_from` to `valid_to` (null: open-ended), push-in (classroom + routine) or pull-out
//   (room); versioned like the other rows people edit; `override_reason` when it was saved over
//   conflicts. Its students (and the service each is served under) in `schedule_session_student`;
// - `schedule_exception`: one occurrence cancelled (a missed reason, so fidelity owes a makeup
//   where the policy says so) or moved to another date/time;
// - `school_closure`: days a school (or the whole district, school_id null) is closed;
// - `schedule_override`: every conflict someone accepted, with their reason, kept;
// - `provider_school_day`: where a therapist works on which weekday, and their pull-out room;
// - `school_travel`: minutes between two schools (either direction);
// - `protected_block`: a classroom's or a student's protected time (no therapy comes in or out);
// - `schedule_proposal`: an auto-schedule proposal kept until it is accepted (or replaced);
// - `calendar_feed`: a staff member's .ics feed token, stored as its SHA-256, revocable.

const text = 'text' as const;

export async function up(db: Kysely<any>): Promise<void> {
  const district = (t: string) =>
    db.schema
      .createTable(t)
      .addColumn('district_id', text, (c) =>
        c.notNull().references('district.id').onDelete('cascade'),
      );

  await district('schedule_session')
    .addColumn('id', text, (c) => c.notNull())
    .addColumn('provider_id', text, (c) => c.notNull())
    .addColumn('school_id', text, (c) => c.notNull())
    /** ISO weekday, 1 (Monday) … 5 (Friday). */
    .addColumn('weekday', 'integer', (c) => c.notNull())
    .addColumn('start_time', text, (c) => c.notNull())
    .addColumn('minutes', 'integer', (c) => c.notNull())
    .addColumn('model', text, (c) => c.notNull())
    .addColumn('classroom_id', text)
    .addColumn('routine_id', text)
    .addColumn('room', text)
    .addColumn('valid_from', text, (c) => c.notNull())
    .addColumn('valid_to', text)
    .addColumn('override_reason', text)
    .addColumn('created_by', text, (c) => c.notNull())
    .addColumn('created_at', text, (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('updated_by', text)
    .addColumn('updated_at', text)
    .addColumn('updated_fields', text)
    .addPrimaryKeyConstraint('schedule_session_pk', ['district_id', 'id'] as never)
    .addForeignKeyConstraint(
      'schedule_session_provider_fk',
      ['district_id', 'provider_id'] as never,
      'staff_user',
      ['district_id', 'id'],
      (fk) => fk.onDelete('cascade'),
    )
    .addForeignKeyConstraint(
      'schedule_session_school_fk',
      ['district_id', 'school_id'] as never,
      'school',
      ['district_id', 'id'],
      (fk) => fk.onDelete('cascade'),
    )
    .execute();
  await db.schema
    .createIndex('schedule_session_provider_idx')
    .on('schedule_session')
    .columns(['district_id', 'provider_id', 'weekday'])
    .execute();
  await db.schema
    .createIndex('schedule_session_classroom_idx')
    .on('schedule_session')
    .columns(['district_id', 'classroom_id'])
    .execute();

  await district('schedule_session_student')
    .addColumn('session_id', text, (c) => c.notNull())
    .addColumn('student_id', text, (c) => c.notNull())
    .addColumn('service_id', text)
    .addPrimaryKeyConstraint('schedule_session_student_pk', [
      'district_id',
      'session_id',
      'student_id',
    ] as never)
    .addForeignKeyConstraint(
      'schedule_session_student_session_fk',
      ['district_id', 'session_id'] as never,
      'schedule_session',
      ['district_id', 'id'],
      (fk) => fk.onDelete('cascade'),
    )
    .addForeignKeyConstraint(
      'schedule_session_student_student_fk',
      ['district_id', 'student_id'] as never,
      'student',
      ['district_id', 'id'],
      (fk) => fk.onDelete('cascade'),
    )
    .execute();
  await db.schema
    .createIndex('schedule_session_student_student_idx')
    .on('schedule_session_student')
    .columns(['district_id', 'student_id'])
    .execute();

  await district('schedule_exception')
    .addColumn('session_id', text, (c) => c.notNull())
    /** The occurrence's own date. */
    .addColumn('on_date', text, (c) => c.notNull())
    /** `cancelled` or `moved`. */
    .addColumn('kind', text, (c) => c.notNull())
    /** Cancelled: a missed reason (fidelity's), and a note. */
    .addColumn('reason', text)
    .addColumn('note', text)
    /** Moved: the new date, start and length. */
    .addColumn('moved_to', text)
    .addColumn('start_time', text)
    .addColumn('minutes', 'integer')
    .addColumn('override_reason', text)
    .addColumn('created_by', text, (c) => c.notNull())
    .addColumn('created_at', text, (c) => c.notNull())
    .addPrimaryKeyConstraint('schedule_exception_pk', [
      'district_id',
      'session_id',
      'on_date',
    ] as never)
    .addForeignKeyConstraint(
      'schedule_exception_session_fk',
      ['district_id', 'session_id'] as never,
      'schedule_session',
      ['district_id', 'id'],
      (fk) => fk.onDelete('cascade'),
    )
    .execute();
  await db.schema
    .createIndex('schedule_exception_moved_idx')
    .on('schedule_exception')
    .columns(['district_id', 'moved_to'])
    .execute();

  await district('school_closure')
    .addColumn('id', text, (c) => c.notNull())
    /** Null: every school of the district. */
    .addColumn('school_id', text)
    .addColumn('starts_on', text, (c) => c.notNull())
    .addColumn('ends_on', text, (c) => c.notNull())
    .addColumn('name', text, (c) => c.notNull())
    .addColumn('created_by', text)
    .addColumn('created_at', text, (c) => c.notNull())
    .addPrimaryKeyConstraint('school_closure_pk', ['district_id', 'id'] as never)
    .execute();
  await db.schema
    .createIndex('school_closure_dates_idx')
    .on('school_closure')
    .columns(['district_id', 'ends_on'])
    .execute();

  await district('schedule_override')
    .addColumn('id', text, (c) => c.notNull())
    .addColumn('session_id', text, (c) => c.notNull())
    /** The occurrence, when one occurrence was moved over a conflict; null for the series. */
    .addColumn('on_date', text)
    /** JSON: [{ kind, message }]. */
    .addColumn('conflicts', text, (c) => c.notNull())
    .addColumn('reason', text, (c) => c.notNull())
    .addColumn('decided_by', text, (c) => c.notNull())
    .addColumn('decided_at', text, (c) => c.notNull())
    .addPrimaryKeyConstraint('schedule_override_pk', ['district_id', 'id'] as never)
    .addForeignKeyConstraint(
      'schedule_override_session_fk',
      ['district_id', 'session_id'] as never,
      'schedule_session',
      ['district_id', 'id'],
      (fk) => fk.onDelete('cascade'),
    )
    .execute();
  await db.schema
    .createIndex('schedule_override_session_idx')
    .on('schedule_override')
    .columns(['district_id', 'session_id'])
    .execute();

  await district('provider_school_day')
    .addColumn('provider_id', text, (c) => c.notNull())
    .addColumn('weekday', 'integer', (c) => c.notNull())
    .addColumn('school_id', text, (c) => c.notNull())
    .addColumn('start_time', text, (c) => c.notNull())
    .addColumn('end_time', text, (c) => c.notNull())
    /** Where this therapist's pull-out sessions happen at this school. */
    .addColumn('room', text)
    .addPrimaryKeyConstraint('provider_school_day_pk', [
      'district_id',
      'provider_id',
      'weekday',
      'start_time',
    ] as never)
    .addForeignKeyConstraint(
      'provider_school_day_provider_fk',
      ['district_id', 'provider_id'] as never,
      'staff_user',
      ['district_id', 'id'],
      (fk) => fk.onDelete('cascade'),
    )
    .addForeignKeyConstraint(
      'provider_school_day_school_fk',
      ['district_id', 'school_id'] as never,
      'school',
      ['district_id', 'id'],
      (fk) => fk.onDelete('cascade'),
    )
    .execute();

  await district('school_travel')
    .addColumn('from_school_id', text, (c) => c.notNull())
    .addColumn('to_school_id', text, (c) => c.notNull())
    .addColumn('minutes', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('school_travel_pk', [
      'district_id',
      'from_school_id',
      'to_school_id',
    ] as never)
    .execute();

  await district('protected_block')
    .addColumn('id', text, (c) => c.notNull())
    .addColumn('classroom_id', text)
    .addColumn('student_id', text)
    .addColumn('weekday', 'integer', (c) => c.notNull())
    .addColumn('start_time', text, (c) => c.notNull())
    .addColumn('end_time', text, (c) => c.notNull())
    .addColumn('label', text, (c) => c.notNull())
    .addPrimaryKeyConstraint('protected_block_pk', ['district_id', 'id'] as never)
    .execute();
  await db.schema
    .createIndex('protected_block_classroom_idx')
    .on('protected_block')
    .columns(['district_id', 'classroom_id'])
    .execute();
  await db.schema
    .createIndex('protected_block_student_idx')
    .on('protected_block')
    .columns(['district_id', 'student_id'])
    .execute();

  await district('schedule_proposal')
    .addColumn('id', text, (c) => c.notNull())
    .addColumn('provider_id', text, (c) => c.notNull())
    .addColumn('created_by', text, (c) => c.notNull())
    .addColumn('created_at', text, (c) => c.notNull())
    /** JSON: the placements, lunches and unplaced services. */
    .addColumn('payload', text, (c) => c.notNull())
    .addColumn('accepted_at', text)
    .addPrimaryKeyConstraint('schedule_proposal_pk', ['district_id', 'id'] as never)
    .execute();

  // id = SHA-256 of the token in the feed's URL; the token itself is shown once and not kept.
  await district('calendar_feed')
    .addColumn('id', text, (c) => c.notNull())
    .addColumn('staff_id', text, (c) => c.notNull())
    .addColumn('created_at', text, (c) => c.notNull())
    .addColumn('revoked_at', text)
    .addColumn('last_used_at', text)
    .addPrimaryKeyConstraint('calendar_feed_pk', ['district_id', 'id'] as never)
    .addForeignKeyConstraint(
      'calendar_feed_staff_fk',
      ['district_id', 'staff_id'] as never,
      'staff_user',
      ['district_id', 'id'],
      (fk) => fk.onDelete('cascade'),
    )
    .execute();
  await db.schema
    .createIndex('calendar_feed_token_idx')
    .on('calendar_feed')
    .column('id')
    .unique()
    .execute();
  await db.schema
    .createIndex('calendar_feed_staff_idx')
    .on('calendar_feed')
    .columns(['district_id', 'staff_id'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of [
    'calendar_feed',
    'schedule_proposal',
    'protected_block',
    'school_travel',
    'provider_school_day',
    'schedule_override',
    'school_closure',
    'schedule_exception',
    'schedule_session_student',
    'schedule_session',
  ])
    await db.schema.dropTable(table).execute();
}
