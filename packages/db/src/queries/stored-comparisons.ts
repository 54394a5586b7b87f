import { type Kysely, sql } from 'kysely';
import type { Database, StoredComparisonTable } from '../schema';
import { viewerColumns } from './auth';

// The last Outcomes comparison summary computed for each scope (docs/architecture.md, "Stored
// comparisons"): a process that has not computed a comparison reads it here instead of running
// the bootstrap, and the data version and as-of date on the row say whether it is current.

export type StoredComparison = Omit<StoredComparisonTable, 'district_id' | 'refresh_claimed_at'>;

/** Which figures a stored row holds, and when they were computed: all of it but the report. */
const HEAD_COLUMNS = ['scope_key', 'as_of', 'data_version', 'compute_ms', 'computed_at'] as const;

const storedRowOf = (db: Kysely<Database>, districtId: string, scopeKey: string) =>
  db
    .selectFrom('stored_comparison')
    .select(HEAD_COLUMNS)
    .where('district_id', '=', districtId)
    .where('scope_key', '=', scopeKey);

/** The stored comparison of one scope of a district, or undefined. */
export async function findStoredComparison(
  db: Kysely<Database>,
  districtId: string,
  scopeKey: string,
): Promise<StoredComparison | undefined> {
  return storedRowOf(db, districtId, scopeKey).select('report').executeTakeFirst();
}

/** The scope's stored comparison without its report: which figures are stored, and when. */
export async function findStoredComparisonHead(
  db: Kysely<Database>,
  districtId: string,
  scopeKey: string,
): Promise<Omit<StoredComparison, 'report'> | undefined> {
  return storedRowOf(db, districtId, scopeKey).executeTakeFirst();
}

/**
 * Keeps `row` as its scope's comparison, replacing the one before (and its refresh claim),
 * unless the one before holds newer figures: it was computed from the district's current data
 * and `row` was not (a slow compute finishing after a later one), or from the same data for a
 * later day. False when the row before was kept.
 */
export async function storeComparison(
  db: Kysely<Database>,
  districtId: string,
  row: StoredComparison,
): Promise<boolean> {
  const current = sql<string>`coalesce((select version from district_data_version where district_id = ${districtId}), '-')`;
  const r = await db
    .insertInto('stored_comparison')
    .values({ district_id: districtId, ...row, refresh_claimed_at: null })
    .onConflict((oc) =>
      oc
        .columns(['district_id', 'scope_key'])
        .doUpdateSet((eb) => ({
          as_of: eb.ref('excluded.as_of'),
          data_version: eb.ref('excluded.data_version'),
          report: eb.ref('excluded.report'),
          compute_ms: eb.ref('excluded.compute_ms'),
          computed_at: eb.ref('excluded.computed_at'),
          refresh_claimed_at: null,
        }))
        .where((eb) =>
          eb.and([
            eb.or([
              eb('stored_comparison.data_version', '<>', current),
              eb('excluded.data_version', '=', current),
            ]),
            eb.or([
              eb('stored_comparison.data_version', '<>', eb.ref('excluded.data_version')),
              eb('stored_comparison.as_of', '<=', eb.ref('excluded.as_of')),
            ]),
          ]),
        ),
    )
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
}

/** How long a claim to recompute a stale comparison holds before another process may take it. */
export const REFRESH_CLAIM_MS = 10 * 60_000;

/**
 * Claims the recompute of a stored (stale) comparison for this process: true when no other
 * process claimed it within REFRESH_CLAIM_MS (one conditional update, so two processes asking
 * at once get one true between them). Storing the fresh comparison clears the claim.
 */
export async function claimComparisonRefresh(
  db: Kysely<Database>,
  districtId: string,
  scopeKey: string,
  now: Date,
): Promise<boolean> {
  const expired = new Date(now.getTime() - REFRESH_CLAIM_MS).toISOString();
  const r = await db
    .updateTable('stored_comparison')
    .set({ refresh_claimed_at: now.toISOString() })
    .where('district_id', '=', districtId)
    .where('scope_key', '=', scopeKey)
    .where((eb) =>
      eb.or([eb('refresh_claimed_at', 'is', null), eb('refresh_claimed_at', '<', expired)]),
    )
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** Drops every stored comparison of the district (a student's record deleted). */
export async function forgetStoredComparisons(
  db: Kysely<Database>,
  districtId: string,
): Promise<number> {
  const r = await db
    .deleteFrom('stored_comparison')
    .where('district_id', '=', districtId)
    .executeTakeFirst();
  return Number(r.numDeletedRows);
}

/** The district ids, for work done ahead of any request (comparisons computed in advance). */
export async function districtIds(db: Kysely<Database>): Promise<string[]> {
  const rows = await db.selectFrom('district').select('id').orderBy('id').execute();
  return rows.map((r) => r.id);
}

/**
 * The active coordinators and admins of a district, with what a signed-in viewer carries (the
 * district's name and settings): whose Outcomes scopes are computed ahead of their first view.
 */
export async function outcomesViewers(db: Kysely<Database>, districtId: string) {
  return db
    .selectFrom('staff_user')
    .innerJoin('district', 'district.id', 'staff_user.district_id')
    .select(viewerColumns)
    .where('staff_user.district_id', '=', districtId)
    .where('district.id', '=', districtId)
    .where('staff_user.active', '=', 1)
    .where('staff_user.role', 'in', ['coordinator', 'admin'])
    .orderBy('staff_user.id')
    .execute();
}

/** Gives up this process's claim (its recompute failed), so the next change can try again. */
export async function releaseComparisonRefresh(
  db: Kysely<Database>,
  districtId: string,
  scopeKey: string,
): Promise<void> {
  await db
    .updateTable('stored_comparison')
    .set({ refresh_claimed_at: null })
    .where('district_id', '=', districtId)
    .where('scope_key', '=', scopeKey)
    .execute();
}
