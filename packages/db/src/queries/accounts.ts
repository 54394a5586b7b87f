import type { Kysely } from 'kysely';
import type { Database } from '../schema';
import { newId } from '../util';

// Staff accounts as an admin manages them and as a user changes their own password.

export async function findStaffPasswordHash(
  db: Kysely<Database>,
  districtId: string,
  userId: string,
): Promise<string | undefined> {
  const row = await db
    .selectFrom('staff_user')
    .select('password_hash')
    .where('district_id', '=', districtId)
    .where('id', '=', userId)
    .executeTakeFirst();
  return row?.password_hash;
}

/** Sets the hash and ends every other session of the user: whoever else held one is out. */
export async function setStaffPassword(
  db: Kysely<Database>,
  args: { districtId: string; userId: string; passwordHash: string; keepSessionId: string | null },
): Promise<void> {
  await db
    .updateTable('staff_user')
    .set({ password_hash: args.passwordHash })
    .where('district_id', '=', args.districtId)
    .where('id', '=', args.userId)
    .execute();
  let sessions = db
    .deleteFrom('auth_session')
    .where('district_id', '=', args.districtId)
    .where('user_id', '=', args.userId);
  if (args.keepSessionId) sessions = sessions.where('id', '!=', args.keepSessionId);
  await sessions.execute();
}

export async function emailTaken(db: Kysely<Database>, email: string): Promise<boolean> {
  const row = await db
    .selectFrom('staff_user')
    .select('id')
    .where('email', '=', email.toLowerCase())
    .executeTakeFirst();
  return row !== undefined;
}

/** Of `ids`, those that are schools of the district. */
export async function existingSchoolIds(
  db: Kysely<Database>,
  districtId: string,
  ids: readonly string[],
): Promise<string[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .selectFrom('school')
    .select('id')
    .where('district_id', '=', districtId)
    .where('id', 'in', [...ids])
    .execute();
  return rows.map((r) => r.id);
}

export async function findActiveStaff(db: Kysely<Database>, districtId: string, id: string) {
  return db
    .selectFrom('staff_user')
    .select(['id', 'role', 'discipline'])
    .where('district_id', '=', districtId)
    .where('id', '=', id)
    .where('active', '=', 1)
    .executeTakeFirst();
}

export interface NewStaffUser {
  districtId: string;
  name: string;
  email: string;
  role: string;
  discipline: string | null;
  supervisorId: string | null;
  passwordHash: string;
  schoolIds: readonly string[];
  createdAt: string;
}

/** Inserts the user and their schools in one transaction (the caller's, if it passes one). */
export async function createStaffUser(db: Kysely<Database>, user: NewStaffUser): Promise<string> {
  if (!db.isTransaction) return db.transaction().execute((trx) => createStaffUser(trx, user));
  const id = newId();
  await db
    .insertInto('staff_user')
    .values({
      district_id: user.districtId,
      id,
      name: user.name,
      email: user.email.toLowerCase(),
      role: user.role,
      discipline: user.discipline,
      supervisor_id: user.supervisorId,
      password_hash: user.passwordHash,
      active: 1,
      created_at: user.createdAt,
    })
    .execute();
  const schools = [...new Set(user.schoolIds)];
  if (schools.length > 0) {
    await db
      .insertInto('staff_school')
      .values(schools.map((s) => ({ district_id: user.districtId, staff_id: id, school_id: s })))
      .execute();
  }
  return id;
}

/** The district's staff as the admin's People list shows them. */
export async function listStaff(db: Kysely<Database>, districtId: string) {
  const rows = await db
    .selectFrom('staff_user')
    .select(['id', 'name', 'email', 'role', 'discipline', 'active', 'totp_enabled_at'])
    .where('district_id', '=', districtId)
    .orderBy('name')
    .orderBy('id')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    email: r.email,
    role: r.role,
    discipline: r.discipline,
    active: r.active === 1,
    mfaEnrolled: r.totp_enabled_at !== null,
  }));
}

/** Activates or deactivates a user; deactivating ends every session and forgets their devices. */
export async function setStaffActive(
  db: Kysely<Database>,
  args: { districtId: string; userId: string; active: boolean },
): Promise<boolean> {
  const r = await db
    .updateTable('staff_user')
    .set({ active: args.active ? 1 : 0 })
    .where('district_id', '=', args.districtId)
    .where('id', '=', args.userId)
    .executeTakeFirst();
  if (Number(r.numUpdatedRows) !== 1) return false;
  if (!args.active) {
    for (const table of ['auth_session', 'known_device'] as const)
      await db
        .deleteFrom(table)
        .where('district_id', '=', args.districtId)
        .where('user_id', '=', args.userId)
        .execute();
  }
  return true;
}

export async function findTotpState(db: Kysely<Database>, districtId: string, userId: string) {
  return db
    .selectFrom('staff_user')
    .select(['totp_secret', 'totp_pending_secret', 'totp_enabled_at', 'totp_last_step'])
    .where('district_id', '=', districtId)
    .where('id', '=', userId)
    .executeTakeFirst();
}

export async function setPendingTotpSecret(
  db: Kysely<Database>,
  args: { districtId: string; userId: string; secret: string },
): Promise<void> {
  await db
    .updateTable('staff_user')
    .set({ totp_pending_secret: args.secret })
    .where('district_id', '=', args.districtId)
    .where('id', '=', args.userId)
    .execute();
}

