import { getHeapStatistics } from 'node:v8';
import { loadComparisonColumns, loadComparisonDigests, openDatabase } from '@carryover/db';
import {
  buildEpisodesFromColumns,
  type ComparisonColumns,
  type ComparisonFilter,
  type ComparisonGoal,
  type ComparisonReport,
  compareModels,
  comparisonColumns,
  digestSettingGas,
  type Episode,
  type EpisodeSet,
  filterComparisonColumns,
  filterComparisonInput,
  finishDigests,
  type GasScore,
  type ReadDigest,
} from '@carryover/domain';

// One Outcomes computation: load (from a SQLite file or a Postgres URL) into columns (typed
// arrays, no object per point), filter to the viewer's scope and filters, build episodes,
// compare. The worker thread runs it; so can the caller's thread.

export interface ComparisonJob {
  districtId: string;
  asOf: string;
  filter: ComparisonFilter;
  /** The viewer's schools; null for the whole district. */
  schoolIds: string[] | null;
  minStudents: number;
  replicates?: number;
  seed?: number;
  /**
   * 'digests' (default when there is no date filter and a database): the kept per-goal digests,
   * no observation read. 'points': every observation (the only way under a date filter).
   */
  path?: 'digests' | 'points';
  source:
    | { kind: 'sqlite'; path: string }
    | { kind: 'postgres'; url: string }
    | { kind: 'input'; input: { goals: ComparisonGoal[]; gas: GasScore[] } };
}

export interface ComparisonJobResult {
  report: ComparisonReport;
  episodes: Episode[];
  /** Milliseconds spent loading and computing. */
  loadMs: number;
  computeMs: number;
  /**
   * Memory seen at the job's stages (after loading, episodes, comparison), in MB: the largest
   * V8 heap of the thread that ran it, and the process's resident set (all threads).
   */
  memory: { peakHeapMb: number; peakRssMb: number };
}

function memoryMeter() {
  const peak = { peakHeapMb: 0, peakRssMb: 0 };
  return {
    sample() {
      peak.peakHeapMb = Math.max(peak.peakHeapMb, getHeapStatistics().used_heap_size / 2 ** 20);
      peak.peakRssMb = Math.max(peak.peakRssMb, process.memoryUsage.rss() / 2 ** 20);
    },
    peak: () => ({
      peakHeapMb: Math.round(peak.peakHeapMb),
      peakRssMb: Math.round(peak.peakRssMb),
    }),
  };
}

const connections = new Map<string, ReturnType<typeof openDatabase>>();

type Db = ReturnType<typeof openDatabase>['db'];

/** Runs `use` with the job's database (the worker's own SQLite connection, a Postgres pool). */
async function withDatabase<T>(
  source: Exclude<ComparisonJob['source'], { kind: 'input' }>,
  use: (db: Db) => Promise<T>,
): Promise<T> {
  if (source.kind === 'sqlite') {
    let conn = connections.get(source.path);
    if (!conn) {
      conn = openDatabase(source.path);
      connections.set(source.path, conn);
    }
    return use(conn.db);
  }
  // A pool per job, closed at once: a pool kept between jobs would hold idle connections
  // that stop a database from being dropped (tests) or a server from draining.
  const conn = openDatabase(source.url, { poolSize: 4 });
  try {
    return await use(conn.db);
  } finally {
    await conn.close();
  }
}

/**
 * The cold path without points: goals and their kept digests (tens of thousands of rows), the
 * viewer's scope and the goal filters, episodes finished at the as-of date, then the comparison.
 */
async function runFromDigests(
  job: ComparisonJob,
  source: Exclude<ComparisonJob['source'], { kind: 'input' }>,
): Promise<ComparisonJobResult> {
  const t0 = performance.now();
  const meter = memoryMeter();
  const input = await withDatabase(source, (db) =>
    loadComparisonDigests(db, job.districtId, { asOf: job.asOf }),
  );
  const t1 = performance.now();
  meter.sample();
  const kept = filterComparisonInput(input, job.filter, {
    ...(job.schoolIds ? { schoolIds: new Set(job.schoolIds) } : {}),
  });
  const episodes: EpisodeSet = finishDigests(kept.goals, input.digests, job.asOf);
  meter.sample();
  const digests: ReadonlyMap<string, ReadDigest> = input.digests;
  const report = compareModels(
    {
      goals: kept.goals,
      gas: kept.gas ?? [],
      episodes,
      settingGas: (goalId, setting, first, last) =>
        digestSettingGas(digests.get(goalId)!, setting, first, last),
    },
    { minStudents: job.minStudents, replicates: job.replicates ?? 2000, seed: job.seed ?? 1 },
  );
  meter.sample();
  return {
    report,
    episodes: episodes.episodes,
    loadMs: t1 - t0,
    computeMs: performance.now() - t1,
    memory: meter.peak(),
  };
}

export async function runComparisonJob(job: ComparisonJob): Promise<ComparisonJobResult> {
  if (
    job.source.kind !== 'input' &&
    (job.path ?? 'digests') === 'digests' &&
    !job.filter.from &&
    !job.filter.to
  )
    return runFromDigests(job, job.source);
  const t0 = performance.now();
  const meter = memoryMeter();
  let input: { columns: ComparisonColumns; gas: readonly GasScore[] };
  if (job.source.kind !== 'input') {
    input = await withDatabase(job.source, (db) =>
      loadComparisonColumns(db, job.districtId, { asOf: job.asOf }),
    );
  } else {
    input = { columns: comparisonColumns(job.source.input.goals), gas: job.source.input.gas };
  }
  const t1 = performance.now();
  meter.sample();
  const filtered = filterComparisonColumns(input, job.filter, {
    ...(job.schoolIds ? { schoolIds: new Set(job.schoolIds) } : {}),
  });
  const episodes = buildEpisodesFromColumns(filtered.columns);
  meter.sample();
  const report = compareModels(
    { goals: filtered.columns.goals, gas: filtered.gas, episodes, columns: filtered.columns },
    { minStudents: job.minStudents, replicates: job.replicates ?? 2000, seed: job.seed ?? 1 },
  );
  meter.sample();
  return {
    report,
    episodes: episodes.episodes,
    loadMs: t1 - t0,
    computeMs: performance.now() - t1,
    memory: meter.peak(),
  };
}

/** Closes the worker's own connections (tests; a worker exits with its thread anyway). */
export async function closeJobConnections(): Promise<void> {
  const all = [...connections.values()];
  connections.clear();
  await Promise.all(all.map((c) => c.close()));
}
