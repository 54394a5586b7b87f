import { createHash } from 'node:crypto';
import {
  claimComparisonRefresh,
  comparisonDataVersion,
  districtIds,
  findStoredComparison,
  findStoredComparisonHead,
  loadComparisonInput,
  outcomesViewers,
  overseesEverySchool,
  postgresUrlOf,
  releaseComparisonRefresh,
  scopedSchools,
  sqliteDatabaseFile,
  storeComparison,
  studentNames,
} from '@carryover/db';
import {
  type ComparisonReport,
  episodeBehind,
  OutcomesEpisodesInput,
  type OutcomesFilter,
  OutcomesFilterInput,
} from '@carryover/domain';
import { TRPCError, type TRPCRouterRecord } from '@trpc/server';
import { recordDenied, recordStudentReads } from '../audit';
import { viewerOf } from '../auth/session';
import { type Context, roles, todayFor, type Viewer } from '../trpc';
import type { ComparisonJob, ComparisonJobResult } from '../workers/comparison-job';
import {
  ComparisonMemoryLimitError,
  ComparisonQueueFullError,
  cachedComparison,
  comparisonPosition,
  outcomesCache,
  readyComparison,
} from '../workers/pool';

// The coordinator's push-in / pull-out comparison (docs/domain.md, "Comparing push-in and
// pull-out"). The statistics are @carryover/domain's compareModels; this file decides whose
// data goes in (the viewer's schools, the filters) and keeps the work off the event loop.

type OutcomesContext = Pick<Context, 'db' | 'dialect' | 'log' | 'now'> & { viewer: Viewer };

export const SCHOOL_NOT_FOUND = 'School not found';
/** Most episodes one request lists; the count says how many there are in all. */
export const EPISODE_LIST_LIMIT = 500;

const sqlitePaths = new WeakMap<object, string | null>();

/** The SQLite file behind `db` (the worker opens its own connection), or null. */
async function sqliteFile(ctx: OutcomesContext): Promise<string | null> {
  if (ctx.dialect !== 'sqlite') return null;
  if (sqlitePaths.has(ctx.db)) return sqlitePaths.get(ctx.db)!;
  const file = await sqliteDatabaseFile(ctx.db);
  sqlitePaths.set(ctx.db, file);
  return file;
}

/** The viewer's schools; a school filter outside them answers like a missing school. */
async function scopeFor(ctx: OutcomesContext, filters: OutcomesFilter, path: string) {
  const schools = await scopedSchools(ctx.db, ctx.viewer);
  if (filters.schoolId && !schools.some((s) => s.id === filters.schoolId)) {
    await recordDenied(ctx, { action: path, entity: 'school', entityId: filters.schoolId });
    throw new TRPCError({ code: 'NOT_FOUND', message: SCHOOL_NOT_FOUND });
  }
  // A coordinator of every school sees what an admin sees: the same scope, computed and stored
  // once for both.
  const everySchool =
    ctx.viewer.role === 'admin' || (await overseesEverySchool(ctx.db, ctx.viewer));
  return { schools, schoolIds: everySchool ? null : schools.map((s) => s.id) };
}

/**
 * What names one comparison: district, day, data version, scope and filters (`key`, this
 * process's cache), and the same without the day and version (`scopeKey`, the stored row).
 */
async function comparisonKey(
  ctx: OutcomesContext,
  filters: OutcomesFilter,
  schoolIds: string[] | null,
) {
  const districtId = ctx.viewer.districtId;
  const asOf = todayFor(ctx);
  const version = await comparisonDataVersion(ctx.db, districtId);
  const filter = {
    schoolId: filters.schoolId,
    discipline: filters.discipline,
    domain: filters.domain,
    gradeBand: filters.gradeBand,
    from: filters.from,
    to: filters.to,
  };
  const scope = JSON.stringify([schoolIds, filter, filters.minStudents]);
  const scopeKey = createHash('sha256').update(scope).digest('base64url');
  const key = JSON.stringify([districtId, asOf, version, scope]);
  return { districtId, asOf, version, filter, key, scopeKey };
}

type ComparisonKey = Awaited<ReturnType<typeof comparisonKey>>;

/** When each result in this process's cache was computed (by the request clock). */
const computedAtOf = new WeakMap<ComparisonJobResult, string>();

/**
 * The comparison for `k`, from this process's cache or computed on the worker (waiting in the
 * fair queue: the viewer's line, or with `background` the line behind every user's). A result
 * computed for this call is also stored for its scope, for other processes and the next start
 * (`stored_comparison`); a failed store only loses that.
 */
