import { type AuditInput, type AuditOutcome, recordAuditGrouped } from '@carryover/db';
import type { Context, Viewer } from './context';

// Audit helpers the procedures share. Reads are recorded before their data leaves the server,
// and if the record cannot be written the read fails: no unaudited access. Outside a
// transaction, events of concurrent requests share one commit (`recordAuditGrouped`), or go to
// the one process that appends them for all (`setAuditAppender`).

type Appender = (event: AuditInput) => Promise<void>;
let appender: Appender | null = null;

/**
 * Where events recorded outside a transaction go: by default this process's group commit on the
 * request's database; a server in several processes on SQLite hands them to its primary
 * (apps/server, audit-relay.ts), so two processes never wait on each other for the write lock
 * to record a read. The promise settles once the event is stored, or with why it was not.
 */
export function setAuditAppender(append: Appender | null): void {
  appender = append;
}

function append(ctx: Pick<Context, 'db'>, event: AuditInput): Promise<void> {
  if (appender && !ctx.db.isTransaction) return appender(event);
  return recordAuditGrouped(ctx.db, event);
}

type AuditContext = Pick<Context, 'db' | 'log' | 'now'> & { viewer: Viewer };

export interface AuditTarget {
  action: string;
  entity: string;
  entityId?: string | null;
  studentId?: string | null;
}

export async function recordEvent(
  ctx: AuditContext,
  target: AuditTarget,
  outcome: AuditOutcome,
): Promise<void> {
  await append(ctx, {
    districtId: ctx.viewer.districtId,
    actorId: ctx.viewer.id,
    action: target.action,
    entity: target.entity,
    entityId: target.entityId ?? null,
    studentId: target.studentId ?? null,
    outcome,
    at: ctx.now().toISOString(),
  });
}

/** A refusal; a failure to record it is logged and the refusal stands. */
export async function recordDenied(ctx: AuditContext, target: AuditTarget): Promise<void> {
  try {
    await recordEvent(ctx, target, 'denied');
  } catch (err) {
    ctx.log.error(`audit write failed for a denied ${target.action}`, err);
  }
}

/**
 * One `ok` event for the students whose records are about to be returned, listing them all
 * (`audit_event_student`): a page of 50 is one append, not 50, and each student's record of
 * access still finds it.
 */
export async function recordStudentReads(
  ctx: AuditContext,
  action: string,
  studentIds: readonly string[],
): Promise<void> {
  if (studentIds.length === 0) return;
  await append(ctx, {
    districtId: ctx.viewer.districtId,
    actorId: ctx.viewer.id,
    action,
    entity: 'student',
    studentIds: [...new Set(studentIds)],
    outcome: 'ok',
    at: ctx.now().toISOString(),
  });
}
