import {
  type AuditOutcome,
  type DB,
  deleteAuthSession,
  recordAudit,
  rememberDevice,
} from '@carryover/db';
import type { Context } from '../trpc';
import { newSessionToken, type SessionStage, sessionIdFor, startSession } from './session';

// What the sign-in steps share: the audit of an attempt, and finishing a sign-in.

/**
 * An attempt on a known account, in that account's district: who was tried, from which
 * address (as the entity id), and how it ended. An unknown email has no district to record
 * it in; its failures stay in the throttle's table (24 h) and the log.
 */
export async function auditSignIn(
  ctx: Pick<Context, 'db' | 'now' | 'ip'>,
  user: { id: string; districtId: string },
  action: string,
  outcome: AuditOutcome,
): Promise<void> {
  await recordAudit(ctx.db, {
    districtId: user.districtId,
    actorId: user.id,
    action,
    entity: 'sign_in',
    entityId: ctx.ip,
    outcome,
    at: ctx.now().toISOString(),
  });
}

/**
 * Ends the browser's current session (if any) and starts one at `stage` with a fresh token
 * (no fixation, and a pending session never becomes the full one in place). A full session
 * also marks this browser as a device the user has signed in from.
 */
/**
 * A known device's row id: the device cookie hashed with the user, so one shared browser (a
 * school tablet) is a known device of each account that signed in on it, each its own row.
 */
export function knownDeviceId(deviceToken: string, userId: string): string {
  return sessionIdFor(`${userId}:${deviceToken}`);
}

export async function beginSession(
  ctx: Pick<
    Context,
    'db' | 'now' | 'ip' | 'userAgent' | 'deviceToken' | 'setCookie' | 'setDeviceCookie'
  > & { endSessionId: string | null; endDistrictId: string | null },
  user: { id: string; districtId: string },
  stage: SessionStage,
): Promise<{ sessionId: string }> {
  const now = ctx.now();
  const db: DB = ctx.db;
  if (ctx.endSessionId && ctx.endDistrictId)
    await deleteAuthSession(db, ctx.endDistrictId, ctx.endSessionId);
  const session = await startSession(db, user, now, {
    stage,
    userAgent: ctx.userAgent,
    address: ctx.ip,
  });
  ctx.setCookie(session.token, session.maxAgeSeconds);
  if (stage === 'full') {
    const deviceToken = ctx.deviceToken ?? newSessionToken();
    await rememberDevice(db, {
      districtId: user.districtId,
      userId: user.id,
      id: knownDeviceId(deviceToken, user.id),
      now: now.toISOString(),
    });
    ctx.setDeviceCookie(deviceToken);
  }
  return { sessionId: session.sessionId };
}
