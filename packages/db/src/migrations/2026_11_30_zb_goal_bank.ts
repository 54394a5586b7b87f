import type { Kysely } from 'kysely';

// Frozen in time: never imports app code. The goal bank's district templates: starting points an
// admin adds beside the built-in ones (which live in code). `routines` is a JSON array of routine
// names (arrival, writing …) where push-in practice makes sense, matched to a classroom's routines
// when the template is used.

const text = 'text' as const;

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('goal_template')
    .addColumn('district_id', text, (c) =>
      c.notNull().references('district.id').onDelete('cascade'),
    )
    .addColumn('id', text, (c) => c.notNull())
    .addColumn('discipline', text, (c) => c.notNull())
    .addColumn('domain', text, (c) => c.notNull())
    .addColumn('text', text, (c) => c.notNull())
    .addColumn('measurement_type', text, (c) => c.notNull())
    .addColumn('baseline', 'double precision', (c) => c.notNull())
    .addColumn('target', 'double precision', (c) => c.notNull())
    .addColumn('direction', text)
    .addColumn('rubric_max', 'integer')
    .addColumn('routines', text, (c) => c.notNull().defaultTo('[]'))
    .addColumn('created_by', text, (c) => c.notNull())
    .addColumn('created_at', text, (c) => c.notNull())
    .addPrimaryKeyConstraint('goal_template_pk', ['district_id', 'id'] as never)
    .addForeignKeyConstraint(
      'goal_template_creator_fk',
      ['district_id', 'created_by'] as never,
      'staff_user',
      ['district_id', 'id'],
    )
    .execute();
  await db.schema
    .createIndex('goal_template_discipline_idx')
    .on('goal_template')
    .columns(['district_id', 'discipline', 'domain'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('goal_template').execute();
}
