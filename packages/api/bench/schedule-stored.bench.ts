import { seedDemoDistrict } from '@carryover/db/demo';
import { testTargets } from '@carryover/db/testing';
import { bench, describe } from 'vitest';
import { hashPassword } from '../src/auth/password';
import { stopScheduleWorker } from '../src/workers/schedule-pool';
import { as, PASSWORD } from '../test/fixtures';

// The stored schedule through the router, on a seeded 200-student demo district (SQLite): the
// demo SLP's week (occurrences, names, conflicts), and auto-schedule from the stored data
// (caseload read, HiGHS on the worker thread, proposal kept), five times each after a warm-up.
// Prints the median and the largest of each.

const once = { iterations: 1, time: 0, warmupIterations: 0, warmupTime: 0 };
const TODAY = '2027-02-18';

describe('the stored schedule, 200-student demo district', () => {
  bench(
    'schedule.week and schedule.propose for the demo SLP',
    async () => {
      const target = (await testTargets()).find((t) => t.dialect === 'sqlite');
      if (!target) return;
      const conn = await target.open();
      try {
        await seedDemoDistrict(conn.db, {
          students: 200,
          today: TODAY,
          passwordHash: await hashPassword(PASSWORD),
          emailDomain: 'bench.test',
        });
        const slp = await as(conn, 'slp@bench.test', {
          now: () => new Date(`${TODAY}T18:00:00Z`),
        });
        const time = async (f: () => Promise<unknown>) => {
          const t0 = performance.now();
          await f();
          return performance.now() - t0;
        };
        await slp.schedule.week({ weekOf: TODAY });
        await slp.schedule.propose({});
        const weeks: number[] = [];
        const proposes: number[] = [];
        let size = '';
        for (let i = 0; i < 5; i++) {
          weeks.push(await time(() => slp.schedule.week({ weekOf: TODAY })));
          proposes.push(
            await time(async () => {
              const p = await slp.schedule.propose({});
              size = `${p.placements.length} placements, ${p.unplaced.length} unplaced, gap ${(
                p.gap * 100
              ).toFixed(2)}%, ${p.size.variables} variables`;
            }),
          );
        }
        const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[2] as number;
        console.log(
          `schedule.week: median ${med(weeks).toFixed(0)} ms, max ${Math.max(...weeks).toFixed(0)} ms; ` +
            `schedule.propose: median ${med(proposes).toFixed(0)} ms, max ${Math.max(
              ...proposes,
            ).toFixed(0)} ms (${size})`,
        );
      } finally {
        await conn.close();
        await stopScheduleWorker();
      }
    },
    once,
  );
});
