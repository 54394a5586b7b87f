import {
  buildCandidates,
  type CandidateSet,
  clock,
  DEFAULT_STEP,
  dayLabel,
  gradeWords,
  type Slot,
  travelMinutes,
  weeklyTarget,
} from './candidates';
import type { Caseload, PlannedSession, TimeBlock, Weekday } from './types';

// The auto-scheduler as a mixed-integer linear programme, written as data in the CPLEX LP
// text format (what HiGHS reads). The model is stated in packages/domain/README.md.

export const WEIGHTS = {
  /** Per minute of a service's weekly target left unplaced. */
  shortMinute: 1000,
  /** Per session the therapist runs: fewer, fuller sessions (groups) are better. */
  session: 10,
  /** Per student placement: no extra sessions beyond the target. */
  placement: 1,
  /** Per placement of a service that is not where the current schedule has it. */
  move: 40,
} as const;

export interface MilpModel {
  lp: string;
  candidates: CandidateSet;
  /** Column name → what it is. */
  slotVar: Map<string, string>;
  placementVar: { name: string; serviceId: string; slotKey: string; reason: string }[];
  shortVar: Map<string, string>;
  lunchVar: { name: string; day: Weekday; start: number; end: number }[];
  targets: Map<string, number>;
  counts: { variables: number; constraints: number };
}

function terms(parts: [number, string][]): string {
  const out: string[] = [];
  for (const [i, [coef, name]] of parts.entries()) {
    const sign = coef < 0 ? '-' : i === 0 ? '' : '+';
    const abs = Math.abs(coef);
    out.push(`${sign}${sign ? ' ' : ''}${abs === 1 ? '' : `${abs} `}${name}`);
  }
  // LP readers limit line length: ten terms a line.
  const lines: string[] = [];
  for (let i = 0; i < out.length; i += 10) lines.push(out.slice(i, i + 10).join(' '));
  return lines.join('\n   ');
}

/** Interval cliques: for each start time, everything running then. Dominated sets dropped. */
function cliques<T>(items: { start: number; end: number; ref: T }[]): T[][] {
  const points = [...new Set(items.map((i) => i.start))].sort((a, b) => a - b);
  const out: T[][] = [];
  let previous = '';
  for (const t of points) {
    const here = items.filter((i) => i.start <= t && t < i.end);
    if (here.length < 2) continue;
    const id = here.map((h) => String(h.ref)).join(',');
    if (id === previous) continue;
    previous = id;
    out.push(here.map((h) => h.ref));
  }
  return out;
}

