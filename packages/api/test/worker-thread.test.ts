import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { bundleWorkerEntry } from '../src/workers/bundle';
import { JobThread } from '../src/workers/thread';

// The worker threads (Outcomes, schedule) start from one bundled module built from their
// TypeScript when they start; tsx's loader remains the fallback.

type Echo = { echo: string; fail?: boolean; hang?: boolean };
type Answer = { echo: string; url: string; zod: string };

const echoEntry = new URL('./support/echo-worker.ts', import.meta.url);
const echoBootstrap = new URL('./support/echo-bootstrap.mjs', import.meta.url);
const threads: JobThread<Echo, Answer>[] = [];
const thread = (entry: URL) => {
  const t = new JobThread<Echo, Answer>({
    name: 'echo worker',
    entry,
    tsxBootstrap: echoBootstrap,
    maxOldGenerationSizeMb: 128,
  });
  threads.push(t);
  return t;
};
afterEach(async () => {
  await Promise.all(threads.splice(0).map((t) => t.terminate()));
});

describe('worker bundle', () => {
  it('bundles the workspace code and imports registry packages from where they are installed', async () => {
    const url = await bundleWorkerEntry(
      new URL('../src/workers/outcomes-worker.ts', import.meta.url),
    );
    const code = await readFile(url, 'utf8');
    // Workspace packages are inside the bundle…
    expect(code).not.toMatch(/from ["']@carryover\//);
    expect(code).toContain('function runComparisonJob');
    // …registry packages are imported from their installed files.
    const kysely = code.match(/from ["'](file:\/\/[^"']*\/kysely\/[^"']+)["']/);
    expect(kysely?.[1]).toBeDefined();
    expect(() => fileURLToPath(kysely![1]!)).not.toThrow();
    // Named by content: the same code, the same file.
    expect(
      await bundleWorkerEntry(new URL('../src/workers/outcomes-worker.ts', import.meta.url)),
    ).toEqual(url);
  });

  it('answers jobs from the bundle, in order, with errors by name', async () => {
    const t = thread(echoEntry);
    const answers = await Promise.all(['a', 'b', 'c'].map((echo) => t.run({ echo })));
    expect(answers.map((a) => a.echo)).toEqual(['a', 'b', 'c']);
    expect(t.code).toBe('bundle');
    expect(answers[0]!.url).toMatch(/\/echo-worker-[0-9a-f]{16}\.mjs$/);
    expect(answers[0]!.zod).toBe('function');
    await expect(t.run({ echo: 'x', fail: true })).rejects.toMatchObject({
      name: 'RangeError',
      message: 'refused x',
    });
    // The thread survives a job's error.
    expect((await t.run({ echo: 'd' })).echo).toBe('d');
  });

  it('falls back to TypeScript through tsx when the entry cannot be bundled', async () => {
    const t = thread(new URL('./support/no-such-worker.ts', import.meta.url));
    const answer = await t.run({ echo: 'e' });
    expect(t.code).toBe('tsx');
    expect(answer.echo).toBe('e');
    expect(answer.url).toMatch(/\/test\/support\/echo-worker\.ts$/);
    expect(t.unavailable).toBe(false);
  });

  it('rejects what a stopped thread owed, and starts a new one for the next job', async () => {
    const t = thread(echoEntry);
    const owed = expect(t.run({ echo: 'never', hang: true })).rejects.toThrow(
      'echo worker was stopped',
    );
    expect((await t.run({ echo: 'started' })).echo).toBe('started');
    await t.terminate();
    await owed;
    expect((await t.run({ echo: 'again' })).echo).toBe('again');
  });
});
