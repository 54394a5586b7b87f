import type { Insertable, Kysely } from 'kysely';
import type { Database, GoalTemplateTable } from '../schema';

// The district's own goal-bank templates (the built-in ones live in @carryover/domain).

export async function listGoalTemplates(db: Kysely<Database>, districtId: string) {
  return db
    .selectFrom('goal_template')
    .leftJoin('staff_user', (j) =>
      j
        .onRef('staff_user.district_id', '=', 'goal_template.district_id')
        .onRef('staff_user.id', '=', 'goal_template.created_by'),
    )
    .selectAll('goal_template')
    .select('staff_user.name as created_by_name')
    .where('goal_template.district_id', '=', districtId)
    .orderBy('goal_template.discipline')
    .orderBy('goal_template.domain')
    .orderBy('goal_template.created_at')
    .orderBy('goal_template.id')
    .execute();
}

export async function insertGoalTemplate(
  db: Kysely<Database>,
  row: Insertable<GoalTemplateTable>,
): Promise<void> {
  await db.insertInto('goal_template').values(row).execute();
}

/** Removes one of the district's templates; false when there was none by that id. */
export async function deleteGoalTemplate(
  db: Kysely<Database>,
  districtId: string,
  id: string,
): Promise<boolean> {
  const result = await db
    .deleteFrom('goal_template')
    .where('district_id', '=', districtId)
    .where('id', '=', id)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}