export function buildScheduleModel(caseload: Caseload): MilpModel {
  const candidates = buildCandidates(caseload);
  const step = caseload.step ?? DEFAULT_STEP;
  const slotVar = new Map<string, string>();
  let n = 0;
  for (const key of candidates.slots.keys()) slotVar.set(key, `y${n++}`);
  const placementVar: MilpModel['placementVar'] = [];
  const shortVar = new Map<string, string>();
  const targets = new Map<string, number>();
  const current = new Map<string, Set<string>>();
  for (const s of caseload.current ?? []) {
    for (const id of s.serviceIds) {
      const set = current.get(id) ?? new Set<string>();
      set.add(s.key);
      current.set(id, set);
    }
  }
  for (const [i, service] of caseload.services.entries()) {
    shortVar.set(service.id, `s${i}`);
    targets.set(service.id, weeklyTarget(service));
    for (const c of candidates.byService.get(service.id) ?? []) {
      placementVar.push({
        name: `x${placementVar.length}`,
        serviceId: service.id,
        slotKey: c.slotKey,
        reason: c.reason,
      });
    }
  }
  const lunchVar: MilpModel['lunchVar'] = [];
  const { lunch } = caseload.therapist;
  const workDays = caseload.lunchDays ?? [...new Set(caseload.therapist.days.map((d) => d.day))];
  for (const day of workDays) {
    for (let start = lunch.earliest; start + lunch.minutes <= lunch.latest; start += step) {
      lunchVar.push({ name: `l${lunchVar.length}`, day, start, end: start + lunch.minutes });
    }
  }

  const objective: [number, string][] = [];
  for (const [id, name] of shortVar)
    if ((targets.get(id) ?? 0) > 0) objective.push([WEIGHTS.shortMinute, name]);
  // Sessions cost a little more the later in the week they start: this breaks the symmetry
  // of equally good times, which otherwise keeps the solver from closing its gap.
  for (const [key, name] of slotVar) {
    const s = candidates.slots.get(key) as Slot;
    const later = Math.round(((s.day * 24 * 60 + s.start) / (5 * 24 * 60)) * 1000) / 1000;
    objective.push([WEIGHTS.session + later, name]);
  }
  for (const p of placementVar) {
    const was = current.get(p.serviceId);
    const moved = was !== undefined && !was.has(p.slotKey);
    objective.push([WEIGHTS.placement + (moved ? WEIGHTS.move : 0), p.name]);
  }

  const rows: string[] = [];
  const add = (name: string, parts: [number, string][], rel: string) => {
    if (parts.length > 0) rows.push(` ${name}: ${terms(parts)} ${rel}`);
  };
  const slotOf = (key: string) => candidates.slots.get(key) as Slot;
  const bySlot = new Map<string, MilpModel['placementVar']>();
  for (const p of placementVar) {
    const list = bySlot.get(p.slotKey) ?? [];
    list.push(p);
    bySlot.set(p.slotKey, list);
  }

  // Minutes: placed minutes plus shortfall reach the weekly target.
  for (const [i, service] of caseload.services.entries()) {
    const mine = placementVar.filter((p) => p.serviceId === service.id);
    const parts: [number, string][] = mine.map((p) => {
      const slot = slotOf(p.slotKey);
      return [slot.end - slot.start, p.name];
    });
    parts.push([1, shortVar.get(service.id) as string]);
    add(`min${i}`, parts, `>= ${targets.get(service.id)}`);
    // At most one session of a service a day.
    const days = new Map<number, [number, string][]>();
    for (const p of mine) {
      const d = slotOf(p.slotKey).day;
      days.set(d, [...(days.get(d) ?? []), [1, p.name]]);
    }
    for (const [d, list] of days) if (list.length > 1) add(`day${i}_${d}`, list, '<= 1');
  }
  // A student joins only a session the therapist runs; a group stays within its cap.
  for (const [key, list] of bySlot) {
    const y = slotVar.get(key) as string;
    for (const p of list)
      add(
        `on${p.name}`,
        [
          [1, p.name],
          [-1, y],
        ],
        '<= 0',
      );
    const cap = slotOf(key).cap;
    if (list.length > cap)
      add(`cap${y}`, [...list.map((p): [number, string] => [1, p.name]), [-cap, y]], '<= 0');
  }
  // The therapist is in one place at a time, lunch included.
  let k = 0;
  for (const day of [0, 1, 2, 3, 4] as Weekday[]) {
    const items: { start: number; end: number; ref: string }[] = [];
    for (const [key, name] of slotVar) {
      const s = slotOf(key);
      if (s.day === day) items.push({ start: s.start, end: s.end, ref: name });
    }
    for (const l of lunchVar)
      if (l.day === day) items.push({ start: l.start, end: l.end, ref: l.name });
    for (const clique of cliques(items))
      add(
        `t${k++}`,
        clique.map((r) => [1, r]),
        '<= 1',
      );
  }
  // One lunch a working day.
  for (const day of workDays) {
    const list = lunchVar.filter((l) => l.day === day);
    if (list.length > 0)
      add(
        `lunch${day}`,
        list.map((l) => [1, l.name]),
        '= 1',
      );
  }
  // Travel: two sessions at different schools need the travel time between them.
  const bySchoolDay = [...candidates.slots.values()];
  let tv = 0;
  for (const a of bySchoolDay) {
    for (const b of bySchoolDay) {
      if (a.day !== b.day || a.schoolId === b.schoolId || a.start > b.start) continue;
      if (a.start === b.start && a.key > b.key) continue;
      const gap = travelMinutes(caseload, a.schoolId, b.schoolId);
      if (b.start < a.end + gap && !(b.start < a.end)) {
        add(
          `tr${tv++}`,
          [
            [1, slotVar.get(a.key) as string],
            [1, slotVar.get(b.key) as string],
          ],
          '<= 1',
        );
      }
    }
  }
  // A student is in one session at a time.
  let st = 0;
  for (const student of caseload.students) {
    const services = new Set(
      caseload.services.filter((s) => s.studentId === student.id).map((s) => s.id),
    );
    if (services.size < 2) continue;
    for (const day of [0, 1, 2, 3, 4] as Weekday[]) {
      const items = placementVar
        .filter((p) => services.has(p.serviceId) && slotOf(p.slotKey).day === day)
        .map((p) => ({ start: slotOf(p.slotKey).start, end: slotOf(p.slotKey).end, ref: p.name }));
      for (const clique of cliques(items))
        add(
          `st${st++}`,
          clique.map((r) => [1, r]),
          '<= 1',
        );
    }
  }

  const bounds = [...shortVar].map(([id, name]) => ` 0 <= ${name} <= ${targets.get(id)}`);
  const binaries = [
    ...slotVar.values(),
    ...placementVar.map((p) => p.name),
    ...lunchVar.map((l) => l.name),
  ];
  const binLines: string[] = [];
  for (let i = 0; i < binaries.length; i += 12)
    binLines.push(` ${binaries.slice(i, i + 12).join(' ')}`);
  const lp = [
    'Minimize',
    ` obj: ${objective.length > 0 ? terms(objective) : '0 s0'}`,
    'Subject To',
    ...(rows.length > 0 ? rows : [' dummy: s0 >= 0']),
    'Bounds',
    ...bounds,
    ...(binLines.length > 0 ? ['Binary', ...binLines] : []),
    'End',
    '',
  ].join('\n');
  return {
    lp,
    candidates,
    slotVar,
    placementVar,
    shortVar,
    lunchVar,
    targets,
    counts: { variables: binaries.length + shortVar.size, constraints: rows.length },
  };
}

