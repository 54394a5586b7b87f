// The bench's SQL column (bench/http-paths.ts): how long a call's statements kept the database
// busy, next to the call's own time.

/**
 * The time a call had at least one statement in flight: Kysely reports each statement's duration
 * when it ends, so each is the interval (end − duration, end), and their union is measured. On
 * Postgres a call runs statements side by side (`Promise.all` over the pool), and the sum of
 * their durations (the bench's SQL column before 2026-12-03) counted the overlap twice: it came
 * out longer than the whole call.
 */
export class SqlClock {
  private spans: [number, number][] = [];

  /** Kysely's log hook. */
  readonly log = (event: { level: string; queryDurationMillis: number }): void => {
    if (event.level !== 'query') return;
    const end = performance.now();
    this.spans.push([end - event.queryDurationMillis, end]);
  };

  /** Forgets the statements seen so far. */
  reset(): void {
    this.spans = [];
  }

  /** Milliseconds covered by at least one statement since `reset`. */
  busyMs(): number {
    const spans = [...this.spans].sort((a, b) => a[0] - b[0]);
    let busy = 0;
    let open = Number.NEGATIVE_INFINITY;
    for (const [from, to] of spans) {
      if (to <= open) continue;
      busy += to - Math.max(from, open);
      open = to;
    }
    return busy;
  }
}
