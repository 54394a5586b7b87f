import {
  comparisonDataVersion,
  loadComparisonInput,
  postgresUrlOf,
  scopedSchools,
  sqliteDatabaseFile,
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
import { type Context, roles, todayFor, type Viewer } from '../trpc';
import type { ComparisonJob } from '../workers/comparison-job';
import {
  ComparisonMemoryLimitError,
  ComparisonQueueFullError,
  cachedComparison,
  comparisonPosition,
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
  return { schools, schoolIds: ctx.viewer.role === 'admin' ? null : schools.map((s) => s.id) };
}

/** What names one comparison: district, day, data version, scope and filters. */
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
  const key = JSON.stringify([districtId, asOf, version, schoolIds, filter, filters.minStudents]);
  return { districtId, asOf, filter, key };
}

async function comparisonFor(
  ctx: OutcomesContext,
  filters: OutcomesFilter,
  schoolIds: string[] | null,
) {
  const { districtId, asOf, filter, key } = await comparisonKey(ctx, filters, schoolIds);
  const makeJob = async (): Promise<ComparisonJob> => {
    // The worker opens its own connection: the rows, and turning them into the comparison's
    // input, would otherwise cost the main thread seconds at district scale. Only a database
    // the worker cannot reach (in-memory SQLite, a Kysely not made by openDatabase) loads here.
    const path = await sqliteFile(ctx);
    const url = ctx.dialect === 'postgres' ? postgresUrlOf(ctx.db) : null;
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
    const { result, cached } = await cachedComparison(key, makeJob, ctx.log, ctx.viewer.id);
    return { ...result, cached, asOf };
  } catch (err) {
    if (err instanceof ComparisonQueueFullError)
      throw new TRPCError({ code: 'TOO_MANY_REQUESTS', message: err.message, cause: err });
    if (!(err instanceof ComparisonMemoryLimitError)) throw err;
    ctx.log.warn(`outcomes: ${err.message} (district ${districtId})`);
    throw new TRPCError({ code: 'PAYLOAD_TOO_LARGE', message: err.message, cause: err });
  }
}

/** The report without per-goal rows: the view shows summaries, and episodes are audited reads. */
function summaryOnly(report: ComparisonReport): ComparisonReport {
  return { ...report, withinStudent: { ...report.withinStudent, switches: [] } };
}

const coordinators = roles('coordinator', 'admin');

export const outcomesRouter = {
  /** The comparison for the viewer's schools (admins: district) under the filters. */
  report: coordinators
    .meta({ cost: 'heavyRead' })
    .input(OutcomesFilterInput)
    .query(async ({ ctx, input, path }) => {
      const { schools, schoolIds } = await scopeFor(ctx, input, path);
      const r = await comparisonFor(ctx, input, schoolIds);
      return {
        report: summaryOnly(r.report),
        schools,
        filters: input,
        asOf: r.asOf,
        cached: r.cached,
        computeMs: Math.round(r.loadMs + r.computeMs),
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
      const r = await comparisonFor(ctx, input.filters, schoolIds);
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
