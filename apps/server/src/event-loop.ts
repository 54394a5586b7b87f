import type { DB } from '@carryover/db';

// better-sqlite3 answers synchronously, and the promise chain of a request (or of every call in
// a batch) continues in microtasks, which never let the event loop turn: a batch of 50 caseload
// reads used to hold every other user for the whole batch. After each query a request queues
// for its next turn, and only one queued request resumes per turn of the event loop, with I/O
// (other users' requests) polled in between: the longest stall is one query and the work up to
// the next one, not a request or a batch. (Yielding with a bare setImmediate is not enough:
// every request waiting resumes in the same turn, each running its next query.)

const waiting: (() => void)[] = [];
let pumping = false;

function resumeOne(): void {
  waiting.shift()?.();
  // An immediate set from within an immediate runs on the next turn, after the I/O poll.
  if (waiting.length > 0) setImmediate(resumeOne);
  else pumping = false;
}

/** Resolves on a later turn of the event loop, first come first served, one per turn. */
export function nextTurnInLine(): Promise<void> {
  return new Promise((resolve) => {
    waiting.push(resolve);
    if (!pumping) {
      pumping = true;
      setImmediate(resumeOne);
    }
  });
}

export const yieldAfterEachQuery: Parameters<DB['withPlugin']>[0] = {
  transformQuery: (args) => args.node,
  transformResult: async (args) => {
    await nextTurnInLine();
    return args.result;
  },
};
