import type { Generated, Insertable, Selectable, Updateable } from 'kysely';

// Kysely table types for the whole domain model (docs/domain.md). Conventions, shared by both
// databases: app-made text ids; `district_id` on every row and leading every key, so a
// district-sharded Postgres needs no change; dates and timestamps as ISO-8601 text;
// booleans as integer 0/1; enums as text checked by the zod schemas in @carryover/domain.

type Bool = 0 | 1;

/**
 * The edit stamp of a row people edit in forms (optimistic concurrency, queries/versioned.ts):
 * a version every edit increments, and who made the last edit, when, and which columns it
 * changed (comma-separated). Defaults on insert: version 1, no editor.
 */
export interface EditStamp {
  version: Generated<number>;
  updated_by: Generated<string | null>;
  updated_at: Generated<string | null>;
  updated_fields: Generated<string | null>;
}

export interface DistrictTable {
  id: string;
  name: string;
  /** JSON of `DistrictSettings`. */
  settings: string;
  created_at: string;
}

export interface SchoolTable {
  district_id: string;
  id: string;
  name: string;
}

export interface StaffUserTable extends EditStamp {
  district_id: string;
  id: string;
  name: string;
  /** Lower-cased; unique across all districts because it is the sign-in name. */
  email: string;
  role: string;
  discipline: string | null;
  /** Assistants work under a supervising therapist. */
  supervisor_id: string | null;
  password_hash: string;
  active: Bool;
  created_at: string;
  /** The confirmed TOTP secret (base32); set once enrolment is confirmed. */
  totp_secret?: string | null;
  /** A secret shown for enrolment, not yet confirmed with a code. */
  totp_pending_secret?: string | null;
  totp_enabled_at?: string | null;
  /** The last accepted TOTP time step: a code is never accepted twice (RFC 6238 §5.2). */
  totp_last_step?: number | null;
  /** 2026_11_30_s: the provider's National Provider Identifier and credential (CCC-SLP, OTR/L …). */
  npi?: string | null;
  credential?: string | null;
}

/** Schools a staff member serves (therapists, assistants) or oversees (coordinators). */
export interface StaffSchoolTable {
  district_id: string;
  staff_id: string;
  school_id: string;
}

export interface ClassroomTable {
  district_id: string;
  id: string;
  school_id: string;
  teacher_id: string | null;
  grade: string;
  name: string;
}

export interface RoutineTable extends EditStamp {
  district_id: string;
  id: string;
  classroom_id: string;
  name: string;
  /** ISO weekday numbers, comma-separated: "1,2,3,4,5" is Monday to Friday. */
  weekdays: string;
  start_time: string;
  end_time: string;
}

export interface StudentTable extends EditStamp {
  district_id: string;
  id: string;
  first_name: string;
  last_name: string;
  date_of_birth: string;
  grade: string;
  school_id: string;
  homeroom_id: string | null;
  iep_start: string;
  iep_annual_review: string;
  iep_reevaluation: string;
  created_at: string;
  /** 2026_11_30_s: the student's Medicaid ID and the IEP's ICD-10 diagnosis, for billing. */
  medicaid_id?: string | null;
  diagnosis_icd10?: string | null;
  /** 2026_11_30_z: the family's preferred language tag (`en`, `es`…), for the parent letter. */
  family_language?: string;
}

/** The IEP mandate for one discipline. A split service lists its minutes per model in service_model_minutes. */
export interface ServiceTable extends EditStamp {
  district_id: string;
  id: string;
  student_id: string;
  discipline: string;
  /** 2026_11_30_q: null while the service waits for a provider ("Needs a provider"). */
  provider_id: string | null;
  minutes: number;
  per: 'week' | 'month';
  model: string;
  start_date: string;
  end_date: string;
}

/** 2026_11_30_q: a student's move to another school or homeroom, from `effective_on`. */
export interface StudentTransferTable {
  district_id: string;
  id: string;
  student_id: string;
  effective_on: string;
  from_school_id: string;
  to_school_id: string;
  from_homeroom_id: string | null;
  to_homeroom_id: string | null;
  reason: string;
  created_by: string | null;
  created_at: string;
}