async function comparisonFor(
  ctx: OutcomesContext,
  filters: OutcomesFilter,
  schoolIds: string[] | null,
  k: ComparisonKey,
  { background = false } = {},
) {
  const { districtId, asOf, filter, key } = k;
  const makeJob = async (): Promise<ComparisonJob> => {
    // The worker opens its own connection: the rows, and turning them into the comparison's
    // input, would otherwise cost the main thread seconds at district scale. Only a database
    // the worker cannot reach (in-memory SQLite, a Kysely not made by openDatabase) loads here.
    const path = await sqliteFile(ctx);
    const url = ctx.dialect === 'postgres' ? postgresUrlOf(ctx.db) : null;
    if (ctx.dialect === 'postgres' && !url)
      ctx.log.warn(
        'outcomes: no database URL for this Postgres connection; every observation is read here ' +
          '(open it with openDatabase, and add plugins with withPluginKept)',
      );
    const source: ComparisonJob['source'] = path
      ? { kind: 'sqlite', path }
      : url
        ? { kind: 'postgres', url }
        : { kind: 'input', input: await loadComparisonInput(ctx.db, districtId, { asOf }) };
    return {
      districtId,
      asOf,
      filter: JSON.parse(JSON.stringify(filter)),
      schoolIds,
      minStudents: filters.minStudents,
      source,
    };
  };
  try {
    const { result, cached } = await cachedComparison(
      key,
      makeJob,
      ctx.log,
      background ? null : ctx.viewer.id,
    );
    if (!computedAtOf.has(result)) computedAtOf.set(result, ctx.now().toISOString());
    const computedAt = computedAtOf.get(result)!;
    if (!cached)
      await storeComparison(ctx.db, districtId, {
        scope_key: k.scopeKey,
        as_of: asOf,
        data_version: k.version,
        report: JSON.stringify(summaryOnly(result.report)),
        compute_ms: Math.round(result.loadMs + result.computeMs),
        computed_at: computedAt,
      }).catch((err) => ctx.log.warn(`outcomes: could not store a comparison: ${err}`));
    return { ...result, cached, asOf, computedAt };
  } catch (err) {
    if (err instanceof ComparisonQueueFullError)
      throw new TRPCError({ code: 'TOO_MANY_REQUESTS', message: err.message, cause: err });
    if (!(err instanceof ComparisonMemoryLimitError)) throw err;
    ctx.log.warn(`outcomes: ${err.message} (district ${districtId})`);
    throw new TRPCError({ code: 'PAYLOAD_TOO_LARGE', message: err.message, cause: err });
  }
}

/**
 * Stored reports this process has read, parsed, by which figures they are (scope, when computed,
 * for which data and day): a stored report is 600 kB of JSON at 25,000 students, and reading and
 * parsing it on every view cost most of a cached view in a process that did not compute it.
 */
const parsedStored = new Map<string, ComparisonReport>();
const PARSED_STORED_KEPT = 20;
outcomesCache.alsoClear(() => parsedStored.clear());

type StoredHead = NonNullable<Awaited<ReturnType<typeof findStoredComparisonHead>>>;

const storedId = (districtId: string, row: StoredHead) =>
  JSON.stringify([districtId, row.scope_key, row.computed_at, row.data_version, row.as_of]);

/** The scope's stored comparison and its report: parsed once per process and figures. */
async function storedComparison(ctx: OutcomesContext, districtId: string, scopeKey: string) {
  const head = await findStoredComparisonHead(ctx.db, districtId, scopeKey);
  if (!head) return undefined;
  const known = parsedStored.get(storedId(districtId, head));
  if (known) return { ...head, report: known };
  // Read whole: the row may have been replaced since the head was read.
  const row = await findStoredComparison(ctx.db, districtId, scopeKey);
  if (!row) return undefined;
  const report = JSON.parse(row.report) as ComparisonReport;
  parsedStored.set(storedId(districtId, row), report);
  while (parsedStored.size > PARSED_STORED_KEPT)
    parsedStored.delete(parsedStored.keys().next().value!);
  return { ...row, report };
}

/** Scopes whose stale stored comparison this process is recomputing in the background. */
const refreshing = new Set<string>();
/**
 * Per scope, the last comparison key whose background compute failed (a memory ceiling, say):
 * not tried again for the same data and day, or a page polling it would start one every poll.
 */
const failedRefresh = new Map<string, string>();
const FAILED_REFRESH_KEPT = 100;

/**
 * The comparison summary the page shows, as soon as there is one: this process's cache, else
 * the stored one. A stored one computed before the data or the day changed is still shown, as
 * `stale`, while one fresh comparison per scope is computed in the background (the page polls);
 * only a scope never computed waits for the worker.
 */
