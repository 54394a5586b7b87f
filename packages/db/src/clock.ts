// The one clock the server side reads. Normally the wall clock; with CARRYOVER_NOW set (an
// ISO instant) it is a clock that showed that instant when the run began and runs on in real
// time, so a whole run — test processes, the servers they start, the demo seed — can be
// replayed at any hour of any day ("does it fail at 00:30 UTC?") without touching the OS.
//
// CARRYOVER_CLOCK_ANCHOR (epoch ms, real time) is when the faked instant applied. The first
// process to read the clock sets it in its own environment, so the processes it starts share
// one offset instead of each starting its own clock.

export type Clock = () => Date;

const NOW_VAR = 'CARRYOVER_NOW';
const ANCHOR_VAR = 'CARRYOVER_CLOCK_ANCHOR';

let offsetMs: number | null = null;

function resolveOffset(): number {
  const faked = process.env[NOW_VAR];
  if (!faked) return 0;
  const target = Date.parse(faked);
  if (Number.isNaN(target)) {
    throw new Error(`${NOW_VAR} must be an ISO instant such as 2026-11-30T00:30:00Z, got ${faked}`);
  }
  let anchor = Number(process.env[ANCHOR_VAR]);
  if (!Number.isFinite(anchor) || anchor <= 0) {
    anchor = Date.now();
    process.env[ANCHOR_VAR] = String(anchor);
  }
  return target - anchor;
}

/** Now, by the system clock (shifted when CARRYOVER_NOW is set). */
export const systemClock: Clock = () => {
  offsetMs ??= resolveOffset();
  return new Date(Date.now() + offsetMs);
};

/** A human line for logs and test runs: which clock this process reads. */
export function describeClock(): string {
  const faked = process.env[NOW_VAR];
  const tz = process.env.TZ || Intl.DateTimeFormat().resolvedOptions().timeZone;
  return faked
    ? `clock faked: ${NOW_VAR}=${faked} (now ${systemClock().toISOString()}), TZ=${tz}`
    : `clock: system (${systemClock().toISOString()}), TZ=${tz}`;
}
