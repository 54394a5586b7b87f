import type { ComparisonJob, ComparisonJobResult } from './comparison-job';
import { JobThread } from './thread';

// Runs Outcomes jobs off the event loop: better-sqlite3 is synchronous and the comparison of a
// large district takes seconds, so both happen on one long-lived worker thread, one job at a
// time, taken from a queue that is fair across users. Results are kept per key (district,
// scope, filters, data version), and a key already waiting or computed is shared rather than
// computed twice.

/** Where the pool's lines go: the request's logger. */
export interface JobLog {
  info(line: string): void;
  warn(line: string): void;
}
const silent: JobLog = { info: () => {}, warn: () => {} };

/**
 * The worker's V8 old-generation ceiling (MB): a runaway comparison stops its own thread with
 * a clear error instead of taking the server's memory. A whole 25,000-student district over a
 * full school year, read from its kept digests, peaked at about 640 MB of worker heap (the
 * job's own samples; `bench/outcomes-cold.measure.ts` on Postgres), and the 768 MB ceiling
 * before refused it there, so the default leaves about twice that; OUTCOMES_WORKER_MAX_OLD_MB
 * overrides it.
 */
export const DEFAULT_WORKER_MAX_OLD_MB = 1_280;
const configuredMaxOldMb = (): number => {
  const v = Number(process.env.OUTCOMES_WORKER_MAX_OLD_MB);
  return Number.isFinite(v) && v > 0 ? v : DEFAULT_WORKER_MAX_OLD_MB;
};

/** Raised when the worker hit its memory ceiling; the worker is replaced for the next job. */
export class ComparisonMemoryLimitError extends Error {
  constructor(readonly limitMb: number) {
    super(
      `The comparison needed more than the ${limitMb} MB it may use and was stopped. ` +
        'Narrow the filters (a school, a discipline, a date range) and try again.',
    );
    this.name = 'ComparisonMemoryLimitError';
  }
}

const worker = new JobThread<ComparisonJob, ComparisonJobResult>({
  name: 'outcomes worker',
  entry: new URL('./outcomes-worker.ts', import.meta.url),
  tsxBootstrap: new URL('./bootstrap.mjs', import.meta.url),
  maxOldGenerationSizeMb: configuredMaxOldMb(),
  outOfMemory: (limitMb) => new ComparisonMemoryLimitError(limitMb),
});
/** Where computations ran: lets tests prove the heavy work stays off the event loop. */
let ranOnWorker = 0;
let ranOnMainThread = 0;
/** Jobs whose input was loaded on the main thread (no database the worker could open). */
let loadedOnMainThread = 0;
/** Memory of the last job computed (for the bench's report). */
let lastJobMemory: ComparisonJobResult['memory'] | null = null;

/** Where a job's rows come from: the database itself (which way), or rows handed to it. */
function jobSource(job: ComparisonJob): string {
  if (job.source.kind === 'input') return 'rows loaded by the caller';
  const path = job.filter.from || job.filter.to ? 'points' : (job.path ?? 'digests');
  return `${job.source.kind === 'sqlite' ? 'SQLite' : 'Postgres'} ${path}`;
}

/** One line per computed comparison: its times and the memory it took (peak heap and RSS). */
function describeJob(job: ComparisonJob, r: ComparisonJobResult, where: string): string {
  return (
    `outcomes job (${where}, district ${job.districtId}, from ${jobSource(job)}): ` +
    `load ${Math.round(r.loadMs)} ms, ` +
    `compute ${Math.round(r.computeMs)} ms, ${r.report.counts.episodes} episodes; ` +
    `peak heap ${r.memory.peakHeapMb} MB, peak RSS ${r.memory.peakRssMb} MB`
  );
}

async function runJob(job: ComparisonJob, log: JobLog): Promise<ComparisonJobResult> {
  if (!worker.unavailable) {
    try {
      const result = await worker.run(job);
      ranOnWorker++;
      lastJobMemory = result.memory;
      log.info(describeJob(job, result, 'worker'));
      return result;
    } catch (err) {
      if (!worker.unavailable) throw err;
      log.warn('outcomes worker could not start; computing on the main thread');
    }
  }
  const { runComparisonJob } = await import('./comparison-job');
  ranOnMainThread++;
  const result = await runComparisonJob(job);
  log.info(describeJob(job, result, 'main thread'));
  return result;
}

