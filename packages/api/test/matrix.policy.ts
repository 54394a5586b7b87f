import type { Connection } from '@carryover/db';
import { type Role, zipCsvFiles } from '@carryover/domain';
import { A, B, PERIODS } from './fixtures';
import {
  closureOfStudent,
  occurrenceDateOf,
  proposalOfStudent,
  providerOfStudent,
  scheduleOfStudent,
} from './schedule-fixture';

// THE access policy, one entry per procedure of the router: what each role gets, and a valid
// input to prove it with. test/matrix.test.ts walks the router and fails for a procedure
// without an entry here; test/fuzz.test.ts uses the same inputs as the valid base it breaks.
//
//   allow — the role may call it; the call succeeds
//   scope — the role may call it for records in its scope; for a record of a student out of its
//           scope, in another school or district, or a missing id: NOT_FOUND, all alike
//   deny  — FORBIDDEN, whatever the input (the role check comes first)
//   none  — signed in, but no record is in the role's scope: NOT_FOUND for every one
//
// Adding a procedure: add its entry (the access per role, from docs/domain.md's rules) and an
// `input` that is valid for the subject it is given.

export type Access = 'allow' | 'scope' | 'deny' | 'none';

/** Whose record a call is about: in the caller's scope, out of it, another district's, none. */
export type SubjectKind = 'in' | 'out' | 'foreign' | 'missing';

export interface Subject {
  kind: SubjectKind;
  studentId: string;
  /** One of the student's goals, of the caller's discipline where that matters. */
  goalId: string;
  /** A session the student attended (fixture session ids), or a guessed id. */
  sessionId: string;
  /** The student's homeroom (a routine there: `routineId`), or a guessed id. */
  classroomId: string;
  routineId: string;
}

export interface Helpers {
  /** The role of the caller the input is for. */
  role: Role;
  /**
   * For an in-scope subject, a session of its student logged by `by` (default: the caller) and
   * its id; for any other subject, the subject's own (existing or guessed) session id.
   */
  sessionOf(subject: Subject, by?: Role): Promise<string>;
  /** A report for the subject's student in PERIODS.q3, made by the admin (fake id if none). */
  reportFor(subject: Subject): Promise<string>;
  /** A push-in plan (agreed) for the subject's student, made by the SLP; a guessed id otherwise. */
  planFor(subject: Subject): Promise<string>;
  /**
   * In scope: an action item the caller owns, from a touch-base about the subject. Out of scope:
   * someone else's, from a meeting the caller was not at. Otherwise a guessed id.
   */
  actionItemFor(subject: Subject): Promise<string>;
  /** The touch-base of such an action item (same rules), or a guessed id. */
  touchBaseFor(subject: Subject): Promise<string>;
  /** A unique string per call (idempotency keys, emails). */
  unique(): string;
}

export interface PolicyEntry {
  access: Record<Role, Access>;
  /** A valid input for the subject (for `allow` the subject is the role's in-scope one). */
  input?: (subject: Subject, h: Helpers) => unknown | Promise<unknown>;
  /** Destructive: run after every other entry. */
  last?: boolean;
  /** Error codes that still mean "allowed" (e.g. CONFLICT when a second role repeats a write). */
  tolerate?: string[];
  /**
   * Where a procedure's scope is not the student's (classrooms, action items), a role's own
   * "out of scope" subject, or null when the fixture has none for it.
   */
  outOf?: Partial<Record<Role, Subject | null>>;
  /** What the scope is about when it is not a student (the broken-scope test skips these). */
  scopeOf?: 'classroom' | 'action item' | 'touch-base' | 'provider';
}

const all = (a: Access): Record<Role, Access> => ({
  therapist: a,
  assistant: a,
  teacher: a,
  coordinator: a,
  admin: a,
});
const only = (allowed: Partial<Record<Role, Access>>): Record<Role, Access> => ({
  ...all('deny'),
  ...allowed,
});

const SCHEDULE_ACCESS: Record<Role, Access> = {
  therapist: 'scope',
  assistant: 'scope',
  teacher: 'deny',
  coordinator: 'scope',
  admin: 'scope',
};
/** Ben, whose OT no South coordinator oversees (the same as BEN below, needed earlier). */
const BEN_SUBJECT: Subject = {
  kind: 'out',
  studentId: A.students.ben,
  goalId: A.goals.benFineMotor,
  sessionId: 'ses-5',
  classroomId: A.classrooms.north2,
  routineId: A.routines.arrival,
};
const FEED_ACCESS = only({ therapist: 'allow', assistant: 'allow', teacher: 'allow' });
const providerOf = (s: Subject) => providerOfStudent[s.studentId] ?? 'u-999';
const sessionOfSchedule = (s: Subject) => scheduleOfStudent[s.studentId] ?? 'sch-999';
const moveOccurrence = (s: Subject) => ({
  kind: 'occurrence' as const,
  sessionId: sessionOfSchedule(s),
  expectedVersion: 1,
  occurrenceDate: occurrenceDateOf[s.studentId] ?? '2026-03-16',
  startTime: '13:00',
  minutes: 30,
  overrideReason: 'Agreed with the teacher for this week',
});

