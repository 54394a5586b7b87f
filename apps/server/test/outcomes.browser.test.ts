import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bumpDataVersion, openDatabase } from '@carryover/db';
import { describe, expect, it } from 'vitest';
import { carryoverInChromium, haveChromium, newContext, shotsDir, signIn } from './support/e2e';

// The coordinator's comparison end to end on the demo district: open Outcomes, filter to one
// discipline, see the chart and the strata table, export the strata CSV and read it back.

describe.skipIf(!haveChromium)('browser: outcomes (push-in vs pull-out)', () => {
  const run = carryoverInChromium();

  it('filters to one discipline, shows the chart and strata, exports the CSV', async () => {
    const context = await newContext(run.browser, {
      viewport: { width: 1280, height: 800 },
      acceptDownloads: true,
    });
    const page = await context.newPage();
    const consoleErrors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });

    await signIn(page, run.app.baseUrl, 'coordinator@demo.test');
    await page.getByRole('link', { name: 'Outcomes' }).click();
    await page.getByRole('heading', { level: 1, name: 'Outcomes' }).waitFor();
    // The first, cold comparison of the whole district (two settings' strata, two-way
    // bootstrap) can take a while on a busy machine.
    await page
      .getByRole('img', { name: /Rate of improvement by model/ })
      .waitFor({ timeout: 60_000 });

    await page.getByRole('combobox', { name: /^Discipline/ }).selectOption('SLP');
    await expect.poll(() => new URL(page.url()).searchParams.get('discipline')).toBe('SLP');
    const chart = page.getByRole('img', { name: /Rate of improvement by model/ });
    await chart.waitFor();
    // Push-in circle, pull-out square … one marker per model that has enough data. The SLP
    // comparison may still be computing on a busy machine: wait for it rather than count once.
    await expect
      .poll(() => page.locator('.estimate-chart-svg .ec-marker').count(), { timeout: 20_000 })
      .toBeGreaterThan(0);
    expect(await page.locator('.ec-legend li').count()).toBe(5);
    // A plain summary comes first; the methods wait behind a disclosure.
    const summary = page.getByRole('region', { name: 'In short' });
    await expect.poll(() => summary.locator('p').count()).toBe(3);
    expect(await summary.locator('p').first().textContent()).toMatch(/^In the classroom, /);
    const method = page.locator('details.outcomes-method');
    expect(await method.getAttribute('open')).toBeNull();
    await method.getByText('How this is computed').click();
    await method.getByText(/Hesterberg/).waitFor();
    // Confounders are shown from the data, and the headline compares within settings only.
    await page.getByRole('heading', { name: 'Confounders in these data' }).waitFor();
    const headline = page.locator('table.outcomes-headline tbody tr th');
    expect(await headline.allTextContents()).toEqual(['Classroom (carryover)', 'Therapy room']);
    await page.getByRole('heading', { name: /Who each model served/ }).waitFor();
    expect(await page.locator('table.outcomes-balance tbody tr th').allTextContents()).toContain(
      'Setting mix of the points (classroom / therapy room)',
    );
    await page.getByText(/difference is claimed only after the Holm/).waitFor();

    const strata = page.locator('table.outcomes-strata');
    await strata.waitFor();
    const stratumNames = () => strata.locator('tbody tr th').allTextContents();
    await expect
      .poll(async () => (await stratumNames()).length, { timeout: 20_000 })
      .toBeGreaterThan(0);
    const rows = await stratumNames();
    for (const r of rows) expect(r.startsWith('SLP · ')).toBe(true);
    // The strata by school load on their own when asked for, named by school.
    const schoolStrataAsked = page.waitForResponse((res) =>
      res.url().includes('outcomes.schoolStrata'),
    );
    await page.getByRole('radio', { name: 'School' }).check();
    expect((await schoolStrataAsked).ok()).toBe(true);
    const schoolNames = new Set(
      await page.getByRole('combobox', { name: 'School' }).locator('option').allTextContents(),
    );
    await expect
      .poll(async () => (await stratumNames()).filter((n) => schoolNames.has(n)).length)
      .toBeGreaterThan(0);
    for (const n of await stratumNames()) expect(schoolNames.has(n)).toBe(true);
    await strata.screenshot({ path: join(shotsDir, 'outcomes-strata-by-school.png') });
    await page.setViewportSize({ width: 390, height: 800 });
    await page.getByRole('heading', { name: 'Strata' }).scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(shotsDir, 'outcomes-strata-by-school-390.png') });
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.getByRole('radio', { name: /^Discipline/ }).check();
    await page.screenshot({ path: join(shotsDir, 'outcomes-slp.png'), fullPage: true });
    await page.setViewportSize({ width: 390, height: 800 });
    await page.screenshot({ path: join(shotsDir, 'outcomes-slp-390.png'), fullPage: true });
    await page.setViewportSize({ width: 1280, height: 800 });

    // A number links to the episodes behind it.
    await strata.locator('tbody tr td a').first().click();
    await page.getByRole('heading', { name: /^Episodes behind the figure/ }).waitFor();
    await page.locator('#episodes tbody tr').first().waitFor();

    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Export strata CSV' }).click();
    const file = await download;
    // The one CSV writer quotes every field and ends records CRLF; the cells here hold no quotes.
    const text = readFileSync(await file.path(), 'utf8');
    expect(text.startsWith('"Grouped by","Group","Setting of the data",')).toBe(true);
    const csv = text.replaceAll('"', '').trim().split('\r\n');
    expect(csv[0]).toBe(
      'Grouped by,Group,Setting of the data,Students,Goals,Episodes,Episodes left out,Enough data,' +
        'Push-in: % of gap closed per week,Push-in: interval low,Push-in: interval high,Push-in: students,' +
        'Pull-out: % of gap closed per week,Pull-out: interval low,Pull-out: interval high,Pull-out: students,' +
        'Consult: % of gap closed per week,Consult: interval low,Consult: interval high,Consult: students,' +
        'Split: % of gap closed per week,Split: interval low,Split: interval high,Split: students,' +
        'Push-in minus pull-out (points per week),Difference: interval low,Difference: interval high,' +
        'Clear difference (after Holm correction)',
    );
    // Every stratum of the three dimensions, SLP only, classroom lines as the table shows.
    const dataLines = csv.slice(1);
    const byDimension = (d: string) => dataLines.filter((l) => l.startsWith(`${d},`));
    expect(
      byDimension('Discipline and domain').filter((l) => l.split(',')[2] === 'Classroom').length,
    ).toBe(rows.length);
    expect(byDimension('Grade band').length).toBeGreaterThan(0);
    expect(byDimension('School').length).toBeGreaterThan(0);
    expect(dataLines.length).toBe(
      byDimension('Discipline and domain').length +
        byDimension('Grade band').length +
        byDimension('School').length,
    );
    for (const l of byDimension('Discipline and domain'))
      expect(l).toMatch(/^Discipline and domain,SLP · /);
    // Rounded: no rate carries more than one decimal.
    for (const l of dataLines) expect(l).not.toMatch(/\d\.\d{2,}/);
    expect(consoleErrors).toEqual([]);
    await context.close();
  }, 180_000);

  it('shows the wait while other comparisons are ahead in the queue', async () => {
    const context = await newContext(run.browser, { viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await signIn(page, run.app.baseUrl, 'coordinator@demo.test');
    await page.goto(`${run.app.baseUrl}/outcomes?gradeBand=3–5&floor=5`);
    const chart = page.getByRole('img', { name: /Rate of improvement by model/ });
    await chart.waitFor({ timeout: 60_000 });
    // Twelve distinct comparisons from the same coordinator, sent to the API from this
    // process (a browser holds six connections per host, and these would take them all), then
    // a new filter on the page: its comparison waits behind them in this user's line.
    const cookie = (await context.cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
    const fillers: Promise<Response>[] = [];
    // Whole-district comparisons, each made distinct by its first day (all before the data
    // begin, so each is the full work): the comparison is fast enough now that a dozen small
    // ones drained before the page could ask. Sixteen and the page's two stay inside the
    // user's heavy-read burst (RATE_LIMITS: 20).
    const fillerInputs = Array.from({ length: 16 }, (_, i) => ({
      from: `2024-01-${String(i + 1).padStart(2, '0')}`,
      minStudents: 20,
    }));
    for (const filters of fillerInputs) {
      const input = encodeURIComponent(JSON.stringify(filters));
      fillers.push(
        fetch(`${run.app.baseUrl}/trpc/outcomes.report?input=${input}`, { headers: { cookie } }),
      );
    }
    // Only once the last of them is in the queue does the page ask: on a busy machine the
    // page's request could otherwise arrive first and wait for nothing.
    const last = encodeURIComponent(JSON.stringify(fillerInputs.at(-1)));
    await expect
      .poll(
        async () => {
          const res = await fetch(`${run.app.baseUrl}/trpc/outcomes.queueStatus?input=${last}`, {
            headers: { cookie },
          });
          return ((await res.json()) as { result?: { data?: { state?: string } } }).result?.data
            ?.state;
        },
        { timeout: 30_000, interval: 100 },
      )
      .not.toBe('unknown');
    await page.getByRole('combobox', { name: /^Grade band/ }).selectOption('K–2');
    const wait = page
      .getByRole('status')
      .filter({ hasText: /Waiting for the comparison: \d+ requests? ahead of yours/ });
    await wait.waitFor({ timeout: 30_000 });
    await page.screenshot({ path: join(shotsDir, 'outcomes-waiting.png') });
    // Once its turn has come and gone, the report replaces the wait.
    await chart.waitFor({ timeout: 120_000 });
    expect(await wait.count()).toBe(0);
    for (const r of await Promise.all(fillers)) expect(r.status).toBe(200);
    await context.close();
  }, 300_000);

  it('after a change, shows the earlier figures at once, marked as such, then the fresh ones', async () => {
    const context = await newContext(run.browser, { viewport: { width: 390, height: 800 } });
    const page = await context.newPage();
    await signIn(page, run.app.baseUrl, 'coordinator@demo.test');
    await page.goto(`${run.app.baseUrl}/outcomes?discipline=OT`);
    const chart = page.getByRole('img', { name: /Rate of improvement by model/ });
    await chart.waitFor({ timeout: 60_000 });
    const stale = page.locator('.outcomes-stale');
    expect(await stale.count()).toBe(0);

    // A change to the records, as a logged session makes: the district's data version moves.
    const conn = openDatabase(run.app.dbPath);
    try {
      const { district_id } = await conn.db
        .selectFrom('staff_user')
        .select('district_id')
        .where('email', '=', 'coordinator@demo.test')
        .executeTakeFirstOrThrow();
      await conn.db.transaction().execute((trx) => bumpDataVersion(trx, district_id));
    } finally {
      await conn.close();
    }
    await page.reload();
    await stale
      .getByText(/^These figures were computed .+, before the latest records\./)
      .waitFor({ timeout: 20_000 });
    // The earlier figures stay readable meanwhile.
    await chart.waitFor();
    await stale.scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(shotsDir, 'outcomes-stale-390.png') });
    await page.setViewportSize({ width: 1280, height: 800 });
    if ((await stale.count()) > 0) {
      await stale.scrollIntoViewIfNeeded();
      await page.screenshot({ path: join(shotsDir, 'outcomes-stale-1280.png') });
    }
    // The page asks again until the fresh figures replace them.
    await stale.waitFor({ state: 'detached', timeout: 60_000 });
    await chart.waitFor();
    await context.close();
  }, 120_000);
});
