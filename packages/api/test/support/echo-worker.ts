import { z } from 'zod';
import { answerJobs } from '../../src/workers/answer-jobs';

// A worker for test/worker-thread.test.ts: answers with what it was sent, where its code came
// from, and proof that a registry package (zod) loaded beside the bundled workspace code.

answerJobs('echo-worker', async (job: { echo: string; fail?: boolean; hang?: boolean }) => {
  if (job.fail) throw new RangeError(`refused ${job.echo}`);
  if (job.hang) await new Promise(() => {});
  return { echo: job.echo, url: import.meta.url, zod: typeof z.object };
});
