import { z } from 'zod';

// The vocabulary of school-based therapy (docs/domain.md, "Domain model"). Every enum is a zod
// schema first so the API, the database checks and the web forms share one list.

export const roles = ['therapist', 'assistant', 'teacher', 'coordinator', 'admin'] as const;
export const Role = z.enum(roles);
export type Role = z.infer<typeof Role>;

export const disciplines = ['OT', 'SLP', 'PT'] as const;
export const Discipline = z.enum(disciplines);
export type Discipline = z.infer<typeof Discipline>;

/** `split` is a service whose mandate names minutes in more than one model. */
export const serviceModels = ['push_in', 'pull_out', 'consult', 'split'] as const;
export const ServiceModel = z.enum(serviceModels);
export type ServiceModel = z.infer<typeof ServiceModel>;

/** A session is delivered under exactly one model; only a service can be split. */
export const sessionModels = ['push_in', 'pull_out', 'consult'] as const;
export const SessionModel = z.enum(sessionModels);
export type SessionModel = z.infer<typeof SessionModel>;

export const settings = ['therapy_room', 'classroom', 'other'] as const;
export const Setting = z.enum(settings);
export type Setting = z.infer<typeof Setting>;

export const collaborationModes = [
  'co_teach',
  'therapist_leads',
  'therapist_assists',
  'observe_coach',
] as const;
export const CollaborationMode = z.enum(collaborationModes);
export type CollaborationMode = z.infer<typeof CollaborationMode>;

export const missedReasons = [
  'student_absent_excused',
  'student_absent_unexcused',
  'student_unavailable',
  'refused',
  'provider_absent',
  'school_closed',
  'other',
] as const;
export const attendanceOutcomes = ['delivered', 'makeup', ...missedReasons] as const;
export const AttendanceOutcome = z.enum(attendanceOutcomes);
export type AttendanceOutcome = z.infer<typeof AttendanceOutcome>;
export type MissedReason = (typeof missedReasons)[number];

export const goalDomains = [
  'self_care',
  'classroom_participation',
  'fine_motor',
  'handwriting',
  'expressive_language',
  'receptive_language',
  'articulation',
  'fluency',
  'social_communication',
  'gross_motor',
  'mobility',
  'sensory_regulation',
  'executive_function',
] as const;
export const GoalDomain = z.enum(goalDomains);
export type GoalDomain = z.infer<typeof GoalDomain>;

export const measurementTypes = [
  'percent',
  'prompt_level',
  'frequency',
  'duration',
  'rubric',
] as const;
export const MeasurementType = z.enum(measurementTypes);
export type MeasurementType = z.infer<typeof MeasurementType>;

/** Most to least support; index 0 is the most independent. */
export const promptLevels = [
  'independent',
  'gestural',
  'verbal',
  'visual',
  'model',
  'partial_physical',
  'full_physical',
] as const;
export const PromptLevel = z.enum(promptLevels);
export type PromptLevel = z.infer<typeof PromptLevel>;

export const goalPhases = [
  'baseline',
  'intervention',
  'mastered',
  'maintenance',
  'discontinued',
] as const;
export const GoalPhase = z.enum(goalPhases);
export type GoalPhase = z.infer<typeof GoalPhase>;

/** Whether a bigger raw value is better (`up`) or worse (`down`, e.g. elopements per day). */
export const directions = ['up', 'down'] as const;
export const Direction = z.enum(directions);
export type Direction = z.infer<typeof Direction>;

export const routineNames = [
  'arrival',
  'morning_meeting',
  'writing',
  'reading',
  'math',
  'snack',
  'lunch',
  'recess',
  'art',
  'pe',
  'music',
  'centers',
  'dismissal',
] as const;

export const reportStatusCodes = [
  'mastered',
  'sufficient_progress',
  'insufficient_progress',
  'not_yet_introduced',
] as const;
export const ReportStatusCode = z.enum(reportStatusCodes);
export type ReportStatusCode = z.infer<typeof ReportStatusCode>;

/** What the caseload shows for a goal at a glance. */
export const goalStatuses = ['on_track', 'at_risk', 'mastered', 'no_data'] as const;
export const GoalStatus = z.enum(goalStatuses);
export type GoalStatus = z.infer<typeof GoalStatus>;

export const recorderRoles = ['therapist', 'assistant', 'teacher'] as const;
export type RecorderRole = (typeof recorderRoles)[number];