async function summaryFor(
  ctx: OutcomesContext,
  filters: OutcomesFilter,
  schoolIds: string[] | null,
) {
  const k = await comparisonKey(ctx, filters, schoolIds);
  const summary = (r: ComparisonJobResult, cached: boolean, computedAt: string) => ({
    report: summaryOnly(r.report),
    asOf: k.asOf,
    cached,
    stale: false,
    refreshing: false,
    computedAt,
    computeMs: Math.round(r.loadMs + r.computeMs),
  });
  const inMemory = readyComparison(k.key);
  if (inMemory)
    return summary(inMemory, true, computedAtOf.get(inMemory) ?? ctx.now().toISOString());
  const stored = await storedComparison(ctx, k.districtId, k.scopeKey);
  if (stored) {
    const stale = stored.data_version !== k.version || stored.as_of !== k.asOf;
    const scope = `${k.districtId} ${k.scopeKey}`;
    // One process recomputes a stale scope, not each (two at once starve every request on two
    // cores): the claim on the stored row says which; the others say it is being refreshed.
    let elsewhere = false;
    if (stale && !refreshing.has(scope) && failedRefresh.get(scope) !== k.key)
      elsewhere = !(await claimComparisonRefresh(ctx.db, k.districtId, k.scopeKey, ctx.now()));
    if (stale && !elsewhere && !refreshing.has(scope) && failedRefresh.get(scope) !== k.key) {
      refreshing.add(scope);
      comparisonFor(ctx, filters, schoolIds, k)
        .then(
          () => failedRefresh.delete(scope),
          (err) => {
            ctx.log.warn(`outcomes: background comparison failed: ${err}`);
            releaseComparisonRefresh(ctx.db, k.districtId, k.scopeKey).catch(() => {});
            failedRefresh.set(scope, k.key);
            while (failedRefresh.size > FAILED_REFRESH_KEPT)
              failedRefresh.delete(failedRefresh.keys().next().value!);
          },
        )
        .finally(() => refreshing.delete(scope));
    }
    return {
      report: stored.report,
      asOf: stored.as_of,
      cached: true,
      stale,
      refreshing: refreshing.has(scope) || elsewhere,
      computedAt: stored.computed_at,
      computeMs: stored.compute_ms,
    };
  }
  const r = await comparisonFor(ctx, filters, schoolIds, k);
  return summary(r, r.cached, r.computedAt);
}

/**
 * What computing the comparisons ahead did: scopes computed, already current, being recomputed
 * by another process, failed.
 */
export interface WarmedComparisons {
  computed: number;
  current: number;
  elsewhere: number;
  failed: number;
}

/**
 * Computes, in the background line of the queue (after every user's comparison), the default
 * comparison of each coordinator's and admin's scope that has no stored comparison or only a
 * stale one, and stores it: the first view of Outcomes then reads it instead of waiting for
 * the bootstrap (tens of seconds at district scale). One scope at a time, so a user's request
 * waits for at most the one running. The server runs it after it starts and after an import.
 */
export async function warmStoredComparisons(
  base: Omit<OutcomesContext, 'viewer'>,
): Promise<WarmedComparisons> {
  const filters = OutcomesFilterInput.parse({});
  const done: WarmedComparisons = { computed: 0, current: 0, elsewhere: 0, failed: 0 };
  const seen = new Set<string>();
  for (const districtId of await districtIds(base.db)) {
    for (const row of await outcomesViewers(base.db, districtId)) {
      const ctx: OutcomesContext = { ...base, viewer: viewerOf(row) };
      const { schools, schoolIds } = await scopeFor(ctx, filters, 'outcomes.report');
      // A coordinator without schools sees nothing: no comparison to compute.
      if (schools.length === 0) continue;
      const k = await comparisonKey(ctx, filters, schoolIds);
      if (seen.has(`${districtId} ${k.scopeKey}`)) continue;
      seen.add(`${districtId} ${k.scopeKey}`);
      const stored = await findStoredComparisonHead(ctx.db, districtId, k.scopeKey);
      if (stored && stored.data_version === k.version && stored.as_of === k.asOf) {
        done.current++;
        continue;
      }
      // A stale scope another process is recomputing is left to it.
      if (stored && !(await claimComparisonRefresh(ctx.db, districtId, k.scopeKey, ctx.now()))) {
        done.elsewhere++;
        continue;
      }
      try {
        await comparisonFor(ctx, filters, schoolIds, k, { background: true });
        done.computed++;
      } catch (err) {
        if (stored) await releaseComparisonRefresh(ctx.db, districtId, k.scopeKey).catch(() => {});
        done.failed++;
        ctx.log.warn(
          `outcomes: could not compute a comparison ahead (district ${districtId}): ${err}`,
        );
      }
    }
  }
  return done;
}

