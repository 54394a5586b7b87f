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

  it('runs background comparisons only when no user’s waits, and a user who asks takes one over', async () => {
    outcomesCache.clear();
    const release = outcomesCache.hold();
    const order: string[] = [];
    const calls: Promise<unknown>[] = [];
    const ask = (key: string, userId: string | null) =>
      calls.push(cachedComparison(key, job, undefined, userId).then(() => order.push(key)));
    try {
      ask('ahead-0', null);
      ask('ahead-1', null);
      ask('ahead-2', null);
      ask('user-0', 'user-c');
      // Every background job waits behind the user's, however early it came.
      expect(comparisonPosition('user-0')).toMatchObject({ state: 'waiting', ahead: 0 });
      expect(comparisonPosition('ahead-0')).toMatchObject({ state: 'waiting', ahead: 1 });
      // A user asking for a waiting background comparison moves it into their line.
      ask('ahead-2', 'user-d');
      expect(comparisonPosition('ahead-2')).toMatchObject({ state: 'waiting', ahead: 1 });
      expect(comparisonPosition('ahead-0')).toMatchObject({ state: 'waiting', ahead: 2 });
      // The background line has no waiting limit of its own (it is the server's, not a user's).
      for (let i = 0; i < MAX_WAITING_PER_USER; i++) ask(`ahead-more-${i}`, null);
    } finally {
      release();
    }
    await Promise.all(calls);
    expect(order.slice(0, 5)).toEqual(['user-0', 'ahead-2', 'ahead-2', 'ahead-0', 'ahead-1']);
    expect(order).toHaveLength(5 + MAX_WAITING_PER_USER);
  }, 60_000);
});
