import cluster from 'node:cluster';
import type { Server } from 'node:http';
import {
  consoleLogger,
  errorSummary,
  type Logger,
  setAuditAppender,
  setSsoSecretKey,
  warmPasswordEstimator,
} from '@carryover/api';
import { type Connection, openDatabase, setAuditKey } from '@carryover/db';
import { loadAuditKey, loadSsoKey } from './audit-key';
import { auditRelayToPrimary } from './audit-relay';
import {
  DRAIN_MS,
  type Listen,
  outcomesAheadEnabled,
  type ToPrimary,
  type ToWorker,
} from './cluster';
import { outcomesAhead } from './outcomes-ahead';
import { createServer } from './server';

// A worker process forked by the primary (cluster.ts): it loads the API and serves. The
// primary never imports this file, so it supervises without the API in its memory.

/** A worker: its own database connection and HTTP server on the shared port. */
export async function runWorker(listen: Listen): Promise<void> {
  const conn = openDatabase();
  // The primary made or found the audit anchor's key before forking; each process needs it.
  const auditKey = loadAuditKey({ create: false });
  if (auditKey) setAuditKey(auditKey.key);
  if (process.env.CARRYOVER_AUDIT_RELAY === '1') setAuditAppender(auditRelayToPrimary());
  setSsoSecretKey(loadSsoKey({ create: false })?.key ?? null);
  // The strength estimator's dictionaries are indexed now, not inside the first password change.
  warmPasswordEstimator();
  const log = taggedLogger(`[worker ${cluster.worker?.id}] `);
  const precompute = outcomesAheadEnabled() ? outcomesAhead(conn, log) : undefined;
  const server = createServer({ conn, log, ...(precompute ? { afterImport: precompute } : {}) });
  // Listening for "stop" before the server listens: a shutdown can arrive mid-start-up.
  const stop = onceOnly(() => drainThenExit(server, conn));
  process.on('message', (msg: ToWorker) => {
    if (msg?.type === 'shutdown') stop();
    else if (msg?.type === 'precompute-outcomes') precompute?.();
  });
  // A terminal's Ctrl-C reaches the whole process group; the primary's message follows.
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => resolve());
  });
  process.send?.({ type: 'listening' } satisfies ToPrimary);
}

/** Log lines say which worker wrote them, so an operator can follow one process. */
function taggedLogger(tag: string): Logger {
  return {
    info: (line) => consoleLogger.info(tag + line),
    warn: (line) => consoleLogger.warn(tag + line),
    error: (line, err) => consoleLogger.error(tag + line, err),
  };
}

function onceOnly(fn: () => void): () => void {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    fn();
  };
}

function drainThenExit(server: Server, conn: Connection): void {
  const closeAndExit = async () => {
    await conn
      .close()
      .catch((err) => console.error(`closing the database failed: ${errorSummary(err)}`));
    // The Outcomes worker thread, if one started, would keep the process alive.
    process.exit(0);
  };
  if (!server.listening) {
    void closeAndExit();
    return;
  }
  // Requests in flight get DRAIN_MS; idle keep-alive sockets close now.
  setTimeout(() => server.closeAllConnections(), DRAIN_MS).unref();
  server.close(closeAndExit);
  server.closeIdleConnections();
}
