import { type Kysely, sql } from 'kysely';

// Frozen in time: never imports app code. A voided session's observations leave the numbers
// (graph, per-goal summaries, reports, Outcomes, recommendations) but stay on record with the
// struck-through session. Each observation carries its session's void time, set in the same
// transaction as the void, so every reader of observations excludes them with one column
// instead of a join to the session table. Existing voids are copied over, and the per-goal
// summaries that counted them are dropped, to be summarised again by app code after migrating.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('observation').addColumn('voided_at', 'text').execute();
  await sql`
    UPDATE observation SET voided_at = (
      SELECT s.voided_at FROM therapy_session s
      WHERE s.district_id = observation.district_id AND s.id = observation.session_id
    )
    WHERE session_id IS NOT NULL AND EXISTS (
      SELECT 1 FROM therapy_session s
      WHERE s.district_id = observation.district_id AND s.id = observation.session_id
        AND s.voided_at IS NOT NULL
    )`.execute(db);
  await sql`
    DELETE FROM goal_summary WHERE EXISTS (
      SELECT 1 FROM observation o
      WHERE o.district_id = goal_summary.district_id AND o.goal_id = goal_summary.goal_id
        AND o.voided_at IS NOT NULL
    )`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('observation').dropColumn('voided_at').execute();
}
