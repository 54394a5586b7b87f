import {
  loadScheduleSessions,
  loadScheduleWorld,
  newId,
  type ScheduleProvider,
  scheduleNames,
} from '@carryover/db';
import {
  addDays,
  type BindingConstraint,
  type IsoDate,
  initialsOf,
  minutesToClock,
  occurrenceHappens,
  type PlannedSession,
  plannedOf,
  type TimeBlock,
  weekStart,
} from '@carryover/domain';
import type { Context, Viewer } from '../trpc';
import { solveOffThread } from '../workers/schedule-pool';
import { expandSessions, visibleStudents } from './week';

// Auto-schedule from the stored data: the provider's caseload (services, goals' linked
// routines, homerooms' routine times, protected blocks, school days, travel, lunch, group caps)
// and the current schedule for stability, solved by HiGHS off the request thread. The proposal
// is kept as data (`schedule_proposal`) until it is accepted.

type Ctx = Pick<Context, 'db' | 'now' | 'log'> & { viewer: Viewer };

export interface ProposalPlacement {
  /** Stable within the proposal: what `accept({ chosen })` names. */
  key: string;
  weekday: number;
  startTime: string;
  endTime: string;
  minutes: number;
  model: 'push_in' | 'pull_out';
  schoolId: string;
  classroomId: string | null;
  routineId: string | null;
  room: string | null;
  studentIds: string[];
  /** The service (the stored id) each student is served under, aligned with `studentIds`. */
  serviceIds: (string | null)[];
  explanations: string[];
  /** Same place and time as a session of the current schedule. */
  unchanged: boolean;
}

export interface ProposalUnplaced {
  serviceId: string;
  studentId: string;
  minutesShort: number;
  binding: BindingConstraint;
  message: string;
}

export interface ProposalPayload {
  weekOf: IsoDate;
  studentIds: string[];
  placements: ProposalPlacement[];
  unplaced: ProposalUnplaced[];
  lunches: { weekday: number; startTime: string; endTime: string }[];
  status: string;
  gap: number;
}

/** The stored id of a scheduler service (a split service's part is `<id>:<model>`). */
const storedServiceId = (id: string) => id.split(':')[0] as string;

