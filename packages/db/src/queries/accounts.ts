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
