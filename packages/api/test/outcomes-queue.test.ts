import { afterAll, describe, expect, it } from 'vitest';
import type { ComparisonJob } from '../src/workers/comparison-job';
import {
  ComparisonQueueFullError,
  cachedComparison,
  comparisonPosition,
  MAX_WAITING_PER_USER,
  outcomesCache,
} from '../src/workers/pool';

// The worker's fair queue on its own, with real (tiny) jobs on the real worker thread: a user
// may keep MAX_WAITING_PER_USER comparisons waiting and no more, which leaves other users' lines
// open; the lines are served in turn.

const job = async (): Promise<ComparisonJob> => ({
  districtId: 'queue-test',
  asOf: '2026-03-11',
  filter: {},
  schoolIds: null,
  minStudents: 10,
  replicates: 10,
  source: { kind: 'input', input: { goals: [], gas: [] } },
});

afterAll(() => outcomesCache.terminate());

describe('the Outcomes queue', () => {
  it('refuses a user’s comparison beyond the waiting limit, not another user’s', async () => {
    outcomesCache.clear();
    const release = outcomesCache.hold();
    const order: string[] = [];
    const calls: Promise<unknown>[] = [];
    try {
      for (let i = 0; i < MAX_WAITING_PER_USER; i++)
        calls.push(
          cachedComparison(`a-${i}`, job, undefined, 'user-a').then(() => order.push(`a-${i}`)),
        );
      await expect(cachedComparison('a-over', job, undefined, 'user-a')).rejects.toBeInstanceOf(
        ComparisonQueueFullError,
      );
      calls.push(cachedComparison('b-0', job, undefined, 'user-b').then(() => order.push('b-0')));
      expect(comparisonPosition('b-0')).toMatchObject({ state: 'waiting', ahead: 1 });
      expect(comparisonPosition(`a-${MAX_WAITING_PER_USER - 1}`)).toMatchObject({
        state: 'waiting',
        ahead: MAX_WAITING_PER_USER,
      });
      expect(comparisonPosition('never-asked')).toEqual({ state: 'unknown' });
    } finally {
      release();
    }
    await Promise.all(calls);
    expect(order.slice(0, 2)).toEqual(['a-0', 'b-0']);
    expect(order).toHaveLength(MAX_WAITING_PER_USER + 1);
    // Once a line has drained, the user may queue again.
    await cachedComparison('a-again', job, undefined, 'user-a');
    expect(comparisonPosition('a-again')).toEqual({ state: 'ready' });
  }, 60_000);
});
