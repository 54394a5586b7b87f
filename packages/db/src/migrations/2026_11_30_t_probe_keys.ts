import type { Kysely } from 'kysely';

// Frozen in time: never imports app code. A teacher's classroom probe made offline waits in the
// browser's outbox and may be sent more than once (a retry after a lost answer, another tab):
// like a session, it carries an idempotency key made once in the browser, stored once per
// district. Observations recorded in a session, and probes from before, have none (NULLs do not
// clash in a unique index on either database).

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('observation').addColumn('idempotency_key', 'text').execute();
  await db.schema
    .createIndex('observation_idempotency_uq')
    .on('observation')
    .columns(['district_id', 'idempotency_key'])
    .unique()
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('observation_idempotency_uq').execute();
  await db.schema.alterTable('observation').dropColumn('idempotency_key').execute();
}
