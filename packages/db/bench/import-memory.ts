import { readFileSync } from 'node:fs';
import { getHeapStatistics } from 'node:v8';
import { unzipCsvBytes } from '@carryover/domain';
import { migrateToLatest, openDatabase } from '../src/client';
import { importOneRoster } from '../src/queries/import-oneroster';
import { importServices } from '../src/queries/import-services';

// Where an import's memory goes: `tsx bench/import-memory.ts ZIP DB oneroster|services`
// imports the zip into the SQLite file DB (made when missing) and prints the process's memory
// at each step of the import (heap, array buffers, resident), then its peak resident memory.
// Run by hand (one process per import) when looking for what holds memory.
const [zipPath, dbPath, kind] = process.argv.slice(2);
if (!zipPath || !dbPath || (kind !== 'oneroster' && kind !== 'services')) {
  console.error('usage: tsx bench/import-memory.ts ZIP DB oneroster|services');
  process.exit(2);
}
const mib = (n: number) => `${(n / 2 ** 20).toFixed(0)}`;
const snap = (label: string) => {
  // IMPORT_MEMORY_GC=1 (with node --expose-gc) collects first: what is live, not what is garbage.
  if (process.env.IMPORT_MEMORY_GC) (globalThis as { gc?: () => void }).gc?.();
  const m = process.memoryUsage();
  console.info(
    `${label.padEnd(34)} heapUsed ${mib(m.heapUsed).padStart(4)}  external+buffers ${mib(m.external).padStart(4)}  rss ${mib(m.rss).padStart(4)}  heapTotal ${mib(getHeapStatistics().total_heap_size).padStart(4)}  maxRSS ${mib(process.resourceUsage().maxRSS * 1024).padStart(4)} MiB`,
  );
};
snap('start');
const conn = openDatabase(dbPath);
await migrateToLatest(conn.db);
const district = await conn.db.selectFrom('district').select('id').executeTakeFirst();
snap('opened');
const files = unzipCsvBytes(readFileSync(zipPath));
snap('unzipped');
let step = '';
const onProgress = (p: { step: string; file?: string }) => {
  const s = `${p.step} ${p.file ?? ''}`;
  if (s !== step) snap(s);
  step = s;
};
const options = {
  files,
  districtId: district?.id,
  actor: { id: null, label: 'import-memory' },
  dryRun: false,
  now: new Date(),
  onProgress,
};
const report =
  kind === 'services'
    ? await importServices(conn.db, { ...options, districtId: district?.id as string })
    : await importOneRoster(conn.db, options);
snap('done');
console.info(
  `${report.outcome}, ${report.errors.length} errors; peak RSS ${mib(process.resourceUsage().maxRSS * 1024)} MiB`,
);
await conn.close();
