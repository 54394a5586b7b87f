import { join } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import type { Browser, Page } from 'playwright-core';
import { afterAll, expect, it } from 'vitest';
import { newContext, type RunningCarryover, shotsDir, signIn, VIEWPORTS } from './e2e';

// Every page, for every role, at a phone's 390 px and a laptop's 1280 px: nothing wider than the
// screen, no button or chart label cut off, and axe-core finds no violation of WCAG 2.1 A/AA or
// of its best practices. The pages are found as a user finds them: each role's navigation, then
// the first link of every kind on each page (a student, a goal, a report, a plan…), one page per
// route shape. The crawl is split by role
// over the test/pages-*.browser.test.ts files, so they run side by side; each has one server and
// one browser. Each role's crawl is one test per width, so no test holds a whole role (an admin's
// crawl at both widths took 456 s of its 900 s on a loaded CI machine). Build the web app first
// (`pnpm --filter @carryover/web build`).

export const ROLE_EMAILS = {
  therapist: 'slp@demo.test',
  assistant: 'slpa@demo.test',
  teacher: 'teacher@demo.test',
  coordinator: 'coordinator@demo.test',
  admin: 'admin@demo.test',
} as const;
export type CrawledRole = keyof typeof ROLE_EMAILS;

/** Pages anybody can open without signing in. */
export const PUBLIC_PAGES = ['/sign-in', '/setup', '/account/enrol'];

/** A route's shape: ids become `:id`, so one student page stands for all of them. */
export function routeShape(path: string): string {
  return path
    .split('?')[0]!
    .split('/')
    .map((segment) => (/\d/.test(segment) || segment.length >= 20 ? ':id' : segment))
    .join('/');
}

interface PageResult {
  who: string;
  route: string;
  width: number;
  overflowPx: number;
  clipped: string[];
  violations: string[];
  /** Tables whose last columns are scrolled out of sight. */
  cutTables: string[];
  /** A chart's text drawn past the edge of its chart (a tick label cut at a phone's edge). */
  cutChartText: string[];
  /** How long opening and checking the page took. */
  ms: number;
}

const failed = (r: PageResult) =>
  r.overflowPx > 1 ||
  r.clipped.length > 0 ||
  r.violations.length > 0 ||
  r.cutTables.length > 0 ||
  r.cutChartText.length > 0;

const list = (items: string[]) => (items.length ? items.join('; ') : '0');
const resultRow = (r: PageResult) =>
  `| ${r.who} | ${r.route} | ${r.width} | ${r.overflowPx} | ${list(r.clipped)} | ${list(r.cutTables)} | ${list(r.cutChartText)} | ${list(r.violations)} | ${r.ms} |`;

const results: PageResult[] = [];

// The functions below run in the page, so they are strings (this package's types have no DOM).

/** The one browser global `settle` reads. */
type PageDocument = { document: { querySelector(selector: string): unknown } };

/**
 * Buttons a user sees only part of: cut at the screen's edge, or at the edge of a box that hides
 * or scrolls its overflow (a half-visible "Generate" at the side of a table). A button wholly
 * scrolled out of a sideways-scrolling region is reachable, and shows whole when scrolled to;
 * so is a column header's sort button at its edge.
 */
const CLIPPED_BUTTONS = `(() => {
  const found = [];
  const controls = document.querySelectorAll(
    'button, a.btn, nav a, [role="button"], input[type="submit"], input[type="button"]',
  );
  for (const el of controls) {
    const rect = el.getBoundingClientRect();
    if (rect.width === 0 || rect.height === 0) continue;
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden') continue;
    const name = (el.getAttribute('aria-label') || el.textContent || '').trim().slice(0, 40);
    // Text wider than the button itself.
    if (el.scrollWidth > el.clientWidth + 1 && style.overflowX !== 'visible') {
      found.push(name + ' (text cut)');
      continue;
    }
    let cut = false;
    let scrolledAway = false;
    for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
      const overflowX = getComputedStyle(a).overflowX;
      if (overflowX === 'visible') continue;
      const box = a.getBoundingClientRect();
      const partlyOut = rect.left < box.left - 1 || rect.right > box.right + 1;
      const whollyOut = rect.right <= box.left + 1 || rect.left >= box.right - 1;
      const scrolls = overflowX === 'auto' || overflowX === 'scroll';
      // A column header's sort button at the edge of a sideways-scrolling table is the cue
      // that more columns follow; its column is scrolled to like the rest.
      if (scrolls && (whollyOut || (partlyOut && el.closest('thead')))) {
        scrolledAway = true;
        break;
      }
      if (partlyOut) {
        cut = true;
        break;
      }
    }
    if (!scrolledAway && (cut || rect.left < -1 || rect.right > window.innerWidth + 1))
      found.push(name || el.tagName.toLowerCase());
  }
  return found;
})()`;

