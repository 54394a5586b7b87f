import type { Kysely } from 'kysely';

// Frozen in time: never imports app code. Single sign-on with a district's OpenID Connect
// providers: the providers an admin set up (the client secret encrypted with a key kept outside
// the database), the provider subject (`sub`) each staff account was first matched by, and the
// sign-ins under way (state, nonce and PKCE verifier, single use, ten minutes).

const text = 'text' as const;

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('identity_provider')
    .addColumn('district_id', text, (c) =>
      c.notNull().references('district.id').onDelete('cascade'),
    )
    .addColumn('id', text, (c) => c.notNull())
    .addColumn('display_name', text, (c) => c.notNull())
    .addColumn('issuer', text, (c) => c.notNull())
    .addColumn('client_id', text, (c) => c.notNull())
    .addColumn('client_secret_encrypted', text, (c) => c.notNull())
    /** JSON array of lower-case domains; empty = any. */
    .addColumn('allowed_domains', text, (c) => c.notNull().defaultTo('[]'))
    .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', text, (c) => c.notNull())
    .addColumn('updated_at', text, (c) => c.notNull())
    .addPrimaryKeyConstraint('identity_provider_pk', ['district_id', 'id'] as never)
    .execute();

  await db.schema
    .createTable('staff_identity')
    .addColumn('district_id', text, (c) =>
      c.notNull().references('district.id').onDelete('cascade'),
    )
    .addColumn('provider_id', text, (c) => c.notNull())
    .addColumn('subject', text, (c) => c.notNull())
    .addColumn('user_id', text, (c) => c.notNull())
    .addColumn('created_at', text, (c) => c.notNull())
    .addColumn('last_sign_in_at', text, (c) => c.notNull())
    .addPrimaryKeyConstraint('staff_identity_pk', [
      'district_id',
      'provider_id',
      'subject',
    ] as never)
    .addForeignKeyConstraint(
      'staff_identity_provider_fk',
      ['district_id', 'provider_id'] as never,
      'identity_provider',
      ['district_id', 'id'],
      (fk) => fk.onDelete('cascade'),
    )
    .addForeignKeyConstraint(
      'staff_identity_user_fk',
      ['district_id', 'user_id'] as never,
      'staff_user',
      ['district_id', 'id'],
      (fk) => fk.onDelete('cascade'),
    )
    .execute();

  // id = SHA-256 of the `state` value; the browser holds the state in a cookie as well.
  await db.schema
    .createTable('oidc_sign_in')
    .addColumn('district_id', text, (c) =>
      c.notNull().references('district.id').onDelete('cascade'),
    )
    .addColumn('id', text, (c) => c.notNull())
    .addColumn('provider_id', text, (c) => c.notNull())
    .addColumn('nonce', text, (c) => c.notNull())
    .addColumn('code_verifier', text, (c) => c.notNull())
    .addColumn('created_at', text, (c) => c.notNull())
    .addColumn('expires_at', text, (c) => c.notNull())
    .addPrimaryKeyConstraint('oidc_sign_in_pk', ['district_id', 'id'] as never)
    .addForeignKeyConstraint(
      'oidc_sign_in_provider_fk',
      ['district_id', 'provider_id'] as never,
      'identity_provider',
      ['district_id', 'id'],
      (fk) => fk.onDelete('cascade'),
    )
    .execute();

  // The provider's session, for its end-session endpoint at sign-out.
  await db.schema.alterTable('auth_session').addColumn('identity_provider_id', text).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('auth_session').dropColumn('identity_provider_id').execute();
  for (const table of ['oidc_sign_in', 'staff_identity', 'identity_provider'])
    await db.schema.dropTable(table).execute();
}