export interface ServiceModelMinutesTable {
  district_id: string;
  service_id: string;
  model: string;
  minutes: number;
}

/** An assistant serving a student under their supervisor's service. */
export interface AssistantAssignmentTable {
  district_id: string;
  assistant_id: string;
  student_id: string;
}

export interface GoalTable extends EditStamp {
  district_id: string;
  id: string;
  student_id: string;
  service_id: string | null;
  discipline: string;
  domain: string;
  text: string;
  measurement_type: string;
  baseline: number;
  target: number;
  direction: 'up' | 'down';
  rubric_max: number | null;
  /** JSON of `MasteryRule`. */
  mastery_rule: string;
  start_date: string;
  target_date: string;
  phase: string;
  current_model: string;
  created_at: string;
}

/** One goal's per-goal summary (queries/goal-summaries.ts); `summary` is JSON of `GoalSummary`. */
export interface GoalSummaryTable {
  district_id: string;
  goal_id: string;
  student_id: string;
  point_count: number;
  last_observed_on: string | null;
  summary: string;
}

/**
 * 2026_11_30_zc: what the Outcomes comparison reads of one goal's points (`GoalDigest` JSON;
 * see queries/comparison-digests.ts), kept by the writes.
 */
export interface GoalComparisonDigestTable {
  district_id: string;
  goal_id: string;
  digest: string;
}

/**
 * 2026_11_30_m: a student's service fidelity in one discipline and reporting period, kept by
 * the writes (`FidelitySummary` JSON; see queries/fidelity-summaries.ts).
 */
export interface FidelitySummaryTable {
  district_id: string;
  period_id: string;
  student_id: string;
  discipline: string;
  provider_id: string;
  summary: string;
}

export interface GoalRoutineTable {
  district_id: string;
  goal_id: string;
  routine_id: string;
}

export interface GoalPhaseChangeTable {
  district_id: string;
  id: string;
  goal_id: string;
  phase: string;
  changed_on: string;
  changed_by: string | null;
}

/** A change of service-delivery model for a goal or a whole service, kept forever for attribution. */
export interface ModelChangeTable {
  district_id: string;
  id: string;
  goal_id: string | null;
  service_id: string | null;
  from_model: string;
  to_model: string;
  changed_on: string;
  reason: string;
  changed_by: string | null;
  created_at: string;
}

export interface PushInPlanTable extends EditStamp {
  district_id: string;
  id: string;
  student_id: string;
  classroom_id: string;
  therapist_id: string;
  routine_id: string;
  therapist_role: string;
  teacher_role: string;
  strategies: string;
  activities: string;
  agreed_on: string;
  review_on: string;
  acknowledged_at: string | null;
  acknowledged_by: string | null;
  created_at: string;
  /** 2026_11_28_d_pushin: 'draft' until roles are agreed, then 'agreed' (the default). */
  status?: 'draft' | 'agreed';
}

export interface TherapySessionTable extends EditStamp {
  district_id: string;
  id: string;
  session_date: string;
  start_time: string;
  end_time: string;
  minutes: number;
  provider_id: string;
  model: string;
  setting: string;
  routine_id: string | null;
  collaboration_mode: string | null;
  group_size: number;
  /** Set by the client so a retried submission stores one session. */
  idempotency_key: string | null;
  created_by: string;
  cosigned_by: string | null;
  cosigned_at: string | null;
  created_at: string;
  /** 2026_11_30_j: why a session dated inside a finalised report's period was entered late. */
  late_entry_reason?: string | null;
  /** 2026_11_30_r: a voided session stays visible, struck through, out of fidelity and billing. */
  voided_at?: string | null;
  voided_by?: string | null;
  void_reason?: string | null;
}

/** Per-student record of a session: attendance, note, signature. */
export interface SessionStudentTable {
  district_id: string;
  session_id: string;
  student_id: string;
  service_id: string | null;
  attendance: string;
  note: string;
  signed_at: string | null;
  signed_by: string | null;
}

/** A signed note is immutable; a later change is an amendment with its own author and time. */
export interface SessionNoteAmendmentTable {
  district_id: string;
  id: string;
  session_id: string;
  student_id: string;
  text: string;
  author_id: string;
  created_at: string;
}