export const PUBLIC = 'public' as const;

/** Sign-in and friends are public; the router guard test covers them. */
export const policy: Record<string, PolicyEntry | typeof PUBLIC> = {
  'auth.signIn': PUBLIC,
  'auth.signOut': PUBLIC,
  'auth.me': PUBLIC,
  'auth.ssoProviders': PUBLIC,
  'auth.pending': PUBLIC,
  'auth.setupLink': PUBLIC,
  'auth.completeSetup': PUBLIC,
  // A full session owes no code: BAD_REQUEST, for every role alike (mfa.test.ts covers the rest).
  'auth.verifyMfa': {
    access: all('allow'),
    input: () => ({ code: '123456' }),
    tolerate: ['BAD_REQUEST'],
  },

  'caseload.list': { access: all('allow'), input: () => ({}) },
  'student.get': { access: all('scope'), input: (s) => ({ studentId: s.studentId }) },

  'sessions.context': {
    access: only({ therapist: 'allow', assistant: 'allow', teacher: 'allow' }),
  },
  'sessions.recent': { access: only({ therapist: 'allow', assistant: 'allow' }) },
  'sessions.log': {
    access: only({ therapist: 'scope', assistant: 'scope' }),
    input: (s, h) => ({
      idempotencyKey: `matrix-${h.unique()}-key-abcdef`,
      date: '2026-03-10',
      startTime: '13:00',
      endTime: '13:30',
      model: 'pull_out',
      setting: 'therapy_room',
      students: [{ studentId: s.studentId, attendance: 'student_absent_excused' }],
    }),
  },
  // A session's notes are its provider's to edit: "in scope" is a session the caller logged.
  'sessions.updateNote': {
    access: only({ therapist: 'scope', assistant: 'scope' }),
    input: async (s, h) => ({
      sessionId: await h.sessionOf(s),
      studentId: s.studentId,
      note: 'Checked in.',
    }),
  },
  'sessions.sign': {
    access: only({ therapist: 'scope', assistant: 'scope' }),
    input: async (s, h) => ({ sessionId: await h.sessionOf(s), studentId: s.studentId }),
  },
  'sessions.amend': {
    access: only({ therapist: 'scope', assistant: 'scope' }),
    input: async (s, h) => {
      const sessionId = await h.sessionOf(s);
      return { sessionId, studentId: s.studentId, text: 'Also: sound /r/.' };
    },
    tolerate: ['CONFLICT', 'PRECONDITION_FAILED'],
  },
  // The supervising therapist co-signs their assistant's session.
  'sessions.cosign': {
    access: only({ therapist: 'scope' }),
    input: async (s, h) => ({
      sessionId:
        s.kind === 'in' ? await h.sessionOf(subjects.assistant.in, 'assistant') : s.sessionId,
    }),
  },
  // An unsigned draft of the caller's, edited at its first version.
  'sessions.editDraft': {
    access: only({ therapist: 'scope', assistant: 'scope' }),
    input: async (s, h) => ({
      sessionId: await h.sessionOf(s),
      expectedVersion: 1,
      date: '2026-03-10',
      startTime: '13:00',
      endTime: '13:25',
      students: [{ studentId: s.studentId, attendance: 'delivered', note: 'Edited draft.' }],
    }),
  },
  'sessions.signAll': {
    access: only({ therapist: 'scope', assistant: 'scope' }),
    input: async (s, h) => ({ sessionId: await h.sessionOf(s) }),
  },
  // The caller's session is an unsigned draft: BAD_REQUEST ("edited, not voided") after access.
  'sessions.void': {
    access: only({ therapist: 'scope', assistant: 'scope' }),
    input: async (s, h) => ({
      sessionId: await h.sessionOf(s),
      reason: 'Logged for the wrong day.',
    }),
    tolerate: ['BAD_REQUEST'],
  },
  'sessions.cosignQueue': { access: only({ therapist: 'allow' }) },
  'sessions.cosignMany': {
    access: only({ therapist: 'scope' }),
    input: async (s, h) => ({
      sessionIds: [
        s.kind === 'in' ? await h.sessionOf(subjects.assistant.in, 'assistant') : s.sessionId,
      ],
    }),
  },
  'sessions.probe': {
    access: only({ teacher: 'scope' }),
    input: (s) => ({
      studentId: s.studentId,
      date: '2026-03-11',
      data: { goalId: s.goalId, trials: { trials: 5, correct: 3 } },
    }),
  },
  'sessions.billingCsv': {
    access: only({ therapist: 'allow', assistant: 'allow', coordinator: 'allow', admin: 'allow' }),
    input: () => ({ from: '2026-03-01', to: '2026-03-31' }),
  },

  'billing.student': {
    access: only({ therapist: 'scope', coordinator: 'scope', admin: 'scope' }),
    input: (s) => ({ studentId: s.studentId }),
  },
  'billing.updateStudent': {
    access: only({ therapist: 'scope', coordinator: 'scope', admin: 'scope' }),
    input: (s) => ({ studentId: s.studentId, medicaidId: 'MA00012345', diagnosisIcd10: 'F80.0' }),
  },
  'billing.providers': { access: only({ coordinator: 'allow', admin: 'allow' }) },
  'billing.updateProvider': {
    access: only({ admin: 'allow' }),
    input: () => ({ staffId: A.staff.slp, npi: '1234567893', credential: 'CCC-SLP' }),
  },
  'billing.settings': {
    access: only({ therapist: 'allow', assistant: 'allow', coordinator: 'allow', admin: 'allow' }),
  },
  'billing.updateSettings': {
    access: only({ admin: 'allow' }),
    input: () => ({ expectedVersion: 0, unitRule: 'eight_minute', codes: [] }),
  },
  'billing.exports': {
    access: only({ therapist: 'allow', assistant: 'allow', coordinator: 'allow', admin: 'allow' }),
  },

  'fidelity.report': {
    access: only({ therapist: 'allow', assistant: 'allow', coordinator: 'allow', admin: 'allow' }),
    input: () => ({ from: '2026-03-02', to: '2026-03-13' }),
  },
  'fidelity.groups': {
    access: only({ therapist: 'allow', assistant: 'allow', coordinator: 'allow', admin: 'allow' }),
    input: () => ({ from: '2026-03-02', to: '2026-03-13', groupBy: 'school' }),
  },
  'fidelity.csv': {
    access: only({ therapist: 'allow', assistant: 'allow', coordinator: 'allow', admin: 'allow' }),
    input: () => ({ from: '2026-03-02', to: '2026-03-13' }),
  },

  'goals.formContext': { access: all('scope'), input: (s) => ({ studentId: s.studentId }) },
  'goals.get': {
    access: all('scope'),
    input: (s) => ({ studentId: s.studentId, goalId: s.goalId }),
  },
  'goals.create': {
    access: only({ therapist: 'scope', coordinator: 'scope', admin: 'scope' }),
    input: (s) => ({
      studentId: s.studentId,
      discipline: 'SLP',
      domain: 'fluency',
      text: 'Will use easy onsets in three of four turns.',
      measurementType: 'percent',
      baseline: 20,
      target: 75,
      masteryRule: {},
      startDate: '2026-03-02',
      targetDate: '2026-06-01',
      phase: 'intervention',
      currentModel: 'pull_out',
      routineIds: [],
    }),
  },

  'goals.update': {
    access: only({ therapist: 'scope', coordinator: 'scope', admin: 'scope' }),
    input: (s) => ({
      studentId: s.studentId,
      goalId: s.goalId,
      discipline: 'SLP',
      domain: s.goalId === A.goals.caraLanguage ? 'expressive_language' : 'articulation',
      text: 'Will produce the target sounds in connected speech.',
      measurementType: 'percent',
      baseline: s.goalId === A.goals.caraLanguage ? 30 : 20,
      target: 80,
      masteryRule: {},
      startDate: '2025-09-01',
      targetDate: '2026-06-01',
      phase: s.goalId === A.goals.caraLanguage ? 'mastered' : 'intervention',
      currentModel: s.goalId === A.goals.caraLanguage ? 'pull_out' : 'push_in',
      routineIds: s.goalId === A.goals.avaArtic ? [A.routines.writing] : [],
      expectedVersion: 1,
    }),
    // Roles after the first edit the same goal at the version it left: the access check passed.
    tolerate: ['CONFLICT'],
  },

  'reports.periods': { access: all('allow') },
  'reports.list': {
    access: only({
      therapist: 'allow',
      assistant: 'allow',
      coordinator: 'allow',
      admin: 'allow',
      teacher: 'allow',
    }),
    input: () => ({ periodId: PERIODS.q3.id }),
  },
  'reports.printAll': {
    access: only({
      therapist: 'allow',
      assistant: 'allow',
      coordinator: 'allow',
      admin: 'allow',
      teacher: 'allow',
    }),
    input: () => ({ periodId: PERIODS.q3.id }),
  },
  'reports.generate': {
    access: only({ therapist: 'scope', coordinator: 'scope', admin: 'scope' }),
    input: (s) => ({ studentId: s.studentId, periodId: PERIODS.q3.id }),
  },
  'reports.get': {
    access: all('scope'),
    input: async (s, h) => ({ reportId: await h.reportFor(s) }),
  },
  'reports.updateGoal': {
    access: only({ therapist: 'scope', coordinator: 'scope', admin: 'scope' }),
    input: async (s, h) => ({
      reportId: await h.reportFor(s),
      goalId: s.goalId,
      statusCode: 'sufficient_progress',
      gasScore: 0,
      gasOverrideReason: 'Matrix check of access, not of scoring.',
      narrative: 'Progress continues.',
      expectedVersion: 1,
    }),
    tolerate: ['PRECONDITION_FAILED', 'CONFLICT'],
  },
  'reports.markReady': {
    access: only({ therapist: 'scope', coordinator: 'scope', admin: 'scope' }),
    input: async (s, h) => ({ reportId: await h.reportFor(s), discipline: 'SLP', ready: true }),
    tolerate: ['CONFLICT'],
  },
  // A draft answers CONFLICT (only a final report is amended): access is what is checked.
  'reports.amend': {
    access: only({ therapist: 'scope', coordinator: 'scope', admin: 'scope' }),
    input: async (s, h) => ({ reportId: await h.reportFor(s), reason: 'Matrix check of access.' }),
    tolerate: ['CONFLICT'],
  },
  'reports.finalize': {
    access: only({ therapist: 'scope', coordinator: 'scope', admin: 'scope' }),
    input: async (s, h) => ({ reportId: await h.reportFor(s) }),
    tolerate: ['CONFLICT', 'PRECONDITION_FAILED'],
    last: true,
  },

  'outcomes.report': { access: only({ coordinator: 'allow', admin: 'allow' }), input: () => ({}) },
  'outcomes.queueStatus': {
    access: only({ coordinator: 'allow', admin: 'allow' }),
    input: () => ({}),
  },
  'outcomes.schoolStrata': {
    access: only({ coordinator: 'allow', admin: 'allow' }),
    input: () => ({}),
  },
  'outcomes.episodes': {
    access: only({ coordinator: 'allow', admin: 'allow' }),
    input: () => ({ filters: {} }),
  },
  'workload.team': { access: only({ coordinator: 'allow', admin: 'allow' }), input: () => ({}) },
  'home.get': { access: all('allow') },

  // Schedules (issue 17). "In scope" is the schedule of the provider serving the subject's
  // student (test/schedule-fixture.ts): Ava's SLP, Ben's OT, Cara's SLPA. The coordinator (South)
  // sees the SLP, who serves Cara too: their out-of-scope provider is Ben's OT. Teachers have no
  // schedule of their own, only their classrooms' push-in sessions.
  'schedule.week': {
    access: SCHEDULE_ACCESS,
    outOf: { coordinator: BEN_SUBJECT },
    input: (s) => ({ weekOf: '2026-03-11', providerId: providerOf(s) }),
  },
  'schedule.check': {
    access: SCHEDULE_ACCESS,
    outOf: { coordinator: BEN_SUBJECT },
    input: (s) => moveOccurrence(s),
  },
  // Each role moves the occurrence at version 1: after the first, CONFLICT (someone saved first).
  'schedule.save': {
    access: SCHEDULE_ACCESS,
    outOf: { coordinator: BEN_SUBJECT },
    input: (s) => moveOccurrence(s),
    tolerate: ['CONFLICT'],
  },
  'schedule.cancelOccurrence': {
    access: SCHEDULE_ACCESS,
    outOf: { coordinator: BEN_SUBJECT },
    input: (s) => ({
      sessionId: sessionOfSchedule(s),
      date: occurrenceDateOf[s.studentId] ?? '2026-03-16',
      reason: 'provider_absent',
      note: 'Training day',
    }),
  },
  'schedule.restoreOccurrence': {
    access: SCHEDULE_ACCESS,
    outOf: { coordinator: BEN_SUBJECT },
    input: (s) => ({
      sessionId: sessionOfSchedule(s),
      date: occurrenceDateOf[s.studentId] ?? '2026-03-16',
    }),
  },
  'schedule.remove': {
    access: SCHEDULE_ACCESS,
    outOf: { coordinator: BEN_SUBJECT },
    input: (s) => ({ sessionId: sessionOfSchedule(s), expectedVersion: 1, from: '2026-06-01' }),
    tolerate: ['CONFLICT'],
    last: true,
  },
  'schedule.propose': {
    access: SCHEDULE_ACCESS,
    outOf: { coordinator: BEN_SUBJECT },
    input: (s) => ({ providerId: providerOf(s), weekOf: '2026-03-16' }),
  },
  // The fixture's empty proposals: accepted once, then CONFLICT (already accepted). Its scope is
  // the proposal's provider (an empty proposal names no student to check).
  'schedule.accept': {
    access: SCHEDULE_ACCESS,
    scopeOf: 'provider',
    outOf: { coordinator: BEN_SUBJECT },
    input: (s) => ({ proposalId: proposalOfStudent[s.studentId] ?? 'prop-999' }),
    tolerate: ['CONFLICT'],
  },
  'schedule.today': { access: all('allow'), input: () => ({}) },
  'schedule.classroomWeek': { access: all('allow'), input: () => ({ weekOf: '2026-03-11' }) },
  'schedule.closures': { access: all('allow'), input: () => ({}) },
  // A coordinator closes their own schools (the coordinator is South's); an admin any, or all.
  'schedule.addClosure': {
    access: only({ coordinator: 'allow', admin: 'allow' }),
    input: () => ({
      name: 'Teacher workday',
      startsOn: '2026-04-10',
      endsOn: '2026-04-10',
      schoolId: A.schools.south,
    }),
  },
  // The fixture's closures are district-wide: an admin's to remove, none of a coordinator's.
  'schedule.removeClosure': {
    access: only({ coordinator: 'none', admin: 'scope' }),
    input: (s) => ({ closureId: closureOfStudent[s.studentId] ?? 'cl-999' }),
    last: true,
  },
  // Replacing a provider's school days with none: last, so the walk above keeps the fixture's.
  'schedule.saveSchoolDays': {
    access: SCHEDULE_ACCESS,
    outOf: { coordinator: BEN_SUBJECT },
    input: (s) => ({ providerId: providerOf(s), days: [] }),
    last: true,
  },
  // A classroom's protected blocks: seen as its routines are, edited as its routines are.
  'schedule.protectedBlocks': {
    access: {
      therapist: 'scope',
      assistant: 'none',
      teacher: 'scope',
      coordinator: 'scope',
      admin: 'scope',
    },
    scopeOf: 'classroom',
    outOf: { therapist: null },
    input: (s) => ({ classroomId: s.classroomId }),
  },
  'schedule.saveProtectedBlocks': {
    access: {
      therapist: 'scope',
      assistant: 'none',
      teacher: 'scope',
      coordinator: 'scope',
      admin: 'scope',
    },
    scopeOf: 'classroom',
    outOf: { therapist: null },
    input: (s) => ({
      classroomId: s.classroomId,
      blocks: [{ weekday: 3, startTime: '12:30', endTime: '13:00', label: 'Quiet reading' }],
    }),
  },
  // Whose settings: the provider's schedule (no student record is read).
  'schedule.settings': {
    access: SCHEDULE_ACCESS,
    scopeOf: 'provider',
    outOf: { coordinator: BEN_SUBJECT },
    input: (s) => ({ providerId: providerOf(s) }),
  },
  // Travel between two of the caller's schools: the coordinator has South only, so none.
  'schedule.saveTravel': {
    access: only({ coordinator: 'none', admin: 'allow' }),
    input: () => ({ fromSchoolId: A.schools.north, toSchoolId: A.schools.south, minutes: 20 }),
  },
  'schedule.saveRules': {
    access: only({ admin: 'allow' }),
    input: () => ({
      lunchEarliest: '11:00',
      lunchLatest: '13:00',
      lunchMinutes: 30,
      groupCapPushIn: 3,
      groupCapPullOut: 4,
    }),
  },
  'schedule.feed.status': { access: FEED_ACCESS, input: () => ({}) },
  'schedule.feed.create': { access: FEED_ACCESS, input: () => ({}) },
  'schedule.feed.revoke': { access: FEED_ACCESS, input: () => ({}) },

  'routines.list': { access: all('allow'), input: () => ({}) },
  // Classrooms: those of the caller's schools (the SLP serves both of district A's).
  // Only the classroom's teacher, therapists of its school and admins edit its routines.
  'routines.save': {
    access: {
      therapist: 'scope',
      assistant: 'none',
      teacher: 'scope',
      coordinator: 'none',
      admin: 'scope',
    },
    scopeOf: 'classroom',
    outOf: { therapist: null },
    input: (s) => ({
      classroomId: s.classroomId,
      name: 'snack',
      weekdays: [1, 3, 5],
      startTime: '09:30',
      endTime: '09:45',
    }),
  },
  'plans.list': { access: all('allow'), input: () => ({}) },
  'plans.get': { access: all('scope'), input: async (s, h) => ({ planId: await h.planFor(s) }) },
  'plans.save': {
    access: only({ therapist: 'scope' }),
    input: (s) => ({
      studentId: s.studentId,
      routineId: s.routineId,
      therapistRole: 'Models the strategy',
      teacherRole: 'Prompts during the routine',
      strategies: 'Visual schedule',
      activities: 'Journal writing',
      agreedOn: '2026-03-02',
      reviewOn: '2026-05-04',
    }),
  },
  'plans.acknowledge': {
    access: only({ teacher: 'scope' }),
    input: async (s, h) => ({ planId: await h.planFor(s) }),
  },
  'team.people': { access: all('allow') },
  'team.students': { access: all('allow') },
  'team.list': { access: all('allow') },
  'team.create': {
    access: all('scope'),
    input: (s) => ({
      metOn: '2026-03-12',
      startTime: '07:30',
      studentIds: [s.studentId],
      notes: 'Checked how the week went.',
      scheduleAnyway: true,
    }),
  },
  'team.setActionItemDone': {
    access: all('scope'),
    scopeOf: 'action item',
    input: async (s, h) => ({ actionItemId: await h.actionItemFor(s), done: true }),
  },
  // Each call edits a meeting or item made for it, at its first version.
  'team.updateTouchBase': {
    access: all('scope'),
    scopeOf: 'touch-base',
    input: async (s, h) => ({
      touchBaseId: await h.touchBaseFor(s),
      expectedVersion: 1,
      notes: 'Agreed to try the slant board.',
    }),
  },
  'team.updateActionItem': {
    access: all('scope'),
    scopeOf: 'action item',
    input: async (s, h) => ({
      actionItemId: await h.actionItemFor(s),
      expectedVersion: 1,
      text: 'Send the visual schedule home',
      dueOn: '2026-03-21',
    }),
  },
  'modelChanges.create': {
    access: only({ therapist: 'scope', coordinator: 'scope', admin: 'scope' }),
    input: (s, h) => ({
      studentId: s.studentId,
      goalId: s.goalId,
      toModel: h.role === 'admin' ? 'pull_out' : 'consult',
      changedOn: '2026-03-10',
      reason: 'Matrix: checking who may change a model',
    }),
  },
  'recommendations.list': {
    access: only({ therapist: 'allow', coordinator: 'allow', admin: 'allow' }),
    input: () => ({}),
  },
  // Accepting needs a recommendation that fires now; a goal without one is a business refusal
  // (after the access check), which is all this cell needs to see.
  'recommendations.accept': {
    access: only({ therapist: 'scope', coordinator: 'scope', admin: 'scope' }),
    input: (s) => ({ studentId: s.studentId, goalId: s.goalId, rule: 'push_in_for_carryover' }),
    tolerate: ['BAD_REQUEST'],
  },
  'recommendations.dismiss': {
    access: only({ therapist: 'scope', coordinator: 'scope', admin: 'scope' }),
    input: (s) => ({
      studentId: s.studentId,
      goalId: s.goalId,
      rule: 'push_in_for_carryover',
      reason: 'Matrix: checking who may dismiss',
    }),
    tolerate: ['BAD_REQUEST'],
  },

  // The goal bank holds no student data: who writes goals reads it; the admin keeps the district's.
  'goalBank.list': {
    access: only({ therapist: 'allow', coordinator: 'allow', admin: 'allow' }),
    input: () => ({ query: 'arrival' }),
  },
  'goalBank.create': {
    access: only({ admin: 'allow' }),
    input: (_s, h) => ({
      discipline: 'OT',
      domain: 'fine_motor',
      text: `[Student] will fold a letter in thirds for the mail (${h.unique()}).`,
      measurementType: 'percent',
      baseline: 20,
      target: 80,
      routines: ['art'],
    }),
  },
  // A guessed template id: NOT_FOUND for the admin (goal-bank.test.ts removes real ones).
  'goalBank.remove': {
    access: only({ admin: 'allow' }),
    input: () => ({ templateId: 'no-such-template' }),
    tolerate: ['NOT_FOUND'],
  },

  'account.changePassword': {
    access: all('allow'),
    input: (_s, h) => ({
      currentPassword: 'correct horse battery staple',
      newPassword: `a fresh passphrase ${h.unique()}`,
    }),
    last: true,
  },
  'account.mfaStatus': { access: all('allow') },
  'account.mfaStart': { access: all('allow') },
  // Without the app's code for the new secret: BAD_REQUEST (mfa.test.ts confirms for real).
  'account.mfaConfirm': {
    access: all('allow'),
    input: () => ({ code: '123456' }),
    tolerate: ['BAD_REQUEST'],
  },
  'account.mfaDisable': {
    access: all('allow'),
    input: () => ({ currentPassword: 'correct horse battery staple' }),
  },
  'account.sessions': { access: all('allow') },
  // Only the caller's own sessions exist for them: someone else's id is NOT_FOUND (mfa.test.ts).
  'account.endSession': {
    access: all('allow'),
    input: () => ({ sessionId: 'f'.repeat(64) }),
    tolerate: ['NOT_FOUND'],
  },
  'admin.users': { access: only({ admin: 'allow' }) },
  'admin.setUserActive': {
    access: only({ admin: 'allow' }),
    input: () => ({ userId: 'u-slpa', active: true }),
  },
  'admin.createUser': {
    access: only({ admin: 'allow' }),
    input: (_s, h) => ({
      name: 'Matrix Person',
      email: `matrix-${h.unique()}@a.test`,
      role: 'teacher',
      password: 'a long and unusual passphrase',
    }),
  },
  'signInSettings.get': { access: only({ admin: 'allow' }) },
  'signInSettings.createProvider': {
    access: only({ admin: 'allow' }),
    input: (_s, h) => ({
      displayName: `Sign in with Matrix ${h.unique()}`,
      issuer: 'https://idp.matrix.test',
      clientId: 'matrix-client',
      clientSecret: 'matrix-secret',
      allowedDomains: ['a.test'],
      enabled: false,
    }),
  },
  // A guessed provider id: NOT_FOUND for the admin (tests/sso in apps/server run real ones).
  'signInSettings.updateProvider': {
    access: only({ admin: 'allow' }),
    input: () => ({
      id: 'no-such-provider',
      displayName: 'Sign in with Nobody',
      issuer: 'https://idp.matrix.test',
      clientId: 'matrix-client',
      allowedDomains: [],
      enabled: false,
    }),
    tolerate: ['NOT_FOUND'],
  },
  'signInSettings.removeProvider': {
    access: only({ admin: 'allow' }),
    input: () => ({ id: 'no-such-provider' }),
    tolerate: ['NOT_FOUND'],
  },
  'signInSettings.testProvider': {
    access: only({ admin: 'allow' }),
    input: () => ({ id: 'no-such-provider' }),
    tolerate: ['NOT_FOUND'],
  },
  'signInSettings.setPasswordPolicy': {
    access: only({ admin: 'allow' }),
    input: () => ({ passwordSignIn: 'everyone', breakGlassUserIds: [] }),
  },
  'admin.exportAccessRecord': {
    access: only({ admin: 'scope' }),
    input: (s) => ({ studentId: s.studentId }),
  },
  'admin.exportStudentRecord': {
    access: only({ admin: 'scope' }),
    input: (s) => ({ studentId: s.studentId }),
  },
  'people.list': { access: only({ admin: 'allow' }) },
  'people.create': {
    access: only({ admin: 'allow' }),
    input: (_s, h) => ({
      name: 'Matrix Staff',
      email: `people-${h.unique()}@a.test`,
      role: 'teacher',
    }),
  },
  // Every fixture account has set its password: the refusal names the field, for the admin alone.
  'people.setupLink': {
    access: only({ admin: 'allow' }),
    input: () => ({ userId: 'u-slpa' }),
    tolerate: ['BAD_REQUEST'],
  },
  'people.update': {
    access: only({ admin: 'allow' }),
    input: () => ({
      userId: 'u-teacher',
      expectedVersion: 1,
      name: 'Tara Teacher',
      email: 'teacher@a.test',
      role: 'teacher',
    }),
    tolerate: ['CONFLICT'],
  },
  'students.options': { access: only({ admin: 'allow', coordinator: 'allow' }) },
  'students.list': { access: only({ admin: 'allow', coordinator: 'allow' }), input: () => ({}) },
  'students.needsProvider': { access: only({ admin: 'allow', coordinator: 'allow' }) },
  'students.get': {
    access: only({ admin: 'scope', coordinator: 'scope' }),
    input: (s) => ({ studentId: s.studentId }),
  },
  'students.create': {
    access: only({ admin: 'allow', coordinator: 'allow' }),
    input: (_s, h) => ({
      ...STUDENT_FIELDS,
      firstName: 'Matrix',
      lastName: h.unique(),
      schoolId: h.role === 'coordinator' ? A.schools.south : A.schools.north,
    }),
  },
  // The same names (the deletion retypes them), new dates.
  'students.update': {
    access: only({ admin: 'scope', coordinator: 'scope' }),
    input: (s) => {
      const [firstName = 'Nobody', lastName = 'Here'] = (NAMES[s.studentId] ?? 'Nobody Here').split(
        ' ',
      );
      return { ...STUDENT_FIELDS, studentId: s.studentId, expectedVersion: 1, firstName, lastName };
    },
  },
  'students.addService': {
    access: only({ admin: 'scope', coordinator: 'scope' }),
    input: (s) => ({ ...SERVICE_FIELDS, studentId: s.studentId }),
  },
  // The fixture's own values: a save that changes nothing.
  'students.updateService': {
    access: only({ admin: 'scope', coordinator: 'scope' }),
    input: (s) => serviceOf(s),
  },
  'students.exitService': {
    access: only({ admin: 'scope', coordinator: 'scope' }),
    input: (s) => ({
      serviceId: serviceOf(s).serviceId,
      exitOn: '2026-03-11',
      reason: 'matrix exit',
    }),
    last: true,
  },
  'students.transfer': {
    access: only({ admin: 'scope', coordinator: 'scope' }),
    input: (s) => ({
      studentId: s.studentId,
      toSchoolId: A.schools.south,
      toHomeroomId: s.studentId === A.students.ava ? A.classrooms.south3 : null,
      effectiveOn: '2026-03-11',
      reason: 'matrix transfer',
    }),
    last: true,
  },
  'admin.deleteStudent': {
    access: only({ admin: 'scope' }),
    input: (s) => ({
      studentId: s.studentId,
      confirmName: NAMES[s.studentId] ?? 'Nobody Here',
    }),
    last: true,
  },
  'imports.upload': {
    access: only({ admin: 'allow' }),
    input: () => ({ kind: 'oneroster', zipBase64: EMPTY_BUNDLE, dryRun: true }),
  },
};

