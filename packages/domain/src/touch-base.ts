import { isoWeekday } from './dates';
import type { IsoDate } from './model';
import { routineWords, TOUCH_BASE_MINUTES } from './routines';

// Touch base outside push-in time (docs/domain.md): progress is not discussed in front of students.
// A push-in slot is a push-in plan at its routine's weekdays and times; a touch-base that
// overlaps a slot one of its participants works in gets a warning.

export interface PushInSlot {
  planId: string;
  routineName: string;
  classroom: string;
  weekdays: readonly number[];
  startTime: string;
  endTime: string;
  /** The therapist of the plan and the classroom's teacher. */
  staffIds: readonly string[];
  studentName: string;
}

export interface TouchBaseConflict {
  planId: string;
  message: string;
}

function minutesOf(time: string): number {
  const [h, m] = time.split(':').map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
}

/** `HH:MM` plus minutes, clamped to the day. */
export function addMinutes(time: string, minutes: number): string {
  const total = Math.min(minutesOf(time) + minutes, 23 * 60 + 59);
  return `${String(Math.floor(total / 60)).padStart(2, '0')}:${String(total % 60).padStart(2, '0')}`;
}

/**
 * The push-in slots a touch-base on `date` at `startTime` (lasting `TOUCH_BASE_MINUTES`) would
 * overlap for one of `participantIds`. No start time: no conflict can be known.
 */
export function touchBaseConflicts(
  meeting: { date: IsoDate; startTime?: string | null; participantIds: readonly string[] },
  slots: readonly PushInSlot[],
  names: ReadonlyMap<string, string> = new Map(),
): TouchBaseConflict[] {
  if (!meeting.startTime) return [];
  const weekday = isoWeekday(meeting.date);
  const start = minutesOf(meeting.startTime);
  const end = start + TOUCH_BASE_MINUTES;
  const people = new Set(meeting.participantIds);
  const out: TouchBaseConflict[] = [];
  for (const slot of slots) {
    if (!slot.weekdays.includes(weekday)) continue;
    if (!(start < minutesOf(slot.endTime) && minutesOf(slot.startTime) < end)) continue;
    const busy = slot.staffIds.filter((id) => people.has(id));
    if (busy.length === 0) continue;
    const who = busy.map((id) => names.get(id) ?? 'A participant').join(' and ');
    out.push({
      planId: slot.planId,
      message: `${who} ${busy.length > 1 ? 'are' : 'is'} in push-in for ${slot.studentName} during ${routineWords(slot.routineName)} (${slot.classroom}, ${slot.startTime}–${slot.endTime}): progress is not discussed in front of students.`,
    });
  }
  return out;
}
