import { overlaps, travelMinutes } from './candidates';
import type { Caseload, TimeBlock, Weekday } from './types';

// An exact decomposition: schools whose therapist windows never come within travel time of
// each other (and never share the lunch window on a day) do not interact, so each group of
// schools is its own, much smaller, MILP. Lunches on days no window touches the lunch window
// are free and returned here.

export interface SplitCaseload {
  parts: Caseload[];
  freeLunches: TimeBlock[];
}

export function splitCaseload(caseload: Caseload): SplitCaseload {
  const parent = new Map<string, string>();
  const find = (x: string): string => {
    const p = parent.get(x) ?? x;
    if (p === x) return x;
    const root = find(p);
    parent.set(x, root);
    return root;
  };
  const union = (a: string, b: string) => parent.set(find(a), find(b));
  for (const s of caseload.schools) parent.set(s.id, s.id);
  const { days, lunch } = caseload.therapist;
  for (const [i, a] of days.entries()) {
    for (const b of days.slice(i + 1)) {
      if (a.day !== b.day || a.schoolId === b.schoolId) continue;
      const gap = Math.max(a.start, b.start) - Math.min(a.end, b.end);
      if (gap < travelMinutes(caseload, a.schoolId, b.schoolId)) union(a.schoolId, b.schoolId);
    }
  }
  const lunchRange = (day: Weekday) => ({ start: lunch.earliest, end: lunch.latest, day });
  const workDays = [...new Set(days.map((d) => d.day))];
  const lunchOwner = new Map<Weekday, string>();
  const freeLunches: TimeBlock[] = [];
  for (const day of workDays) {
    const touching = days.filter((d) => d.day === day && overlaps(d, lunchRange(day)));
    for (const d of touching.slice(1))
      union((touching[0] as (typeof touching)[number]).schoolId, d.schoolId);
    if (touching[0]) lunchOwner.set(day, touching[0].schoolId);
    else freeLunches.push({ day, start: lunch.earliest, end: lunch.earliest + lunch.minutes });
  }
  const groups = new Map<string, Set<string>>();
  for (const s of caseload.schools) {
    const root = find(s.id);
    groups.set(root, (groups.get(root) ?? new Set()).add(s.id));
  }
  const classroomSchool = new Map(caseload.classrooms.map((c) => [c.id, c.schoolId]));
  const studentSchool = new Map(
    caseload.students.map((s) => [s.id, classroomSchool.get(s.classroomId) ?? '']),
  );
  const parts: Caseload[] = [];
  for (const schools of groups.values()) {
    const services = caseload.services.filter((s) =>
      schools.has(studentSchool.get(s.studentId) ?? ''),
    );
    const lunchDays = workDays.filter((d) => schools.has(lunchOwner.get(d) ?? ''));
    const partDays = days.filter((d) => schools.has(d.schoolId));
    if (services.length === 0 && lunchDays.length === 0) continue;
    const part: Caseload = {
      ...caseload,
      therapist: { ...caseload.therapist, days: partDays },
      schools: caseload.schools.filter((s) => schools.has(s.id)),
      classrooms: caseload.classrooms.filter((c) => schools.has(c.schoolId)),
      students: caseload.students.filter((s) => schools.has(studentSchool.get(s.id) ?? '')),
      services,
      lunchDays,
    };
    if (caseload.current) part.current = caseload.current.filter((s) => schools.has(s.schoolId));
    parts.push(part);
  }
  return { parts, freeLunches };
}
