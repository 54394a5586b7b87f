import { type CreateTableBuilder, type Kysely, sql } from 'kysely';

// Frozen in time: this migration never imports app code. Every table carries district_id
// and leads its keys with it; foreign keys are composite (district_id, x_id) so rows can
// never point across districts, and a district-sharded Postgres needs no change.

type Table = CreateTableBuilder<string, string>;

const text = 'text' as const;
const int = 'integer' as const;
const real = 'double precision' as const;

function districtScoped(db: Kysely<any>, name: string): Table {
  return db.schema
    .createTable(name)
    .addColumn('district_id', text, (c) =>
      c.notNull().references('district.id').onDelete('cascade'),
    );
}

function withId(t: Table, name: string): Table {
  return t
    .addColumn('id', text, (c) => c.notNull())
    .addPrimaryKeyConstraint(`${name}_pk`, ['district_id', 'id'] as never);
}

/** Composite foreign key (district_id, column) → target(district_id, id). */
function ref(
  t: Table,
  table: string,
  column: string,
  target: string,
  onDelete: 'cascade' | 'restrict' = 'cascade',
): Table {
  return t.addForeignKeyConstraint(
    `${table}_${column}_fk`,
    ['district_id', column] as never,
    target,
    ['district_id', 'id'],
    (fk) => fk.onDelete(onDelete),
  );
}

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('district')
    .addColumn('id', text, (c) => c.primaryKey())
    .addColumn('name', text, (c) => c.notNull())
    .addColumn('settings', text, (c) => c.notNull())
    .addColumn('created_at', text, (c) => c.notNull())
    .execute();

  await withId(districtScoped(db, 'school'), 'school')
    .addColumn('name', text, (c) => c.notNull())
    .execute();

  let t = withId(districtScoped(db, 'staff_user'), 'staff_user')
    .addColumn('name', text, (c) => c.notNull())
    .addColumn('email', text, (c) => c.notNull())
    .addColumn('role', text, (c) => c.notNull())
    .addColumn('discipline', text)
    .addColumn('supervisor_id', text)
    .addColumn('password_hash', text, (c) => c.notNull())
    .addColumn('active', int, (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', text, (c) => c.notNull())
    .addCheckConstraint('staff_user_email_lower_ck', sql`email = lower(email)`);
  await ref(t, 'staff_user', 'supervisor_id', 'staff_user', 'restrict').execute();
  // The sign-in name is global; a sharded deployment keeps this lookup in a reference table.
  await db.schema
    .createIndex('staff_user_email_uq')
    .unique()
    .on('staff_user')
    .column('email')
    .execute();

  t = districtScoped(db, 'staff_school')
    .addColumn('staff_id', text, (c) => c.notNull())
    .addColumn('school_id', text, (c) => c.notNull())
    .addPrimaryKeyConstraint('staff_school_pk', ['district_id', 'staff_id', 'school_id'] as never);
  t = ref(t, 'staff_school', 'staff_id', 'staff_user');
  await ref(t, 'staff_school', 'school_id', 'school').execute();

  t = withId(districtScoped(db, 'classroom'), 'classroom')
    .addColumn('school_id', text, (c) => c.notNull())
    .addColumn('teacher_id', text)
    .addColumn('grade', text, (c) => c.notNull())
    .addColumn('name', text, (c) => c.notNull());
  t = ref(t, 'classroom', 'school_id', 'school');
  await ref(t, 'classroom', 'teacher_id', 'staff_user', 'restrict').execute();

  t = withId(districtScoped(db, 'routine'), 'routine')
    .addColumn('classroom_id', text, (c) => c.notNull())
    .addColumn('name', text, (c) => c.notNull())
    .addColumn('weekdays', text, (c) => c.notNull())
    .addColumn('start_time', text, (c) => c.notNull())
    .addColumn('end_time', text, (c) => c.notNull());
  await ref(t, 'routine', 'classroom_id', 'classroom').execute();

  t = withId(districtScoped(db, 'student'), 'student')
    .addColumn('first_name', text, (c) => c.notNull())
    .addColumn('last_name', text, (c) => c.notNull())
    .addColumn('date_of_birth', text, (c) => c.notNull())
    .addColumn('grade', text, (c) => c.notNull())
    .addColumn('school_id', text, (c) => c.notNull())
    .addColumn('homeroom_id', text)
    .addColumn('iep_start', text, (c) => c.notNull())
    .addColumn('iep_annual_review', text, (c) => c.notNull())
    .addColumn('iep_reevaluation', text, (c) => c.notNull())
    .addColumn('created_at', text, (c) => c.notNull());
  t = ref(t, 'student', 'school_id', 'school', 'restrict');
  await ref(t, 'student', 'homeroom_id', 'classroom', 'restrict').execute();

  t = withId(districtScoped(db, 'service'), 'service')
    .addColumn('student_id', text, (c) => c.notNull())
    .addColumn('discipline', text, (c) => c.notNull())
    .addColumn('provider_id', text, (c) => c.notNull())
    .addColumn('minutes', int, (c) => c.notNull())
    .addColumn('per', text, (c) => c.notNull())
    .addColumn('model', text, (c) => c.notNull())
    .addColumn('start_date', text, (c) => c.notNull())
    .addColumn('end_date', text, (c) => c.notNull());
  t = ref(t, 'service', 'student_id', 'student');
  await ref(t, 'service', 'provider_id', 'staff_user', 'restrict').execute();
  // Caseload scope (by provider) and student pages (by student) read services both ways.
  await db.schema
    .createIndex('service_student_ix')
    .on('service')
    .columns(['district_id', 'student_id'])
    .execute();
  await db.schema
    .createIndex('service_provider_ix')
    .on('service')
    .columns(['district_id', 'provider_id'])
    .execute();

  t = districtScoped(db, 'service_model_minutes')
    .addColumn('service_id', text, (c) => c.notNull())
    .addColumn('model', text, (c) => c.notNull())
    .addColumn('minutes', int, (c) => c.notNull())
    .addPrimaryKeyConstraint('service_model_minutes_pk', [
      'district_id',
      'service_id',
      'model',
    ] as never);
  await ref(t, 'service_model_minutes', 'service_id', 'service').execute();

  t = districtScoped(db, 'assistant_assignment')
    .addColumn('assistant_id', text, (c) => c.notNull())
    .addColumn('student_id', text, (c) => c.notNull())
    .addPrimaryKeyConstraint('assistant_assignment_pk', [
      'district_id',
      'assistant_id',
      'student_id',
    ] as never);
  t = ref(t, 'assistant_assignment', 'assistant_id', 'staff_user');
  await ref(t, 'assistant_assignment', 'student_id', 'student').execute();

  t = withId(districtScoped(db, 'goal'), 'goal')
    .addColumn('student_id', text, (c) => c.notNull())
    .addColumn('service_id', text)
    .addColumn('discipline', text, (c) => c.notNull())
    .addColumn('domain', text, (c) => c.notNull())
    .addColumn('text', text, (c) => c.notNull())
    .addColumn('measurement_type', text, (c) => c.notNull())
    .addColumn('baseline', real, (c) => c.notNull())
    .addColumn('target', real, (c) => c.notNull())
    .addColumn('direction', text, (c) => c.notNull())
    .addColumn('rubric_max', int)
    .addColumn('mastery_rule', text, (c) => c.notNull())
    .addColumn('start_date', text, (c) => c.notNull())
    .addColumn('target_date', text, (c) => c.notNull())
    .addColumn('phase', text, (c) => c.notNull())
    .addColumn('current_model', text, (c) => c.notNull())
    .addColumn('created_at', text, (c) => c.notNull());
  t = ref(t, 'goal', 'student_id', 'student');
  await ref(t, 'goal', 'service_id', 'service', 'restrict').execute();
  await db.schema
    .createIndex('goal_student_ix')
    .on('goal')
    .columns(['district_id', 'student_id'])
    .execute();

  t = districtScoped(db, 'goal_routine')
    .addColumn('goal_id', text, (c) => c.notNull())
    .addColumn('routine_id', text, (c) => c.notNull())
    .addPrimaryKeyConstraint('goal_routine_pk', ['district_id', 'goal_id', 'routine_id'] as never);
  t = ref(t, 'goal_routine', 'goal_id', 'goal');
  await ref(t, 'goal_routine', 'routine_id', 'routine').execute();

  t = withId(districtScoped(db, 'goal_phase_change'), 'goal_phase_change')
    .addColumn('goal_id', text, (c) => c.notNull())
    .addColumn('phase', text, (c) => c.notNull())
    .addColumn('changed_on', text, (c) => c.notNull())
    .addColumn('changed_by', text);
  await ref(t, 'goal_phase_change', 'goal_id', 'goal').execute();

  t = withId(districtScoped(db, 'model_change'), 'model_change')
    .addColumn('goal_id', text)
    .addColumn('service_id', text)
    .addColumn('from_model', text, (c) => c.notNull())
    .addColumn('to_model', text, (c) => c.notNull())
    .addColumn('changed_on', text, (c) => c.notNull())
    .addColumn('reason', text, (c) => c.notNull())
    .addColumn('changed_by', text)
    .addColumn('created_at', text, (c) => c.notNull())
    .addCheckConstraint(
      'model_change_target_ck',
      sql`goal_id is not null or service_id is not null`,
    );
  t = ref(t, 'model_change', 'goal_id', 'goal');
  await ref(t, 'model_change', 'service_id', 'service').execute();

  t = withId(districtScoped(db, 'push_in_plan'), 'push_in_plan')
    .addColumn('student_id', text, (c) => c.notNull())
    .addColumn('classroom_id', text, (c) => c.notNull())
    .addColumn('therapist_id', text, (c) => c.notNull())
    .addColumn('routine_id', text, (c) => c.notNull())
    .addColumn('therapist_role', text, (c) => c.notNull())
    .addColumn('teacher_role', text, (c) => c.notNull())
    .addColumn('strategies', text, (c) => c.notNull())
    .addColumn('activities', text, (c) => c.notNull())
    .addColumn('agreed_on', text, (c) => c.notNull())
    .addColumn('review_on', text, (c) => c.notNull())
    .addColumn('acknowledged_at', text)
    .addColumn('acknowledged_by', text)
    .addColumn('created_at', text, (c) => c.notNull());
  t = ref(t, 'push_in_plan', 'student_id', 'student');
  t = ref(t, 'push_in_plan', 'classroom_id', 'classroom');
  t = ref(t, 'push_in_plan', 'therapist_id', 'staff_user', 'restrict');
  await ref(t, 'push_in_plan', 'routine_id', 'routine').execute();

  t = withId(districtScoped(db, 'therapy_session'), 'therapy_session')
    .addColumn('session_date', text, (c) => c.notNull())
    .addColumn('start_time', text, (c) => c.notNull())
    .addColumn('end_time', text, (c) => c.notNull())
    .addColumn('minutes', int, (c) => c.notNull())
    .addColumn('provider_id', text, (c) => c.notNull())
    .addColumn('model', text, (c) => c.notNull())
    .addColumn('setting', text, (c) => c.notNull())
    .addColumn('routine_id', text)
    .addColumn('collaboration_mode', text)
    .addColumn('group_size', int, (c) => c.notNull().defaultTo(1))
    .addColumn('idempotency_key', text)
    .addColumn('created_by', text, (c) => c.notNull())
    .addColumn('cosigned_by', text)
    .addColumn('cosigned_at', text)
    .addColumn('created_at', text, (c) => c.notNull());
  t = ref(t, 'therapy_session', 'provider_id', 'staff_user', 'restrict');
  await ref(t, 'therapy_session', 'routine_id', 'routine', 'restrict').execute();
  await db.schema
    .createIndex('therapy_session_idempotency_uq')
    .unique()
    .on('therapy_session')
    .columns(['district_id', 'idempotency_key'])
    .execute();
  await db.schema
    .createIndex('therapy_session_provider_date_ix')
    .on('therapy_session')
    .columns(['district_id', 'provider_id', 'session_date'])
    .execute();

  t = districtScoped(db, 'session_student')
    .addColumn('session_id', text, (c) => c.notNull())
    .addColumn('student_id', text, (c) => c.notNull())
    .addColumn('service_id', text)
    .addColumn('attendance', text, (c) => c.notNull())
    .addColumn('note', text, (c) => c.notNull().defaultTo(''))
    .addColumn('signed_at', text)
    .addColumn('signed_by', text)
    .addPrimaryKeyConstraint('session_student_pk', [
      'district_id',
      'session_id',
      'student_id',
    ] as never);
  t = ref(t, 'session_student', 'session_id', 'therapy_session');
  t = ref(t, 'session_student', 'student_id', 'student');
  await ref(t, 'session_student', 'service_id', 'service').execute();
  await db.schema
    .createIndex('session_student_student_ix')
    .on('session_student')
    .columns(['district_id', 'student_id'])
    .execute();

  t = withId(districtScoped(db, 'session_note_amendment'), 'session_note_amendment')
    .addColumn('session_id', text, (c) => c.notNull())
    .addColumn('student_id', text, (c) => c.notNull())
    .addColumn('text', text, (c) => c.notNull())
    .addColumn('author_id', text, (c) => c.notNull())
    .addColumn('created_at', text, (c) => c.notNull());
  t = ref(t, 'session_note_amendment', 'session_id', 'therapy_session');
  await ref(t, 'session_note_amendment', 'student_id', 'student').execute();

  t = withId(districtScoped(db, 'observation'), 'observation')
    .addColumn('session_id', text)
    .addColumn('student_id', text, (c) => c.notNull())
    .addColumn('goal_id', text, (c) => c.notNull())
    .addColumn('observed_on', text, (c) => c.notNull())
    .addColumn('setting', text, (c) => c.notNull())
    .addColumn('model', text, (c) => c.notNull())
    .addColumn('trials_correct', int)
    .addColumn('trials_prompted', int)
    .addColumn('trials_incorrect', int)
    .addColumn('prompt_level', text)
    .addColumn('count', int)
    .addColumn('seconds', int)
    .addColumn('rubric_score', int)
    .addColumn('recorded_by', text, (c) => c.notNull())
    .addColumn('recorder_role', text, (c) => c.notNull())
    .addColumn('created_at', text, (c) => c.notNull());
  t = ref(t, 'observation', 'session_id', 'therapy_session');
  t = ref(t, 'observation', 'student_id', 'student');
  await ref(t, 'observation', 'goal_id', 'goal').execute();
  await db.schema
    .createIndex('observation_goal_date_ix')
    .on('observation')
    .columns(['district_id', 'goal_id', 'observed_on'])
    .execute();
  await db.schema
    .createIndex('observation_session_ix')
    .on('observation')
    .columns(['district_id', 'session_id'])
    .execute();
  await db.schema
    .createIndex('observation_student_ix')
    .on('observation')
    .columns(['district_id', 'student_id'])
    .execute();

  t = withId(districtScoped(db, 'touch_base'), 'touch_base')
    .addColumn('met_on', text, (c) => c.notNull())
    .addColumn('start_time', text)
    .addColumn('notes', text, (c) => c.notNull())
    .addColumn('created_by', text, (c) => c.notNull())
    .addColumn('created_at', text, (c) => c.notNull());
  await ref(t, 'touch_base', 'created_by', 'staff_user', 'restrict').execute();

  t = districtScoped(db, 'touch_base_participant')
    .addColumn('touch_base_id', text, (c) => c.notNull())
    .addColumn('staff_id', text, (c) => c.notNull())
    .addPrimaryKeyConstraint('touch_base_participant_pk', [
      'district_id',
      'touch_base_id',
      'staff_id',
    ] as never);
  t = ref(t, 'touch_base_participant', 'touch_base_id', 'touch_base');
  await ref(t, 'touch_base_participant', 'staff_id', 'staff_user').execute();

  t = districtScoped(db, 'touch_base_student')
    .addColumn('touch_base_id', text, (c) => c.notNull())
    .addColumn('student_id', text, (c) => c.notNull())
    .addPrimaryKeyConstraint('touch_base_student_pk', [
      'district_id',
      'touch_base_id',
      'student_id',
    ] as never);
  t = ref(t, 'touch_base_student', 'touch_base_id', 'touch_base');
  await ref(t, 'touch_base_student', 'student_id', 'student').execute();

  t = withId(districtScoped(db, 'action_item'), 'action_item')
    .addColumn('touch_base_id', text, (c) => c.notNull())
    .addColumn('owner_id', text, (c) => c.notNull())
    .addColumn('text', text, (c) => c.notNull())
    .addColumn('due_on', text, (c) => c.notNull())
    .addColumn('done_on', text);
  t = ref(t, 'action_item', 'touch_base_id', 'touch_base');
  await ref(t, 'action_item', 'owner_id', 'staff_user', 'restrict').execute();

  await withId(districtScoped(db, 'reporting_period'), 'reporting_period')
    .addColumn('name', text, (c) => c.notNull())
    .addColumn('starts_on', text, (c) => c.notNull())
    .addColumn('ends_on', text, (c) => c.notNull())
    .execute();

  t = withId(districtScoped(db, 'progress_report'), 'progress_report')
    .addColumn('student_id', text, (c) => c.notNull())
    .addColumn('period_id', text, (c) => c.notNull())
    .addColumn('status', text, (c) => c.notNull())
    .addColumn('created_by', text, (c) => c.notNull())
    .addColumn('created_at', text, (c) => c.notNull())
    .addColumn('finalized_at', text)
    .addColumn('finalized_by', text)
    .addUniqueConstraint('progress_report_student_period_uq', [
      'district_id',
      'student_id',
      'period_id',
    ] as never);
  t = ref(t, 'progress_report', 'student_id', 'student');
  await ref(t, 'progress_report', 'period_id', 'reporting_period', 'restrict').execute();

  t = districtScoped(db, 'progress_report_goal')
    .addColumn('report_id', text, (c) => c.notNull())
    .addColumn('goal_id', text, (c) => c.notNull())
    .addColumn('status_code', text, (c) => c.notNull())
    .addColumn('gas_score', int, (c) => c.notNull())
    .addColumn('gas_computed', int, (c) => c.notNull())
    .addColumn('gas_override_reason', text)
    .addColumn('narrative', text, (c) => c.notNull())
    .addPrimaryKeyConstraint('progress_report_goal_pk', [
      'district_id',
      'report_id',
      'goal_id',
    ] as never);
  t = ref(t, 'progress_report_goal', 'report_id', 'progress_report');
  await ref(t, 'progress_report_goal', 'goal_id', 'goal').execute();

  t = withId(districtScoped(db, 'recommendation_decision'), 'recommendation_decision')
    .addColumn('goal_id', text, (c) => c.notNull())
    .addColumn('rule', text, (c) => c.notNull())
    .addColumn('decision', text, (c) => c.notNull())
    .addColumn('reason', text)
    .addColumn('decided_by', text, (c) => c.notNull())
    .addColumn('decided_at', text, (c) => c.notNull());
  await ref(t, 'recommendation_decision', 'goal_id', 'goal').execute();

  // Deliberately no foreign keys: the trail must outlive the rows it speaks of (retention).
  await db.schema
    .createTable('audit_event')
    .addColumn('district_id', text, (c) => c.notNull())
    .addColumn('id', text, (c) => c.notNull())
    .addColumn('seq', int, (c) => c.notNull())
    .addColumn('at', text, (c) => c.notNull())
    .addColumn('actor_id', text)
    .addColumn('action', text, (c) => c.notNull())
    .addColumn('entity', text, (c) => c.notNull())
    .addColumn('entity_id', text)
    .addColumn('student_id', text)
    .addColumn('outcome', text, (c) => c.notNull())
    .addColumn('prev_hash', text, (c) => c.notNull())
    .addColumn('hash', text, (c) => c.notNull())
    .addPrimaryKeyConstraint('audit_event_pk', ['district_id', 'id'])
    .addUniqueConstraint('audit_event_seq_uq', ['district_id', 'seq'])
    .execute();
  await db.schema
    .createIndex('audit_event_student_ix')
    .on('audit_event')
    .columns(['district_id', 'student_id'])
    .execute();

  t = withId(districtScoped(db, 'auth_session'), 'auth_session')
    .addColumn('user_id', text, (c) => c.notNull())
    .addColumn('created_at', text, (c) => c.notNull())
    .addColumn('last_seen_at', text, (c) => c.notNull())
    .addColumn('expires_at', text, (c) => c.notNull());
  await ref(t, 'auth_session', 'user_id', 'staff_user').execute();
  // Looked up by token hash alone, before the district is known.
  await db.schema
    .createIndex('auth_session_id_uq')
    .unique()
    .on('auth_session')
    .column('id')
    .execute();

  await db.schema
    .createTable('login_attempt')
    .addColumn('id', text, (c) => c.primaryKey())
    .addColumn('key', text, (c) => c.notNull())
    .addColumn('at', text, (c) => c.notNull())
    .addColumn('ok', int, (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('login_attempt_key_at_ix')
    .on('login_attempt')
    .columns(['key', 'at'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  const tables = [
    'login_attempt',
    'auth_session',
    'audit_event',
    'recommendation_decision',
    'progress_report_goal',
    'progress_report',
    'reporting_period',
    'action_item',
    'touch_base_student',
    'touch_base_participant',
    'touch_base',
    'observation',
    'session_note_amendment',
    'session_student',
    'therapy_session',
    'push_in_plan',
    'model_change',
    'goal_phase_change',
    'goal_routine',
    'goal',
    'assistant_assignment',
    'service_model_minutes',
    'service',
    'student',
    'routine',
    'classroom',
    'staff_school',
    'staff_user',
    'school',
    'district',
  ];
  for (const table of tables) await db.schema.dropTable(table).execute();
}