export interface ObservationTable {
  district_id: string;
  id: string;
  /** Null for a teacher's classroom probe taken outside a therapy session. */
  session_id: string | null;
  student_id: string;
  goal_id: string;
  observed_on: string;
  setting: string;
  model: string;
  trials_correct: number | null;
  trials_prompted: number | null;
  trials_incorrect: number | null;
  prompt_level: string | null;
  count: number | null;
  seconds: number | null;
  rubric_score: number | null;
  recorded_by: string;
  recorder_role: string;
  created_at: string;
  /** 2026_11_30_j: 1 when recorded by a late entry (shown as such on the graph and in reports). */
  late_entry?: Bool;
  /** 2026_11_30_t: a teacher's probe sent from the browser's outbox; unique per district. */
  idempotency_key?: string | null;
  /** 2026_11_30_y: its session's void time; a voided session's points never count. */
  voided_at?: string | null;
}

export interface TouchBaseTable extends EditStamp {
  district_id: string;
  id: string;
  met_on: string;
  start_time: string | null;
  notes: string;
  created_by: string;
  created_at: string;
}

export interface TouchBaseParticipantTable {
  district_id: string;
  touch_base_id: string;
  staff_id: string;
}

export interface TouchBaseStudentTable {
  district_id: string;
  touch_base_id: string;
  student_id: string;
}

export interface ActionItemTable extends EditStamp {
  district_id: string;
  id: string;
  touch_base_id: string;
  owner_id: string;
  text: string;
  due_on: string;
  done_on: string | null;
}

export interface ReportingPeriodTable {
  district_id: string;
  id: string;
  name: string;
  starts_on: string;
  ends_on: string;
}

export interface ProgressReportTable {
  district_id: string;
  id: string;
  student_id: string;
  period_id: string;
  status: 'draft' | 'final';
  created_by: string;
  created_at: string;
  finalized_at: string | null;
  finalized_by: string | null;
  /** 2026_11_30_j: 1, then one more each time a finalised report is reopened as an amendment. */
  version?: number;
  /** 2026_11_30_j: why the current version reopened the last finalised one. */
  amend_reason?: string | null;
}
/** A discipline's lines of a report, marked ready by its therapist (2026_11_30_j). */
export interface ProgressReportReadyTable {
  district_id: string;
  report_id: string;
  discipline: string;
  marked_by: string;
  marked_at: string;
}
/** A finalised version of a report and the JSON snapshot of what it showed (2026_11_30_j). */
export interface ProgressReportVersionTable {
  district_id: string;
  report_id: string;
  version: number;
  finalized_at: string;
  finalized_by: string;
  amend_reason: string | null;
  snapshot: string;
}

export interface ProgressReportGoalTable extends EditStamp {
  district_id: string;
  report_id: string;
  goal_id: string;
  status_code: string;
  gas_score: number;
  gas_computed: number;
  gas_override_reason: string | null;
  /** 2026_11_30_o: why "Sufficient progress" stands beside a GAS of −2 (required then). */
  status_reason?: string | null;
  narrative: string;
}

export interface RecommendationDecisionTable {
  district_id: string;
  id: string;
  goal_id: string;
  rule: string;
  decision: 'accepted' | 'dismissed';
  reason: string | null;
  decided_by: string;
  decided_at: string;
}

/**
 * Every read and write of student data. Append-only; each row's hash covers the previous
 * row's hash, so a changed or deleted row breaks the chain.
 */
export interface AuditEventTable {
  district_id: string;
  id: string;
  /** Position in the district's chain, from 1. */
  seq: number;
  at: string;
  actor_id: string | null;
  action: string;
  entity: string;
  entity_id: string | null;
  student_id: string | null;
  outcome: 'ok' | 'denied' | 'error';
  prev_hash: string;
  hash: string;
  /** Random salt of `link_hash`; cleared when the event is redacted (2026_11_28_c_security). */
  link_salt: string | null;
  /** sha256(link_salt, student_id, entity_id): what the chain hash covers instead of the linkage. */
  link_hash: string | null;
  /** seq of the retention event that cleared this event's student linkage. */
  redacted_by_seq: number | null;
  /** sha256 of the link hashes of the event's `audit_event_student` rows, in order; null without. */
  students_digest: string | null;
  /** HMAC-SHA256 of `hash` under the key kept outside the database; null if none was set. */
  mac: string | null;
}

