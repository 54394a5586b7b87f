import type { Kysely } from 'kysely';
import type { Database } from '../schema';
import { newId } from '../util';
import { singleStatementTemplate } from './compiled';

// Sign-in, sessions and sign-in throttling. Sessions are found by the SHA-256 of the cookie
// token (the token itself is never stored); staff by their global, lower-cased email.

/** What a signed-in viewer carries of their account and district (staff_user ⋈ district). */
export const viewerColumns = [
  'staff_user.id',
  'staff_user.district_id',
  'staff_user.name',
  'staff_user.email',
  'staff_user.role',
  'staff_user.discipline',
  'district.name as district_name',
  'district.settings as district_settings',
] as const;

export async function findStaffForSignIn(db: Kysely<Database>, email: string) {
  return db
    .selectFrom('staff_user')
    .innerJoin('district', 'district.id', 'staff_user.district_id')
    .select([
      ...viewerColumns,
      'staff_user.password_hash',
      'staff_user.active',
      'staff_user.totp_secret',
    ])
    .where('staff_user.email', '=', email.toLowerCase())
    .executeTakeFirst();
}

export interface NewAuthSession {
  districtId: string;
  id: string;
  userId: string;
  now: string;
  expiresAt: string;
  /** `full` unless a second factor is owed (`mfa`) or must be enrolled first (`enrol`). */
  stage?: string;
  userAgent?: string | null;
  address?: string | null;
}

export async function createAuthSession(
  db: Kysely<Database>,
  session: NewAuthSession,
): Promise<void> {
  await db
    .insertInto('auth_session')
    .values({
      district_id: session.districtId,
      id: session.id,
      user_id: session.userId,
      created_at: session.now,
      last_seen_at: session.now,
      expires_at: session.expiresAt,
      stage: session.stage ?? 'full',
      user_agent: session.userAgent ?? null,
      address: session.address ?? null,
    })
    .execute();
}

/** The user's sessions, newest first (what the Account page lists). */
export async function listUserSessions(db: Kysely<Database>, districtId: string, userId: string) {
  return db
    .selectFrom('auth_session')
    .select(['id', 'created_at', 'last_seen_at', 'expires_at', 'stage', 'user_agent', 'address'])
    .where('district_id', '=', districtId)
    .where('user_id', '=', userId)
    .orderBy('created_at', 'desc')
    .orderBy('last_seen_at', 'desc')
    .orderBy('id')
    .execute();
}

/** Ends one of the user's own sessions; false when it is not theirs (or gone). */
export async function deleteUserSession(
  db: Kysely<Database>,
  args: { districtId: string; userId: string; id: string },
): Promise<boolean> {
  const r = await db
    .deleteFrom('auth_session')
    .where('district_id', '=', args.districtId)
    .where('user_id', '=', args.userId)
    .where('id', '=', args.id)
    .executeTakeFirst();
  return Number(r.numDeletedRows) === 1;
}

