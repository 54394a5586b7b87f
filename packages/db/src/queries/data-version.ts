import type { Kysely } from 'kysely';
import type { Database } from '../schema';
import { newId } from '../util';

// The version of a district's comparison data (goals, students' schools and grades, services,
// model and phase changes, observations, delivered sessions, final progress reports): the
// Outcomes cache key. Every query function that can change that data calls
// `bumpDataVersion` in the caller's transaction, so the new version commits with the data.
// A version is a fresh random id rather than a counter: a district deleted and seeded again
// (the CLI's reset, in another process) can never repeat a version a running server cached.
//
// Bump last, after the write's other statements (its goal and student locks included) and
// before the audit append. The version is one row per district, so every write of the district
// takes that row's lock and holds it until commit: bumped first, it made the district's writes
// queue one whole transaction after another. On Postgres at 25,000 students, 8 therapists
// logging sessions at once waited on that row in 95% of samples of pg_stat_activity, for 61
// writes a second in all against 65 for one alone. Last everywhere also keeps one lock order:
// goals, then students, then the version, then the audit chain's.

/** Marks the district's comparison data as changed; call inside the writing transaction. */
export async function bumpDataVersion(trx: Kysely<Database>, districtId: string): Promise<void> {
  const version = newId();
  await trx
    .insertInto('district_data_version')
    .values({ district_id: districtId, version })
    .onConflict((oc) => oc.column('district_id').doUpdateSet({ version }))
    .execute();
}

/**
 * The district's data version: one primary-key lookup, cheap enough for every Outcomes call.
 * '-' when nothing has been written since the version table was made.
 */
export async function comparisonDataVersion(
  db: Kysely<Database>,
  districtId: string,
): Promise<string> {
  const row = await db
    .selectFrom('district_data_version')
    .select('version')
    .where('district_id', '=', districtId)
    .executeTakeFirst();
  return row?.version ?? '-';
}