/** Paths of the links on the page that lead to another page of the app. */
const APP_LINKS = `[...document.querySelectorAll('a[href]')]
  .filter((a) => a.origin === location.origin && !a.target && !a.hasAttribute('download'))
  .map((a) => a.pathname + a.search)`;

/** Tables wider than the region that holds them, named by their caption. */
const CUT_TABLES = `[...document.querySelectorAll('table')]
  .filter((t) => t.getBoundingClientRect().width > 0)
  .filter((t) => {
    for (let a = t.parentElement; a && a !== document.body; a = a.parentElement) {
      const overflowX = getComputedStyle(a).overflowX;
      if (overflowX !== 'visible') return a.scrollWidth > a.clientWidth + 1;
    }
    return false;
  })
  .map((t) => (t.caption?.textContent || t.getAttribute('aria-label') || 'table').trim().slice(0, 40))`;

/**
 * Text in a chart (an SVG) that reaches past the chart's own box: the SVGs draw with overflow
 * visible, so such text is cut by the page's edge or overlaps its neighbours. Text past the
 * screen's edge counts too, unless a sideways-scrolling box holds its chart (a chart too wide for
 * a phone scrolls, as a wide table does).
 */
const CUT_CHART_TEXT = `[...document.querySelectorAll('svg text')]
  .filter((t) => {
    const r = t.getBoundingClientRect();
    if (r.width === 0) return false;
    const svg = t.ownerSVGElement;
    const box = svg.getBoundingClientRect();
    if (r.left < box.left - 1 || r.right > box.right + 1) return true;
    if (r.left >= -1 && r.right <= window.innerWidth + 1) return false;
    for (let a = svg.parentElement; a && a !== document.body; a = a.parentElement) {
      const overflowX = getComputedStyle(a).overflowX;
      if (overflowX === 'auto' || overflowX === 'scroll') return false;
    }
    return true;
  })
  .map((t) => (t.textContent || '').trim().slice(0, 40))`;

const PAGE_OVERFLOW = 'document.documentElement.scrollWidth - window.innerWidth';

/**
 * Waits until the page has its heading and no loading skeleton or busy region. Outcomes computes
 * a whole district's comparison, queued behind others on a busy machine: up to two minutes.
 * Resolves false if the page is still loading then, which fails the page (it was not checked).
 */
async function settle(page: Page): Promise<boolean> {
  await page.locator('h1').first().waitFor({ timeout: 30_000 });
  // A function, not a string: the app's Content-Security-Policy forbids evaluating strings.
  // Checked every 50 ms: a query selector is cheap, and at 250 ms the wait alone added about
  // 125 ms to each of the crawls' 250 page checks.
  return page
    .waitForFunction(
      (selector) => !(globalThis as unknown as PageDocument).document.querySelector(selector),
      '.state--loading, .outcomes-wait, [aria-busy="true"]',
      { timeout: 120_000, polling: 50 },
    )
    .then(
      () => true,
      (e) => {
        console.log(`settle: ${String(e).slice(0, 300)}`);
        return false;
      },
    );
}

const clippedButtons = (page: Page) => page.evaluate<string[]>(CLIPPED_BUTTONS);
const cutTables = (page: Page) => page.evaluate<string[]>(CUT_TABLES);
const cutChartText = (page: Page) => page.evaluate<string[]>(CUT_CHART_TEXT);
const appLinks = (page: Page) => page.evaluate<string[]>(APP_LINKS);

type Viewport = (typeof VIEWPORTS)[number];
const DESKTOP = VIEWPORTS.find((v) => v.name === 'desktop')!;

/** What the checks find on the page as it is now. */
export type Findings = Pick<
  PageResult,
  'overflowPx' | 'clipped' | 'violations' | 'cutTables' | 'cutChartText'
>;

/**
 * The page's sideways overflow, cut-off buttons, tables and chart text, and axe-core's WCAG 2.1
 * A/AA and best-practice violations (two regions of one name, headings that skip a level…). Axe
 * runs in its legacy mode (`axe.run` in the page): its default runs each frame apart and then
 * merges the results in a new blank page, and took 62% of a crawl's time that way (more than
 * twice what it takes now); the app has no frames of another origin for that to matter. Only
 * violations are collected.
 */
export async function inspect(page: Page, viewport: Viewport): Promise<Findings> {
  const overflowPx = Number(await page.evaluate(PAGE_OVERFLOW));
  const clipped = await clippedButtons(page);
  const axe = await new AxeBuilder({ page })
    // Options first: they replace the whole options object, tags included.
    .options({ resultTypes: ['violations'] })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'])
    .setLegacyMode()
    .analyze();
  return {
    overflowPx,
    clipped,
    violations: axe.violations.map(
      (v) =>
        `${v.id}×${v.nodes.length} (${v.nodes
          .slice(0, 2)
          .map((n) => n.target.join(' '))
          .join(', ')})`,
    ),
    // On a phone a wide table may scroll sideways (its region is focusable); on a laptop
    // every column shows.
    cutTables: viewport.width >= 1280 ? await cutTables(page) : [],
    cutChartText: await cutChartText(page),
  };
}

