import type { Caseload } from '@carryover/domain';
import type { ScheduleSolve, SolveOptions } from '../schedule/solve';
import { JobThread } from './thread';

// Runs auto-schedule solves off the event loop on one long-lived worker thread (HiGHS is
// WebAssembly and blocks its thread while it solves). Solves queue one at a time; where no
// worker can start (no TypeScript loader), they run on the main thread instead.

const worker = new JobThread<{ caseload: Caseload; options: SolveOptions }, ScheduleSolve>({
  name: 'schedule worker',
  entry: new URL('./schedule-worker.ts', import.meta.url),
  tsxBootstrap: new URL('./schedule-bootstrap.mjs', import.meta.url),
  maxOldGenerationSizeMb: 512,
});
/** Where solves ran: lets tests prove the solve stays off the event loop. */
export const scheduleSolveStats = { onWorker: 0, onMainThread: 0 };

/** Solves on the worker thread (main thread if no worker can start). */
export async function solveOffThread(
  caseload: Caseload,
  options: SolveOptions = {},
): Promise<ScheduleSolve> {
  if (!worker.unavailable) {
    try {
      const result = await worker.run({ caseload, options });
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
