import { afterAll } from 'vitest';

// The files of a run share their worker's process (`isolate: false` in vitest.config.ts): a file
// that set an environment variable (a faked clock, say) would change what every later file's
// servers see, and fail them far from the cause. Such a file fails itself here instead; it passes
// the variables to the processes it starts (see `fakedClock` in e2e.ts).

/** Set by the clock itself on first read of a run-wide CARRYOVER_NOW (packages/db clock.ts). */
const OWNED_BY_THE_CLOCK = new Set(['CARRYOVER_CLOCK_ANCHOR']);

const before = { ...process.env };

afterAll(() => {
  const names = new Set([...Object.keys(before), ...Object.keys(process.env)]);
  const changed = [...names].filter(
    (name) => !OWNED_BY_THE_CLOCK.has(name) && before[name] !== process.env[name],
  );
  if (changed.length > 0)
    throw new Error(
      `this file changed process.env (${changed.join(', ')}), which the files after it in this worker would inherit: pass the variables to the processes it starts instead`,
    );
});