export async function proposeSchedule(
  ctx: Ctx,
  provider: ScheduleProvider,
  options: { today: IsoDate; studentIds?: readonly string[]; weekOf?: IsoDate },
) {
  const d = ctx.viewer.districtId;
  const weekOf = weekStart(options.weekOf ?? addDays(weekStart(options.today), 7));
  const world = await loadScheduleWorld(ctx.db, d, provider, options.today, {
    studentIds: options.studentIds,
  });
  const { caseload } = world;
  const serviceIds = new Set(caseload.services.map((s) => s.id));
  const solverServiceOf = (stored: string | null, model: string) =>
    stored === null
      ? null
      : serviceIds.has(stored)
        ? stored
        : serviceIds.has(`${stored}:${model}`)
          ? `${stored}:${model}`
          : null;
  // The current week for stability: what is planned in the proposal's week.
  const rows = await loadScheduleSessions(
    ctx.db,
    d,
    { providerIds: [provider.id] },
    { from: weekOf, to: addDays(weekOf, 4) },
  );
  const current: PlannedSession[] = (await expandSessions(ctx, rows, weekOf, addDays(weekOf, 4)))
    .filter((o) => o.status === 'planned')
    .map((o) => {
      const p = plannedOf(o);
      const services = o.session.students
        .map((s) => solverServiceOf(s.serviceId, o.session.model))
        .filter((x): x is string => x !== null);
      return { ...p, serviceIds: services };
    })
    .filter((p) => p.serviceIds.length > 0);
  // The caseload's students are also seen by other providers (an SLP and an OT share many):
  // the times those sessions take are the student's, so the proposal must leave them free.
  const caseloadStudentIds = caseload.students.map((s) => s.id);
  const othersRows = (
    await loadScheduleSessions(
      ctx.db,
      d,
      { studentIds: caseloadStudentIds },
      { from: weekOf, to: addDays(weekOf, 4) },
    )
  ).filter((r) => r.providerId !== provider.id);
  const busyElsewhere = new Map<string, TimeBlock[]>();
  for (const o of await expandSessions(ctx, othersRows, weekOf, addDays(weekOf, 4))) {
    if (!occurrenceHappens(o)) continue;
    const p = plannedOf(o);
    for (const id of p.studentIds) {
      const blocks = busyElsewhere.get(id) ?? [];
      blocks.push({ day: p.day, start: p.start, end: p.end });
      busyElsewhere.set(id, blocks);
    }
  }
  const students = caseload.students.map((s) => {
    const busy = busyElsewhere.get(s.id);
    return busy ? { ...s, protectedBlocks: [...s.protectedBlocks, ...busy] } : s;
  });
  const started = performance.now();
  const solved = await solveOffThread({ ...caseload, students, current });
  const seconds = (performance.now() - started) / 1000;
  const services = new Map(caseload.services.map((s) => [s.id, s]));
  const same = (a: PlannedSession, b: PlannedSession) =>
    a.day === b.day &&
    a.start === b.start &&
    a.end === b.end &&
    a.model === b.model &&
    a.classroomId === b.classroomId &&
    a.routineId === b.routineId;
  const placements: ProposalPlacement[] = solved.sessions.map((s, i) => {
    const studentIds: string[] = [];
    const stored: (string | null)[] = [];
    for (const id of s.serviceIds) {
      const service = services.get(id);
      if (!service || studentIds.includes(service.studentId)) continue;
      studentIds.push(service.studentId);
      stored.push(storedServiceId(id));
    }
    return {
      key: `p${i + 1}-${s.key}`,
      weekday: s.day + 1,
      startTime: minutesToClock(s.start),
      endTime: minutesToClock(s.end),
      minutes: s.end - s.start,
      model: s.model,
      schoolId: s.schoolId,
      classroomId: s.classroomId,
      routineId: s.routineId,
      room: s.room,
      studentIds,
      serviceIds: stored,
      explanations: s.explanations,
      unchanged: current.some((c) => same(c, s)),
    };
  });
  const payload: ProposalPayload = {
    weekOf,
    studentIds: [...new Set(caseload.services.map((s) => s.studentId))],
    placements,
    unplaced: solved.unplaced.map((u) => ({ ...u, serviceId: storedServiceId(u.serviceId) })),
    lunches: solved.lunches.map((l) => ({
      weekday: l.day + 1,
      startTime: minutesToClock(l.start),
      endTime: minutesToClock(l.end),
    })),
    status: solved.status,
    gap: solved.gap,
  };

  // The view, with names where the viewer may see them.
  const names = await scheduleNames(
    ctx.db,
    d,
    placements.map((p) => ({
      id: p.key,
      providerId: provider.id,
      schoolId: p.schoolId,
      weekday: p.weekday,
      startTime: p.startTime,
      minutes: p.minutes,
      model: p.model,
      classroomId: p.classroomId,
      routineId: p.routineId,
      room: p.room,
      validFrom: weekOf,
      validTo: null,
      students: [...p.studentIds, ...payload.unplaced.map((u) => u.studentId)].map((id) => ({
        studentId: id,
        serviceId: null,
      })),
    })),
  );
  const visible = await visibleStudents(ctx, options.today, payload.studentIds);
  const studentView = (id: string) => {
    const n = names.students.get(id) ?? world.students.get(id);
    return {
      id,
      name: n && visible.has(id) ? `${n.firstName} ${n.lastName}` : null,
      initials: n ? initialsOf(n.firstName, n.lastName) : '?',
    };
  };
  const proposalId = newId();
  const view = {
    proposalId,
    providerId: provider.id,
    weekOf,
    status: solved.status,
    gap: solved.gap,
    seconds,
    size: solved.size,
    placements: placements.map((p) => ({
      key: p.key,
      weekday: p.weekday,
      startTime: p.startTime,
      endTime: p.endTime,
      minutes: p.minutes,
      model: p.model,
      school: { id: p.schoolId, name: names.schools.get(p.schoolId) ?? 'School' },
      classroom: p.classroomId
        ? { id: p.classroomId, name: names.classrooms.get(p.classroomId)?.name ?? 'Classroom' }
        : null,
      routine: p.routineId
        ? { id: p.routineId, name: names.routines.get(p.routineId) ?? 'Routine' }
        : null,
      room: p.room,
      students: p.studentIds.map(studentView),
      explanations: visible.size === payload.studentIds.length ? p.explanations : [],
      unchanged: p.unchanged,
    })),
    unplaced: payload.unplaced.map((u) => ({
      ...u,
      student: studentView(u.studentId),
    })),
    lunches: payload.lunches,
    studentIds: payload.studentIds,
  };
  return { proposalId, payload, view };
}
