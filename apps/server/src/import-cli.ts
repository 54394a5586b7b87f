import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import {
  type Connection,
  exportOneRoster,
  exportServices,
  type ImportProgress,
  type ImportReport,
  importOneRoster,
  importServices,
  systemClock,
} from '@carryover/db';
import {
  csvDocument,
  IEP_FILES,
  IMPORT_ERROR_HEADER,
  importErrorRecords,
  unzipCsvBytes,
  zipCsvFiles,
} from '@carryover/domain';
import cliProgress from 'cli-progress';

// `import oneroster PATH`, `export oneroster DIR` (README "Bringing your district in"). Paths
// are the user's: relative to where they ran the command (pnpm's INIT_CWD when it runs the
// server's CLI from the repository root), not to apps/server.

export const userPath = (path: string): string =>
  resolve(process.env.INIT_CWD ?? process.cwd(), path);

/** A zip, or a folder of CSV files: file name → bytes, of the files `keep` picks. */
export function readBundle(
  path: string,
  keep: (name: string) => boolean = () => true,
): Record<string, Uint8Array> {
  const full = userPath(path);
  const stat = statSync(full);
  if (stat.isDirectory()) {
    const files: Record<string, Uint8Array> = {};
    for (const name of readdirSync(full))
      if (name.toLowerCase().endsWith('.csv') && keep(name))
        files[name] = readFileSync(join(full, name));
    return files;
  }
  return unzipCsvBytes(readFileSync(full), keep);
}

// A Carryover export holds the roster and the services: each import reads (and holds) only
// its own files, as its importer would pick them.
const isIepFile = (name: string) => (IEP_FILES as readonly string[]).includes(name);
const isRosterFile = (name: string) => !isIepFile(name);

/**
 * An import makes a great deal of short-lived garbage (every CSV cell, every parsed row) beside
 * what it keeps; left to itself V8 lets the heap grow to several times what is live before it
 * collects, and the process's peak memory is that garbage. This process runs one import and
 * ends, so it asks V8 to grow the heap by at most IMPORT_HEAP_GROWING_PERCENT at a time: more
 * frequent collections (a little more CPU) for a peak near what is live.
 */
export const IMPORT_HEAP_GROWING_PERCENT = 10;
function collectGarbageOften(): void {
  setFlagsFromString(`--heap-growing-percent=${IMPORT_HEAP_GROWING_PERCENT}`);
}

/** Which district an import goes into: --district NAME, the only one, or none (empty database). */
export async function importDistrict(
  conn: Connection,
  name: string | undefined,
): Promise<{ id?: string; problem?: string }> {
  const districts = await conn.db.selectFrom('district').select(['id', 'name']).execute();
  if (name) {
    const found = districts.find((d) => d.name === name);
    return found ? { id: found.id } : { problem: `No district named ${name}.` };
  }
  if (districts.length === 0) return {};
  if (districts.length === 1) return { id: districts[0]?.id };
  return {
    problem: `The database has ${districts.length} districts: name one with --district (${districts.map((d) => d.name).join(', ')}).`,
  };
}

/** A progress bar on the terminal (stderr), one per step; plain lines when it is no terminal. */
function progressBar(): { update: (p: ImportProgress) => void; stop: () => void } {
  const bar = new cliProgress.SingleBar(
    {
      format: '  {step} [{bar}] {percentage}% {value}/{total}',
      stream: process.stderr,
      hideCursor: true,
      clearOnComplete: false,
    },
    cliProgress.Presets.shades_classic,
  );
  let step = '';
  const tty = process.stderr.isTTY === true;
  return {
    update: ({ step: stepName, file, done, total }) => {
      const s = file ? `${stepName} ${file}` : stepName;
      if (!tty) {
        if (s !== step) console.error(`  ${s}…`);
        step = s;
        return;
      }
      if (s !== step) {
        if (step) bar.stop();
        bar.start(Math.max(total, 1), done, { step: s.padEnd(26) });
        step = s;
      } else {
        bar.setTotal(Math.max(total, 1));
        bar.update(done);
      }
    },
    stop: () => {
      if (tty && step) bar.stop();
    },
  };
}

/** The dry-run report in words: per-file counts, conflicts, errors. */
export function describeReport(report: ImportReport, errorsFile: string | null): string {
  const lines: string[] = [];
  const verb =
    report.outcome === 'applied'
      ? 'Applied'
      : report.outcome === 'dry_run'
        ? 'Dry run (nothing written)'
        : 'Refused (nothing written)';
  lines.push(`${verb}.`);
  if (report.createdDistrict) lines.push('Created the district from the district org.');
  lines.push(
    `  ${'file'.padEnd(22)} ${'added'.padStart(7)} ${'updated'.padStart(7)} ${'deactivated'.padStart(11)} ${'unchanged'.padStart(9)} ${'skipped'.padStart(7)}`,
  );
  for (const [file, c] of Object.entries(report.counts))
    if (c)
      lines.push(
        `  ${file.padEnd(22)} ${String(c.added).padStart(7)} ${String(c.updated).padStart(7)} ${String(c.deactivated).padStart(11)} ${String(c.unchanged).padStart(9)} ${String(c.skipped).padStart(7)}`,
      );
  if (report.conflicts.length > 0) {
    lines.push(`${report.conflicts.length} conflict(s), rows left as they are:`);
    for (const c of report.conflicts.slice(0, 50))
      lines.push(`  ${c.file}:${c.line} ${c.sourcedId}: ${c.reason}`);
  }
  if (report.errors.length > 0) {
    lines.push(`${report.errors.length} error(s):`);
    for (const e of report.errors.slice(0, 50))
      lines.push(`  ${e.file}:${e.line} ${e.column} ${JSON.stringify(e.value)}: ${e.reason}`);
    if (report.errors.length > 50) lines.push(`  … and ${report.errors.length - 50} more`);
    if (errorsFile) lines.push(`Every error, as CSV: ${errorsFile}`);
  }
  return lines.join('\n');
}