/** The report without per-goal rows: the view shows summaries, and episodes are audited reads. */
function summaryOnly(report: ComparisonReport): ComparisonReport {
  return { ...report, withinStudent: { ...report.withinStudent, switches: [] } };
}

/**
 * The report the page opens with: without the school strata, which a district of hundreds of
 * schools makes nine tenths of the report (565 of 601 kB at 25,000 students) though the page
 * shows them only when asked (`schoolStrata`). `schoolStrata` here counts them.
 */
function openingReport(report: ComparisonReport) {
  const bySchool = report.strata.filter((s) => s.dimension === 'school').length;
  return {
    report: { ...report, strata: report.strata.filter((s) => s.dimension !== 'school') },
    schoolStrata: bySchool,
  };
}

const coordinators = roles('coordinator', 'admin');

export const outcomesRouter = {
  /**
   * The comparison for the viewer's schools (admins: district) under the filters: `stale` when
   * it was computed before the data or the day changed, `refreshing` while a fresh one is
   * computed.
   */
  report: coordinators
    .meta({ cost: 'heavyRead' })
    .input(OutcomesFilterInput)
    .query(async ({ ctx, input, path }) => {
      const { schools, schoolIds } = await scopeFor(ctx, input, path);
      const { report, ...r } = await summaryFor(ctx, input, schoolIds);
      return { ...r, ...openingReport(report), schools, filters: input };
    }),

  /**
   * The same comparison's strata by school, which `report` leaves out: the page asks for them
   * when the coordinator stratifies by school or exports the strata. `computedAt` says which
   * figures they belong to.
   */
  schoolStrata: coordinators
    .meta({ cost: 'heavyRead' })
    .input(OutcomesFilterInput)
    .query(async ({ ctx, input, path }) => {
      const { schoolIds } = await scopeFor(ctx, input, path);
      const r = await summaryFor(ctx, input, schoolIds);
      return {
        strata: r.report.strata.filter((s) => s.dimension === 'school'),
        computedAt: r.computedAt,
        stale: r.stale,
      };
    }),

  /**
   * Where the comparison for these filters stands while `report` waits: its place in the fair
   * queue (jobs that start before it) and an estimate, running, or ready. Reads no student data.
   */
  queueStatus: coordinators.input(OutcomesFilterInput).query(async ({ ctx, input, path }) => {
    const { schoolIds } = await scopeFor(ctx, input, path);
    const { key } = await comparisonKey(ctx, input, schoolIds);
    return comparisonPosition(key);
  }),

  /**
   * The episodes behind one figure: a model (and a stratum, an outcome) under the same filters.
   * Every student listed is recorded as read.
   */
  episodes: coordinators
    .meta({ cost: 'heavyRead' })
    .input(OutcomesEpisodesInput)
    .query(async ({ ctx, input, path }) => {
      const { schools, schoolIds } = await scopeFor(ctx, input.filters, path);
      const k = await comparisonKey(ctx, input.filters, schoolIds);
      const r = await comparisonFor(ctx, input.filters, schoolIds, k);
      const matching = r.episodes.filter((e) =>
        episodeBehind(e, { model: input.model, stratum: input.stratum, outcome: input.outcome }),
      );
      const inScope = schoolIds ? new Set(schoolIds) : null;
      const visible = inScope ? matching.filter((e) => inScope.has(e.schoolId)) : matching;
      const names = new Map(
        (
          await studentNames(ctx.db, ctx.viewer.districtId, [
            ...new Set(visible.map((e) => e.studentId)),
          ])
        ).map((s) => [s.id, `${s.first_name} ${s.last_name}`]),
      );
      const schoolName = new Map(schools.map((s) => [s.id, s.name]));
      const rows = visible
        .map((e) => ({
          goalId: e.goalId,
          studentId: e.studentId,
          studentName: names.get(e.studentId) ?? 'Unknown student',
          schoolName: schoolName.get(e.schoolId) ?? '',
          discipline: e.discipline,
          domain: e.domain,
          gradeBand: e.gradeBand,
          model: e.model,
          from: e.from,
          to: e.to,
          points: e.points,
          roi: e.roi,
          roomRoi: e.roomRoi,
          classroomRoi: e.classroomRoi,
        }))
        .sort(
          (a, b) =>
            a.studentName.localeCompare(b.studentName) ||
            a.goalId.localeCompare(b.goalId) ||
            a.from.localeCompare(b.from),
        );
      const shown = rows.slice(0, EPISODE_LIST_LIMIT);
      await recordStudentReads(ctx, path, [...new Set(shown.map((e) => e.studentId))]);
      return { total: rows.length, episodes: shown };
    }),
} satisfies TRPCRouterRecord;
