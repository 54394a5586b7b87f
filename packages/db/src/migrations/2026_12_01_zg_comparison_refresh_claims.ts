import type { Kysely } from 'kysely';

// Frozen in time: never imports app code. When a server process started recomputing a stale
// stored comparison: the other processes see the claim and serve the stale figures without
// starting a second compute of the same scope (two at once starved every request on 2 cores).
// Cleared when the fresh comparison is stored; a claim older than a few minutes is taken over.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('stored_comparison').addColumn('refresh_claimed_at', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('stored_comparison').dropColumn('refresh_claimed_at').execute();
}
