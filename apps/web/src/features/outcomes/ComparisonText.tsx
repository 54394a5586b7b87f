import type { Difference, OutcomesFilterInput as FilterInput } from '@carryover/domain';
import { useQuery } from '@tanstack/react-query';
import { useTRPC } from '../../trpc';
import { interval } from './outcomeFormat';

// How a difference and a long comparison's wait are put in words.

export function DifferenceText({ d, f }: { d: Difference; f: (v: number) => string }) {
  if (d.insufficient || d.estimate === null)
    return (
      <span className="stacked">
        <span className="outcomes-insufficient">Insufficient data</span>
        {d.note && <span className="muted small">{d.note}</span>}
      </span>
    );
  return (
    <span className="stacked">
      <span className={d.claimed ? 'outcomes-claimed' : undefined}>{f(d.estimate)}</span>
      <span className="muted small nowrap">
        {interval(d.low, d.high, f)} · {d.claimed ? 'interval excludes 0' : 'no clear difference'}
      </span>
    </span>
  );
}

/** About how long, in words: "about 12 s", "about 2 min". */
const roughly = (ms: number) =>
  ms < 90_000
    ? `about ${Math.max(1, Math.round(ms / 1000))} s`
    : `about ${Math.round(ms / 60_000)} min`;

/**
 * While the comparison is computed: its place in the worker's queue, polled each second. The
 * queue is fair across users, so the wait is mostly other people's comparisons ahead of it.
 */
export function ComparisonWait({ filters }: { filters: FilterInput }) {
  const trpc = useTRPC();
  const status = useQuery({
    ...trpc.outcomes.queueStatus.queryOptions(filters),
    refetchInterval: 1000,
    gcTime: 0,
  });
  const s = status.data;
  if (!s || s.state === 'unknown' || s.state === 'ready') return null;
  return (
    <p className="outcomes-wait" role="status">
      {s.state === 'waiting'
        ? `Waiting for the comparison: ${s.ahead} ${s.ahead === 1 ? 'request' : 'requests'} ahead of yours` +
          (s.estimateMs === null ? '.' : `, ${roughly(s.estimateMs)}.`)
        : 'Computing the comparison' +
          (s.estimateMs === null ? '…' : ` (${roughly(s.estimateMs)} left)…`)}
    </p>
  );
}
