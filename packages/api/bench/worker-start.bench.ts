import { Worker } from 'node:worker_threads';
import { bench, describe } from 'vitest';
import { bundleWorkerEntry } from '../src/workers/bundle';

// How long the Outcomes worker thread takes from `new Worker` to its first answer (a job it
// refuses at once, so only start-up is timed): its TypeScript through tsx's loader, against the
// bundle JobThread builds when it starts (the build included). A coordinator's first
// comparison in a process waits for this before any of its own work.

const entry = new URL('../src/workers/outcomes-worker.ts', import.meta.url);
const tsxBootstrap = new URL('../src/workers/bootstrap.mjs', import.meta.url);

async function firstAnswer(url: URL): Promise<void> {
  const w = new Worker(url, { execArgv: [] });
  await new Promise<void>((resolve, reject) => {
    w.once('message', () => resolve());
    w.once('error', reject);
    w.postMessage({ id: 1, job: null });
  });
  await w.terminate();
}

const options = { iterations: 10, warmupIterations: 1, time: 0, warmupTime: 0 };

describe('Outcomes worker: start to first answer', () => {
  bench('TypeScript through tsx', () => firstAnswer(tsxBootstrap), options);
  bench(
    'bundle (built with esbuild first)',
    async () => firstAnswer(await bundleWorkerEntry(entry)),
    options,
  );
});
