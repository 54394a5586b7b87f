import { Worker } from 'node:worker_threads';
import type { Caseload } from '@carryover/domain';
import type { ScheduleSolve, SolveOptions } from '../schedule/solve';

// Runs auto-schedule solves off the event loop on one long-lived worker thread (HiGHS is
// WebAssembly and blocks its thread while it solves). Solves queue one at a time; where no
// worker can start (no TypeScript loader), they run on the main thread instead.

type Pending = { resolve: (r: ScheduleSolve) => void; reject: (e: Error) => void };

class ScheduleWorker {
  private worker: Worker | null = null;
  private online = false;
  private nextId = 1;
  private pending = new Map<number, Pending>();
  unavailable = false;

  private start(): Worker {
    const w = new Worker(new URL('./schedule-bootstrap.mjs', import.meta.url), {
      execArgv: [],
      resourceLimits: { maxOldGenerationSizeMb: 512 },
    });
    w.on('online', () => {
      this.online = true;
    });
    w.on(
      'message',
      (msg: {
        id: number;
        ok: boolean;
        result?: ScheduleSolve;
        error?: { name: string; message: string };
      }) => {
        const p = this.pending.get(msg.id);
        if (!p) return;
        this.pending.delete(msg.id);
        if (this.pending.size === 0) w.unref();
        if (msg.ok) p.resolve(msg.result as ScheduleSolve);
        else
          p.reject(
            Object.assign(new Error(msg.error?.message ?? 'solve failed'), {
              name: msg.error?.name ?? 'Error',
            }),
          );
      },
    );
    const fail = (err: Error) => {
      if (!this.online) this.unavailable = true;
      this.worker = null;
      this.online = false;
      const all = [...this.pending.values()];
      this.pending.clear();
      for (const p of all) p.reject(err);
    };
    w.on('error', fail);
    w.on('exit', (code) => {
      if (this.worker === w) fail(new Error(`schedule worker exited (code ${code})`));
    });
    this.worker = w;
    return w;
  }

  run(caseload: Caseload, options: SolveOptions): Promise<ScheduleSolve> {
    const w = this.worker ?? this.start();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      w.ref();
      w.postMessage({ id, caseload, options });
    });
  }

  async terminate(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    if (w) await w.terminate();
  }
}

const worker = new ScheduleWorker();
/** Where solves ran: lets tests prove the solve stays off the event loop. */
export const scheduleSolveStats = { onWorker: 0, onMainThread: 0 };

/** Solves on the worker thread (main thread if no worker can start). */
export async function solveOffThread(
  caseload: Caseload,
  options: SolveOptions = {},
): Promise<ScheduleSolve> {
  if (!worker.unavailable) {
    try {
      const result = await worker.run(caseload, options);
      scheduleSolveStats.onWorker++;
      return result;
    } catch (err) {
      if (!worker.unavailable) throw err;
    }
  }
  const { autoSchedule } = await import('../schedule/solve');
  scheduleSolveStats.onMainThread++;
  return autoSchedule(caseload, options);
}

/** Stops the worker (server shutdown, tests). */
export function stopScheduleWorker(): Promise<void> {
  return worker.terminate();
}