export type BindingConstraint =
  | 'no-linked-routine'
  | 'not-at-school'
  | 'protected-block'
  | 'max-minutes'
  | 'time-full';

export interface UnplacedService {
  serviceId: string;
  studentId: string;
  minutesShort: number;
  binding: BindingConstraint;
  message: string;
}

export interface ExplainedSession extends PlannedSession {
  explanations: string[];
}

export interface ScheduleProposal {
  sessions: ExplainedSession[];
  lunches: TimeBlock[];
  unplaced: UnplacedService[];
}

/** Reads a solution (column name → value) back into sessions, each explained, and the services
 *  that could not be placed with the constraint that binds them. */
export function readScheduleSolution(
  caseload: Caseload,
  model: MilpModel,
  values: Record<string, number>,
): ScheduleProposal {
  const on = (name: string) => (values[name] ?? 0) > 0.5;
  const students = new Map(caseload.students.map((s) => [s.id, s]));
  const services = new Map(caseload.services.map((s) => [s.id, s]));
  const classrooms = new Map(caseload.classrooms.map((c) => [c.id, c]));
  const sessions = new Map<string, ExplainedSession>();
  const placed = new Map<string, number>();
  for (const p of model.placementVar) {
    if (!on(p.name)) continue;
    const slot = model.candidates.slots.get(p.slotKey) as Slot;
    const service = services.get(p.serviceId);
    const student = service ? students.get(service.studentId) : undefined;
    if (!service || !student) continue;
    let session = sessions.get(slot.key);
    if (!session) {
      session = {
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
        explanations: [],
      };
      sessions.set(slot.key, session);
    }
    session.serviceIds.push(service.id);
    if (!session.studentIds.includes(student.id)) session.studentIds.push(student.id);
    const routine = slot.routineId
      ? classrooms.get(slot.classroomId ?? '')?.routines.find((r) => r.id === slot.routineId)
      : undefined;
    const where = routine ? routine.name : (slot.room ?? 'pull-out');
    session.explanations.push(
      `${dayLabel(slot.day)} ${clock(slot.start)} ${where}, ${gradeWords(student.grade)} ${student.name}: ${p.reason}`,
    );
    placed.set(service.id, (placed.get(service.id) ?? 0) + (slot.end - slot.start));
  }
  const lunches = model.lunchVar
    .filter((l) => on(l.name))
    .map((l) => ({ day: l.day, start: l.start, end: l.end }));
  const unplaced: UnplacedService[] = [];
  for (const service of caseload.services) {
    const target = model.targets.get(service.id) ?? 0;
    const short = target - (placed.get(service.id) ?? 0);
    if (short <= 0) continue;
    unplaced.push({
      serviceId: service.id,
      studentId: service.studentId,
      minutesShort: short,
      ...explainShortfall(caseload, model, service.id),
    });
  }
  const ordered = [...sessions.values()].sort((a, b) => a.day - b.day || a.start - b.start);
  return { sessions: ordered, lunches, unplaced };
}