/** ISO calendar date, `YYYY-MM-DD`. Stored as text on both databases. */
export const IsoDate = z.iso.date();
export type IsoDate = string;

/** Wall-clock time, `HH:MM`. */
export const ClockTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'Use HH:MM, 24-hour');

export const Id = z.string().min(1, 'Choose one').max(64, 'This reference is too long');

/** The version of a record an edit form loaded; a save at an older version is refused. */
export const ExpectedVersion = z
  .number({ error: 'Reload the record and try again' })
  .int('Reload the record and try again')
  .min(1, 'Reload the record and try again')
  .max(2_147_483_647, 'Reload the record and try again');

/** District-level settings (stored as JSON on the district row). */
export const DistrictSettings = z.object({
  schoolYearStart: IsoDate,
  schoolYearEnd: IsoDate,
  /** Whether a student's absence creates owed makeup minutes (provider absence always does). */
  studentAbsenceOwed: z.enum(['never', 'unexcused_only', 'always']),
  timezone: z.string().default('America/Chicago'),
  /** Roles that must sign in with a second factor (password-policy.ts, `MFA_REQUIRED_ROLES`). */
  mfaRequiredRoles: z.array(Role).default(['admin', 'coordinator']),
  /**
   * Who may sign in with a password: everyone, or (once single sign-on is set up) only the
   * break-glass admins listed in `breakGlassUserIds`, for when the identity provider is down.
   */
  passwordSignIn: z.enum(['everyone', 'break_glass_only']).default('everyone'),
  breakGlassUserIds: z.array(z.string()).default([]),
  /**
   * The schedule's lunch break (minutes after midnight: a `minutes`-long break between
   * `earliest` and `latest`) and group caps per model; absent: 11:00–13:00, 30 minutes; 3
   * push-in, 4 pull-out (schedule.saveRules).
   */
  scheduleRules: z
    .object({
      lunch: z.object({
        earliest: z.number().int(),
        latest: z.number().int(),
        minutes: z.number().int(),
      }),
      groupCap: z.object({ push_in: z.number().int(), pull_out: z.number().int() }),
    })
    .optional(),
});
export type DistrictSettings = z.infer<typeof DistrictSettings>;

/** How a goal counts as met. Default: criterion on 3 consecutive sessions, in ≥ 2 settings incl. classroom. */
export const MasteryRule = z.object({
  consecutiveSessions: z.number().int().min(1).max(10).default(3),
  minSettings: z.number().int().min(1).max(3).default(2),
  requireClassroom: z.boolean().default(true),
});
export type MasteryRule = z.infer<typeof MasteryRule>;

export const labels = {
  role: {
    therapist: 'Therapist',
    assistant: 'Assistant',
    teacher: 'Teacher',
    coordinator: 'Coordinator',
    admin: 'Admin',
  },
  model: { push_in: 'Push-in', pull_out: 'Pull-out', consult: 'Consult', split: 'Split' },
  setting: { therapy_room: 'Therapy room', classroom: 'Classroom', other: 'Other' },
  attendance: {
    delivered: 'Delivered',
    makeup: 'Makeup',
    student_absent_excused: 'Student absent (excused)',
    student_absent_unexcused: 'Student absent (unexcused)',
    student_unavailable: 'Student unavailable',
    refused: 'Student refused',
    provider_absent: 'Provider absent',
    school_closed: 'School closed',
    other: 'Other',
  },
  goalStatus: {
    on_track: 'On track',
    at_risk: 'At risk',
    mastered: 'Mastered',
    no_data: 'No data',
  },
  domain: {
    self_care: 'Self-care',
    classroom_participation: 'Classroom participation',
    fine_motor: 'Fine motor',
    handwriting: 'Handwriting',
    expressive_language: 'Expressive language',
    receptive_language: 'Receptive language',
    articulation: 'Articulation',
    fluency: 'Fluency',
    social_communication: 'Social communication',
    gross_motor: 'Gross motor',
    mobility: 'Mobility',
    sensory_regulation: 'Sensory regulation',
    executive_function: 'Executive function',
  },
} as const satisfies {
  role: Record<Role, string>;
  model: Record<ServiceModel, string>;
  setting: Record<Setting, string>;
  attendance: Record<AttendanceOutcome, string>;
  goalStatus: Record<GoalStatus, string>;
  domain: Record<GoalDomain, string>;
};
