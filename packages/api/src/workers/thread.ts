import { Worker } from 'node:worker_threads';
import { bundleWorkerEntry } from './bundle';

// One long-lived worker thread that answers jobs by id, one at a time in the order sent. The
// Outcomes comparison and the schedule solver each keep one (pool.ts, schedule-pool.ts).

type Pending<Result> = { resolve: (r: Result) => void; reject: (e: Error) => void };

type Reply<Result> = {
  id: number;
  ok: boolean;
  result?: Result;
  error?: { name: string; message: string };
};

/** How a thread loaded its code: one bundled module, or TypeScript through tsx's loader. */
export type ThreadCode = 'bundle' | 'tsx';

export interface JobThreadSpec {
  /** Names the thread in its errors ("outcomes worker exited"). */
  name: string;
  /** The worker's TypeScript entry, bundled when the thread starts. */
  entry: URL;
  /** A `.mjs` that registers tsx and imports `entry`: used where the bundle cannot be built. */
  tsxBootstrap: URL;
  /** The thread's V8 old-generation ceiling (MB). */
  maxOldGenerationSizeMb: number;
  /** The error a caller sees when the thread ran out of memory. */
  outOfMemory?: (limitMb: number) => Error;
}

export class JobThread<Job, Result> {
  private worker: Worker | null = null;
  private starting: Promise<Worker> | null = null;
  private online = false;
  private nextId = 1;
  private readonly pending = new Map<number, Pending<Result>>();
  /** Set when a thread could not start at all (e.g. no TypeScript loader): run in-thread. */
  unavailable = false;
  /** How the running (or last) thread loaded its code. */
  code: ThreadCode | null = null;
  /** Applies from the next thread started. */
  maxOldGenerationSizeMb: number;

  constructor(private readonly spec: JobThreadSpec) {
    this.maxOldGenerationSizeMb = spec.maxOldGenerationSizeMb;
  }

  private async start(): Promise<Worker> {
    const limit = this.maxOldGenerationSizeMb;
    const bundled = await bundleWorkerEntry(this.spec.entry).catch(() => null);
    const w = new Worker(bundled ?? this.spec.tsxBootstrap, {
      execArgv: [],
      resourceLimits: { maxOldGenerationSizeMb: limit },
    });
    this.code = bundled ? 'bundle' : 'tsx';
    w.on('online', () => {
      this.online = true;
    });
    w.on('message', (msg: Reply<Result>) => {
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id);
      if (this.pending.size === 0) w.unref();
      if (msg.ok) p.resolve(msg.result as Result);
      else
        p.reject(
          Object.assign(new Error(msg.error?.message ?? `${this.spec.name} failed`), {
            name: msg.error?.name ?? 'Error',
          }),
        );
    });
    const outOfMemory = this.spec.outOfMemory;
    w.on('error', (err: Error & { code?: string }) => {
      if (this.worker !== w) return;
      if (err.code === 'ERR_WORKER_OUT_OF_MEMORY' && outOfMemory) this.fail(outOfMemory(limit));
      // A thread that never came up means no worker here: the caller computes in-thread.
      // Running out of memory is no such sign, and the caller must not retry that job.
      else this.fail(err, !this.online);
    });
    w.on('exit', (code) => {
      if (this.worker === w) this.fail(new Error(`${this.spec.name} exited (code ${code})`));
    });
    this.worker = w;
    return w;
  }

  /** Forgets the thread and rejects what it still owed. */
  private fail(err: Error, neverStarted = false): void {
    if (neverStarted) this.unavailable = true;
    this.worker = null;
    this.online = false;
    const all = [...this.pending.values()];
    this.pending.clear();
    for (const p of all) p.reject(err);
  }

  async run(job: Job): Promise<Result> {
    let w = this.worker;
    if (!w) {
      this.starting ??= this.start().finally(() => {
        this.starting = null;
      });
      w = await this.starting;
    }
    const id = this.nextId++;
    return new Promise<Result>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      // Held while a job is out, so a waiting caller keeps the process alive.
      w.ref();
      w.postMessage({ id, job });
    });
  }

  /** Stops the thread; jobs it still owed are rejected. The next job starts a new one. */
  async terminate(): Promise<void> {
    const w = this.worker ?? (await this.starting?.catch(() => null));
    if (!w) return;
    this.fail(new Error(`${this.spec.name} was stopped`));
    await w.terminate();
  }
}