const CACHE_SIZE = 24;
const cache = new Map<string, Promise<ComparisonJobResult>>();
/** What cached promises resolved to: their key is ready. */
const computed = new WeakMap<Promise<ComparisonJobResult>, ComparisonJobResult>();
let hits = 0;
let misses = 0;

/** Most distinct comparisons one user may have waiting; more is refused rather than queued. */
export const MAX_WAITING_PER_USER = 20;

/** Raised when a user already has MAX_WAITING_PER_USER comparisons waiting. */
export class ComparisonQueueFullError extends Error {
  constructor() {
    super(
      `You already have ${MAX_WAITING_PER_USER} comparisons waiting. ` +
        'Wait for them to finish, then try again.',
    );
    this.name = 'ComparisonQueueFullError';
  }
}

interface QueuedJob {
  key: string;
  /** Whose line it waits in; null for a background job (see FairQueue). */
  userId: string | null;
  makeJob: () => Promise<ComparisonJob>;
  log: JobLog;
  resolve: (r: ComparisonJobResult) => void;
  reject: (e: Error) => void;
}

/** Where a comparison stands, for the page's waiting state. */
export type QueuePosition =
  | { state: 'waiting'; ahead: number; estimateMs: number | null }
  | { state: 'running'; elapsedMs: number; estimateMs: number | null }
  | { state: 'ready' }
  | { state: 'unknown' };

/**
 * The single worker's queue, fair across users: each user's comparisons wait in their own
 * line, and the worker takes one from each user in turn (round robin), so one user's thirty
 * requests delay another user's by at most one job. A user has one job in flight at a time.
 * Background jobs (comparisons computed ahead of anyone asking) wait in a line of their own
 * that runs only when no user's job waits; a user who asks for one takes it into their line.
 */
class FairQueue {
  private readonly lines = new Map<string, QueuedJob[]>();
  private readonly background: QueuedJob[] = [];
  /** Users with waiting jobs, in the order they get their next turn. */
  private turns: string[] = [];
  private running: { job: QueuedJob; startedAt: number } | null = null;
  private holds = 0;
  /** Recent job times (ms), for the wait estimate. */
  private recentMs: number[] = [];

  waiting(userId: string): number {
    return this.lines.get(userId)?.length ?? 0;
  }

  enqueue(job: QueuedJob): void {
    if (job.userId === null) this.background.push(job);
    else {
      const line = this.lines.get(job.userId);
      if (line) line.push(job);
      else {
        this.lines.set(job.userId, [job]);
        this.turns.push(job.userId);
      }
    }
    this.pump();
  }

  /** A waiting background job for `key` moves to the end of `userId`'s line. */
  promote(key: string, userId: string): void {
    const i = this.background.findIndex((j) => j.key === key);
    if (i < 0) return;
    const [job] = this.background.splice(i, 1);
    this.enqueue({ ...job!, userId });
  }

  /** Stops starting jobs until the returned release is called (tests: a queue built at once). */
  hold(): () => void {
    this.holds++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.holds--;
      this.pump();
    };
  }

  position(key: string): QueuePosition {
    const estimate = this.averageMs();
    if (this.running?.job.key === key) {
      const elapsedMs = performance.now() - this.running.startedAt;
      return {
        state: 'running',
        elapsedMs: Math.round(elapsedMs),
        estimateMs: estimate === null ? null : Math.max(0, Math.round(estimate - elapsedMs)),
      };
    }
    // Replays the round robin: in round r each user, in turn order, starts their r-th job.
    let ahead = this.running ? 1 : 0;
    const waiting = (): QueuePosition => ({
      state: 'waiting',
      ahead,
      estimateMs: estimate === null ? null : Math.round(ahead * estimate),
    });
    const rounds = Math.max(0, ...[...this.lines.values()].map((l) => l.length));
    for (let r = 0; r < rounds; r++)
      for (const user of this.turns) {
        const job = this.lines.get(user)?.[r];
        if (!job) continue;
        if (job.key === key) return waiting();
        ahead++;
      }
    for (const job of this.background) {
      if (job.key === key) return waiting();
      ahead++;
    }
    return { state: 'unknown' };
  }

  private averageMs(): number | null {
    if (this.recentMs.length === 0) return null;
    return this.recentMs.reduce((a, b) => a + b, 0) / this.recentMs.length;
  }

  private pump(): void {
    if (this.running || this.holds > 0) return;
    const user = this.turns.shift();
    let job: QueuedJob;
    if (user !== undefined) {
      const line = this.lines.get(user)!;
      job = line.shift()!;
      if (line.length > 0) this.turns.push(user);
      else this.lines.delete(user);
    } else if (this.background.length > 0) job = this.background.shift()!;
    else return;
    const startedAt = performance.now();
    this.running = { job, startedAt };
    job
      .makeJob()
      .then((j) => {
        if (j.source.kind === 'input') loadedOnMainThread++;
        return runJob(j, job.log);
      })
      .then(job.resolve, job.reject)
      .finally(() => {
        this.recentMs = [...this.recentMs.slice(-4), performance.now() - startedAt];
        this.running = null;
        this.pump();
      });
  }
}

