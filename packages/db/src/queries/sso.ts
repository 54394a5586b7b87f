import type { Kysely } from 'kysely';
import type { Database } from '../schema';

// Single sign-on: a district's OpenID Connect providers, the subjects staff were matched by,
// and the sign-ins under way. The API decrypts secrets and talks to providers; this only stores.

const providerColumns = [
  'identity_provider.district_id',
  'identity_provider.id',
  'identity_provider.display_name',
  'identity_provider.issuer',
  'identity_provider.client_id',
  'identity_provider.client_secret_encrypted',
  'identity_provider.allowed_domains',
  'identity_provider.enabled',
  'identity_provider.created_at',
  'identity_provider.updated_at',
] as const;

export async function listIdentityProviders(db: Kysely<Database>, districtId: string) {
  return db
    .selectFrom('identity_provider')
    .select(providerColumns)
    .where('district_id', '=', districtId)
    .orderBy('display_name')
    .orderBy('id')
    .execute();
}

export async function findIdentityProvider(db: Kysely<Database>, districtId: string, id: string) {
  return db
    .selectFrom('identity_provider')
    .select(providerColumns)
    .where('district_id', '=', districtId)
    .where('id', '=', id)
    .executeTakeFirst();
}

/** The buttons of the sign-in page: every district's enabled providers, names only. */
export async function listEnabledIdentityProviders(db: Kysely<Database>) {
  return db
    .selectFrom('identity_provider')
    .select(['district_id', 'id', 'display_name'])
    .where('enabled', '=', 1)
    .orderBy('display_name')
    .orderBy('id')
    .execute();
}

export interface IdentityProviderValues {
  displayName: string;
  issuer: string;
  clientId: string;
  /** Already encrypted; absent on an update that keeps the secret. */
  clientSecretEncrypted?: string;
  allowedDomains: string[];
  enabled: boolean;
}

export async function insertIdentityProvider(
  db: Kysely<Database>,
  args: { districtId: string; id: string; now: string } & IdentityProviderValues,
): Promise<void> {
  await db
    .insertInto('identity_provider')
    .values({
      district_id: args.districtId,
      id: args.id,
      display_name: args.displayName,
      issuer: args.issuer,
      client_id: args.clientId,
      client_secret_encrypted: args.clientSecretEncrypted ?? '',
      allowed_domains: JSON.stringify(args.allowedDomains),
      enabled: args.enabled ? 1 : 0,
      created_at: args.now,
      updated_at: args.now,
    })
    .execute();
}

/** False when there is no such provider in the district. */
export async function updateIdentityProvider(
  db: Kysely<Database>,
  args: { districtId: string; id: string; now: string } & IdentityProviderValues,
): Promise<boolean> {
  const r = await db
    .updateTable('identity_provider')
    .set({
      display_name: args.displayName,
      issuer: args.issuer,
      client_id: args.clientId,
      ...(args.clientSecretEncrypted !== undefined
        ? { client_secret_encrypted: args.clientSecretEncrypted }
        : {}),
      allowed_domains: JSON.stringify(args.allowedDomains),
      enabled: args.enabled ? 1 : 0,
      updated_at: args.now,
    })
    .where('district_id', '=', args.districtId)
    .where('id', '=', args.id)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

export async function deleteIdentityProvider(
  db: Kysely<Database>,
  districtId: string,
  id: string,
): Promise<boolean> {
  const r = await db
    .deleteFrom('identity_provider')
    .where('district_id', '=', districtId)
    .where('id', '=', id)
    .executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

export async function insertOidcSignIn(
  db: Kysely<Database>,
  row: {
    districtId: string;
    id: string;
    providerId: string;
    nonce: string;
    codeVerifier: string;
    now: string;
    expiresAt: string;
  },
): Promise<void> {
  // Abandoned sign-ins of the district go first; a sign-in is rare enough to pay for it.
  await db
    .deleteFrom('oidc_sign_in')
    .where('district_id', '=', row.districtId)
    .where('expires_at', '<=', row.now)
    .execute();
  await db
    .insertInto('oidc_sign_in')
    .values({
      district_id: row.districtId,
      id: row.id,
      provider_id: row.providerId,
      nonce: row.nonce,
      code_verifier: row.codeVerifier,
      created_at: row.now,
      expires_at: row.expiresAt,
    })
    .execute();
}

/**
 * Takes a sign-in under way by its state's hash, once: the row is deleted as it is read, so a
 * replayed callback finds nothing. The district is not known before this (the callback URL is
 * one for every district), as with a session cookie.
 */
export async function takeOidcSignIn(db: Kysely<Database>, id: string) {
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .selectFrom('oidc_sign_in')
      .select(['district_id', 'id', 'provider_id', 'nonce', 'code_verifier', 'expires_at'])
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) return undefined;
    const r = await trx
      .deleteFrom('oidc_sign_in')
      .where('district_id', '=', row.district_id)
      .where('id', '=', id)
      .executeTakeFirst();
    return Number(r.numDeletedRows) > 0 ? row : undefined;
  });
}

