import type { Kysely } from 'kysely';

// Frozen in time: never imports app code. A push-in plan can be a draft (made when a
// recommendation to push in is accepted) until therapist and teacher agree its roles; existing
// plans were agreed.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('push_in_plan')
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('agreed'))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('push_in_plan').dropColumn('status').execute();
}