/** Opens `path` at each of `viewports` and records what it finds. */
async function checkPage(
  page: Page,
  baseUrl: string,
  who: string,
  path: string,
  viewports: readonly Viewport[] = VIEWPORTS,
) {
  for (const viewport of viewports) {
    const started = Date.now();
    await page.setViewportSize({ width: viewport.width, height: viewport.height });
    await page.goto(`${baseUrl}${path}`);
    const loaded = await settle(page);
    const findings = await inspect(page, viewport);
    const result: PageResult = {
      who,
      route: routeShape(path),
      width: viewport.width,
      ...findings,
      violations: (loaded ? [] : ['still loading after 120 s']).concat(findings.violations),
      ms: Date.now() - started,
    };
    results.push(result);
    console.log(resultRow(result));
    if (failed(result)) {
      const file = `${who}${routeShape(path).replaceAll(/[/:]+/g, '-')}-${viewport.width}.png`;
      await page.screenshot({ path: join(shotsDir, `pages-${file}`), fullPage: true });
    }
  }
}

/** Routes never opened by the crawl: they sign out, leave the app, or start a download. */
const SKIP = [/^\/$/, /^\/sign-in/, /^\/export\//, /^\/trpc\//];

/** Prints the file's table of every page checked, after its tests. */
export function printResultsAfterAll(): void {
  afterAll(() => {
    console.log(
      [
        '| who | page | width | overflow px | clipped buttons | cut tables | cut chart text | axe violations | ms |',
        '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
        ...results.map(resultRow),
      ].join('\n'),
    );
  });
}

/** The rows of `who`'s pages that failed a check (at `width`, or at any). */
export const failures = (who: string, width?: number) =>
  results
    .filter((r) => r.who === who && (width === undefined || r.width === width) && failed(r))
    .map(resultRow);

/** The pages anybody can open, checked signed out. */
export async function checkPublicPages(browser: Browser, baseUrl: string): Promise<void> {
  const context = await newContext(browser);
  const page = await context.newPage();
  for (const path of [...PUBLIC_PAGES, '/no-such-page']) {
    await checkPage(page, baseUrl, 'signed out', path);
  }
  await context.close();
  expect(failures('signed out')).toEqual([]);
}

/**
 * The demo has no progress report yet: the therapist, signed in in a context of its own, drafts
 * one, so the report and its printable page are among the pages checked (for the coordinator and
 * admin too).
 */
export async function draftReportAsTherapist(browser: Browser, baseUrl: string): Promise<void> {
  const context = await newContext(browser);
  const page = await context.newPage();
  await signIn(page, baseUrl, ROLE_EMAILS.therapist);
  await page.goto(`${baseUrl}/reports`);
  await page
    .getByRole('button', { name: /^Generate report for / })
    .first()
    .click();
  await page.waitForURL(/\/reports\/[^/]+$/);
  await context.close();
}

/**
 * Signs in as `role` and checks every page it can reach at `viewport`'s width, one per route
 * shape. Links are read at desktop width, where the whole navigation shows, so both widths'
 * crawls find the same pages.
 */
export async function crawlRole(
  app: Pick<RunningCarryover, 'baseUrl'>,
  browser: Browser,
  role: CrawledRole,
  viewport: Viewport,
): Promise<void> {
  const context = await newContext(browser, { viewport: DESKTOP });
  const page = await context.newPage();
  await signIn(page, app.baseUrl, ROLE_EMAILS[role]);
  await settle(page);
  const seen = new Set<string>();
  // The navigation first, then whatever each page links to.
  const queue = [...new Set(await appLinks(page)), '/account', '/no-such-page'];
  while (queue.length > 0) {
    const path = queue.shift()!;
    const shape = routeShape(path);
    if (seen.has(shape) || SKIP.some((re) => re.test(path))) continue;
    seen.add(shape);
    await checkPage(page, app.baseUrl, role, path, [viewport]);
    if (viewport !== DESKTOP) await page.setViewportSize(DESKTOP);
    for (const link of await appLinks(page)) if (!seen.has(routeShape(link))) queue.push(link);
  }
  await context.close();
  expect(seen.size).toBeGreaterThan(5);
  expect(failures(role, viewport.width)).toEqual([]);
}

/** One test per width: every page `role` can reach fits it and passes axe. */
export function crawlRoleAtEachWidth(
  run: { readonly app: Pick<RunningCarryover, 'baseUrl'>; readonly browser: Browser },
  role: CrawledRole,
): void {
  for (const viewport of VIEWPORTS) {
    it(
      `every page a${/^[aeiou]/.test(role) ? 'n' : ''} ${role} can reach, at ${viewport.width} px`,
      { timeout: CRAWL_TIMEOUT },
      () => crawlRole(run.app, run.browser, role, viewport),
    );
  }
}

/** How long one role's crawl at one width may take: every page with axe, on a busy machine. */
export const CRAWL_TIMEOUT = 900_000;
