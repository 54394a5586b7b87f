import { Worker } from 'node:worker_threads';
import type { ComparisonJob, ComparisonJobResult } from './comparison-job';

// Runs Outcomes jobs off the event loop: better-sqlite3 is synchronous and the comparison of a
// large district takes seconds, so both happen on one long-lived worker thread. Results are
// kept per key (district, scope, filters, data version), and a key already being computed is
// awaited rather than computed twice.

type Pending = { resolve: (r: ComparisonJobResult) => void; reject: (e: Error) => void };

/**
 * The worker's V8 old-generation ceiling (MB): a runaway comparison stops its own thread with
 * a clear error instead of taking the server's memory. A 25,000-student district peaked at
 * about 700 MB of worker heap (`pnpm bench`), so the default leaves twice that;
 * OUTCOMES_WORKER_MAX_OLD_MB overrides it.
 */
export const DEFAULT_WORKER_MAX_OLD_MB = 1536;
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

class ComparisonWorker {
  private worker: Worker | null = null;
  private online = false;
  private nextId = 1;
  private pending = new Map<number, Pending>();
  /** Set when a worker could not start at all (e.g. no TypeScript loader): run in-thread. */
  unavailable = false;

  maxOldGenerationSizeMb = configuredMaxOldMb();

  private start(): Worker {
    const limit = this.maxOldGenerationSizeMb;
    const w = new Worker(new URL('./bootstrap.mjs', import.meta.url), {
      execArgv: [],
      resourceLimits: { maxOldGenerationSizeMb: limit },
    });
    w.on('online', () => {
      this.online = true;
    });
    w.on(
      'message',
      (msg: {
        id: number;
        ok: boolean;
        result?: ComparisonJobResult;
        error?: { name: string; message: string };
      }) => {
        const p = this.pending.get(msg.id);
        if (!p) return;
        this.pending.delete(msg.id);
        if (this.pending.size === 0) w.unref();
        if (msg.ok) p.resolve(msg.result!);
        else
          p.reject(
            Object.assign(new Error(msg.error?.message ?? 'comparison failed'), {
              name: msg.error?.name ?? 'Error',
            }),
          );
      },
    );
    const fail = (err: Error) => {
      // A thread that never came up means no worker here (e.g. no loader): compute in-thread.
      // Running out of memory is no such sign, and the main thread must not retry that job.
      if (!this.online && !(err instanceof ComparisonMemoryLimitError)) this.unavailable = true;
      this.worker = null;
      this.online = false;
      const all = [...this.pending.values()];
      this.pending.clear();
      for (const p of all) p.reject(err);
    };
    w.on('error', (err: Error & { code?: string }) =>
      fail(err.code === 'ERR_WORKER_OUT_OF_MEMORY' ? new ComparisonMemoryLimitError(limit) : err),
    );
    w.on('exit', (code) => {
      if (this.worker === w) fail(new Error(`outcomes worker exited (code ${code})`));
    });
    this.worker = w;
    return w;
  }

  run(job: ComparisonJob): Promise<ComparisonJobResult> {
    const w = this.worker ?? this.start();
    const id = this.nextId++;
    return new Promise<ComparisonJobResult>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      // Held while a job is out, so a waiting caller keeps the process alive.
      w.ref();
      w.postMessage({ id, job });
    });
  }

  async terminate(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    if (w) await w.terminate();
  }
}

const worker = new ComparisonWorker();
/** Where computations ran: lets tests prove the heavy work stays off the event loop. */
let ranOnWorker = 0;
let ranOnMainThread = 0;
/** Jobs whose input was loaded on the main thread (no database the worker could open). */
let loadedOnMainThread = 0;
/** Memory of the last job computed (for the bench's report). */
let lastJobMemory: ComparisonJobResult['memory'] | null = null;

async function runJob(
  job: ComparisonJob,
  log: (line: string) => void,
): Promise<ComparisonJobResult> {
  if (!worker.unavailable) {
    try {
      const result = await worker.run(job);
      ranOnWorker++;
      lastJobMemory = result.memory;
      return result;
    } catch (err) {
      if (!worker.unavailable) throw err;
      log('outcomes worker could not start; computing on the main thread');
    }
  }
  const { runComparisonJob } = await import('./comparison-job');
  ranOnMainThread++;
  return runComparisonJob(job);
}

const CACHE_SIZE = 24;
const cache = new Map<string, Promise<ComparisonJobResult>>();
let hits = 0;
let misses = 0;

/**
 * The result for `key`, computing it with `makeJob()` on the worker when absent. Failed
 * computations are not kept. The cache is least-recently-used, CACHE_SIZE entries.
 */
export async function cachedComparison(
  key: string,
  makeJob: () => Promise<ComparisonJob>,
  log: (line: string) => void = () => {},
): Promise<{ result: ComparisonJobResult; cached: boolean }> {
  const existing = cache.get(key);
  if (existing) {
    hits++;
    cache.delete(key);
    cache.set(key, existing);
    return { result: await existing, cached: true };
  }
  misses++;
  const promise = makeJob().then((job) => {
    if (job.source.kind === 'input') loadedOnMainThread++;
    return runJob(job, log);
  });
  cache.set(key, promise);
  while (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value!);
  promise.catch(() => {
    if (cache.get(key) === promise) cache.delete(key);
  });
  return { result: await promise, cached: false };
}

/** For tests and the bench: forget results, count hits and misses, stop the thread. */
export const outcomesCache = {
  clear(): void {
    cache.clear();
    hits = 0;
    misses = 0;
  },
  stats: () => ({
    size: cache.size,
    hits,
    misses,
    ranOnWorker,
    ranOnMainThread,
    loadedOnMainThread,
    lastJobMemory,
  }),
  terminate: () => worker.terminate(),
  /** Sets the worker's memory ceiling (MB) from the next worker on; stops the current one. */
  async setMemoryLimit(maxOldGenerationSizeMb: number): Promise<void> {
    worker.maxOldGenerationSizeMb = maxOldGenerationSizeMb;
    await worker.terminate();
  },
};
