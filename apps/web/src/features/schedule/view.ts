import { labels, type MissedReason, routineWords, type Weekday } from '@carryover/domain';
import { minutesFromInput } from './time';
import type { GridDay, GridItem } from './WeekGrid';

// The API's occurrences as the grid, the day list and Home show them.

export interface OccurrenceLike {
  key: string;
  date: string;
  startTime: string;
  endTime: string;
  status: 'planned' | 'moved' | 'cancelled' | 'closed';
  reason: MissedReason | null;
  note: string | null;
  model: 'push_in' | 'pull_out';
  classroom: { id: string; name: string } | null;
  routine: { id: string; name: string } | null;
  room: string | null;
  students: { id: string; name: string | null; initials: string }[];
  conflicts: { kind: string; message: string }[];
}

/** "Ana Reyes" → "Ana R."; a student the viewer may not see by name shows as initials. */
export function studentShort(s: { name: string | null; initials: string }): string {
  if (!s.name) return s.initials;
  const parts = s.name.trim().split(/\s+/);
  const last = parts.length > 1 ? parts[parts.length - 1] : '';
  return last ? `${parts[0]} ${last[0]}.` : (parts[0] ?? s.initials);
}

/** Push-in: "Arrival · Room 12 (Grade 2)"; pull-out: the room. */
export function placeOf(o: Pick<OccurrenceLike, 'model' | 'classroom' | 'routine' | 'room'>) {
  if (o.model === 'push_in') {
    const routine = o.routine ? routineWords(o.routine.name) : 'Classroom';
    return o.classroom ? `${routine} · ${o.classroom.name}` : routine;
  }
  return o.room ?? 'Therapy room';
}

/** Why an occurrence does not take place, in words; null when it does. */
export function notHappening(o: Pick<OccurrenceLike, 'status' | 'reason' | 'note'>) {
  if (o.status === 'closed') return `School closed${o.note ? ` (${o.note})` : ''}`;
  if (o.status !== 'cancelled') return null;
  const reason = o.reason ? labels.attendance[o.reason] : 'Cancelled';
  return o.note ? `${reason}: ${o.note}` : reason;
}

export function weekdayIndex(isoDate: string): Weekday {
  const day = (new Date(`${isoDate}T12:00:00Z`).getUTCDay() + 6) % 7;
  return Math.min(4, day) as Weekday;
}

export function gridItem(o: OccurrenceLike, pending: boolean): GridItem {
  return {
    id: o.key,
    day: weekdayIndex(o.date),
    start: minutesFromInput(o.startTime) ?? 0,
    end: minutesFromInput(o.endTime) ?? 0,
    model: o.model,
    students: o.students.map(studentShort),
    place: placeOf(o),
    cancelled: notHappening(o),
    conflicts: o.conflicts.length,
    pending,
  };
}

export interface ClosureLike {
  schoolId: string | null;
  schoolName: string | null;
  startsOn: string;
  endsOn: string;
  name: string;
}

/**
 * The week's five days, each with its closure: one of the whole district or of a school the
 * provider works at that day, else one any of the day's sessions met.
 */
export function gridDays(
  days: readonly string[],
  occurrences: readonly OccurrenceLike[],
  closures: readonly ClosureLike[] = [],
  schoolDays: readonly { weekday: number; schoolId: string }[] = [],
) {
  return days.map((date): GridDay => {
    const day = weekdayIndex(date);
    const schools = new Set(schoolDays.filter((d) => d.weekday === day + 1).map((d) => d.schoolId));
    const closure = closures.find(
      (c) =>
        c.startsOn <= date && date <= c.endsOn && (c.schoolId === null || schools.has(c.schoolId)),
    );
    const name = closure
      ? closure.schoolName && closure.schoolId !== null
        ? `${closure.name} (${closure.schoolName})`
        : closure.name
      : (occurrences.find((o) => o.date === date && o.status === 'closed')?.note ?? null);
    return { day, date, closed: name };
  });
}

/** Log session's address for a planned session: ids and times only, never names. */
export function logHref(prefill: {
  studentIds: string[];
  model: string;
  routineId: string | null;
  startTime: string;
  endTime: string;
}): string {
  const q = new URLSearchParams({
    students: prefill.studentIds.join(','),
    model: prefill.model,
    start: prefill.startTime,
    end: prefill.endTime,
  });
  if (prefill.routineId) q.set('routine', prefill.routineId);
  return `/log-session?${q.toString()}`;
}
