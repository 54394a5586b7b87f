import cluster, { type Worker } from 'node:cluster';
import { availableParallelism } from 'node:os';
import { consoleLogger, errorSummary } from '@carryover/api/logging';
import { type Connection, keepPlannerStatisticsFresh } from '@carryover/db';
import { startAuditRelay } from './audit-relay';

// Serving in several processes. better-sqlite3 is synchronous, so one process serves one query
// at a time on one core; node:cluster forks worker processes that share the listening socket
// (the primary hands connections out round-robin). Each worker opens its own SQLite connection
// (WAL lets readers in several processes run side by side; writers take turns on the write
// lock, see client.ts) or its own Postgres pool. The primary does the one-off work before
// forking (migrations, the demo seed, the first planner statistics) and afterwards supervises:
// it replaces a worker that dies and refreshes statistics hourly, once for all. On SQLite it also
// appends the audit events of the workers' reads (audit-relay.ts), so that reads in two
// processes never wait on each other for the write lock. This file is the primary's; a worker
// runs worker.ts, and only it loads the API and the HTTP server.

export interface Listen {
  port: number;
  host: string;
}

/** Worker processes to fork: WEB_CONCURRENCY, else one per available core. */
export function workerCount(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.WEB_CONCURRENCY?.trim();
  if (!raw) return availableParallelism();
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 256)
    throw new Error(`WEB_CONCURRENCY must be a whole number from 1 to 256, got ${raw}`);
  return n;
}

export type ToWorker = { type: 'shutdown' } | { type: 'precompute-outcomes' };
export type ToPrimary = { type: 'listening' };

/** Whether comparisons are computed ahead (outcomes-ahead.ts): on unless OUTCOMES_PRECOMPUTE is `off`. */
export function outcomesAheadEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.OUTCOMES_PRECOMPUTE?.trim().toLowerCase() !== 'off';
}

const shownHost = (host: string) => (host === '0.0.0.0' || host === '::' ? 'localhost' : host);

/** How long a stopping process waits for requests in flight before closing their sockets. */
export const DRAIN_MS = 10_000;

/**
 * The primary: forks `workers` processes, resolves once they have all stopped after SIGTERM or
 * SIGINT. `conn` is the primary's own connection, used for the hourly statistics only.
 */
export function serveInWorkers(conn: Connection, listen: Listen, workers: number): Promise<void> {
  const where = `http://${shownHost(listen.host)}:${listen.port}/`;
  const alive = new Set<Worker>();
  const listening = new Set<Worker>();
  let ready = false;
  let stopping = false;

  const auditRelay = conn.dialect === 'sqlite' ? startAuditRelay() : null;
  const stopStatistics = keepPlannerStatisticsFresh(conn.db, (err) =>
    consoleLogger.error('refreshing planner statistics failed', err),
  );

  return new Promise((resolve) => {
    const fork = () => {
      // Each worker takes its share of the per-user rate limits (see RateLimiter).
      const worker = cluster.fork({
        CARRYOVER_PROCESSES: process.env.CARRYOVER_PROCESSES ?? String(workers),
        CARRYOVER_AUDIT_RELAY: auditRelay ? '1' : '0',
      });
      alive.add(worker);
      auditRelay?.serve(worker);
      worker.on('message', (msg: ToPrimary) => {
        if (msg?.type !== 'listening') return;
        listening.add(worker);
        console.log(`Worker ${worker.id} (pid ${worker.process.pid}) is listening.`);
        if (!ready && listening.size === workers) {
          ready = true;
          console.log(
            `Carryover is serving ${conn.location} at ${where} (${workers} worker process${workers === 1 ? '' : 'es'})`,
          );
          // One worker computes the Outcomes comparisons nobody has yet (outcomes-ahead.ts).
          if (outcomesAheadEnabled())
            worker.send({ type: 'precompute-outcomes' } satisfies ToWorker);
        }
      });
    };

    cluster.on('exit', (worker, code, signal) => {
      alive.delete(worker);
      const served = listening.delete(worker);
      const how = signal ? `signal ${signal}` : `exit code ${code}`;
      if (stopping) {
        if (alive.size === 0) finish();
        return;
      }
      // A worker that never got to listen would fail the same way again: stop, do not loop.
      if (!served) {
        console.error(`Worker ${worker.id} stopped before it could serve (${how}); stopping.`);
        stop('startup failure', 1);
        return;
      }
      console.error(
        `Worker ${worker.id} (pid ${worker.process.pid}) died (${how}); starting a new one.`,
      );
      fork();
    });

    let exitCode = 0;
    const finish = async () => {
      stopStatistics();
      await Promise.all([conn.close(), auditRelay?.close()]).catch((err) =>
        console.error(`closing the database failed: ${errorSummary(err)}`),
      );
      console.log('Stopped.');
      process.exitCode = exitCode;
      resolve();
    };

    const stop = (why: string, code = 0) => {
      if (stopping) return;
      stopping = true;
      exitCode = code;
      console.log(`${why}: stopping the workers (open requests get ${DRAIN_MS / 1000} s)…`);
      if (alive.size === 0) {
        finish();
        return;
      }
      for (const w of alive) {
        if (w.isConnected()) w.send({ type: 'shutdown' } satisfies ToWorker);
        else w.process.kill('SIGTERM');
      }
      // A worker that does not stop in time (a request stuck in a long query) is killed.
      setTimeout(() => {
        for (const w of alive) w.process.kill('SIGKILL');
      }, DRAIN_MS + 5_000).unref();
    };

    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) {
        console.log('Forced exit.');
        for (const w of alive) w.process.kill('SIGKILL');
        process.exit(1);
      }
      stop(signal);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);

    for (let i = 0; i < workers; i++) fork();
  });
}
