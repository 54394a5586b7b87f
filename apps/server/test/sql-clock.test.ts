import { testTargets } from '@carryover/db/testing';
import { describe, expect, it } from 'vitest';
import { SqlClock } from '../bench/sql-clock';

// The bench's SQL time is the time statements were in flight, counted once however many ran side
// by side: two 150 ms statements at once are about 150 ms of it, one after the other 300 ms.

const postgres = (await testTargets()).filter((t) => t.dialect === 'postgres');
const SLEEP_MS = 150;

describe.skipIf(postgres.length === 0)('bench SQL clock (Postgres)', () => {
  it('counts statements running side by side once, and statements in turn each', async () => {
    const clock = new SqlClock();
    const conn = await postgres[0]!.open({ log: clock.log });
    try {
      const nap = () =>
        conn.db
          .selectNoFrom((eb) => eb.fn('pg_sleep', [eb.val(SLEEP_MS / 1000)]).as('slept'))
          .execute();
      clock.reset();
      await Promise.all([nap(), nap()]);
      const together = clock.busyMs();
      clock.reset();
      await nap();
      await nap();
      const inTurn = clock.busyMs();
      expect(together).toBeGreaterThanOrEqual(SLEEP_MS);
      // Summed, the two would be at least 300 ms.
      expect(together).toBeLessThan(2 * SLEEP_MS);
      expect(inTurn).toBeGreaterThanOrEqual(2 * SLEEP_MS);
    } finally {
      await conn.close();
    }
  });
});

describe('bench SQL clock', () => {
  it('forgets what it saw at reset, and ignores failed statements', () => {
    const clock = new SqlClock();
    clock.log({ level: 'query', queryDurationMillis: 5 });
    expect(clock.busyMs()).toBeCloseTo(5, 6);
    clock.reset();
    clock.log({ level: 'error', queryDurationMillis: 40 });
    expect(clock.busyMs()).toBe(0);
  });
});
