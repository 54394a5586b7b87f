import { parentPort } from 'node:worker_threads';

// The worker thread's side of a JobThread (thread.ts): one job at a time, in order, each
// answered by id with its result or its error's name and message.

export function answerJobs<Job, Result>(name: string, handle: (job: Job) => Promise<Result>): void {
  if (!parentPort) throw new Error(`${name} must run in a worker thread`);
  const port = parentPort;
  port.on('message', async (msg: { id: number; job: Job }) => {
    try {
      const result = await handle(msg.job);
      port.postMessage({ id: msg.id, ok: true, result });
    } catch (err) {
      const e = err instanceof Error ? err : new Error(String(err));
      port.postMessage({ id: msg.id, ok: false, error: { name: e.name, message: e.message } });
    }
  });
}
