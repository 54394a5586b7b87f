import { gzipSync } from 'node:zlib';
import type { Browser, BrowserContextOptions, Page } from 'playwright-core';
import { afterAll, bench, describe } from 'vitest';
import {
  haveChromium,
  launchChromium,
  type RunningCarryover,
  signIn,
  startCarryover,
} from '../test/support/e2e';

// The pages' own speed, in Chromium against the real server on the demo district (the built web
// app: `pnpm --filter @carryover/web build` first). For the sign-in, Caseload and Student pages:
// the JavaScript a first visit downloads (gzip, as served over a compressing proxy), and the
// Largest Contentful Paint of a cold load (no HTTP cache, no service worker, nothing kept on the
// device), at a laptop's 1280 px. BENCH_PAGE_RUNS cold loads per page (default 5).

const RUNS = Number(process.env.BENCH_PAGE_RUNS ?? 5);
/**
 * Round-trip latency added to every request (Chromium's network emulation), in ms; default 0.
 * On localhost a chain of requests costs almost nothing; a school's Wi-Fi adds tens of ms a trip.
 */
const LATENCY_MS = Number(process.env.BENCH_PAGE_LATENCY_MS ?? 0);
const FIRST_LOAD_JS_GOAL_KB = 250;
const LCP_GOAL_MS = 1000;

const once = { iterations: 1, time: 0, warmupIterations: 0, warmupTime: 0 };
const viewport = { width: 1280, height: 800 };

/** Records every LCP candidate the page reports, for reading once the page has settled. */
const OBSERVE_LCP = `
  window.__lcp = [];
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) window.__lcp.push(entry.startTime);
  }).observe({ type: 'largest-contentful-paint', buffered: true });
`;

interface PageSpeed {
  page: string;
  jsFiles: number;
  jsGzipKb: number;
  lcpMs: number[];
}

const measured: PageSpeed[] = [];

/**
 * One cold load of `path` in a fresh context: the scripts it fetched (gzip size of each body)
 * and its LCP once the page shows `ready`.
 */
async function coldLoad(
  browser: Browser,
  url: string,
  ready: (page: Page) => Promise<unknown>,
  options: BrowserContextOptions,
): Promise<{ jsFiles: number; jsGzipBytes: number; lcpMs: number }> {
  const context = await browser.newContext({ ...options, viewport, serviceWorkers: 'block' });
  const page = await context.newPage();
  if (LATENCY_MS > 0) {
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: LATENCY_MS,
      downloadThroughput: -1,
      uploadThroughput: -1,
    });
  }
  await page.addInitScript(OBSERVE_LCP);
  const scripts: Promise<number>[] = [];
  page.on('response', (response) => {
    if (response.request().resourceType() !== 'script') return;
    scripts.push(response.body().then((body) => gzipSync(body, { level: 9 }).length));
  });
  await page.goto(url);
  await ready(page);
  await page.waitForLoadState('networkidle');
  const lcp = await page.evaluate<number[]>('window.__lcp');
  const sizes = await Promise.all(scripts);
  await context.close();
  return {
    jsFiles: sizes.length,
    jsGzipBytes: sizes.reduce((a, b) => a + b, 0),
    lcpMs: lcp.at(-1) ?? Number.NaN,
  };
}

async function measure(
  browser: Browser,
  name: string,
  url: string,
  ready: (page: Page) => Promise<unknown>,
  options: BrowserContextOptions = {},
) {
  const runs = [];
  for (let i = 0; i < RUNS; i++) runs.push(await coldLoad(browser, url, ready, options));
  const last = runs.at(-1)!;
  measured.push({
    page: name,
    jsFiles: last.jsFiles,
    jsGzipKb: last.jsGzipBytes / 1000,
    lcpMs: runs.map((r) => r.lcpMs),
  });
}

describe.skipIf(!haveChromium)('page speed in Chromium', () => {
  bench(
    'first-load JavaScript and LCP: sign-in, Caseload, Student',
    async () => {
      let app: RunningCarryover | undefined;
      let browser: Browser | undefined;
      try {
        app = await startCarryover();
        browser = await launchChromium();
        // One signed-in session (its cookie) for the signed-in pages' cold loads.
        const signInContext = await browser.newContext({ viewport, serviceWorkers: 'block' });
        const page = await signInContext.newPage();
        await signIn(page, app.baseUrl, 'slp@demo.test');
        await page.goto(`${app.baseUrl}/caseload`);
        const studentHref = await page
          .locator('a[href^="/students/"]')
          .first()
          .getAttribute('href');
        const storageState = await signInContext.storageState();
        await signInContext.close();

        await measure(browser, 'Sign in', `${app.baseUrl}/sign-in`, (p) =>
          p.getByLabel('Email').waitFor(),
        );
        await measure(
          browser,
          'Caseload',
          `${app.baseUrl}/caseload`,
          (p) => p.locator('a[href^="/students/"]').first().waitFor({ timeout: 30_000 }),
          { storageState },
        );
        await measure(
          browser,
          'Student',
          `${app.baseUrl}${studentHref}`,
          (p) => p.locator('#goals-heading').waitFor({ timeout: 30_000 }),
          { storageState },
        );
      } finally {
        await browser?.close();
        await app?.stop();
      }
    },
    once,
  );
});

const median = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
};

afterAll(() => {
  if (measured.length === 0) return;
  const rows = measured.map(
    (m) =>
      `| ${m.page} | ${m.jsFiles} | ${m.jsGzipKb.toFixed(1)} | ${median(m.lcpMs).toFixed(0)} | ${Math.max(...m.lcpMs).toFixed(0)} |`,
  );
  const worstJs = Math.max(...measured.map((m) => m.jsGzipKb));
  const worstLcp = Math.max(...measured.map((m) => median(m.lcpMs)));
  console.log(
    [
      `\nCold loads at 1280 px, ${RUNS} per page, localhost${LATENCY_MS > 0 ? ` + ${LATENCY_MS} ms a round trip` : ''}, no cache or service worker.`,
      '| page | JS files | first-load JS, kB gzip | LCP median, ms | LCP worst, ms |',
      '| --- | --- | --- | --- | --- |',
      ...rows,
      `First-load JS goal ≤ ${FIRST_LOAD_JS_GOAL_KB} kB gzip: ${worstJs <= FIRST_LOAD_JS_GOAL_KB ? 'met' : 'MISSED'} (largest ${worstJs.toFixed(1)} kB).`,
      `LCP goal ≤ ${LCP_GOAL_MS} ms: ${worstLcp <= LCP_GOAL_MS ? 'met' : 'MISSED'} (slowest median ${worstLcp.toFixed(0)} ms).`,
    ].join('\n'),
  );
});
