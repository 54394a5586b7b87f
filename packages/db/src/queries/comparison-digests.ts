import {
  type ComparisonGoal,
  DIGEST_VERSION,
  emptyGoalDigest,
  type GasScore,
  type GoalDigest,
  goalDigests,
  type ReadDigest,
  readDigest,
} from '@carryover/domain';
import { type Kysely, PostgresAdapter, sql } from 'kysely';
import type { Database } from '../schema';
import { loadComparisonColumns, loadComparisonInput } from './comparison';
import { fillGoalsMissingFrom, forEachGoalBatch } from './goal-batches';

// Comparison digests (docs/architecture.md, "Outcomes digests"): what the Outcomes comparison
// reads of each goal's points (`goalDigest`, @carryover/domain), kept in
// `goal_comparison_digest` by every write that changes them, inside that write's transaction.
// A cold comparison reads one row per goal; `finishDigests` finishes the as-of-dependent part.

/** Goals are digested this many at a time when many are (re)built. */
const BATCH = 500;
/** Digest rows read per statement by `loadComparisonDigests`. */
const DIGEST_PAGE = 2_000;

/** Computes and stores the digests of these goals (a batch), from their rows and points. */
async function writeDigests(
  db: Kysely<Database>,
  districtId: string,
  goalIds: readonly string[],
): Promise<Map<string, GoalDigest>> {
  const out = new Map<string, GoalDigest>();
  if (goalIds.length === 0) return out;
  const { columns } = await loadComparisonColumns(db, districtId, { goalIds });
  const digests = goalDigests(columns);
  columns.goals.forEach((g, i) => {
    out.set(g.id, digests[i]!);
  });
  // A goal the comparison skips (no service) keeps no digest.
  const skipped = goalIds.filter((id) => !out.has(id));
  if (skipped.length > 0)
    await db
      .deleteFrom('goal_comparison_digest')
      .where('district_id', '=', districtId)
      .where('goal_id', 'in', skipped)
      .execute();
  if (out.size > 0)
    await db
      .insertInto('goal_comparison_digest')
      .values(
        [...out].map(([goalId, digest]) => ({
          district_id: districtId,
          goal_id: goalId,
          digest: JSON.stringify(digest),
        })),
      )
      .onConflict((oc) =>
        oc
          .columns(['district_id', 'goal_id'])
          .doUpdateSet((eb) => ({ digest: eb.ref('excluded.digest') })),
      )
      .execute();
  return out;
}

/**
 * Recomputes the comparison digests of these goals. Call it inside the transaction that changed
 * a goal, its observations, phases, model changes or recommendations, after the change.
 */
export async function refreshComparisonDigests(
  trx: Kysely<Database>,
  districtId: string,
  goalIds: Iterable<string>,
): Promise<void> {
  const ids = [...new Set(goalIds)].sort();
  for (let i = 0; i < ids.length; i += BATCH) {
    const batch = ids.slice(i, i + BATCH);
    if (trx.getExecutor().adapter instanceof PostgresAdapter) {
      // As for goal summaries: two writers of one goal take turns, so the later commit never
      // keeps a digest made without the earlier one's points.
      await trx
        .selectFrom('goal')
        .select('id')
        .where('district_id', '=', districtId)
        .where('id', 'in', batch)
        .orderBy('id')
        .forNoKeyUpdate()
        .execute();
    }
    await writeDigests(trx, districtId, batch);
  }
}

/**
 * Recomputes the digests of every goal of these services: their delivered minutes (sessions,
 * attendance) enter each goal's minutes per week.
 */
export async function refreshComparisonDigestsOfServices(
  trx: Kysely<Database>,
  districtId: string,
  serviceIds: Iterable<string | null>,
): Promise<void> {
  const services = [...new Set(serviceIds)].filter((s): s is string => s !== null);
  if (services.length === 0) return;
  const goals = await trx
    .selectFrom('goal')
    .select('id')
    .where('district_id', '=', districtId)
    .where('service_id', 'in', services)
    .execute();
  await refreshComparisonDigests(
    trx,
    districtId,
    goals.map((g) => g.id),
  );
}

