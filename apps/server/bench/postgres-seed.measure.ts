import { hashPassword } from '@carryover/api';
import { migrateToLatest, openDatabase, refreshPlannerStatistics } from '@carryover/db';
import { seedDemoDistrict } from '@carryover/db/demo';
import pg from 'pg';
import { schoolYearLastDay } from '../src/school-year';

// The Postgres demo seed's loads back to back on the same machine, each into a fresh database
// (then ANALYZE), full school year: multi-row inserts, COPY with every index and foreign key
// kept up row by row, and the bulk mode (COPY with them dropped and rebuilt after, bulk.ts):
//   pnpm --filter @carryover/server exec tsx bench/postgres-seed.measure.ts
// BENCH_STUDENTS (default 1000), BENCH_LOADS (default insert,copy,bulk), BENCH_POSTGRES_URL
// (default the test server's `test` db).

const students = Number(process.env.BENCH_STUDENTS ?? 1000);
const serverUrl = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const today = schoolYearLastDay(new Date(), 'America/Chicago');
const passwordHash = await hashPassword('carryover-demo');

async function admin(statement: string): Promise<number> {
  const c = new pg.Client({ connectionString: serverUrl });
  await c.connect();
  try {
    return Number((await c.query(statement)).rows[0]?.n ?? 0);
  } finally {
    await c.end();
  }
}

const loads = (process.env.BENCH_LOADS ?? 'insert,copy,bulk').split(',') as (
  | 'insert'
  | 'copy'
  | 'bulk'
)[];

for (const load of loads) {
  const name = `carryover_seed_measure_${load}_${process.pid}`;
  await admin(`create database ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const conn = openDatabase(url.toString());
  try {
    await migrateToLatest(conn.db);
    const marks = new Map<string, number>();
    const t0 = performance.now();
    const { counts, load: used } = await seedDemoDistrict(conn.db, {
      students,
      today,
      passwordHash,
      postgresLoad: load,
      // When each step was last heard of: the generator's rows copied ('students'), the
      // indexes and foreign keys back (bulk only), each later stage's end, and the commit.
      onProgress: ({ step }) => marks.set(step, performance.now() - t0),
    });
    const seeded = performance.now() - t0;
    if (used !== load) throw new Error(`asked for ${load}, the seed used ${used}`);
    await refreshPlannerStatistics(conn.db, { afterBulkLoad: true });
    const analysed = performance.now() - t0 - seeded;
    const rows = Object.values(counts).reduce((a, b) => a + b, 0);
    await conn.close();
    const size = await admin(`select pg_database_size('${name}') as n`);
    console.log(
      `${students} students, ${load.padEnd(6)}: ${(seeded / 1000).toFixed(1)} s for ${rows.toLocaleString('en-US')} rows` +
        ` (${Math.round(rows / (seeded / 1000)).toLocaleString('en-US')} rows/s), ANALYZE ${(analysed / 1000).toFixed(1)} s,` +
        ` ${(size / 2 ** 20).toFixed(0)} MiB`,
    );
    const at = (step: string) => ((marks.get(step) ?? 0) / 1000).toFixed(1);
    console.log(
      `  rows generated and copied by ${at('students')} s; indexes by ${at('indexes')} s,` +
        ` foreign keys by ${at('foreign keys')} s, analysed by ${at('analyze')} s (bulk only);` +
        ` then final reports by ${at('final reports')} s, billing history by ${at('billing history')} s,` +
        ` goal summaries by ${at('goal summaries')} s, schedules by ${at('schedules')} s,` +
        ` fidelity summaries by ${at('fidelity summaries')} s; committed at ${at('commit')} s`,
    );
  } finally {
    await conn.close().catch(() => {});
    await admin(`drop database if exists ${name}`);
  }
}
