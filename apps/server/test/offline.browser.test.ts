import { createRequire } from 'node:module';
import { join } from 'node:path';
import { systemClock } from '@carryover/db';
import { dateIn } from '@carryover/domain';
import type { BrowserContext, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import {
  carryoverInChromium,
  haveChromium,
  keptPaths,
  newContext,
  type PageGlobals,
  shotsDir,
  signIn,
} from './support/e2e';

// Carryover without signal, as a therapist and a teacher meet it in a classroom: the app is
// opened (a reload) with the network off, the caseload is read from what the device kept, a
// push-in session and a classroom probe are recorded into the outbox, and when the network comes
// back each is stored exactly once. The real CLI serves the built web app (build it first:
// `pnpm --filter @carryover/web build`) with its service worker; http://127.0.0.1 is a secure
// context, so the worker registers as it would over HTTPS.

/** The few better-sqlite3 calls used to read the server's database file directly. */
type SqliteFile = {
  prepare(sql: string): { all(...params: unknown[]): unknown[] };
  close(): void;
};
const Database = createRequire(import.meta.url)('better-sqlite3') as new (
  path: string,
  options: { readonly: boolean; fileMustExist: boolean },
) => SqliteFile;

/** Every outbox entry in the page's localStorage. */
const outboxEntries = (page: Page) =>
  page.evaluate(() => {
    const storage = (globalThis as unknown as PageGlobals).localStorage;
    const found: { key: string; kind: string }[] = [];
    for (let i = 0; i < storage.length; i++) {
      const name = storage.key(i);
      if (name.startsWith('carryover.outbox')) found.push(...JSON.parse(storage.getItem(name)!));
    }
    return found;
  });

/** Signs in online and waits until the app shell is cached and the user's data kept. */
async function signInAndKeep(page: Page, baseUrl: string, email: string, kept: string[]) {
  await signIn(page, baseUrl, email);
  await page.evaluate(async () => {
    await (globalThis as unknown as PageGlobals).navigator.serviceWorker.ready;
  });
  await expect
    .poll(
      async () => {
        const paths = await keptPaths(page).catch(() => [] as string[]);
        return kept.every((p) => paths.includes(p));
      },
      { timeout: 20_000 },
    )
    .toBe(true);
}

// Each test signs in, waits for the service worker and the device's copy, and reloads offline:
// several page loads on a busy machine, so each has 90 s (and takes well under half of it).
describe.skipIf(!haveChromium)('browser: Carryover without signal', () => {
  const running = carryoverInChromium();

  const query = <T>(sql: string, ...params: unknown[]): T[] => {
    const db = new Database(running.app.dbPath, { readonly: true, fileMustExist: true });
    try {
      return db.prepare(sql).all(...params) as T[];
    } finally {
      db.close();
    }
  };
  const districtToday = () => {
    const [district] = query<{ settings: string }>(`select settings from district`);
    return dateIn(systemClock(), JSON.parse(district!.settings).timezone);
  };

  async function goOfflineAndReload(context: BrowserContext, page: Page, path: string) {
    await context.setOffline(true);
    await page.goto(`${running.app.baseUrl}${path}`);
  }

  it('a therapist opens the app offline, reads the caseload and logs a push-in session, stored once', async () => {
    const { baseUrl } = running.app;
    const context = await newContext(running.browser, { viewport: { width: 390, height: 844 } });
    const page = await context.newPage();
    const today = districtToday();
    // A student the demo SLP serves today, with a name no other student of theirs has.
    const names = query<{ name: string }>(
      `select st.first_name || ' ' || st.last_name as name
         from staff_user u
         join service sv on sv.district_id = u.district_id and sv.provider_id = u.id
         join student st on st.district_id = sv.district_id and st.id = sv.student_id
        where u.email = 'slp@demo.test' and sv.start_date <= ? and sv.end_date >= ?
        order by st.last_name, st.first_name`,
      today,
      today,
    ).map((r) => r.name);
    const studentName = names.find((n) => names.filter((m) => m === n).length === 1)!;
    await signInAndKeep(page, baseUrl, 'slp@demo.test', [
      'auth.me',
      'caseload.list',
      'sessions.context',
    ]);
    // The caseload on the phone: a card per student.
    const firstCard = page.locator('.student-card').first();
    await firstCard.waitFor();
    const cardName = ((await firstCard.locator('h2').textContent()) ?? '').trim();

    // No network at all, and the app is opened again: the shell comes from the service worker,
    // the caseload from the device, marked as of when it was fetched.
    await goOfflineAndReload(context, page, '/caseload');
    await page.getByRole('heading', { name: 'Caseload', level: 1 }).waitFor();
    await page
      .getByTestId('net-status')
      .getByText(/^Offline/)
      .waitFor();
    await page
      .getByTestId('as-of')
      .getByText(/^Offline · as of /)
      .waitFor();
    await page.locator('.student-card h2', { hasText: cardName }).first().waitFor();
    await page.screenshot({ path: join(shotsDir, 'offline-caseload-phone.png') });

    // Log session through the phone menu; a group push-in (the form's defaults).
    await page.getByRole('button', { name: 'Menu' }).click();
    await page.getByRole('link', { name: 'Log session' }).click();
    await page.getByRole('heading', { name: 'Log session', level: 1 }).waitFor();
    await page.getByLabel('Begin').fill('09:00');
    await page.getByLabel('End').fill('09:25');
    await page.getByRole('checkbox', { name: new RegExp(studentName) }).check();
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByTestId('net-status').getByText('Offline · 1 entry waiting to send').waitFor();
    const [entry] = await outboxEntries(page);
    expect(entry).toMatchObject({ kind: 'session' });
    const stored = () =>
      query<{ id: string; model: string; minutes: number }>(
        `select id, model, minutes from therapy_session where idempotency_key = ?`,
        entry!.key,
      );
    expect(stored()).toEqual([]);
    await page.screenshot({ path: join(shotsDir, 'offline-waiting-phone.png') });

    // Signal again: sent once, the status says so; a reload sends nothing more.
    await context.setOffline(false);
    await page.getByTestId('net-status').getByText('Online').waitFor({ timeout: 20_000 });
    expect(stored()).toHaveLength(1);
    expect(stored()[0]).toMatchObject({ model: 'push_in', minutes: 25 });
    await page.reload();
    await page.getByTestId('net-status').getByText('Online').waitFor();
    expect(stored()).toHaveLength(1);
    expect(await outboxEntries(page)).toEqual([]);

    // Signing out removes what was kept on the device.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL((url) => url.pathname.startsWith('/sign-in'));
    await expect.poll(() => keptPaths(page), { timeout: 10_000 }).not.toContain('caseload.list');
    await context.close();
  }, 90_000);

  it('a teacher records a classroom probe offline (after a reload), stored once when back online', async () => {
    const { baseUrl } = running.app;
    const today = districtToday();
    // A goal of a student in the teacher's class, linked to one of their routines, in trials.
    const [target] = query<{ studentId: string; goalId: string }>(
      `select g.student_id as studentId, g.id as goalId
         from staff_user u
         join classroom c on c.district_id = u.district_id and c.teacher_id = u.id
         join routine r on r.district_id = c.district_id and r.classroom_id = c.id
         join goal_routine gr on gr.district_id = r.district_id and gr.routine_id = r.id
         join goal g on g.district_id = gr.district_id and g.id = gr.goal_id
        where u.email = 'teacher@demo.test' and g.measurement_type = 'percent'
          and g.phase != 'discontinued' and g.start_date <= ?
        order by g.id limit 1`,
      today,
    );
    expect(target).toBeDefined();
    const context = await newContext(running.browser, { viewport: { width: 390, height: 844 } });
    const page = await context.newPage();
    await signInAndKeep(page, baseUrl, 'teacher@demo.test', ['auth.me', 'sessions.context']);

    await goOfflineAndReload(context, page, '/log-session');
    await page.getByRole('heading', { name: 'Classroom probe' }).waitFor();
    await page.getByLabel('Student').selectOption(target!.studentId);
    await page.getByLabel('Goal').selectOption(target!.goalId);
    const correct = page.getByRole('button', { name: /^\d+ Correct: add a trial/ }).first();
    await correct.click();
    await correct.click();
    await page
      .getByRole('button', { name: /^\d+ Incorrect: add a trial/ })
      .first()
      .click();
    await page.getByRole('button', { name: 'Save probe' }).click();
    await page.getByText(/It will be sent when you are back online/).waitFor();
    await page.getByTestId('net-status').getByText('Offline · 1 entry waiting to send').waitFor();
    const [entry] = await outboxEntries(page);
    expect(entry).toMatchObject({ kind: 'probe' });
    const stored = () =>
      query<{ goal_id: string; trials_correct: number; recorder_role: string }>(
        `select goal_id, trials_correct, recorder_role from observation where idempotency_key = ?`,
        entry!.key,
      );
    expect(stored()).toEqual([]);
    await page.screenshot({ path: join(shotsDir, 'offline-probe-phone.png') });

    await context.setOffline(false);
    await page.getByTestId('net-status').getByText('Online').waitFor({ timeout: 20_000 });
    expect(stored()).toEqual([
      { goal_id: target!.goalId, trials_correct: 2, recorder_role: 'teacher' },
    ]);
    await page.reload();
    await page.getByTestId('net-status').getByText('Online').waitFor();
    expect(stored()).toHaveLength(1);
    await context.close();
  }, 90_000);

  it('the navigation folds behind a Menu button on a phone and is a row on a laptop', async () => {
    const { baseUrl } = running.app;
    for (const width of [390, 1280]) {
      const context = await newContext(running.browser, { viewport: { width, height: 800 } });
      const page = await context.newPage();
      await signIn(page, baseUrl, 'coordinator@demo.test');
      const menu = page.getByRole('button', { name: 'Menu' });
      const outcomes = page.getByRole('link', { name: 'Outcomes' });
      if (width === 390) {
        // The shell is drawn once the signed-in user is known: wait for it before looking.
        await menu.waitFor();
        expect(await outcomes.isVisible()).toBe(false);
        await menu.click();
        expect(await menu.getAttribute('aria-expanded')).toBe('true');
        await page.screenshot({ path: join(shotsDir, 'nav-menu-phone.png') });
        await page.getByRole('link', { name: 'Workload' }).click();
        await page.waitForURL((url) => url.pathname === '/workload');
        // The menu closes after a choice.
        await expect.poll(() => menu.getAttribute('aria-expanded')).toBe('false');
      } else {
        await outcomes.waitFor();
        expect(await outcomes.isVisible()).toBe(true);
        expect(await menu.isVisible()).toBe(false);
      }
      // No sideways scrolling of the page.
      const overflow = await page.evaluate(() => {
        const d = (
          globalThis as unknown as {
            document: { documentElement: { scrollWidth: number; clientWidth: number } };
          }
        ).document.documentElement;
        return d.scrollWidth - d.clientWidth;
      });
      expect(overflow).toBeLessThanOrEqual(0);
      await context.close();
    }
  }, 90_000);
});