/** The constraint that keeps a service from its minutes, in words. */
export function explainShortfall(
  caseload: Caseload,
  model: MilpModel,
  serviceId: string,
): { binding: BindingConstraint; message: string } {
  const service = caseload.services.find((s) => s.id === serviceId);
  const student = service ? caseload.students.find((s) => s.id === service.studentId) : undefined;
  const classroom = student
    ? caseload.classrooms.find((c) => c.id === student.classroomId)
    : undefined;
  const school = classroom ? caseload.schools.find((s) => s.id === classroom.schoolId) : undefined;
  if (!service || !student || !classroom) {
    return { binding: 'no-linked-routine', message: 'The student or classroom is unknown' };
  }
  const schoolName = school?.name ?? 'the school';
  const schoolDays = caseload.therapist.days.filter((d) => d.schoolId === classroom.schoolId);
  if (schoolDays.length === 0) {
    return {
      binding: 'not-at-school',
      message: `${caseload.therapist.name} has no day at ${schoolName}`,
    };
  }
  const mine = model.candidates.byService.get(service.id) ?? [];
  const target = model.targets.get(service.id) ?? 0;
  if (service.model === 'push_in') {
    const goals = student.goals.filter((g) => service.goalIds.includes(g.id));
    const linked = classroom.routines.filter((r) => goals.some((g) => g.routineIds.includes(r.id)));
    if (linked.length === 0) {
      return {
        binding: 'no-linked-routine',
        message: `No routine in ${classroom.name} is linked to ${student.name}'s goals`,
      };
    }
    if (mine.length === 0) {
      const names = linked.map((r) => `${r.name} (${blockDays(r.blocks)})`).join(', ');
      return {
        binding: 'protected-block',
        message: `${classroom.name}'s linked routines ${names} fall outside ${caseload.therapist.name}'s days at ${schoolName} or inside protected blocks`,
      };
    }
  } else if (mine.length === 0) {
    return {
      binding: 'protected-block',
      message: `Every time ${caseload.therapist.name} is at ${schoolName} is inside ${student.name}'s protected blocks`,
    };
  }
  // The most a service can get: its longest candidate each day.
  const perDay = new Map<number, number>();
  for (const c of mine) {
    const s = model.candidates.slots.get(c.slotKey) as Slot;
    perDay.set(s.day, Math.max(perDay.get(s.day) ?? 0, s.end - s.start));
  }
  const most = [...perDay.values()].reduce((a, b) => a + b, 0);
  if (most < target) {
    return {
      binding: 'max-minutes',
      message: `At most ${most} of ${target} minutes a week fit (one session a day on ${[
        ...perDay.keys(),
      ]
        .sort()
        .map((d) => dayLabel(d as Weekday))
        .join('/')})`,
    };
  }
  if (service.model === 'push_in') {
    const routines = new Map<string, { name: string; days: Set<number> }>();
    for (const c of mine) {
      const s = model.candidates.slots.get(c.slotKey) as Slot;
      const r = classroom.routines.find((x) => x.id === s.routineId);
      if (!r) continue;
      const e = routines.get(r.id) ?? { name: r.name, days: new Set<number>() };
      e.days.add(s.day);
      routines.set(r.id, e);
    }
    const words = [...routines.values()]
      .map(
        (r) =>
          `${r.name} block is ${[...r.days]
            .sort()
            .map((d) => dayLabel(d as Weekday))
            .join('/')} only`,
      )
      .join('; ');
    return { binding: 'time-full', message: `${classroom.name}'s ${words}, all taken` };
  }
  return {
    binding: 'time-full',
    message: `${caseload.therapist.name}'s time at ${schoolName} is full`,
  };
}

function blockDays(blocks: readonly TimeBlock[]): string {
  return [...new Set(blocks.map((b) => b.day))]
    .sort()
    .map((d) => dayLabel(d))
    .join('/');
}