/** Ends every session of the user (deactivation). */
export async function deleteUserSessions(
  db: Kysely<Database>,
  districtId: string,
  userId: string,
): Promise<number> {
  const r = await db
    .deleteFrom('auth_session')
    .where('district_id', '=', districtId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return Number(r.numDeletedRows);
}

/**
 * Keeps the session just started and the user's `keep - 1` newest others; ends older ones.
 * Sessions started in the same millisecond as the new one have no order, so none of them is
 * ended (the new one is named, not found by time).
 */
export async function capUserSessions(
  db: Kysely<Database>,
  args: { districtId: string; userId: string; keep: number; newestId: string; startedAt: string },
): Promise<void> {
  const rows = await listUserSessions(db, args.districtId, args.userId);
  const old = rows
    .filter((r) => r.id !== args.newestId)
    .slice(args.keep - 1)
    .filter((r) => r.created_at < args.startedAt)
    .map((r) => r.id);
  if (old.length === 0) return;
  await db
    .deleteFrom('auth_session')
    .where('district_id', '=', args.districtId)
    .where('id', 'in', old)
    .execute();
}

/** Whether this browser completed a sign-in as the user before. */
export async function isKnownDevice(
  db: Kysely<Database>,
  args: { districtId: string; userId: string; id: string },
): Promise<boolean> {
  const row = await db
    .selectFrom('known_device')
    .select('id')
    .where('district_id', '=', args.districtId)
    .where('id', '=', args.id)
    .where('user_id', '=', args.userId)
    .executeTakeFirst();
  return row !== undefined;
}

export async function rememberDevice(
  db: Kysely<Database>,
  args: { districtId: string; userId: string; id: string; now: string },
): Promise<void> {
  const updated = await db
    .updateTable('known_device')
    .set({ last_used_at: args.now })
    .where('district_id', '=', args.districtId)
    .where('id', '=', args.id)
    .where('user_id', '=', args.userId)
    .executeTakeFirst();
  if (Number(updated.numUpdatedRows) > 0) return;
  await db
    .insertInto('known_device')
    .values({
      district_id: args.districtId,
      id: args.id,
      user_id: args.userId,
      created_at: args.now,
      last_used_at: args.now,
    })
    .execute();
}

// Read on every request: compiled once per database handle, not per request (compiled.ts).
const authSessionLookup = singleStatementTemplate((db: Kysely<Database>, { id }: { id: string }) =>
  db
    .selectFrom('auth_session')
    .innerJoin('staff_user', (j) =>
      j
        .onRef('staff_user.district_id', '=', 'auth_session.district_id')
        .onRef('staff_user.id', '=', 'auth_session.user_id'),
    )
    .innerJoin('district', 'district.id', 'auth_session.district_id')
    .select([
      'auth_session.id as session_id',
      'auth_session.created_at',
      'auth_session.last_seen_at',
      'auth_session.expires_at',
      'auth_session.stage',
      'auth_session.identity_provider_id',
      ...viewerColumns,
      'staff_user.active',
    ])
    .where('auth_session.id', '=', id),
);

/** The session with its (active or not) user and district, or undefined. */
export async function findAuthSession(db: Kysely<Database>, id: string) {
  const { rows } = await db.executeQuery(authSessionLookup(db, { id }));
  return rows[0];
}

export async function touchAuthSession(
  db: Kysely<Database>,
  districtId: string,
  id: string,
  lastSeenAt: string,
): Promise<void> {
  await db
    .updateTable('auth_session')
    .set({ last_seen_at: lastSeenAt })
    .where('district_id', '=', districtId)
    .where('id', '=', id)
    .execute();
}

export async function deleteAuthSession(
  db: Kysely<Database>,
  districtId: string,
  id: string,
): Promise<void> {
  await db
    .deleteFrom('auth_session')
    .where('district_id', '=', districtId)
    .where('id', '=', id)
    .execute();
}

/**
 * Removes the district's sessions past their absolute expiry or idle since `idleBefore`. One
 * district at a time, so the sweep stays on one shard (an expired session is also deleted
 * when it is next presented).
 */
export async function deleteExpiredAuthSessions(
  db: Kysely<Database>,
  districtId: string,
  now: string,
  idleBefore: string,
): Promise<void> {
  await db
    .deleteFrom('auth_session')
    .where('district_id', '=', districtId)
    .where((eb) => eb.or([eb('expires_at', '<=', now), eb('last_seen_at', '<', idleBefore)]))
    .execute();
}

/** Records an attempt (as a failure until `markLoginAttemptOk`) and returns its id. */
export async function recordLoginAttempt(
  db: Kysely<Database>,
  key: string,
  at: string,
): Promise<string> {
  const id = newId();
  await db.insertInto('login_attempt').values({ id, key, at, ok: 0 }).execute();
  return id;
}

export async function markLoginAttemptsOk(db: Kysely<Database>, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await db.updateTable('login_attempt').set({ ok: 1 }).where('id', 'in', ids).execute();
}

export async function deleteLoginAttempts(db: Kysely<Database>, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await db.deleteFrom('login_attempt').where('id', 'in', ids).execute();
}

/**
 * Failed attempts for `key` at or after `since`. With `afterLastSuccess`, only those after the
 * key's latest success count (an account's owner signing in clears its own slate).
 */
export async function countLoginFailures(
  db: Kysely<Database>,
  key: string,
  since: string,
  options: { afterLastSuccess?: boolean } = {},
): Promise<number> {
  let from = since;
  if (options.afterLastSuccess) {
    const last = await db
      .selectFrom('login_attempt')
      .select((eb) => eb.fn.max('at').as('at'))
      .where('key', '=', key)
      .where('ok', '=', 1)
      .where('at', '>=', since)
      .executeTakeFirst();
    if (last?.at && last.at > from) from = last.at;
  }
  const row = await db
    .selectFrom('login_attempt')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('key', '=', key)
    .where('ok', '=', 0)
    .where('at', '>=', from)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function pruneLoginAttempts(db: Kysely<Database>, before: string): Promise<void> {
  await db.deleteFrom('login_attempt').where('at', '<', before).execute();
}