const STUDENT_FIELDS = {
  dateOfBirth: '2018-01-15',
  grade: '2',
  iepStart: '2025-09-15',
  iepAnnualReview: '2026-09-14',
  iepReevaluation: '2028-09-14',
};
const SERVICE_FIELDS = {
  discipline: 'PT',
  minutes: 20,
  per: 'month',
  model: 'consult',
  startDate: '2026-03-16',
  endDate: '2026-06-12',
};

/** A service of the subject's student as the fixture made it, or a guessed id. */
function serviceOf(s: Subject) {
  const fixture = {
    discipline: 'SLP',
    providerId: A.staff.slp,
    minutes: 45,
    per: 'week',
    model: 'pull_out',
    startDate: '2025-09-15',
    endDate: '2026-09-14',
    expectedVersion: 1,
  };
  if (s.studentId === A.students.ava)
    return {
      ...fixture,
      serviceId: A.services.avaOt,
      discipline: 'OT',
      providerId: A.staff.ot,
      minutes: 120,
      per: 'month',
    };
  if (s.studentId === A.students.cara) return { ...fixture, serviceId: A.services.caraSlp };
  if (s.studentId === A.students.ben)
    return {
      ...fixture,
      serviceId: A.services.benOt,
      discipline: 'OT',
      providerId: A.staff.ot,
      minutes: 30,
      model: 'push_in',
    };
  if (s.kind === 'foreign') return { ...fixture, serviceId: B.service };
  return { ...fixture, serviceId: 'svc-999' };
}
/** A zip holding a manifest that lists no file: a valid dry run that changes nothing. */
const EMPTY_BUNDLE = Buffer.from(
  zipCsvFiles({ 'manifest.csv': 'propertyName,value\r\noneroster.version,1.2\r\n' }),
).toString('base64');

