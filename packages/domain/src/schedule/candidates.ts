import { gradeBand as gradeBandOf } from '../compare/episodes';
import type {
  Caseload,
  PlannedSession,
  ScheduleService,
  ScheduleStudent,
  TimeBlock,
  Weekday,
} from './types';
import { WEEKDAY_LABELS } from './types';

// Where a service may go: every admissible (day, start, place) for one session of it. Both the
// MILP and the brute-force check in the tests place sessions only here, and `scheduleConflicts`
// checks the same rules on any schedule (a hand-made one included).

export interface Slot {
  key: string;
  day: Weekday;
  start: number;
  end: number;
  schoolId: string;
  model: PlannedSession['model'];
  classroomId: string | null;
  routineId: string | null;
  room: string | null;
  cap: number;
}

export interface Candidate {
  serviceId: string;
  slotKey: string;
  /** Why here, in words, for the placement's explanation. */
  reason: string;
}

export interface CandidateSet {
  slots: Map<string, Slot>;
  byService: Map<string, Candidate[]>;
}

/** Minutes between candidate start times: half-hours keep the model small enough to solve fast. */
export const DEFAULT_STEP = 30;

export function clock(minutes: number): string {
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return `${h}:${String(m).padStart(2, '0')}`;
}

export function dayLabel(day: Weekday): string {
  return WEEKDAY_LABELS[day];
}

export function overlaps(a: { start: number; end: number }, b: { start: number; end: number }) {
  return a.start < b.end && b.start < a.end;
}

export function hitsBlock(day: Weekday, start: number, end: number, blocks: readonly TimeBlock[]) {
  return blocks.some((b) => b.day === day && overlaps({ start, end }, b));
}

/** Minutes a week to plan for: monthly minutes are spread over four weeks, rounded up. */
export function weeklyTarget(service: ScheduleService): number {
  return service.per === 'week' ? service.minutes : Math.ceil(service.minutes / 4);
}

export function travelMinutes(caseload: Caseload, a: string, b: string): number {
  if (a === b) return 0;
  for (const t of caseload.therapist.travel) {
    if ((t.from === a && t.to === b) || (t.from === b && t.to === a)) return t.minutes;
  }
  return 0;
}

export function gradeWords(grade: number): string {
  return grade <= 0 ? 'Kindergarten' : `Grade ${grade}`;
}

export function buildCandidates(caseload: Caseload): CandidateSet {
  const step = caseload.step ?? DEFAULT_STEP;
  const slots = new Map<string, Slot>();
  const byService = new Map<string, Candidate[]>();
  const students = new Map(caseload.students.map((s) => [s.id, s]));
  const classrooms = new Map(caseload.classrooms.map((c) => [c.id, c]));
  const schools = new Map(caseload.schools.map((s) => [s.id, s]));
  const { therapist } = caseload;

  for (const service of caseload.services) {
    const list: Candidate[] = [];
    byService.set(service.id, list);
    const student = students.get(service.studentId);
    const classroom = student ? classrooms.get(student.classroomId) : undefined;
    if (!student || !classroom) continue;
    const blocked = (day: Weekday, start: number, end: number) =>
      hitsBlock(day, start, end, student.protectedBlocks) ||
      hitsBlock(day, start, end, classroom.protectedBlocks);
    const windows = therapist.days.filter((d) => d.schoolId === classroom.schoolId);

    if (service.model === 'pull_out') {
      const school = schools.get(classroom.schoolId);
      const room = school?.pullOutRoom ?? 'therapy room';
      const band = gradeBandOf(student.grade <= 0 ? 'K' : String(student.grade));
      const dur = service.sessionMinutes;
      for (const w of windows) {
        for (let start = w.start; start + dur <= w.end; start += step) {
          if (blocked(w.day, start, start + dur)) continue;
          const key = `P|${w.day}|${start}|${dur}|${classroom.schoolId}|${band}`;
          if (!slots.has(key)) {
            slots.set(key, {
              key,
              day: w.day,
              start,
              end: start + dur,
              schoolId: classroom.schoolId,
              model: 'pull_out',
              classroomId: null,
              routineId: null,
              room,
              cap: therapist.groupCap.pull_out,
            });
          }
          list.push({
            serviceId: service.id,
            slotKey: key,
            reason: `pull-out in ${room}, grade band ${band}`,
          });
        }
      }
      continue;
    }

    // Push-in: only inside a routine block linked to one of the service's goals.
    const goals = student.goals.filter((g) => service.goalIds.includes(g.id));
    for (const routine of classroom.routines) {
      const linked = goals.filter((g) => g.routineIds.includes(routine.id));
      if (linked.length === 0) continue;
      const why = `goal ${linked.map((g) => `*${g.title}*`).join(', ')} ${
        linked.length > 1 ? 'are' : 'is'
      } linked to ${routine.name}`;
      for (const block of routine.blocks) {
        const dur = Math.min(service.sessionMinutes, block.end - block.start);
        if (dur <= 0) continue;
        const starts = new Set<number>();
        for (let start = block.start; start + dur <= block.end; start += step) starts.add(start);
        starts.add(block.end - dur);
        for (const start of starts) {
          const end = start + dur;
          if (!windows.some((w) => w.day === block.day && w.start <= start && end <= w.end)) {
            continue;
          }
          if (blocked(block.day, start, end)) continue;
          const key = `I|${block.day}|${start}|${dur}|${classroom.id}|${routine.id}`;
          if (!slots.has(key)) {
            slots.set(key, {
              key,
              day: block.day,
              start,
              end,
              schoolId: classroom.schoolId,
              model: 'push_in',
              classroomId: classroom.id,
              routineId: routine.id,
              room: null,
              cap: therapist.groupCap.push_in,
            });
          }
          list.push({ serviceId: service.id, slotKey: key, reason: why });
        }
      }
    }
  }
  return { slots, byService };
}

export function studentOf(caseload: Caseload, studentId: string): ScheduleStudent | undefined {
  return caseload.students.find((s) => s.id === studentId);
}
