import type { Kysely } from 'kysely';

// Frozen in time: never imports app code. The goal summaries change meaning (issue 13): the
// default mastery rule counts data taken in one of the goal's linked routines with the
// classroom's, whatever setting the session was filed under. Every stored summary is dropped
// here and migrateToLatest refills them with the new rule (`fillMissingGoalSummaries`, app
// code); until then a page summarises a goal without a row from its observations.

export async function up(db: Kysely<any>): Promise<void> {
  await db.deleteFrom('goal_summary').execute();
}

export async function down(): Promise<void> {
  // Nothing to undo: the summaries are derived, and the next write or refill rebuilds them.
}