/**
 * `import oneroster PATH [--dry-run] [--district NAME]`: 0 when everything was taken, 1 when
 * anything was refused (a row error refuses the whole import; a conflict leaves its row out).
 */
export async function importOneRosterCommand(
  conn: Connection,
  path: string,
  options: { dryRun: boolean; district?: string; errors?: string },
): Promise<number> {
  collectGarbageOften();
  let files: Record<string, Uint8Array>;
  try {
    files = readBundle(path, isRosterFile);
  } catch (err) {
    console.error(`Cannot read ${path}: ${(err as Error).message}`);
    return 1;
  }
  const target = await importDistrict(conn, options.district);
  if (target.problem) {
    console.error(target.problem);
    return 1;
  }
  console.log(
    `${options.dryRun ? 'Dry run of' : 'Importing'} ${basename(path)} (${Object.keys(files).length} files) into ${target.id ? 'the district' : 'an empty database'}…`,
  );
  const bar = progressBar();
  let report: ImportReport;
  try {
    report = await importOneRoster(conn.db, {
      files,
      districtId: target.id,
      actor: { id: null, label: `cli:${userInfo().username}` },
      dryRun: options.dryRun,
      now: systemClock(),
      onProgress: bar.update,
    });
  } finally {
    bar.stop();
  }
  let errorsFile: string | null = null;
  if (report.errors.length > 0) {
    errorsFile = userPath(options.errors ?? `${basename(path).replace(/\.zip$/i, '')}.errors.csv`);
    writeFileSync(errorsFile, csvDocument(IMPORT_ERROR_HEADER, importErrorRecords(report.errors)));
  }
  console.log(describeReport(report, errorsFile));
  return report.errors.length > 0 || report.conflicts.length > 0 ? 1 : 0;
}

/** `import services PATH [--dry-run]`: services.csv, goals.csv and mapping.csv; exit 1 on refusal. */
export async function importServicesCommand(
  conn: Connection,
  path: string,
  options: { dryRun: boolean; district?: string; errors?: string },
): Promise<number> {
  collectGarbageOften();
  let files: Record<string, Uint8Array>;
  try {
    const full = userPath(path);
    files = full.toLowerCase().endsWith('.csv')
      ? { [basename(full)]: readFileSync(full) }
      : readBundle(path, isIepFile);
  } catch (err) {
    console.error(`Cannot read ${path}: ${(err as Error).message}`);
    return 1;
  }
  const target = await importDistrict(conn, options.district);
  if (target.problem || !target.id) {
    console.error(target.problem ?? 'No district yet: import the roster first (import oneroster).');
    return 1;
  }
  console.log(`${options.dryRun ? 'Dry run of' : 'Importing'} ${basename(path)}…`);
  const bar = progressBar();
  let report: ImportReport;
  try {
    report = await importServices(conn.db, {
      files,
      districtId: target.id,
      actor: { id: null, label: `cli:${userInfo().username}` },
      dryRun: options.dryRun,
      now: systemClock(),
      onProgress: bar.update,
    });
  } finally {
    bar.stop();
  }
  let errorsFile: string | null = null;
  if (report.errors.length > 0) {
    errorsFile = userPath(
      options.errors ?? `${basename(path).replace(/\.(zip|csv)$/i, '')}.errors.csv`,
    );
    writeFileSync(errorsFile, csvDocument(IMPORT_ERROR_HEADER, importErrorRecords(report.errors)));
  }
  console.log(describeReport(report, errorsFile));
  return report.errors.length > 0 || report.conflicts.length > 0 ? 1 : 0;
}

/**
 * `export oneroster DIR` (or a path ending .zip): the district as OneRoster 1.2 CSV, with its
 * routines, services and goals beside (`import services` reads them from the same zip or folder).
 */
export async function exportOneRosterCommand(
  conn: Connection,
  out: string,
  options: { district?: string },
): Promise<number> {
  const target = await importDistrict(conn, options.district);
  if (target.problem || !target.id) {
    console.error(target.problem ?? 'The database has no district to export.');
    return 1;
  }
  const roster = await exportOneRoster(conn.db, target.id);
  const files: Record<string, string> = {
    ...roster,
    ...(await exportServices(conn.db, target.id)),
  };
  const full = userPath(out);
  if (full.toLowerCase().endsWith('.zip')) writeFileSync(full, zipCsvFiles(files), { mode: 0o600 });
  else {
    mkdirSync(full, { recursive: true, mode: 0o700 });
    for (const [name, text] of Object.entries(files))
      writeFileSync(join(full, name), text, { mode: 0o600 });
  }
  console.log(
    `Exported ${Object.keys(roster).length} OneRoster 1.2 files and routines.csv, services.csv, goals.csv to ${full}.`,
  );
  return 0;
}
