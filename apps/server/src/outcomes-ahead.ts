import { type Logger, warmStoredComparisons } from '@carryover/api';
import { type Connection, systemClock } from '@carryover/db';

// Outcomes computed before anyone asks. The first view of a comparison scope waits for the
// bootstrap (tens of seconds for a 25,000-student district); every later view reads the stored
// summary at once, stale or not. So after the server starts, and after an import changes the
// roster, one worker computes each coordinator's and admin's default comparison that is missing
// or stale, in the queue's background line: a user's comparison never waits behind more than
// the one running. OUTCOMES_PRECOMPUTE=off turns it off (the tests do, to see first views;
// `outcomesAheadEnabled` in cluster.ts, which the primary reads without loading this file).

/**
 * A function that starts one background pass over the district's scopes. Calls while a pass
 * runs ask for one more pass after it (an import during the start-up pass), never two at once.
 */
export function outcomesAhead(conn: Connection, log: Logger): () => Promise<void> {
  let running: Promise<void> | null = null;
  let again = false;
  const pass = async (): Promise<void> => {
    do {
      again = false;
      const started = performance.now();
      try {
        const r = await warmStoredComparisons({
          db: conn.db,
          dialect: conn.dialect,
          log,
          now: systemClock,
        });
        if (r.computed || r.failed)
          log.info(
            `outcomes computed ahead: ${r.computed} scope${r.computed === 1 ? '' : 's'} in ` +
              `${Math.round((performance.now() - started) / 1000)} s, ${r.current} already ` +
              `current, ${r.failed} failed`,
          );
      } catch (err) {
        log.error('computing outcomes ahead failed', err);
      }
    } while (again);
  };
  return () => {
    if (running) {
      again = true;
      return running;
    }
    running = pass().finally(() => {
      running = null;
    });
    return running;
  };
}
