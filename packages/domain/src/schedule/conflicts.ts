import { clock, dayLabel, hitsBlock, overlaps, travelMinutes } from './candidates';
import type { Caseload, PlannedSession, TimeBlock } from './types';

// The schedule's rules checked on any schedule, planned or hand-edited. The auto-scheduler's
// output must come back empty; the Schedule page shows these and refuses them without a reason.

export type ScheduleConflictKind =
  | 'therapist-double-booked'
  | 'student-double-booked'
  | 'protected-block'
  | 'travel-too-short'
  | 'group-over-cap'
  | 'push-in-outside-routine'
  | 'outside-school-day'
  | 'no-lunch';

export interface ScheduleConflict {
  kind: ScheduleConflictKind;
  sessionKeys: string[];
  message: string;
}

function when(s: { day: PlannedSession['day']; start: number }) {
  return `${dayLabel(s.day)} ${clock(s.start)}`;
}

export function scheduleConflicts(
  caseload: Caseload,
  sessions: readonly PlannedSession[],
  lunches?: readonly TimeBlock[],
): ScheduleConflict[] {
  const out: ScheduleConflict[] = [];
  const students = new Map(caseload.students.map((s) => [s.id, s]));
  const classrooms = new Map(caseload.classrooms.map((c) => [c.id, c]));
  const schools = new Map(caseload.schools.map((s) => [s.id, s]));
  const { therapist } = caseload;
  const sorted = [...sessions].sort((a, b) => a.day - b.day || a.start - b.start);

  for (const [i, a] of sorted.entries()) {
    for (const b of sorted.slice(i + 1)) {
      if (b.day !== a.day) break;
      if (overlaps(a, b)) {
        out.push({
          kind: 'therapist-double-booked',
          sessionKeys: [a.key, b.key],
          message: `${therapist.name} is in two sessions at once on ${when(b)}`,
        });
        for (const id of a.studentIds) {
          if (b.studentIds.includes(id)) {
            out.push({
              kind: 'student-double-booked',
              sessionKeys: [a.key, b.key],
              message: `${students.get(id)?.name ?? id} is in two sessions at once on ${when(b)}`,
            });
          }
        }
      } else if (a.schoolId !== b.schoolId) {
        const need = travelMinutes(caseload, a.schoolId, b.schoolId);
        if (b.start - a.end < need) {
          out.push({
            kind: 'travel-too-short',
            sessionKeys: [a.key, b.key],
            message: `${b.start - a.end} minutes from ${schools.get(a.schoolId)?.name} to ${
              schools.get(b.schoolId)?.name
            } on ${dayLabel(a.day)}; travel takes ${need}`,
          });
        }
      }
    }
  }

  for (const s of sorted) {
    if (
      !therapist.days.some(
        (d) => d.day === s.day && d.schoolId === s.schoolId && d.start <= s.start && s.end <= d.end,
      )
    ) {
      out.push({
        kind: 'outside-school-day',
        sessionKeys: [s.key],
        message: `${therapist.name} is not at ${schools.get(s.schoolId)?.name ?? 'that school'} on ${when(s)}`,
      });
    }
    const cap = therapist.groupCap[s.model];
    if (s.studentIds.length > cap) {
      out.push({
        kind: 'group-over-cap',
        sessionKeys: [s.key],
        message: `${s.studentIds.length} students on ${when(s)}; the cap is ${cap}`,
      });
    }
    for (const id of s.studentIds) {
      const student = students.get(id);
      const room = student ? classrooms.get(student.classroomId) : undefined;
      if (student && hitsBlock(s.day, s.start, s.end, student.protectedBlocks)) {
        out.push({
          kind: 'protected-block',
          sessionKeys: [s.key],
          message: `${when(s)} is inside ${student.name}'s protected block`,
        });
      }
      if (
        room &&
        s.model === 'pull_out' &&
        hitsBlock(s.day, s.start, s.end, room.protectedBlocks)
      ) {
        out.push({
          kind: 'protected-block',
          sessionKeys: [s.key],
          message: `${when(s)} pulls ${student?.name} out of ${room.name}'s protected block`,
        });
      }
    }
    if (s.model === 'push_in') {
      const room = classrooms.get(s.classroomId ?? '');
      if (room && hitsBlock(s.day, s.start, s.end, room.protectedBlocks)) {
        out.push({
          kind: 'protected-block',
          sessionKeys: [s.key],
          message: `${when(s)} is inside ${room.name}'s protected block`,
        });
      }
      const routine = room?.routines.find((r) => r.id === s.routineId);
      const inside = routine?.blocks.some(
        (b) => b.day === s.day && b.start <= s.start && s.end <= b.end,
      );
      const linkedForAll = s.studentIds.every((id) =>
        students.get(id)?.goals.some((g) => routine && g.routineIds.includes(routine.id)),
      );
      const sameRoom = s.studentIds.every((id) => students.get(id)?.classroomId === room?.id);
      if (!routine || !inside || !linkedForAll || !sameRoom) {
        out.push({
          kind: 'push-in-outside-routine',
          sessionKeys: [s.key],
          message: routine
            ? `${when(s)} is not inside ${room?.name}'s ${routine.name} for every student's linked goal`
            : `${when(s)} push-in has no routine`,
        });
      }
    }
  }

  if (lunches !== undefined) {
    const days = [...new Set(therapist.days.map((d) => d.day))];
    const { lunch } = therapist;
    for (const day of days) {
      const l = lunches.find((x) => x.day === day);
      const ok =
        l !== undefined &&
        l.end - l.start >= lunch.minutes &&
        l.start >= lunch.earliest &&
        l.end <= lunch.latest &&
        !sorted.some((s) => s.day === day && overlaps(s, l));
      if (!ok) {
        out.push({
          kind: 'no-lunch',
          sessionKeys: [],
          message: `${therapist.name} has no ${lunch.minutes}-minute lunch between ${clock(lunch.earliest)} and ${clock(
            lunch.latest,
          )} on ${dayLabel(day)}`,
        });
      }
    }
  }
  return out;
}
