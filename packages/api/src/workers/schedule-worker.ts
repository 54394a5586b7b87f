import { parentPort } from 'node:worker_threads';
import type { Caseload } from '@carryover/domain';
import { autoSchedule, type SolveOptions } from '../schedule/solve';

// The auto-scheduler's worker thread: HiGHS runs synchronously for up to seconds, so it runs
// here, one solve at a time, each answered by id, and the server keeps answering requests.

if (!parentPort) throw new Error('schedule-worker must run in a worker thread');
const port = parentPort;

port.on('message', async (msg: { id: number; caseload: Caseload; options: SolveOptions }) => {
  try {
    const result = await autoSchedule(msg.caseload, msg.options);
    port.postMessage({ id: msg.id, ok: true, result });
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    port.postMessage({ id: msg.id, ok: false, error: { name: e.name, message: e.message } });
  }
});
