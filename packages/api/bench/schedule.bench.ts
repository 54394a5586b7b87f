import { type Caseload, scheduleConflicts } from '@carryover/domain';
import { bench, describe } from 'vitest';
import { autoSchedule, loadHighs } from '../src/schedule/solve';
import { benchCaseload } from '../test/schedule-caseloads';

// Auto-schedule a 60-student caseload across 3 schools (4 classrooms a school, 5 routines a
// classroom), five caseloads (seeds) four times each after one cold solve; then re-plan each
// after one change (a student's weekly minutes go up) with the first week as the current
// schedule. Reports p95 of both, the largest optimality gap HiGHS reports, and how many
// placements the re-plan moved.
const once = { iterations: 1, time: 0, warmupIterations: 0, warmupTime: 0 };
const p95 = (xs: number[]) =>
  [...xs].sort((a, b) => a - b)[Math.ceil(xs.length * 0.95) - 1] as number;
const placements = (sessions: { key: string; serviceIds: string[] }[]) =>
  new Set(sessions.flatMap((s) => s.serviceIds.map((id) => `${id}@${s.key}`)));

describe('auto-schedule, 60 students, 3 schools', () => {
  bench(
    'auto-schedule and re-plan after one change',
    async () => {
      await loadHighs();
      let t0 = performance.now();
      await autoSchedule(benchCaseload(60, 3, 99));
      const cold = performance.now() - t0;
      const solves: number[] = [];
      const replans: number[] = [];
      const moved: number[] = [];
      let gap = 0;
      let unplaced = 0;
      let conflicts = 0;
      let size = { variables: 0, constraints: 0 };
      for (let seed = 1; seed <= 5; seed++) {
        const caseload = benchCaseload(60, 3, seed);
        let week = await autoSchedule(caseload);
        for (let i = 0; i < 4; i++) {
          t0 = performance.now();
          week = await autoSchedule(caseload);
          solves.push(performance.now() - t0);
          gap = Math.max(gap, week.gap);
        }
        unplaced += week.unplaced.length;
        conflicts += scheduleConflicts(caseload, week.sessions, week.lunches).length;
        size = week.size;
        const changed: Caseload = {
          ...caseload,
          current: week.sessions,
          services: caseload.services.map((s, i) =>
            i === seed ? { ...s, minutes: s.minutes + 30 } : s,
          ),
        };
        t0 = performance.now();
        const again = await autoSchedule(changed);
        replans.push(performance.now() - t0);
        gap = Math.max(gap, again.gap);
        const before = placements(week.sessions);
        moved.push([...placements(again.sessions)].filter((p) => !before.has(p)).length);
      }
      console.info(
        `auto-schedule 60 students: cold ${cold.toFixed(0)} ms, p95 ${p95(solves).toFixed(0)} ms ` +
          `(n=${solves.length}, ${size.variables} variables, ${size.constraints} rows); re-plan p95 ` +
          `${p95(replans).toFixed(0)} ms (n=${replans.length}), placements moved ${moved.join('/')}; ` +
          `max gap ${(gap * 100).toFixed(2)}%; unplaced services ${unplaced} of 300; conflicts ${conflicts}`,
      );
    },
    once,
  );
});
