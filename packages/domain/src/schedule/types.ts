// The vocabulary of a therapist's week, as the auto-scheduler sees it. Times are minutes from
// midnight in the district's own time zone; a week is Monday (0) to Friday (4).

export type Weekday = 0 | 1 | 2 | 3 | 4;
export const WEEKDAY_LABELS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri'] as const;

export interface TimeBlock {
  day: Weekday;
  start: number;
  end: number;
}

export interface ScheduleSchool {
  id: string;
  name: string;
  /** Where this school's pull-out sessions happen ("Room 12", "OT room"). */
  pullOutRoom: string;
}

export interface ScheduleRoutine {
  id: string;
  name: string;
  blocks: TimeBlock[];
}

export interface ScheduleClassroom {
  id: string;
  name: string;
  schoolId: string;
  routines: ScheduleRoutine[];
  /** The teacher's protected blocks: no therapist comes in, no student is pulled out. */
  protectedBlocks: TimeBlock[];
}

export interface ScheduleGoal {
  id: string;
  title: string;
  /** Routines (ids in the student's classroom) where the skill is used. */
  routineIds: string[];
}

export interface ScheduleStudent {
  id: string;
  name: string;
  grade: number;
  classroomId: string;
  goals: ScheduleGoal[];
  protectedBlocks: TimeBlock[];
}

export type ScheduleModel = 'push_in' | 'pull_out';

export interface ScheduleService {
  id: string;
  studentId: string;
  discipline: string;
  model: ScheduleModel;
  minutes: number;
  per: 'week' | 'month';
  /** Length of one session; push-in sessions are cut to their routine block when shorter. */
  sessionMinutes: number;
  /** The goals this service works on; push-in sessions go to a routine linked to one of them. */
  goalIds: string[];
}

export interface TherapistDay {
  day: Weekday;
  schoolId: string;
  start: number;
  end: number;
}

export interface ScheduleTherapist {
  id: string;
  name: string;
  /** When the therapist is at which school; several entries a day mean travel between them. */
  days: TherapistDay[];
  /** Minutes of travel between two schools (either direction). */
  travel: { from: string; to: string; minutes: number }[];
  lunch: { earliest: number; latest: number; minutes: number };
  groupCap: { push_in: number; pull_out: number };
}

export interface PlannedSession {
  /** Stable key of the slot: same model, place and time means the same session. */
  key: string;
  day: Weekday;
  start: number;
  end: number;
  schoolId: string;
  model: ScheduleModel;
  classroomId: string | null;
  routineId: string | null;
  room: string | null;
  serviceIds: string[];
  studentIds: string[];
}

export interface Caseload {
  therapist: ScheduleTherapist;
  schools: ScheduleSchool[];
  classrooms: ScheduleClassroom[];
  students: ScheduleStudent[];
  services: ScheduleService[];
  /** The schedule in force: re-planning moves as little of it as possible. */
  current?: PlannedSession[];
  /** Days whose lunch this (part of a) caseload plans; default every working day. */
  lunchDays?: Weekday[];
  /** Minutes between candidate start times (default 30). */
  step?: number;
}