/** The students one audit event read (2026_11_30_g_audit_students), in the order read. */
export interface AuditEventStudentTable {
  district_id: string;
  /** The event's seq in the district's chain. */
  seq: number;
  position: number;
  student_id: string | null;
  link_salt: string | null;
  /** sha256(link_salt, student_id, null), as an event's own link hash. */
  link_hash: string;
  redacted_by_seq: number | null;
}

export interface AuthSessionTable {
  district_id: string;
  /** SHA-256 of the cookie token; the token itself is never stored. */
  id: string;
  user_id: string;
  created_at: string;
  last_seen_at: string;
  expires_at: string;
  /** `full`, or how far sign-in has got: `mfa` (code owed) or `enrol` (must enrol first). */
  stage?: string;
  user_agent?: string | null;
  address?: string | null;
  /** Set when the session began through this identity provider (for its end-session endpoint). */
  identity_provider_id?: string | null;
}

/** One-time recovery codes of a user's second factor; `id` is the code's SHA-256. */
export interface RecoveryCodeTable {
  district_id: string;
  id: string;
  user_id: string;
  created_at: string;
  used_at: string | null;
}

/** Browsers that completed a sign-in; `id` is the SHA-256 of the device cookie's token. */
export interface KnownDeviceTable {
  district_id: string;
  id: string;
  user_id: string;
  created_at: string;
  last_used_at: string;
}

/** One-time links that let a new admin set their own password; `id` is the secret's SHA-256. */
export interface SetupTokenTable {
  district_id: string;
  id: string;
  user_id: string;
  created_at: string;
  expires_at: string;
  used_at: string | null;
}

/** The current state of one district's comparison data (see queries/data-version.ts). */
export interface DistrictDataVersionTable {
  district_id: string;
  version: string;
}

/** The last Outcomes comparison summary computed for a scope (district, schools, filters). */
export interface StoredComparisonTable {
  district_id: string;
  /** A hash of the scope and the filters. */
  scope_key: string;
  as_of: string;
  /** `district_data_version.version` when it was computed. */
  data_version: string;
  /** The comparison's summary (JSON): aggregates only. */
  report: string;
  compute_ms: number;
  computed_at: string;
  /** 2026_12_01_zg: when a process started recomputing it (stale); null once stored again. */
  refresh_claimed_at?: string | null;
}

/** A district's OpenID Connect provider ("Sign in with Riverbend Google"). */
export interface IdentityProviderTable {
  district_id: string;
  id: string;
  display_name: string;
  /** The issuer URL; discovery reads `<issuer>/.well-known/openid-configuration`. */
  issuer: string;
  client_id: string;
  /** AES-256-GCM under the server's SSO key (never in the database); never shown again. */
  client_secret_encrypted: string;
  /** JSON array of lower-case email domains a signing-in user's email must be in; [] = any. */
  allowed_domains: string;
  enabled: Bool;
  created_at: string;
  updated_at: string;
}

/** The provider subject (`sub`) a staff account was matched to at its first SSO sign-in. */
export interface StaffIdentityTable {
  district_id: string;
  provider_id: string;
  subject: string;
  user_id: string;
  created_at: string;
  last_sign_in_at: string;
}

/** An SSO sign-in under way: `id` is the SHA-256 of its `state`; used once, within 10 minutes. */
export interface OidcSignInTable {
  district_id: string;
  id: string;
  provider_id: string;
  nonce: string;
  code_verifier: string;
  created_at: string;
  expires_at: string;
}

/** The key a district's own system gives a row (a OneRoster `sourcedId`), per kind of row. */
export interface SourceKeyTable {
  district_id: string;
  /** district, school, staff, student, classroom, period */
  kind: string;
  sourced_id: string;
  local_id: string;
  /** `active`, or `tobedeleted` once an import deactivated the row. */
  status: string;
  updated_at: string;
}

