import { type AuditOutcome, recordAuditGrouped } from '@carryover/db';
import type { Context, Viewer } from './context';

// Audit helpers the procedures share. Reads are recorded before their data leaves the server,
// and if the record cannot be written the read fails: no unaudited access. Outside a
// transaction, events of concurrent requests share one commit (`recordAuditGrouped`).

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
  await recordAuditGrouped(ctx.db, {
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
  await recordAuditGrouped(ctx.db, {
    districtId: ctx.viewer.districtId,
    actorId: ctx.viewer.id,
    action,
    entity: 'student',
    studentIds: [...new Set(studentIds)],
    outcome: 'ok',
    at: ctx.now().toISOString(),
  });
}
