import type { Worker } from 'node:cluster';
import { errorSummary } from '@carryover/api/logging';
import { type AuditInput, openDatabase, recordAuditGrouped } from '@carryover/db';

// Audit events of reads, appended by the primary for every worker process (SQLite only).
//
// Every read appends an audit event: a write. On SQLite a write takes the database's one write
// lock, and better-sqlite3 waits for a lock another process holds by sleeping on the event loop
// (busy_timeout), so with two workers each stalled the other: measured at 25,000 students,
// student.get served 407 requests a second in two processes and 624 without the audit write.
// Here the workers hand their events to the primary, whose group commit stores those of every
// worker in one transaction per turn; a worker's reads never take the write lock.

/** A worker asks the primary to store an event; `id` pairs the answer with the request. */
export type AuditRequest = { type: 'audit'; id: number; event: AuditInput };
/** The primary's answer: stored, or why not (the read is then refused). */
export type AuditAnswer = { type: 'audited'; id: number; error?: string };

const isRequest = (msg: unknown): msg is AuditRequest =>
  (msg as AuditRequest | null)?.type === 'audit';
const isAnswer = (msg: unknown): msg is AuditAnswer =>
  (msg as AuditAnswer | null)?.type === 'audited';

/** How long the primary keeps retrying an event while another process holds the write lock. */
const BUSY_DEADLINE_MS = 5_000;

const isBusy = (err: unknown) => /^SQLITE_BUSY/.test((err as { code?: string } | null)?.code ?? '');

/**
 * In the primary: stores the events its workers send, on a connection of its own, and answers.
 * That connection never sleeps on the write lock (busy_timeout 0): the primary also hands new
 * connections to the workers, which must not wait behind a long write of theirs. A busy lock is
 * retried a few milliseconds later instead, for as long as a worker's own write would have waited.
 */
export function startAuditRelay(databaseUrl?: string): {
  serve(worker: Worker): void;
  close(): Promise<void>;
} {
  const conn = openDatabase(databaseUrl, { busyTimeoutMs: 0 });
  const store = (event: AuditInput, deadline: number): Promise<void> =>
    recordAuditGrouped(conn.db, event).catch((err: unknown) => {
      if (!isBusy(err) || Date.now() > deadline) throw err;
      return new Promise<void>((resolve) => setTimeout(resolve, 2)).then(() =>
        store(event, deadline),
      );
    });
  return {
    serve(worker) {
      worker.on('message', (msg: unknown) => {
        if (!isRequest(msg)) return;
        const answer = (a: AuditAnswer) => {
          // A worker that died meanwhile has nobody waiting for the answer.
          if (worker.isConnected()) worker.send(a);
        };
        store(msg.event, Date.now() + BUSY_DEADLINE_MS).then(
          () => answer({ type: 'audited', id: msg.id }),
          (err: unknown) => answer({ type: 'audited', id: msg.id, error: errorSummary(err) }),
        );
      });
    },
    close: () => conn.close(),
  };
}

/**
 * In a worker: an appender (for `setAuditAppender`) that sends each event to the primary and
 * settles with its answer. When the channel to the primary closes, waiting events fail, and so
 * do their reads: no unaudited access.
 */
export function auditRelayToPrimary(
  channel: Pick<NodeJS.Process, 'send' | 'on' | 'connected'> = process,
): (event: AuditInput) => Promise<void> {
  const waiting = new Map<number, { resolve(): void; reject(err: Error): void }>();
  let nextId = 0;
  channel.on('message', (msg: unknown) => {
    if (!isAnswer(msg)) return;
    const pending = waiting.get(msg.id);
    if (!pending) return;
    waiting.delete(msg.id);
    if (msg.error === undefined) pending.resolve();
    else pending.reject(new Error(`audit event not stored: ${msg.error}`));
  });
  channel.on('disconnect', () => {
    for (const pending of waiting.values())
      pending.reject(new Error('audit event not stored: the primary process is gone'));
    waiting.clear();
  });
  return (event) =>
    new Promise<void>((resolve, reject) => {
      if (!channel.connected || !channel.send) {
        reject(new Error('audit event not stored: the primary process is gone'));
        return;
      }
      const id = nextId++;
      waiting.set(id, { resolve, reject });
      channel.send({ type: 'audit', id, event } satisfies AuditRequest, undefined, {}, (err) => {
        if (!err) return;
        waiting.delete(id);
        reject(new Error(`audit event not stored: ${errorSummary(err)}`));
      });
    });
}