/** One import, applied, refused or dry run (2026_11_30_p_import). */
export interface ImportRunTable {
  district_id: string;
  id: string;
  /** oneroster or services */
  kind: string;
  /** The admin who imported through the page; null from the command line. */
  actor_id: string | null;
  /** Who, in words: the admin's email, or `cli:<os user>`. */
  actor_label: string;
  started_at: string;
  finished_at: string;
  outcome: 'applied' | 'refused' | 'dry_run';
  /** JSON: [{ name, sha256, bytes, mode }] */
  files: string;
  /** JSON of the import's report: per-file counts, conflicts, the error count. */
  summary: string;
}

export interface LoginAttemptTable {
  id: string;
  /** `account:<email>` or `address:<ip>`. */
  key: string;
  at: string;
  ok: Bool;
}

/** 2026_11_30_s: one billing export: who made it, when, and its filters (JSON). */
export interface BillingExportTable {
  district_id: string;
  id: string;
  created_by: string;
  created_at: string;
  filters: string;
}

/** One student's session in a billing export, at the session's version then. */
export interface BillingExportLineTable {
  district_id: string;
  export_id: string;
  session_id: string;
  student_id: string;
  session_version: number;
  /** `bill`, `rebill` (corrected after an earlier export) or `void` (voided after one). */
  kind: string;
  code: string | null;
  units: number;
}

/** 2026_11_30_zb: a goal-bank template an admin added for their district. */
export interface GoalTemplateTable {
  district_id: string;
  id: string;
  discipline: string;
  domain: string;
  text: string;
  measurement_type: string;
  baseline: number;
  target: number;
  direction: string | null;
  rubric_max: number | null;
  /** JSON array of routine names where push-in practice makes sense. */
  routines: string;
  created_by: string;
  created_at: string;
}

/** 2026_11_30_x: a planned session that recurs weekly on `weekday` (ISO 1–5) from `valid_from`. */
export interface ScheduleSessionTable extends EditStamp {
  district_id: string;
  id: string;
  provider_id: string;
  school_id: string;
  weekday: number;
  /** "HH:MM", the district's local time. */
  start_time: string;
  minutes: number;
  model: 'push_in' | 'pull_out';
  classroom_id: string | null;
  routine_id: string | null;
  room: string | null;
  valid_from: string;
  /** Last day (inclusive); null: open-ended. */
  valid_to: string | null;
  /** Why it was saved over conflicts (the conflicts are in schedule_override). */
  override_reason: string | null;
  created_by: string;
  created_at: string;
}

export interface ScheduleSessionStudentTable {
  district_id: string;
  session_id: string;
  student_id: string;
  service_id: string | null;
}

/** One occurrence cancelled (with a missed reason) or moved (to `moved_to` at `start_time`). */
export interface ScheduleExceptionTable {
  district_id: string;
  session_id: string;
  on_date: string;
  kind: 'cancelled' | 'moved';
  reason: string | null;
  note: string | null;
  moved_to: string | null;
  start_time: string | null;
  minutes: number | null;
  override_reason: string | null;
  created_by: string;
  created_at: string;
}

/** A closure of one school (or the whole district: `school_id` null) over a date range. */
export interface SchoolClosureTable {
  district_id: string;
  id: string;
  school_id: string | null;
  starts_on: string;
  ends_on: string;
  name: string;
  created_by: string | null;
  created_at: string;
}

/** A conflict someone accepted when saving, with their reason; `conflicts` is JSON. */
export interface ScheduleOverrideTable {
  district_id: string;
  id: string;
  session_id: string;
  on_date: string | null;
  conflicts: string;
  reason: string;
  decided_by: string;
  decided_at: string;
}

/** Where a therapist works on an ISO weekday, and their pull-out room there. */
export interface ProviderSchoolDayTable {
  district_id: string;
  provider_id: string;
  weekday: number;
  school_id: string;
  start_time: string;
  end_time: string;
  room: string | null;
}

export interface SchoolTravelTable {
  district_id: string;
  from_school_id: string;
  to_school_id: string;
  minutes: number;
}