const NAMES: Record<string, string> = {
  [A.students.ava]: 'Ava Lopez',
  [A.students.ben]: 'Ben Okafor',
  [A.students.cara]: 'Cara Singh',
  [A.students.dev]: 'Dev Patel',
  [B.student]: 'Zed Brown',
};

/** Added by the matrix test: the fixture's Room 3B has no routine of its own. */
export const SOUTH3_ROUTINE = 'rt-s3-meeting';
const AVA = {
  studentId: A.students.ava,
  goalId: A.goals.avaArtic,
  sessionId: 'ses-2',
  classroomId: A.classrooms.north2,
  routineId: A.routines.writing,
};
const BEN = {
  studentId: A.students.ben,
  goalId: A.goals.benFineMotor,
  sessionId: 'ses-5',
  classroomId: A.classrooms.north2,
  routineId: A.routines.arrival,
};
const CARA = {
  studentId: A.students.cara,
  goalId: A.goals.caraLanguage,
  sessionId: 'ses-1',
  classroomId: A.classrooms.south3,
  routineId: SOUTH3_ROUTINE,
};

/** The in-scope and out-of-scope subjects of each role in the fixture world. */
export const subjects: Record<Role, { in: Subject; out: Subject | null }> = {
  therapist: {
    in: { kind: 'in', ...AVA },
    // Ben's SLP service ended: no longer on the SLP's caseload.
    out: { kind: 'out', ...BEN },
  },
  assistant: { in: { kind: 'in', ...CARA }, out: { kind: 'out', ...AVA } },
  teacher: { in: { kind: 'in', ...AVA }, out: { kind: 'out', ...CARA } },
  // Ava is at another school of the same district.
  coordinator: { in: { kind: 'in', ...CARA }, out: { kind: 'out', ...AVA } },
  admin: { in: { kind: 'in', ...AVA }, out: null },
};

export const foreignSubject: Subject = {
  kind: 'foreign',
  studentId: B.student,
  // District B has no goals or sessions: guessed ids, as an attacker would send.
  goalId: 'goal-b1',
  sessionId: 'ses-b1',
  classroomId: 'cls-b1',
  routineId: 'rt-b1',
};
export const missingSubject: Subject = {
  kind: 'missing',
  studentId: 'stu-999',
  goalId: 'goal-999',
  sessionId: 'ses-999',
  classroomId: 'cls-999',
  routineId: 'rt-999',
};

/** Rows per table, for "nothing was written". */
export async function rowCounts(conn: Connection): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  const tables = await conn.db.introspection.getTables();
  for (const t of tables) {
    if (t.schema && t.schema !== 'public') continue;
    const r = await conn.db
      .selectFrom(t.name as 'student')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow();
    out[t.name] = Number(r.n);
  }
  return out;
}
