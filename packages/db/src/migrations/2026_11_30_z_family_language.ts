import type { Kysely } from 'kysely';

// Frozen in time: never imports app code. The family's preferred language (issue 15): the
// parent letter is printed in it. A language tag (`en`, `es`, `es-MX`…); English until a
// school records otherwise.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('student')
    .addColumn('family_language', 'text', (c) => c.notNull().defaultTo('en'))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('student').dropColumn('family_language').execute();
}
