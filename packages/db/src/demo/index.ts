import { weekStart } from '@carryover/domain';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { postgresUrlOf } from '../client';
import { bumpDataVersion } from '../queries/data-version';
import { isPostgres } from '../queries/dialect';
import { rebuildFidelitySummaries } from '../queries/fidelity-summaries';
import { rebuildGoalSummaries } from '../queries/goal-summaries';
import { insertIdentityProvider } from '../queries/sso';
import type { Database } from '../schema';
import { seedBillingHistory } from './billing';
import { type BulkLoad, beginBulkLoad } from './bulk';
import { iso, schoolCalendar } from './calendar';
import { type DemoOptions, type DemoResult, Generator, resolveOptions } from './generate';
import { seedFinalReports } from './reports';
import { Rng } from './rng';
import { seedDemoSchedules } from './schedule';
import { BatchWriter, CopyWriter, type RowSink } from './writer';

// The demo district's public face: the seed into a database, and the in-memory generator
// (generate.ts) and simulation (simulate.ts) it shares with validation studies.

export type { DomainGroup, PlantedEffects } from './effects';
export {
  classroomOffset,
  domainGroup,
  PLANTED_EFFECTS,
  plantedRoi,
  resolveEffects,
} from './effects';
export {
  DEMO_DEFAULTS,
  type DemoOptions,
  type DemoResult,
  generateDemoRows,
} from './generate';
export { comparisonInputFromSink, simulateComparisonInput } from './simulate';
export { MemorySink, type RowSink } from './writer';

/** Where `pnpm --filter @carryover/server test-idp` serves its OpenID Provider. */
export const DEMO_TEST_PROVIDER_ISSUER = 'http://127.0.0.1:3099';

/**
 * Fills one district with a realistic, deterministic school year of therapy data, inside
 * one transaction: either the whole district is there or none of it.
 */
export async function seedDemoDistrict(
  db: Kysely<Database>,
  options: DemoOptions,
): Promise<DemoResult> {
  const resolved = resolveOptions(options);
  const load = options.postgresLoad ?? 'bulk';
  // The stages after the generated rows are in, each reported as it ends: at district scale
  // they are most of the seed, and a user watching the CLI sees it move.
  const finished = (step: string) => resolved.onProgress({ step, done: 1, total: 1 });
  const result = await seedTransaction(db, load, async (trx, sink, bulk) => {
    const gen = new Generator(resolved, sink);
    const made = await gen.run();
    // The generated rows are all in; what follows reads them back (final reports, summaries),
    // so the indexes return first. The foreign keys return once the final reports are in
    // (bulk.ts: their rows are then checked with the rest, not one by one).
    const onStep = (step: string, done: number, total: number) =>
      resolved.onProgress({ step, done, total });
    await bulk?.restoreIndexes(onStep);
    await seedFinalReports(trx, sink, {
      districtId: made.districtId,
      clock: resolved.clock,
      seed: resolved.seed,
    });
    finished('final reports');
    await bulk?.restore(onStep);
    Object.assign(made.counts, sink.counts);
    const voidedSessionIds = await seedBillingHistory(
      trx,
      made.districtId,
      resolved.clock,
      resolved.timeZone,
      resolved.students,
      resolved.emailDomain,
    );
    finished('billing history');
    await bumpDataVersion(trx, made.districtId);
    await rebuildGoalSummaries(trx, made.districtId);
    finished('goal summaries');
    // Single sign-on ships switched off, pointed at the local test provider
    // (`pnpm --filter @carryover/server test-idp`); an admin enters its secret and turns it on.
    await insertIdentityProvider(trx, {
      districtId: made.districtId,
      id: `${made.districtId}_test_idp`,
      now: resolved.clock.stamp(resolved.clock.today, resolved.clock.nowMinute),
      displayName: 'Sign in with the test provider',
      issuer: DEMO_TEST_PROVIDER_ISSUER,
      clientId: 'carryover-demo',
      allowedDomains: [resolved.emailDomain],
      enabled: false,
    });
    const today = iso(resolved.clock.today);
    // The school calendar's holidays (no randomness in them) become the schedule's closures.
    const holidays = [...schoolCalendar(resolved.clock, new Rng(0)).holidays].sort((a, b) => a - b);
    await seedDemoSchedules(trx, {
      districtId: made.districtId,
      today,
      weekStartsOn: weekStart(today),
      createdAt: resolved.clock.stamp(resolved.clock.today, resolved.clock.nowMinute),
      holidays: holidays.map(iso),
    });
    finished('schedules');
    // The schedule tables were filled after the last ANALYZE, so Postgres would plan the
    // fidelity stage's reads of them (a batch of students' schedule) as if they were empty.
    if (isPostgres(trx)) await sql`ANALYZE schedule_session, schedule_session_student`.execute(trx);
    await rebuildFidelitySummaries(trx, made.districtId, { lock: false });
    finished('fidelity summaries');
    const used: DemoResult['load'] = bulk ? 'bulk' : sink instanceof CopyWriter ? 'copy' : 'insert';
    return { ...made, voidedSessionIds, load: used };
  });
  resolved.onProgress({ step: 'commit', done: 1, total: 1 });
  return result;
}

/**
 * One transaction for the whole seed, with the bulk path the database offers: on a Postgres
 * opened by `openDatabase`, a client of its own that loads through COPY (in bulk mode, bulk.ts,
 * when the database is fresh); elsewhere Kysely's transaction and batched inserts.
 */
async function seedTransaction<T>(
  db: Kysely<Database>,
  load: 'bulk' | 'copy' | 'insert',
  work: (trx: Kysely<Database>, sink: RowSink, bulk: BulkLoad | null) => Promise<T>,
): Promise<T> {
  const url = postgresUrlOf(db);
  if (!url || load === 'insert') {
    return db.transaction().execute((trx) => work(trx, new BatchWriter(trx), null));
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  // A Kysely over this one client, so the seed's other statements share its transaction. Lent
  // to one statement at a time, like a pool of one: statements the seed issues together (a
  // Promise.all) would otherwise meet on the client at once, which pg deprecates.
  let free: Promise<void> = Promise.resolve();
  const lendClient = () =>
    new Promise<pg.Client & { release(): void }>((lend) => {
      free = free.then(
        () => new Promise<void>((release) => lend(Object.assign(client, { release }))),
      );
    });
  const onClient = new Kysely<Database>({
    dialect: new PostgresDialect({
      pool: {
        options: { connectionString: url },
        connect: lendClient,
        end: async () => {},
      },
    }),
  });
  try {
    await client.query('BEGIN');
    const bulk = load === 'bulk' ? await beginBulkLoad(client) : null;
    const result = await work(onClient, new CopyWriter(client), bulk);
    // Never commit a database without its indexes and foreign keys (work restores them).
    if (bulk) await bulk.restore();
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    await client.end();
  }
}