/** The staff account an SSO sign-in names: by the subject recorded before, else by email. */
export async function findStaffForSso(
  db: Kysely<Database>,
  args: { districtId: string; providerId: string; subject: string; email: string | null },
) {
  const columns = [
    'staff_user.id',
    'staff_user.district_id',
    'staff_user.name',
    'staff_user.email',
    'staff_user.role',
    'staff_user.discipline',
    'staff_user.active',
    'staff_user.totp_secret',
    'district.settings as district_settings',
  ] as const;
  const bySubject = await db
    .selectFrom('staff_identity')
    .innerJoin('staff_user', (j) =>
      j
        .onRef('staff_user.district_id', '=', 'staff_identity.district_id')
        .onRef('staff_user.id', '=', 'staff_identity.user_id'),
    )
    .innerJoin('district', 'district.id', 'staff_user.district_id')
    .select(columns)
    .where('staff_identity.district_id', '=', args.districtId)
    .where('staff_identity.provider_id', '=', args.providerId)
    .where('staff_identity.subject', '=', args.subject)
    .executeTakeFirst();
  if (bySubject) return { ...bySubject, matchedBy: 'subject' as const };
  if (!args.email) return undefined;
  const byEmail = await db
    .selectFrom('staff_user')
    .innerJoin('district', 'district.id', 'staff_user.district_id')
    .select(columns)
    .where('staff_user.district_id', '=', args.districtId)
    .where('staff_user.email', '=', args.email.toLowerCase())
    .executeTakeFirst();
  return byEmail && { ...byEmail, matchedBy: 'email' as const };
}

/** Records (or refreshes) the subject an account signed in with. */
export async function rememberStaffIdentity(
  db: Kysely<Database>,
  args: { districtId: string; providerId: string; subject: string; userId: string; now: string },
): Promise<void> {
  await db
    .insertInto('staff_identity')
    .values({
      district_id: args.districtId,
      provider_id: args.providerId,
      subject: args.subject,
      user_id: args.userId,
      created_at: args.now,
      last_sign_in_at: args.now,
    })
    .onConflict((oc) =>
      oc
        .columns(['district_id', 'provider_id', 'subject'])
        .doUpdateSet({ last_sign_in_at: args.now }),
    )
    .execute();
}

/** The district's active admins: whom an unknown user is told to contact. */
export async function listDistrictAdmins(db: Kysely<Database>, districtId: string) {
  return db
    .selectFrom('staff_user')
    .select(['name', 'email'])
    .where('district_id', '=', districtId)
    .where('role', '=', 'admin')
    .where('active', '=', 1)
    .orderBy('name')
    .limit(3)
    .execute();
}

export async function markSessionIdentityProvider(
  db: Kysely<Database>,
  args: { districtId: string; sessionId: string; providerId: string },
): Promise<void> {
  await db
    .updateTable('auth_session')
    .set({ identity_provider_id: args.providerId })
    .where('district_id', '=', args.districtId)
    .where('id', '=', args.sessionId)
    .execute();
}

/** The identity provider a session began through, if any (for the provider's sign-out). */
export async function findSessionIdentityProvider(
  db: Kysely<Database>,
  districtId: string,
  sessionId: string,
): Promise<string | null> {
  const row = await db
    .selectFrom('auth_session')
    .select('identity_provider_id')
    .where('district_id', '=', districtId)
    .where('id', '=', sessionId)
    .executeTakeFirst();
  return row?.identity_provider_id ?? null;
}

export async function setDistrictSettings(
  db: Kysely<Database>,
  districtId: string,
  settingsJson: string,
): Promise<void> {
  await db
    .updateTable('district')
    .set({ settings: settingsJson })
    .where('id', '=', districtId)
    .execute();
}

export async function findDistrictSettings(db: Kysely<Database>, districtId: string) {
  const row = await db
    .selectFrom('district')
    .select('settings')
    .where('id', '=', districtId)
    .executeTakeFirst();
  return row?.settings ?? null;
}
