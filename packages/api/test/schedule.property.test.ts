import {
  buildCandidates,
  type Caseload,
  DEFAULT_STEP,
  overlaps,
  type PlannedSession,
  type ScheduleClassroom,
  type ScheduleService,
  type ScheduleStudent,
  scheduleConflicts,
  type TimeBlock,
  type Weekday,
  weeklyTarget,
} from '@carryover/domain';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { autoSchedule, loadHighs } from '../src/schedule/solve';

// The auto-scheduler against its rules, on random small caseloads: real HiGHS, and on tiny
// cases an exhaustive search over the same admissible times to say whether the minutes fit.

const day = fc.integer({ min: 0, max: 2 }).map((d) => d as Weekday);
const hour = (h: number) => h * 60;

const tiny = fc
  .record({
    schools: fc.integer({ min: 1, max: 2 }),
    routines: fc.array(
      fc.record({
        days: fc.uniqueArray(day, { minLength: 1, maxLength: 2 }),
        start: fc.integer({ min: 16, max: 26 }).map((q) => q * 30),
        minutes: fc.constantFrom(20, 30, 45, 60),
      }),
      { minLength: 1, maxLength: 3 },
    ),
    protectedDay: day,
    protectedStart: fc.integer({ min: 16, max: 26 }).map((q) => q * 30),
    students: fc.array(
      fc.record({
        school: fc.integer({ min: 0, max: 1 }),
        grade: fc.integer({ min: 0, max: 5 }),
        linked: fc.uniqueArray(fc.integer({ min: 0, max: 2 }), { maxLength: 2 }),
        model: fc.constantFrom('push_in' as const, 'pull_out' as const),
        minutes: fc.constantFrom(20, 30, 60, 90),
        sessionMinutes: fc.constantFrom(20, 30),
        blocked: fc.boolean(),
      }),
      { minLength: 1, maxLength: 3 },
    ),
    days: fc.array(
      fc.record({
        day,
        school: fc.integer({ min: 0, max: 1 }),
        from: fc.integer({ min: 15, max: 20 }),
        hours: fc.integer({ min: 1, max: 4 }),
      }),
      { minLength: 1, maxLength: 3 },
    ),
    travel: fc.constantFrom(10, 20, 40),
    // Mondays split between the two schools, this many minutes apart.
    split: fc.option(fc.constantFrom(0, 15, 30), { nil: undefined }),
    cap: fc.integer({ min: 1, max: 3 }),
  })
  .map((g): Caseload => {
    const schools = Array.from({ length: g.schools }, (_, i) => ({
      id: `sch${i}`,
      name: `School ${i}`,
      pullOutRoom: `Room ${i}`,
    }));
    const classrooms: ScheduleClassroom[] = schools.map((s) => ({
      id: `${s.id}-c`,
      name: `Class ${s.id}`,
      schoolId: s.id,
      routines: g.routines.map((r, i) => ({
        id: `r${i}`,
        name: `Routine ${i}`,
        blocks: r.days.map((d) => ({ day: d, start: r.start, end: r.start + r.minutes })),
      })),
      protectedBlocks: [
        { day: g.protectedDay, start: g.protectedStart, end: g.protectedStart + 30 },
      ],
    }));
    const students: ScheduleStudent[] = [];
    const services: ScheduleService[] = [];
    for (const [i, s] of g.students.entries()) {
      const room = classrooms[s.school % g.schools] as ScheduleClassroom;
      students.push({
        id: `st${i}`,
        name: `Student ${i}`,
        grade: s.grade,
        classroomId: room.id,
        goals: [
          {
            id: `g${i}`,
            title: `goal ${i}`,
            routineIds: s.linked.filter((r) => r < g.routines.length).map((r) => `r${r}`),
          },
        ],
        protectedBlocks: s.blocked ? [{ day: 0, start: hour(9), end: hour(10) }] : [],
      });
      services.push({
        id: `sv${i}`,
        studentId: `st${i}`,
        discipline: 'ot',
        model: s.model,
        minutes: s.minutes,
        per: 'week',
        sessionMinutes: s.sessionMinutes,
        goalIds: [`g${i}`],
      });
    }
    // Therapist days: one window per day (the first drawn), so windows never overlap.
    const seen = new Set<number>();
    const days = g.days
      .filter((d) => !seen.has(d.day) && seen.add(d.day))
      .map((d) => ({
        day: d.day,
        schoolId: `sch${d.school % g.schools}`,
        start: d.from * 30,
        end: d.from * 30 + hour(d.hours),
      }));
    if (g.split !== undefined && g.schools > 1) {
      const rest = days.filter((d) => d.day !== 0);
      days.length = 0;
      days.push(
        { day: 0, schoolId: 'sch0', start: hour(8), end: hour(10) },
        { day: 0, schoolId: 'sch1', start: hour(10) + g.split, end: hour(12) },
        ...rest,
      );
    }
    return {
      therapist: {
        id: 't',
        name: 'Therapist',
        days,
        travel: g.schools > 1 ? [{ from: 'sch0', to: 'sch1', minutes: g.travel }] : [],
        lunch: { earliest: hour(11), latest: hour(13), minutes: 30 },
        groupCap: { push_in: g.cap, pull_out: g.cap },
      },
      schools,
      classrooms,
      students,
      services,
    };
  });