/** A classroom's (or a student's) protected time: no therapy comes in, nobody is pulled out. */
export interface ProtectedBlockTable {
  district_id: string;
  id: string;
  classroom_id: string | null;
  student_id: string | null;
  weekday: number;
  start_time: string;
  end_time: string;
  label: string;
}

/** An auto-schedule proposal (JSON `payload`) kept until accepted. */
export interface ScheduleProposalTable {
  district_id: string;
  id: string;
  provider_id: string;
  created_by: string;
  created_at: string;
  payload: string;
  accepted_at: string | null;
}

/** A calendar (.ics) feed; `id` is the SHA-256 of the URL's token. */
export interface CalendarFeedTable {
  district_id: string;
  id: string;
  staff_id: string;
  created_at: string;
  revoked_at: string | null;
  last_used_at: string | null;
}

export interface Database {
  district: DistrictTable;
  school: SchoolTable;
  staff_user: StaffUserTable;
  staff_school: StaffSchoolTable;
  classroom: ClassroomTable;
  routine: RoutineTable;
  student: StudentTable;
  service: ServiceTable;
  student_transfer: StudentTransferTable;
  service_model_minutes: ServiceModelMinutesTable;
  assistant_assignment: AssistantAssignmentTable;
  goal: GoalTable;
  goal_routine: GoalRoutineTable;
  goal_summary: GoalSummaryTable;
  goal_comparison_digest: GoalComparisonDigestTable;
  fidelity_summary: FidelitySummaryTable;
  goal_phase_change: GoalPhaseChangeTable;
  model_change: ModelChangeTable;
  push_in_plan: PushInPlanTable;
  therapy_session: TherapySessionTable;
  session_student: SessionStudentTable;
  session_note_amendment: SessionNoteAmendmentTable;
  observation: ObservationTable;
  touch_base: TouchBaseTable;
  touch_base_participant: TouchBaseParticipantTable;
  touch_base_student: TouchBaseStudentTable;
  action_item: ActionItemTable;
  reporting_period: ReportingPeriodTable;
  progress_report: ProgressReportTable;
  progress_report_goal: ProgressReportGoalTable;
  progress_report_ready: ProgressReportReadyTable;
  progress_report_version: ProgressReportVersionTable;
  recommendation_decision: RecommendationDecisionTable;
  audit_event: AuditEventTable;
  audit_event_student: AuditEventStudentTable;
  auth_session: AuthSessionTable;
  login_attempt: LoginAttemptTable;
  recovery_code: RecoveryCodeTable;
  known_device: KnownDeviceTable;
  setup_token: SetupTokenTable;
  district_data_version: DistrictDataVersionTable;
  stored_comparison: StoredComparisonTable;
  identity_provider: IdentityProviderTable;
  staff_identity: StaffIdentityTable;
  oidc_sign_in: OidcSignInTable;
  source_key: SourceKeyTable;
  import_run: ImportRunTable;
  billing_export: BillingExportTable;
  billing_export_line: BillingExportLineTable;
  goal_template: GoalTemplateTable;
  schedule_session: ScheduleSessionTable;
  schedule_session_student: ScheduleSessionStudentTable;
  schedule_exception: ScheduleExceptionTable;
  school_closure: SchoolClosureTable;
  schedule_override: ScheduleOverrideTable;
  provider_school_day: ProviderSchoolDayTable;
  school_travel: SchoolTravelTable;
  protected_block: ProtectedBlockTable;
  schedule_proposal: ScheduleProposalTable;
  calendar_feed: CalendarFeedTable;
}

export type District = Selectable<DistrictTable>;
export type StaffUser = Selectable<StaffUserTable>;
export type Student = Selectable<StudentTable>;
export type Goal = Selectable<GoalTable>;
export type Service = Selectable<ServiceTable>;
export type Observation = Selectable<ObservationTable>;
export type TherapySession = Selectable<TherapySessionTable>;
export type NewObservation = Insertable<ObservationTable>;
export type NewTherapySession = Insertable<TherapySessionTable>;
export type StaffUserUpdate = Updateable<StaffUserTable>;
export type AuditEvent = Selectable<AuditEventTable>;