/**
 * Accepts a TOTP time step once: true only if it is later than every step accepted before,
 * checked and written in one statement so two requests with the same code cannot both win.
 */
export async function claimTotpStep(
  db: Kysely<Database>,
  args: { districtId: string; userId: string; step: number },
): Promise<boolean> {
  const r = await db
    .updateTable('staff_user')
    .set({ totp_last_step: args.step })
    .where('district_id', '=', args.districtId)
    .where('id', '=', args.userId)
    .where((eb) => eb.or([eb('totp_last_step', 'is', null), eb('totp_last_step', '<', args.step)]))
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Makes the pending secret the user's second factor, with fresh recovery codes (hashes). */
export async function confirmTotp(
  db: Kysely<Database>,
  args: { districtId: string; userId: string; secret: string; now: string; codeHashes: string[] },
): Promise<void> {
  await db
    .updateTable('staff_user')
    .set({ totp_secret: args.secret, totp_pending_secret: null, totp_enabled_at: args.now })
    .where('district_id', '=', args.districtId)
    .where('id', '=', args.userId)
    .execute();
  await replaceRecoveryCodes(db, args);
}

export async function replaceRecoveryCodes(
  db: Kysely<Database>,
  args: { districtId: string; userId: string; now: string; codeHashes: string[] },
): Promise<void> {
  await db
    .deleteFrom('recovery_code')
    .where('district_id', '=', args.districtId)
    .where('user_id', '=', args.userId)
    .execute();
  if (args.codeHashes.length === 0) return;
  await db
    .insertInto('recovery_code')
    .values(
      args.codeHashes.map((id) => ({
        district_id: args.districtId,
        id,
        user_id: args.userId,
        created_at: args.now,
        used_at: null,
      })),
    )
    .execute();
}

/** Spends a recovery code: true once, false for an unknown or already used one. */
export async function useRecoveryCode(
  db: Kysely<Database>,
  args: { districtId: string; userId: string; codeHash: string; now: string },
): Promise<boolean> {
  const r = await db
    .updateTable('recovery_code')
    .set({ used_at: args.now })
    .where('district_id', '=', args.districtId)
    .where('id', '=', args.codeHash)
    .where('user_id', '=', args.userId)
    .where('used_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export async function countUnusedRecoveryCodes(
  db: Kysely<Database>,
  districtId: string,
  userId: string,
): Promise<number> {
  const row = await db
    .selectFrom('recovery_code')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('district_id', '=', districtId)
    .where('user_id', '=', userId)
    .where('used_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function disableTotp(
  db: Kysely<Database>,
  districtId: string,
  userId: string,
): Promise<void> {
  await db
    .updateTable('staff_user')
    .set({ totp_secret: null, totp_pending_secret: null, totp_enabled_at: null })
    .where('district_id', '=', districtId)
    .where('id', '=', userId)
    .execute();
  await replaceRecoveryCodes(db, { districtId, userId, now: '', codeHashes: [] });
}

export async function findDistrictByName(db: Kysely<Database>, name: string) {
  return db
    .selectFrom('district')
    .select(['id', 'name'])
    .where('name', '=', name)
    .executeTakeFirst();
}

export async function createDistrict(
  db: Kysely<Database>,
  args: { name: string; settings: string; now: string },
): Promise<string> {
  const id = newId();
  await db
    .insertInto('district')
    .values({ id, name: args.name, settings: args.settings, created_at: args.now })
    .execute();
  return id;
}

export async function createSetupToken(
  db: Kysely<Database>,
  args: { districtId: string; userId: string; id: string; now: string; expiresAt: string },
): Promise<void> {
  // A new link replaces any earlier one for the same user.
  await db
    .deleteFrom('setup_token')
    .where('district_id', '=', args.districtId)
    .where('user_id', '=', args.userId)
    .execute();
  await db
    .insertInto('setup_token')
    .values({
      district_id: args.districtId,
      id: args.id,
      user_id: args.userId,
      created_at: args.now,
      expires_at: args.expiresAt,
      used_at: null,
    })
    .execute();
}

/** The setup link's user, if the link is unused and not expired at `now`. */
export async function findUsableSetupToken(
  db: Kysely<Database>,
  args: { districtId: string; id: string; now: string },
) {
  return db
    .selectFrom('setup_token')
    .innerJoin('staff_user', (j) =>
      j
        .onRef('staff_user.district_id', '=', 'setup_token.district_id')
        .onRef('staff_user.id', '=', 'setup_token.user_id'),
    )
    .innerJoin('district', 'district.id', 'setup_token.district_id')
    .select([
      'setup_token.user_id',
      'staff_user.email',
      'staff_user.name',
      'staff_user.role',
      'staff_user.active',
      'district.name as district_name',
      'district.settings as district_settings',
    ])
    .where('setup_token.district_id', '=', args.districtId)
    .where('staff_user.district_id', '=', args.districtId)
    .where('setup_token.id', '=', args.id)
    .where('setup_token.used_at', 'is', null)
    .where('setup_token.expires_at', '>', args.now)
    .executeTakeFirst();
}

/** Marks the link used; false if another request used it first. */
export async function useSetupToken(
  db: Kysely<Database>,
  args: { districtId: string; id: string; now: string },
): Promise<boolean> {
  const r = await db
    .updateTable('setup_token')
    .set({ used_at: args.now })
    .where('district_id', '=', args.districtId)
    .where('id', '=', args.id)
    .where('used_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}