/** Exhaustive search: each service takes at most one admissible slot a day; same slot = same
 *  group session. Feasible = no conflict, a lunch each working day, every target met. Null when
 *  the case is too big to search. */
function bruteForceFeasible(caseload: Caseload): boolean | null {
  const { slots, byService } = buildCandidates(caseload);
  const options: string[][][] = caseload.services.map((service) => {
    const list = byService.get(service.id) ?? [];
    const perDay = new Map<number, string[]>();
    for (const c of list) {
      const d = slots.get(c.slotKey)?.day as number;
      perDay.set(d, [...(perDay.get(d) ?? []), c.slotKey]);
    }
    let combos: string[][] = [[]];
    for (const keys of perDay.values()) {
      combos = combos.flatMap((c) => [c, ...keys.map((k) => [...c, k])]);
    }
    const target = weeklyTarget(service);
    return combos.filter(
      (c) =>
        c.reduce((sum, k) => sum + ((slots.get(k)?.end ?? 0) - (slots.get(k)?.start ?? 0)), 0) >=
        target,
    );
  });
  if (options.reduce((n, o) => n * Math.max(1, o.length), 1) > 20_000) return null;
  if (options.some((o) => o.length === 0)) return false;
  const lunch = caseload.therapist.lunch;
  const workDays = [...new Set(caseload.therapist.days.map((d) => d.day))];
  const pick = (i: number, chosen: string[][]): boolean => {
    if (i === options.length) {
      const sessions = new Map<string, PlannedSession>();
      for (const [s, keys] of chosen.entries()) {
        const service = caseload.services[s] as ScheduleService;
        for (const key of keys) {
          const slot = slots.get(key);
          if (!slot) continue;
          const session = sessions.get(key) ?? { ...slot, serviceIds: [], studentIds: [] };
          session.serviceIds.push(service.id);
          if (!session.studentIds.includes(service.studentId))
            session.studentIds.push(service.studentId);
          sessions.set(key, session);
        }
      }
      const list = [...sessions.values()];
      const lunches: TimeBlock[] = [];
      for (const d of workDays) {
        for (
          let start = lunch.earliest;
          start + lunch.minutes <= lunch.latest;
          start += DEFAULT_STEP
        ) {
          const l = { day: d, start, end: start + lunch.minutes };
          if (!list.some((s) => s.day === d && overlaps(s, l))) {
            lunches.push(l);
            break;
          }
        }
      }
      return scheduleConflicts(caseload, list, lunches).length === 0;
    }
    return (options[i] as string[][]).some((o) => pick(i + 1, [...chosen, o]));
  };
  return pick(0, []);
}

beforeAll(async () => {
  await loadHighs();
});

