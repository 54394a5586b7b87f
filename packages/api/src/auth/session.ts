import { createHash, randomBytes } from 'node:crypto';
import {
  capUserSessions,
  createAuthSession,
  type DB,
  deleteAuthSession,
  deleteExpiredAuthSessions,
  findAuthSession,
  touchAuthSession,
} from '@carryover/db';
import { type Discipline, DistrictSettings, type Role } from '@carryover/domain';

export const SESSION_IDLE_MS = 30 * 60 * 1000;
export const SESSION_ABSOLUTE_MS = 12 * 60 * 60 * 1000;
/** last_seen_at is written at most this often, not on every request. */
export const SESSION_TOUCH_MS = 60 * 1000;
/** A user's sessions beyond this many, oldest first, are ended when a new one starts. */
export const MAX_SESSIONS_PER_USER = 10;
/** How long a password-only session may wait for its second factor, or for enrolment. */
export const PENDING_STAGE_MS = { mfa: 10 * 60 * 1000, enrol: 30 * 60 * 1000 } as const;

/** How far sign-in has got: `full`, or a second factor owed (`mfa`) or to enrol (`enrol`). */
export type SessionStage = 'full' | keyof typeof PENDING_STAGE_MS;

export interface SessionViewer {
  id: string;
  districtId: string;
  districtName: string;
  role: Role;
  discipline: Discipline | null;
  name: string;
  email: string;
  /** The district's time zone: what "today" means for its schools. */
  timezone: string;
}

export const newSessionToken = (): string => randomBytes(32).toString('base64url');

/** The auth_session id for a token: only this hash is stored. */
export const sessionIdFor = (token: string): string =>
  createHash('sha256').update(token).digest('hex');

export function districtTimezone(settingsJson: string): string {
  try {
    return DistrictSettings.parse(JSON.parse(settingsJson)).timezone;
  } catch {
    return 'America/Chicago';
  }
}

/** The district's roles that must use a second factor; the safe default if unreadable. */
export function districtMfaRoles(settingsJson: string): Role[] {
  try {
    return DistrictSettings.parse(JSON.parse(settingsJson)).mfaRequiredRoles;
  } catch {
    return ['admin', 'coordinator'];
  }
}

export interface SessionClient {
  userAgent?: string | null;
  address?: string | null;
}

export async function startSession(
  db: DB,
  user: { id: string; districtId: string },
  now: Date,
  options: SessionClient & { stage?: SessionStage } = {},
): Promise<{ token: string; sessionId: string; maxAgeSeconds: number }> {
  const token = newSessionToken();
  const sessionId = sessionIdFor(token);
  const stage = options.stage ?? 'full';
  const lifetime = stage === 'full' ? SESSION_ABSOLUTE_MS : PENDING_STAGE_MS[stage];
  await createAuthSession(db, {
    districtId: user.districtId,
    id: sessionId,
    userId: user.id,
    now: now.toISOString(),
    expiresAt: new Date(now.getTime() + lifetime).toISOString(),
    stage,
    // Bounded: a header is the client's to fill.
    userAgent: options.userAgent?.slice(0, 300) ?? null,
    address: options.address?.slice(0, 100) ?? null,
  });
  await capUserSessions(db, {
    districtId: user.districtId,
    userId: user.id,
    keep: MAX_SESSIONS_PER_USER,
    newestId: sessionId,
    startedAt: now.toISOString(),
  });
  // Opportunistic cleanup; sign-in is rare enough to pay for it.
  await deleteExpiredAuthSessions(
    db,
    user.districtId,
    now.toISOString(),
    new Date(now.getTime() - SESSION_IDLE_MS).toISOString(),
  );
  return { token, sessionId, maxAgeSeconds: lifetime / 1000 };
}

/**
 * The viewer for a cookie token, or null when the session is unknown, idle for 30 minutes,
 * older than 12 hours, or its user is deactivated (expired rows are deleted on sight).
 */
export async function resolveSession(
  db: DB,
  token: string,
  now: Date,
): Promise<{
  sessionId: string;
  stage: SessionStage;
  /** The session's absolute expiry (12 hours after sign-in), ISO. */
  expiresAt: string;
  viewer: SessionViewer;
  /** The district's settings (JSON), read with the session. */
  districtSettings: string;
} | null> {
  const sessionId = sessionIdFor(token);
  const row = await findAuthSession(db, sessionId);
  if (!row) return null;
  const t = now.getTime();
  const lastSeen = Date.parse(row.last_seen_at);
  const expired =
    t >= Date.parse(row.expires_at) || t - lastSeen >= SESSION_IDLE_MS || row.active !== 1;
  if (expired) {
    await deleteAuthSession(db, row.district_id, sessionId);
    return null;
  }
  if (t - lastSeen >= SESSION_TOUCH_MS)
    await touchAuthSession(db, row.district_id, sessionId, now.toISOString());
  return {
    sessionId,
    stage: (row.stage ?? 'full') as SessionStage,
    expiresAt: row.expires_at,
    viewer: viewerOf(row),
    districtSettings: row.district_settings,
  };
}

/** The viewer an account's row (`viewerColumns`: the staff user and their district) makes. */
export function viewerOf(row: {
  id: string;
  district_id: string;
  district_name: string;
  role: string;
  discipline: string | null;
  name: string;
  email: string;
  district_settings: string;
}): SessionViewer {
  return {
    id: row.id,
    districtId: row.district_id,
    districtName: row.district_name,
    role: row.role as Role,
    discipline: (row.discipline as Discipline | null) ?? null,
    name: row.name,
    email: row.email,
    timezone: districtTimezone(row.district_settings),
  };
}
