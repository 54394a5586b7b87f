// Runs once in each package's vitest main process, before any test file. It pins the faked
// clock (CARRYOVER_NOW) to one real-time anchor shared by every worker and every server a test
// starts, and prints which clock and time zone the run uses, so a failure can be replayed.

export default function setup() {
  const faked = process.env.CARRYOVER_NOW;
  const zone = process.env.TZ || Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (!faked) {
    console.log(`Clock: system time (${new Date().toISOString()}), TZ=${zone}`);
    return;
  }
  if (Number.isNaN(Date.parse(faked))) {
    throw new Error(
      `CARRYOVER_NOW must be an ISO instant such as 2026-11-30T00:30:00Z, got ${faked}`,
    );
  }
  if (!process.env.CARRYOVER_CLOCK_ANCHOR) process.env.CARRYOVER_CLOCK_ANCHOR = String(Date.now());
  console.log(
    `Clock: faked, CARRYOVER_NOW=${faked} TZ=${zone} — reproduce with CARRYOVER_NOW=${faked} TZ=${zone} npm test`,
  );
}
