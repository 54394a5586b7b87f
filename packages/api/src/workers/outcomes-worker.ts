import { parentPort } from 'node:worker_threads';
import { type ComparisonJob, runComparisonJob } from './comparison-job';

// The worker thread's side: one job at a time, in order, each answered by id.

if (!parentPort) throw new Error('outcomes-worker must run in a worker thread');
const port = parentPort;

port.on('message', async (msg: { id: number; job: ComparisonJob }) => {
  try {
    const result = await runComparisonJob(msg.job);
    port.postMessage({ id: msg.id, ok: true, result });
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    port.postMessage({ id: msg.id, ok: false, error: { name: e.name, message: e.message } });
  }
});
