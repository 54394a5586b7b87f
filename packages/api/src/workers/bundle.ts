import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { isBuiltin } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build, type Plugin, stop } from 'esbuild';

// A worker thread started from TypeScript source loads every module of the workspace through
// tsx's loader hooks: about a second before it runs anything (0.9–1.8 s measured here for the
// Outcomes worker, which a coordinator's first comparison waits for). The same code bundled
// into one ES module starts in about 0.2 s. The bundle is built from the source when a worker
// first starts (esbuild, ~0.15 s), so it never lags the code: no build step to forget.

const SKIP_SELF = Symbol('resolving in place');

/**
 * Packages from the registry stay outside the bundle, imported from the file they resolve to:
 * Node loads them as plain JavaScript, as it would for the server, and files they read beside
 * themselves (better-sqlite3's addon, HiGHS's .wasm) stay where they expect them. Only the
 * workspace's TypeScript is bundled.
 */
const packagesInPlace: Plugin = {
  name: 'packages-in-place',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, async (args) => {
      if (
        args.pluginData === SKIP_SELF ||
        isBuiltin(args.path) ||
        args.path.startsWith('@carryover/')
      )
        return undefined;
      const resolved = await b.resolve(args.path, {
        kind: args.kind,
        importer: args.importer,
        resolveDir: args.resolveDir,
        pluginData: SKIP_SELF,
      });
      if (resolved.errors.length > 0) return { errors: resolved.errors };
      return { path: pathToFileURL(resolved.path).href, external: true };
    });
  },
};

/** The package's own cache folder; a read-only install falls back to a private temporary one. */
const CACHE_DIR = fileURLToPath(
  new URL('../../node_modules/.cache/carryover-workers/', import.meta.url),
);

/** Bundles older than this are removed when a new bundle of the same entry is written. */
const PRUNE_AFTER_MS = 24 * 60 * 60 * 1000;

async function writableDir(): Promise<string> {
  try {
    await mkdir(CACHE_DIR, { recursive: true });
    return CACHE_DIR;
  } catch {
    return mkdtemp(join(tmpdir(), 'carryover-workers-'));
  }
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}

/**
 * Bundles the worker entry `source` (a `.ts` file) and returns the bundle's file URL. The file
 * is named by its content's hash, so processes running the same code share it and a process
 * running older code keeps its own.
 */
export async function bundleWorkerEntry(source: URL): Promise<URL> {
  const code = await buildBundle(source);
  const hash = createHash('sha256').update(code).digest('hex').slice(0, 16);
  const name = basename(fileURLToPath(source), '.ts');
  const dir = await writableDir();
  const file = join(dir, `${name}-${hash}.mjs`);
  if (!(await exists(file))) {
    // Written whole, then renamed: another process never starts a worker from half a file.
    const partial = `${file}.${process.pid}.partial`;
    await writeFile(partial, code);
    await rename(partial, file);
    await pruneOldBundles(dir, name, file);
  }
  return pathToFileURL(file);
}

/** Builds in flight: esbuild's service process is stopped when the last one ends. */
let building = 0;

async function buildBundle(source: URL): Promise<Uint8Array> {
  building++;
  try {
    const result = await build({
      entryPoints: [fileURLToPath(source)],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      write: false,
      logLevel: 'silent',
      legalComments: 'none',
      plugins: [packagesInPlace],
    });
    return result.outputFiles[0]!.contents;
  } finally {
    // Threads start rarely: no need to keep esbuild's process alive beside every server.
    if (--building === 0) await stop();
  }
}

async function pruneOldBundles(dir: string, name: string, keep: string): Promise<void> {
  const now = Date.now();
  for (const entry of await readdir(dir)) {
    const file = join(dir, entry);
    if (file === keep || !entry.startsWith(`${name}-`)) continue;
    const info = await stat(file).catch(() => null);
    if (info && now - info.mtimeMs > PRUNE_AFTER_MS) await rm(file, { force: true });
  }
}