describe('auto-schedule properties', () => {
  it('never overlaps, respects travel, protected blocks, caps, lunch; push-in stays in a linked routine', async () => {
    await fc.assert(
      fc.asyncProperty(tiny, async (caseload) => {
        const result = await autoSchedule(caseload, { relativeGap: 0 });
        expect(scheduleConflicts(caseload, result.sessions, result.lunches)).toEqual([]);
        for (const s of result.sessions.filter((x) => x.model === 'push_in')) {
          for (const id of s.studentIds) {
            const goals = caseload.students.find((x) => x.id === id)?.goals ?? [];
            expect(goals.some((g) => g.routineIds.includes(s.routineId ?? ''))).toBe(true);
          }
        }
      }),
      { numRuns: 30 },
    );
  });

  it('re-plans a current schedule without moving it, and after one change moves only that service', async () => {
    const placements = (sessions: { key: string; serviceIds: string[] }[]) =>
      sessions.flatMap((s) => s.serviceIds.map((id) => `${id}@${s.key}`)).sort();
    await fc.assert(
      fc.asyncProperty(tiny, async (caseload) => {
        const week = await autoSchedule(caseload, { relativeGap: 0 });
        const same = await autoSchedule(
          { ...caseload, current: week.sessions },
          { relativeGap: 0 },
        );
        expect(placements(same.sessions)).toEqual(placements(week.sessions));
        // Drop the first service of a week that meets every target: nobody else moves.
        if (week.unplaced.length > 0) return;
        const dropped = caseload.services[0]?.id;
        const fewer = await autoSchedule(
          { ...caseload, current: week.sessions, services: caseload.services.slice(1) },
          { relativeGap: 0 },
        );
        const kept = placements(week.sessions).filter((p) => !p.startsWith(`${dropped}@`));
        expect(placements(fewer.sessions)).toEqual(kept);
      }),
      { numRuns: 25 },
    );
  });

  it('meets every target whenever exhaustive search finds a schedule, and explains every shortfall', async () => {
    let feasibleSeen = 0;
    let infeasibleSeen = 0;
    await fc.assert(
      fc.asyncProperty(tiny, async (caseload) => {
        const feasible = bruteForceFeasible(caseload);
        fc.pre(feasible !== null);
        const result = await autoSchedule(caseload, { relativeGap: 0 });
        if (feasible) {
          feasibleSeen++;
          expect(result.unplaced).toEqual([]);
        } else {
          infeasibleSeen++;
          expect(result.unplaced.length).toBeGreaterThan(0);
        }
        for (const u of result.unplaced) {
          expect(u.minutesShort).toBeGreaterThan(0);
          expect(u.message.length).toBeGreaterThan(10);
        }
      }),
      { numRuns: 80 },
    );
    // Both sides of the property were exercised.
    expect(feasibleSeen).toBeGreaterThan(0);
    expect(infeasibleSeen).toBeGreaterThan(0);
  });
});

describe('auto-schedule, rules that bind', () => {
  it('leaves travel time between schools even when that costs minutes, and says why', async () => {
    const student = (id: string, school: string, grade: number): ScheduleStudent => ({
      id,
      name: id,
      grade,
      classroomId: `${school}-c`,
      goals: [],
      protectedBlocks: [],
    });
    const pullOut = (id: string): ScheduleService => ({
      id: `sv-${id}`,
      studentId: id,
      discipline: 'ot',
      model: 'pull_out',
      minutes: 30,
      per: 'week',
      sessionMinutes: 30,
      goalIds: [],
    });
    const caseload: Caseload = {
      therapist: {
        id: 't',
        name: 'Therapist',
        days: [
          { day: 0, schoolId: 'a', start: hour(9), end: hour(10) },
          { day: 0, schoolId: 'b', start: hour(10), end: hour(11) },
        ],
        travel: [{ from: 'a', to: 'b', minutes: 15 }],
        lunch: { earliest: hour(11), latest: hour(13), minutes: 30 },
        groupCap: { push_in: 1, pull_out: 1 },
      },
      schools: [
        { id: 'a', name: 'Adams', pullOutRoom: 'Room 1' },
        { id: 'b', name: 'Baker', pullOutRoom: 'Room 2' },
      ],
      classrooms: ['a', 'b'].map((s) => ({
        id: `${s}-c`,
        name: `Class ${s}`,
        schoolId: s,
        routines: [],
        protectedBlocks: [],
      })),
      students: [
        student('a1', 'a', 1),
        student('a2', 'a', 4),
        student('b1', 'b', 1),
        student('b2', 'b', 4),
      ],
      services: ['a1', 'a2', 'b1', 'b2'].map(pullOut),
    };
    const week = await autoSchedule(caseload, { relativeGap: 0 });
    expect(scheduleConflicts(caseload, week.sessions, week.lunches)).toEqual([]);
    expect(week.sessions).toHaveLength(3);
    expect(week.unplaced).toHaveLength(1);
    expect(week.unplaced[0]?.binding).toBe('time-full');
  });
});