const queue = new FairQueue();

/**
 * The result for `key`, computing it with `makeJob()` on the worker when absent. A key already
 * computed or waiting is shared, whoever asked first; a new key waits in `userId`'s line of
 * the fair queue, or with `userId` null in the background line (behind every user's job). A
 * user asking for a key waiting in the background takes it into their line. Failed
 * computations are not kept. The cache is least-recently-used, CACHE_SIZE entries.
 */
export async function cachedComparison(
  key: string,
  makeJob: () => Promise<ComparisonJob>,
  log: JobLog = silent,
  userId: string | null = 'anonymous',
): Promise<{ result: ComparisonJobResult; cached: boolean }> {
  const existing = cache.get(key);
  if (existing) {
    hits++;
    cache.delete(key);
    cache.set(key, existing);
    if (userId !== null) queue.promote(key, userId);
    return { result: await existing, cached: true };
  }
  if (userId !== null && queue.waiting(userId) >= MAX_WAITING_PER_USER)
    throw new ComparisonQueueFullError();
  misses++;
  const promise = new Promise<ComparisonJobResult>((resolve, reject) =>
    queue.enqueue({ key, userId, makeJob, log, resolve, reject }),
  );
  cache.set(key, promise);
  while (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value!);
  promise.then(
    (result) => computed.set(promise, result),
    () => {
      if (cache.get(key) === promise) cache.delete(key);
    },
  );
  return { result: await promise, cached: false };
}

/** The result for `key` if this process has it computed (a hit), else undefined; never waits. */
export function readyComparison(key: string): ComparisonJobResult | undefined {
  const p = cache.get(key);
  const result = p && computed.get(p);
  if (!result) return undefined;
  hits++;
  cache.delete(key);
  cache.set(key, p);
  return result;
}

/** Where the comparison for `key` stands: waiting (with how many jobs go first), running, ready. */
export function comparisonPosition(key: string): QueuePosition {
  const p = queue.position(key);
  if (p.state !== 'unknown') return p;
  const done = cache.get(key);
  if (!done) return p;
  return computed.has(done) ? { state: 'ready' } : p;
}

/** What else this process keeps of comparisons (stored reports, parsed), forgotten with them. */
const alsoCleared: (() => void)[] = [];

/** For tests and the bench: forget results, count hits and misses, stop the thread. */
export const outcomesCache = {
  clear(): void {
    cache.clear();
    for (const clear of alsoCleared) clear();
    hits = 0;
    misses = 0;
  },
  /** Forgets what `clear` runs, with the results: a test's "new process" forgets both. */
  alsoClear(clear: () => void): void {
    alsoCleared.push(clear);
  },
  stats: () => ({
    size: cache.size,
    hits,
    misses,
    ranOnWorker,
    ranOnMainThread,
    loadedOnMainThread,
    lastJobMemory,
    /** How the worker thread loaded its code (null before it first started). */
    workerCode: worker.code,
  }),
  /** Holds the queue (no job starts) until the returned function is called. */
  hold: () => queue.hold(),
  terminate: () => worker.terminate(),
  /** Sets the worker's memory ceiling (MB) from the next worker on; stops the current one. */
  async setMemoryLimit(maxOldGenerationSizeMb: number): Promise<void> {
    worker.maxOldGenerationSizeMb = maxOldGenerationSizeMb;
    await worker.terminate();
  },
};
