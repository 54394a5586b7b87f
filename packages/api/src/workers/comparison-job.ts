import { getHeapStatistics } from 'node:v8';
import { loadComparisonColumns, openDatabase } from '@carryover/db';
import {
  buildEpisodesFromColumns,
  type ComparisonColumns,
  type ComparisonFilter,
  type ComparisonGoal,
  type ComparisonReport,
  compareModels,
  comparisonColumns,
  type Episode,
  filterComparisonColumns,
  type GasScore,
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

export async function runComparisonJob(job: ComparisonJob): Promise<ComparisonJobResult> {
  const t0 = performance.now();
  const meter = memoryMeter();
  let input: { columns: ComparisonColumns; gas: readonly GasScore[] };
  if (job.source.kind === 'sqlite') {
    let conn = connections.get(job.source.path);
    if (!conn) {
      conn = openDatabase(job.source.path);
      connections.set(job.source.path, conn);
    }
    input = await loadComparisonColumns(conn.db, job.districtId, { asOf: job.asOf });
  } else if (job.source.kind === 'postgres') {
    // A pool per job, closed at once: a pool kept between jobs would hold idle connections
    // that stop a database from being dropped (tests) or a server from draining.
    const conn = openDatabase(job.source.url, { poolSize: 4 });
    try {
      input = await loadComparisonColumns(conn.db, job.districtId, { asOf: job.asOf });
    } finally {
      await conn.close();
    }
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
