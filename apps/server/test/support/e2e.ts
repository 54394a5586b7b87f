import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Clock, systemClock } from '@carryover/db';
import {
  type Browser,
  type BrowserContext,
  type BrowserContextOptions,
  chromium,
  type Page,
} from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { copySeededTemplate } from './e2e-template';

// What every browser test shares: the real CLI (`start`: migrate, serve the built web app) on its
// own SQLite file, a copy of the run's seeded demo district (test/support/e2e-template.ts), on a
// random port, and Debian's Chromium driven headless.

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) {
  if (process.env.CI) throw new Error(`Chromium is required in CI but missing at ${CHROMIUM}`);
  console.warn(
    `\n⚠  SKIPPED: browser tests — no Chromium at ${CHROMIUM} (apt-get install chromium).\n`,
  );
}

/** Screenshots and PDFs the browser tests leave for a person to look at (git-ignored). */
export const shotsDir = join(import.meta.dirname, '../../test-results');

export const DEMO_PASSWORD = 'carryover-demo';

export interface RunningCarryover {
  baseUrl: string;
  /** The server's SQLite file, for tests that check what was stored. */
  dbPath: string;
  /** Everything the server printed, in order. */
  log: string[];
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      srv.close(() =>
        typeof address === 'object' && address
          ? resolve(address.port)
          : reject(new Error('no port')),
      );
    });
  });
}

/**
 * A clock that shows `instant` now and runs on, for one test file's servers (`env`) and pages
 * (`now`). It never touches `process.env`: the files of a run share their worker's environment
 * and modules, so a clock set there would move every later file's servers too. A run-wide
 * CARRYOVER_NOW (a replayed day) wins over the file's instant.
 */
export interface FakedClock {
  env: Record<string, string>;
  now: Clock;
}

export function fakedClock(instant: string): FakedClock {
  if (process.env.CARRYOVER_NOW) return { env: {}, now: systemClock };
  const anchor = Date.now();
  const offset = Date.parse(instant) - anchor;
  return {
    env: { CARRYOVER_NOW: instant, CARRYOVER_CLOCK_ANCHOR: String(anchor) },
    now: () => new Date(Date.now() + offset),
  };
}

/** Starts `tsx src/main.ts start` on the seeded demo and resolves once it answers HTTP. */
export async function startCarryover(
  env: Record<string, string> = {},
  { seed = 'copy', clock }: { seed?: 'copy' | 'first-run'; clock?: FakedClock } = {},
): Promise<RunningCarryover> {
  const dataDir = mkdtempSync(join(tmpdir(), 'carryover-e2e-'));
  const dbPath = join(dataDir, 'e2e.sqlite');
  // Without a usable template (or asked to), `start` seeds the demo itself, as on a first run.
  if (seed === 'copy') copySeededTemplate(dataDir, 'e2e.sqlite', (clock?.now ?? systemClock)());
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const log: string[] = [];
  const server: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', 'src/main.ts', 'start'],
    {
      cwd: join(import.meta.dirname, '../..'),
      env: {
        ...process.env,
        DATABASE_URL: dbPath,
        PORT: String(port),
        HOST: '127.0.0.1',
        // One worker process: each worker's first requests are slow (a cold JIT), and the
        // browser tests' short polls would meet that once per worker. test/cluster.test.ts
        // covers several workers.
        WEB_CONCURRENCY: '1',
        ...clock?.env,
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  server.stdout?.on('data', (d) => log.push(String(d)));
  server.stderr?.on('data', (d) => log.push(String(d)));
  const stop = async () => {
    if (server.exitCode === null) {
      const exited = new Promise((resolve) => server.once('exit', resolve));
      server.kill('SIGTERM');
      await exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 170_000;
  for (;;) {
    if (server.exitCode !== null) {
      await stop();
      throw new Error(`server exited early:\n${log.join('')}`);
    }
    const ok = await fetch(`${baseUrl}/`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`server did not start:\n${log.join('')}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  mkdirSync(shotsDir, { recursive: true });
  return { baseUrl, dbPath, log, stop };
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    // Without the networking flags Chromium keeps dialling out, which this network refuses.
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/** The two widths every page is checked at: a phone in one hand and a laptop. */
export const VIEWPORTS = [
  { name: 'phone', width: 390, height: 844 },
  { name: 'desktop', width: 1280, height: 800 },
] as const;

/**
 * The real CLI on a fresh database and a headless Chromium, started before the suite's tests
 * and stopped after them. Read `app` and `browser` inside tests, once `beforeAll` has run.
 */
export function carryoverInChromium(env: Record<string, string> = {}): {
  readonly app: RunningCarryover;
  readonly browser: Browser;
} {
  const running = {} as { app: RunningCarryover; browser: Browser };
  beforeAll(async () => {
    running.app = await startCarryover(env);
    running.browser = await launchChromium();
  });
  afterAll(async () => {
    await running.browser?.close();
    await running.app?.stop();
  });
  return running;
}

/**
 * A browser context on the same clock as the server: with a faked clock (the file's `clock`, or
 * a run-wide CARRYOVER_NOW), the page's `Date` starts at the faked moment and runs on, as the
 * server's clock does. The time zone is the test process's (Chromium follows TZ).
 */
export async function newContext(
  browser: Browser,
  options: BrowserContextOptions = {},
  clock?: FakedClock,
): Promise<BrowserContext> {
  const context = await browser.newContext(options);
  const now = clock?.now ?? (process.env.CARRYOVER_NOW ? systemClock : null);
  if (now) await context.clock.install({ time: now() });
  return context;
}

/** Signs in through the real form and waits until the app has left the sign-in page. */
export async function signIn(page: Page, baseUrl: string, email: string): Promise<void> {
  await page.goto(`${baseUrl}/sign-in`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((url) => !url.pathname.startsWith('/sign-in'));
}

/** The browser globals used in the page (the server's tsconfig has no DOM types). */
export type PageGlobals = {
  navigator: { serviceWorker: { ready: Promise<unknown>; controller: unknown } };
  indexedDB: {
    open(name: string): {
      onsuccess: (() => void) | null;
      onerror: (() => void) | null;
      result: {
        transaction(store: string): {
          objectStore(store: string): {
            get(key: string): { onsuccess: (() => void) | null; result: unknown };
          };
        };
        close(): void;
      };
    };
  };
  localStorage: { getItem(key: string): string | null; length: number; key(i: number): string };
};

/** The tRPC paths of the answers kept on the device (IndexedDB), as the page reads them. */
export const keptPaths = (page: Page) =>
  page.evaluate(
    () =>
      new Promise<string[]>((resolve) => {
        const g = globalThis as unknown as PageGlobals;
        const open = g.indexedDB.open('carryover-offline');
        open.onerror = () => resolve([]);
        open.onsuccess = () => {
          try {
            const get = open.result
              .transaction('query-cache')
              .objectStore('query-cache')
              .get('cache');
            get.onsuccess = () => {
              const client = get.result as {
                clientState: { queries: { queryKey: [string[]] }[] };
              } | null;
              open.result.close();
              resolve(client ? client.clientState.queries.map((q) => q.queryKey[0].join('.')) : []);
            };
          } catch {
            resolve([]);
          }
        };
      }),
  );
