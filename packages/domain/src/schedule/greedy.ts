import {
  buildCandidates,
  hitsBlock,
  overlaps,
  type Slot,
  travelMinutes,
  weeklyTarget,
} from './candidates';
import type { Caseload, PlannedSession, TimeBlock, Weekday } from './types';

// A quick, deterministic placement without the solver: for the demo district, which is seeded in
// many tests and must not wait for HiGHS. It places services one at a time (push-in first: they
// have the fewest admissible times) in the first admissible slot, in day and time order, that
// keeps the week free of conflicts — joining a group already planned in the same slot when the
// cap allows — and keeps a lunch break free each working day. It is not optimal (the MILP is);
// `scheduleConflicts` of what it returns is empty.

/** Times a student is already busy (another provider's sessions), by student id. */
export type StudentBusy = Map<string, TimeBlock[]>;

export interface GreedyOptions {
  /** Other providers' sessions, so a student is never in two places; updated in place. */
  busy?: StudentBusy;
}

/** The lunch window's last half-hour each working day, kept free. */
function lunchBlocks(caseload: Caseload): TimeBlock[] {
  const { lunch, days } = caseload.therapist;
  const out: TimeBlock[] = [];
  for (const day of [...new Set(days.map((d) => d.day))].sort())
    out.push({ day, start: lunch.latest - lunch.minutes, end: lunch.latest });
  return out;
}

export function greedySchedule(caseload: Caseload, options: GreedyOptions = {}): PlannedSession[] {
  const busy = options.busy ?? new Map<string, TimeBlock[]>();
  const { slots, byService } = buildCandidates(caseload);
  const lunches = lunchBlocks(caseload);
  const services = [...caseload.services].sort(
    (a, b) => (a.model === b.model ? 0 : a.model === 'push_in' ? -1 : 1) || (a.id < b.id ? -1 : 1),
  );
  const placed = new Map<string, PlannedSession>();
  const cap = caseload.therapist.groupCap;

  const fits = (slot: Slot, studentId: string): boolean => {
    const mine = busy.get(studentId) ?? [];
    if (hitsBlock(slot.day, slot.start, slot.end, mine)) return false;
    const existing = placed.get(slot.key);
    if (existing) {
      if (existing.studentIds.includes(studentId)) return false;
      return existing.studentIds.length < cap[slot.model];
    }
    if (hitsBlock(slot.day, slot.start, slot.end, lunches)) return false;
    for (const other of placed.values()) {
      if (other.day !== slot.day) continue;
      if (overlaps(other, slot)) return false;
      if (other.schoolId !== slot.schoolId) {
        const need = travelMinutes(caseload, other.schoolId, slot.schoolId);
        const gap = other.end <= slot.start ? slot.start - other.end : other.start - slot.end;
        if (gap < need) return false;
      }
    }
    return true;
  };

  for (const service of services) {
    let need = weeklyTarget(service);
    const candidates = [...(byService.get(service.id) ?? [])]
      .map((c) => slots.get(c.slotKey) as Slot)
      .sort((a, b) => a.day - b.day || a.start - b.start || (a.key < b.key ? -1 : 1));
    const usedDays = new Set<Weekday>();
    for (const slot of candidates) {
      if (need <= 0) break;
      // One session of a service a day: spread over the week.
      if (usedDays.has(slot.day)) continue;
      if (!fits(slot, service.studentId)) continue;
      const session = placed.get(slot.key) ?? {
        key: slot.key,
        day: slot.day,
        start: slot.start,
        end: slot.end,
        schoolId: slot.schoolId,
        model: slot.model,
        classroomId: slot.classroomId,
        routineId: slot.routineId,
        room: slot.room,
        serviceIds: [],
        studentIds: [],
      };
      session.serviceIds.push(service.id);
      session.studentIds.push(service.studentId);
      placed.set(slot.key, session);
      busy.set(service.studentId, [
        ...(busy.get(service.studentId) ?? []),
        { day: slot.day, start: slot.start, end: slot.end },
      ]);
      usedDays.add(slot.day);
      need -= slot.end - slot.start;
    }
  }
  return [...placed.values()].sort((a, b) => a.day - b.day || a.start - b.start);
}
