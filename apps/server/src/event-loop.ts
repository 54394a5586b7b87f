import { setImmediate as nextTurn } from 'node:timers/promises';
import type { DB } from '@carryover/db';

// better-sqlite3 answers synchronously, and the promise chain of a request (or of every call in
// a batch) continues in microtasks, which never let the event loop turn: a batch of 50 caseload
// reads used to hold every other user for the whole batch. After each query the request waits
// one turn of the event loop, so the longest stall is one query and the work up to the next,
// not a whole request or batch. On Postgres the driver already yields; the extra turn is cheap.

export const yieldAfterEachQuery: Parameters<DB['withPlugin']>[0] = {
  transformQuery: (args) => args.node,
  transformResult: async (args) => {
    await nextTurn();
    return args.result;
  },
};
