import { type Kysely, sql } from 'kysely';
import type { Database } from '../schema';

/** The tables that keep one row per goal, filled after the migration that made them. */
export type PerGoalTable = 'goal_summary' | 'goal_comparison_digest';

/**
 * Walks every district's goals once in key order, `batchSize` at a time, and hands each
 * district's goals that have no row in `table` to `fill`; returns how many there were. For the
 * kept per-goal rows after the migration that made their table, and after a bulk load of raw
 * rows.
 */
export async function fillGoalsMissingFrom(
  db: Kysely<Database>,
  table: PerGoalTable,
  batchSize: number,
  fill: (districtId: string, goalIds: string[]) => Promise<unknown>,
): Promise<number> {
  let filled = 0;
  let after: [string, string] = ['', ''];
  for (;;) {
    const batch = await db
      .selectFrom('goal')
      // Both tables are keyed (district_id, goal_id); the type names one of them.
      .leftJoin(`${table} as kept` as 'goal_summary as kept', (j) =>
        j.onRef('kept.district_id', '=', 'goal.district_id').onRef('kept.goal_id', '=', 'goal.id'),
      )
      .select(['goal.district_id', 'goal.id', 'kept.goal_id as present'])
      .where(sql<boolean>`(goal.district_id, goal.id) > (${after[0]}, ${after[1]})`)
      .orderBy('goal.district_id')
      .orderBy('goal.id')
      .limit(batchSize)
      .execute();
    if (batch.length === 0) return filled;
    const byDistrict = new Map<string, string[]>();
    for (const g of batch) {
      if (g.present !== null) continue;
      byDistrict.set(g.district_id, [...(byDistrict.get(g.district_id) ?? []), g.id]);
      filled++;
    }
    for (const [districtId, ids] of byDistrict) await fill(districtId, ids);
    const last = batch.at(-1) as { district_id: string; id: string };
    after = [last.district_id, last.id];
  }
}

/**
 * Hands every goal of a district to `each`, `batchSize` ids at a time in key order, so memory
 * stays bounded: for rebuilding the kept per-goal rows after a bulk load.
 */
export async function forEachGoalBatch(
  db: Kysely<Database>,
  districtId: string,
  batchSize: number,
  each: (goalIds: string[]) => Promise<unknown>,
): Promise<void> {
  let after = '';
  for (;;) {
    const ids = (
      await db
        .selectFrom('goal')
        .select('id')
        .where('district_id', '=', districtId)
        .where('id', '>', after)
        .orderBy('id')
        .limit(batchSize)
        .execute()
    ).map((r) => r.id);
    if (ids.length === 0) return;
    await each(ids);
    after = ids.at(-1) as string;
  }
}