/**
 * Digests every goal without a current one, in every district: after the migration that made
 * the table, after a bulk load of raw rows. Walks the goals in key order once.
 */
export function fillMissingComparisonDigests(db: Kysely<Database>): Promise<number> {
  return fillGoalsMissingFrom(db, 'goal_comparison_digest', BATCH, (districtId, ids) =>
    writeDigests(db, districtId, ids),
  );
}

/** Recomputes every digest of a district (the demo seed, test fixtures, bulk loads). */
export function rebuildComparisonDigests(db: Kysely<Database>, districtId: string): Promise<void> {
  return forEachGoalBatch(db, districtId, BATCH, (ids) => writeDigests(db, districtId, ids));
}

/**
 * One district's comparison input without its points: goals (metadata, model and phase
 * changes), final GAS scores and every goal's digest. Never reads an observation, except for a
 * goal whose digest is missing or of an older format: that goal is digested here from its
 * points, without writing, so the comparison is never wrong, only slower.
 */
export async function loadComparisonDigests(
  db: Kysely<Database>,
  districtId: string,
  options: { asOf?: string; pageSize?: number } = {},
): Promise<{ goals: ComparisonGoal[]; gas: GasScore[]; digests: Map<string, ReadDigest> }> {
  const { pageSize = DIGEST_PAGE, ...loadOptions } = options;
  const { goals, gas } = await loadComparisonInput(db, districtId, {
    ...loadOptions,
    points: false,
  });
  // A page of rows at a time, each parsed before the next is read: at 25,000 students the
  // digests are about 50 MB of JSON, and holding every raw row (and, on Postgres, the driver's
  // result buffers) beside the parsed objects took the worker past its heap ceiling.
  const digests = new Map<string, ReadDigest>();
  let after = '';
  for (;;) {
    const rows = await db
      .selectFrom('goal_comparison_digest')
      .select(['goal_id', 'digest'])
      .where('district_id', '=', districtId)
      .where('goal_id', '>', after)
      .orderBy('goal_id')
      .limit(pageSize)
      .execute();
    for (const r of rows) {
      const digest = JSON.parse(r.digest) as GoalDigest;
      if (digest.v === DIGEST_VERSION) digests.set(r.goal_id, readDigest(digest));
    }
    if (rows.length < pageSize) break;
    after = (rows.at(-1) as { goal_id: string }).goal_id;
  }
  const missing = goals.filter((g) => !digests.has(g.id)).map((g) => g.id);
  for (let i = 0; i < missing.length; i += BATCH) {
    const { columns } = await loadComparisonColumns(db, districtId, {
      goalIds: missing.slice(i, i + BATCH),
    });
    const made = goalDigests(columns);
    columns.goals.forEach((g, k) => {
      digests.set(g.id, readDigest(made[k]!));
    });
  }
  return { goals, gas, digests };
}

/**
 * The digests of goals just inserted, which have no points yet: each the empty digest (it
 * counts among goals without data whatever its phases and model changes say).
 */
export async function writeEmptyComparisonDigests(
  trx: Kysely<Database>,
  goals: readonly { district_id: string; id: string }[],
): Promise<void> {
  const digest = JSON.stringify(emptyGoalDigest());
  for (let i = 0; i < goals.length; i += BATCH)
    await trx
      .insertInto('goal_comparison_digest')
      .values(
        goals
          .slice(i, i + BATCH)
          .map((g) => ({ district_id: g.district_id, goal_id: g.id, digest })),
      )
      .onConflict((oc) =>
        oc
          .columns(['district_id', 'goal_id'])
          .doUpdateSet((eb) => ({ digest: eb.ref('excluded.digest') })),
      )
      .execute();
}
