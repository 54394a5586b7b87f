import { createHash } from 'node:crypto';
import { openDatabase } from '@carryover/db';
import { closeJobConnections, runComparisonJob } from '../src/workers/comparison-job';

// One cold Outcomes computation (the worker's job, run on this thread) on a seeded SQLite file,
// by one path, in a fresh process so its peak RSS is the job's alone:
//
//   npx tsx bench/outcomes-cold.measure.ts <file.sqlite> digests|points [asOf] [filter JSON]
//
// Prints wall and CPU time of loading and computing, the worker's peak heap and RSS (sampled
// after each stage by the job itself), the process's peak RSS sampled every 5 ms, and the
// headline difference, so two paths can be compared on the same file (their reports are equal:
// packages/api/test/outcomes-digests.test.ts).
const [file, path = 'digests', asOf = '2027-06-10', filterJson = '{}'] = process.argv.slice(2);
if (!file) throw new Error('usage: outcomes-cold.measure.ts <file> digests|points [asOf] [filter]');
const conn = openDatabase(file);
const { id } = await conn.db.selectFrom('district').select('id').executeTakeFirstOrThrow();
await conn.close();
let peakRss = process.memoryUsage.rss() / 2 ** 20;
const timer = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage.rss() / 2 ** 20);
}, 5);
const rssBefore = process.memoryUsage.rss() / 2 ** 20;
const cpu0 = process.cpuUsage();
const t0 = performance.now();
const r = await runComparisonJob({
  districtId: id,
  asOf,
  filter: JSON.parse(filterJson),
  schoolIds: null,
  minStudents: 10,
  path: path as 'digests' | 'points',
  source: { kind: 'sqlite', path: file },
});
const wall = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
clearInterval(timer);
peakRss = Math.max(peakRss, process.memoryUsage.rss() / 2 ** 20);
const d = r.report.roi.pushInMinusPullOut;
console.info(
  JSON.stringify({
    path,
    asOf,
    filter: filterJson,
    wallMs: Math.round(wall),
    loadMs: Math.round(r.loadMs),
    computeMs: Math.round(r.computeMs),
    cpuMs: Math.round((cpu.user + cpu.system) / 1000),
    episodes: r.report.counts.episodes,
    goals: r.report.counts.goals,
    peakHeapMb: r.memory.peakHeapMb,
    jobPeakRssMb: r.memory.peakRssMb,
    processRssBeforeMb: Math.round(rssBefore),
    processPeakRssMb: Math.round(peakRss),
    roiDiff: [d.estimate, d.low, d.high],
    // Equal across two runs when a change must not move a figure.
    reportSha: createHash('sha256').update(JSON.stringify(r.report)).digest('hex').slice(0, 16),
  }),
);
await closeJobConnections();
