import type { Kysely } from 'kysely';

// Frozen in time: never imports app code. Two changes of the progress rules (issues 13 and 15):
// - a progress report line keeps the reason a therapist gave for "Sufficient progress" beside a
//   GAS of −2 (`status_reason`);
// - the goal summaries change meaning (the trend is least squares with a minimum of points and
//   span, the robust line is kept beside it, and the default mastery rule counts classroom data
//   alone): every stored summary is dropped here, and migrateToLatest refills them with the new
//   math (`fillMissingGoalSummaries`, app code). Until then a page summarises a goal without a
//   row from its observations, so nothing shows the old meaning.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('progress_report_goal').addColumn('status_reason', 'text').execute();
  await db.deleteFrom('goal_summary').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('progress_report_goal').dropColumn('status_reason').execute();
}
