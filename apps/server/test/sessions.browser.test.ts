import { createRequire } from 'node:module';
import { join } from 'node:path';
import { systemClock } from '@carryover/db';
import { dateIn } from '@carryover/domain';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  haveChromium,
  launchChromium,
  newContext,
  type RunningCarryover,
  shotsDir,
  signIn,
  startCarryover,
} from './support/e2e';

// A therapist logs a group push-in session on a phone while the network drops, and the
// session lands exactly once and shows on the student's goal graph. The real CLI serves the
// built web app (rebuild it first: `cd apps/web && npx vite build`) from a fresh SQLite file.

/** The few better-sqlite3 calls used to read the server's database file directly. */
type SqliteFile = {
  prepare(sql: string): { all(...params: unknown[]): unknown[] };
  close(): void;
};
const Database = createRequire(import.meta.url)('better-sqlite3') as new (
  path: string,
  options: { readonly: boolean; fileMustExist: boolean },
) => SqliteFile;

interface Pick {
  studentId: string;
  name: string;
  goalId: string;
  goalText: string;
}

describe.skipIf(!haveChromium)('browser: log a session offline on a phone', () => {
  let app: RunningCarryover;
  let browser: Browser;
  let baseUrl: string;
  let dbPath: string;

  beforeAll(async () => {
    app = await startCarryover();
    ({ baseUrl, dbPath } = app);
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  const query = <T>(sql: string, ...params: unknown[]): T[] => {
    const db = new Database(dbPath, { readonly: true, fileMustExist: true });
    try {
      return db.prepare(sql).all(...params) as T[];
    } finally {
      db.close();
    }
  };

  /** The district's today, by the same clock the server reads. */
  function districtToday(): string {
    const [district] = query<{ settings: string }>(`select settings from district`);
    return dateIn(systemClock(), JSON.parse(district!.settings).timezone);
  }

  /** Two students the demo SLP serves whose first SLP goal is measured in trials. */
  function pickStudents(): Pick[] {
    const rows = query<Pick & { measurement_type: string }>(
      `select st.id as studentId, st.first_name || ' ' || st.last_name as name,
              g.id as goalId, g.text as goalText, g.measurement_type
         from staff_user u
         join service sv on sv.district_id = u.district_id and sv.provider_id = u.id
         join student st on st.district_id = sv.district_id and st.id = sv.student_id
         join goal g on g.district_id = st.district_id and g.student_id = st.id
        where u.email = 'slp@demo.test' and sv.start_date <= ? and sv.end_date >= ?
          and g.discipline = 'SLP' and g.phase != 'discontinued'
        order by st.last_name, st.first_name, g.created_at, g.id`,
      districtToday(),
      districtToday(),
    );
    const first = new Map<string, (typeof rows)[number]>();
    for (const r of rows) if (!first.has(r.studentId)) first.set(r.studentId, r);
    const names = [...first.values()].map((r) => r.name);
    return (
      [...first.values()]
        .filter((r) => r.measurement_type === 'percent')
        // Unique names only, so a label finds exactly one student.
        .filter((r) => names.filter((n) => n === r.name).length === 1)
        .slice(0, 2)
    );
  }

  /** The Web Storage calls used in the page (the server's tsconfig has no DOM types). */
  type WebStorage = {
    readonly length: number;
    key(i: number): string | null;
    getItem(key: string): string | null;
  };
  /** Every outbox in the page's localStorage, by storage key. */
  const outboxes = (page: Page) =>
    page.evaluate(() => {
      const storage = (globalThis as unknown as { localStorage: WebStorage }).localStorage;
      const found: [string, { key: string; input: unknown }[]][] = [];
      for (let i = 0; i < storage.length; i++) {
        const name = storage.key(i)!;
        if (name.startsWith('carryover.outbox'))
          found.push([name, JSON.parse(storage.getItem(name)!)]);
      }
      return found;
    });
  /** Everything the page's storage holds, as text. */
  const allStorage = (page: Page) =>
    page.evaluate(() => {
      const g = globalThis as unknown as { localStorage: WebStorage; sessionStorage: WebStorage };
      return JSON.stringify([{ ...g.localStorage }, { ...g.sessionStorage }]);
    });

  async function tap(
    page: Page,
    student: string,
    kind: 'Correct' | 'Prompted' | 'Incorrect',
    n: number,
  ) {
    const card = page.getByRole('region', { name: student, exact: true });
    const button = card
      .getByRole('button', { name: new RegExp(`^\\d+ ${kind}: add a trial`) })
      .first();
    for (let i = 0; i < n; i++) await button.click();
  }

  it('stores the session exactly once after the network returns, and graphs it', async () => {
    const [a, b] = pickStudents();
    expect(a && b).toBeTruthy();
    const context = await newContext(browser, { viewport: { width: 390, height: 844 } });
    const page = await context.newPage();

    await signIn(page, baseUrl, 'slp@demo.test');
    await page.getByRole('heading', { name: 'Caseload' }).waitFor();
    // On a phone the navigation is behind the Menu button.
    await page.getByRole('button', { name: 'Menu' }).click();
    await page.getByRole('link', { name: 'Log session' }).click();
    await page.getByRole('heading', { name: 'Log session', level: 1 }).waitFor();
    await page.getByText('Everything is sent').waitFor();
    const today = await page.getByLabel('Date').inputValue();
    // The server's "today" is the district's, by the same clock as this test (CARRYOVER_NOW).
    expect(today).toBe(districtToday());
    const obsBefore = (goalId: string) =>
      query<{ n: number }>(
        `select count(*) as n from observation where goal_id = ? and observed_on = ?`,
        goalId,
        today,
      )[0]!.n;
    const beforeA = obsBefore(a!.goalId);

    // Group push-in (the defaults), at writing time, two students.
    await page.getByLabel('Begin').fill('10:00');
    await page.getByLabel('End').fill('10:30');
    await page.getByRole('checkbox', { name: new RegExp(a!.name) }).check();
    await page.getByRole('checkbox', { name: new RegExp(b!.name) }).check();
    await tap(page, a!.name, 'Correct', 3);
    await tap(page, a!.name, 'Incorrect', 1);
    await expect.poll(() => page.getByText('3 of 4 correct (75%)').isVisible()).toBe(true);

    // The network drops mid-session; the rest is entered and saved offline.
    await context.setOffline(true);
    await tap(page, b!.name, 'Correct', 2);
    await tap(page, b!.name, 'Prompted', 1);
    await tap(page, b!.name, 'Incorrect', 1);
    await page.screenshot({ path: join(shotsDir, 'log-session-phone.png') });
    await page.getByRole('button', { name: 'Save and sign' }).click();
    await page.getByText('1 session not sent yet').waitFor();
    await page.screenshot({ path: join(shotsDir, 'log-session-offline-phone.png') });
    // The sessions this test made, found by the idempotency keys the page gave them (never by
    // time: the demo's own sessions of today would match a time window).
    const keys: string[] = [];
    const readOutboxKeys = async (p: Page) =>
      (await outboxes(p)).flatMap(([, entries]) => entries.map((e) => e.key));
    const stored = () =>
      keys.length === 0
        ? []
        : query<{ id: string; idempotency_key: string; minutes: number; model: string }>(
            `select s.id, s.idempotency_key, s.minutes, s.model from therapy_session s
              where s.idempotency_key in (${keys.map(() => '?').join(', ')})`,
            ...keys,
          );
    const firstKeys = await readOutboxKeys(page);
    expect(firstKeys).toHaveLength(1);
    keys.push(...firstKeys);
    expect(stored()).toEqual([]);

    // Back online: the `online` event sends it.
    await context.setOffline(false);
    await page.getByText('Everything is sent').waitFor({ timeout: 20_000 });
    expect(stored()).toHaveLength(1);
    const session = stored()[0]!;
    expect(session).toMatchObject({ minutes: 30, model: 'push_in' });
    const records = query<{ student_id: string; signed_at: string | null }>(
      `select student_id, signed_at from session_student where session_id = ? order by student_id`,
      session.id,
    );
    expect(records.map((r) => r.student_id).sort()).toEqual([a!.studentId, b!.studentId].sort());
    expect(records.every((r) => r.signed_at !== null)).toBe(true);
    const obs = query<{ student_id: string; c: number; p: number; i: number }>(
      `select student_id, trials_correct as c, trials_prompted as p, trials_incorrect as i
         from observation where session_id = ? order by student_id`,
      session.id,
    );
    expect(obs.find((o) => o.student_id === a!.studentId)).toMatchObject({ c: 3, p: 0, i: 1 });
    expect(obs.find((o) => o.student_id === b!.studentId)).toMatchObject({ c: 2, p: 1, i: 1 });

    // A reload flushes the (now empty) outbox again: still exactly one session.
    await page.reload();
    await page.getByText('Everything is sent').waitFor();
    await page.waitForTimeout(500);
    expect(stored()).toHaveLength(1);

    // Closing the tab while offline loses nothing: the next page load sends it.
    await context.setOffline(true);
    await page.getByRole('radio', { name: 'Individual' }).check();
    await page.getByRole('radio', { name: new RegExp(a!.name) }).check();
    await page.getByLabel('Begin').fill('13:00');
    await page.getByLabel('End').fill('13:20');
    await tap(page, a!.name, 'Correct', 1);
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByText('1 session not sent yet').waitFor();
    const secondKeys = await readOutboxKeys(page);
    expect(secondKeys).toHaveLength(1);
    expect(secondKeys[0]).not.toBe(firstKeys[0]);
    keys.push(...secondKeys);
    await page.close();
    await context.setOffline(false);
    const again = await context.newPage();
    await again.goto(`${baseUrl}/log-session`);
    await again.getByText('Everything is sent').waitFor({ timeout: 20_000 });
    expect(stored()).toHaveLength(2);

    // Both sessions' points for the first student are on the goal graph.
    expect(obsBefore(a!.goalId)).toBe(beforeA + 2);
    await again.goto(`${baseUrl}/students/${encodeURIComponent(a!.studentId)}`);
    await again.getByRole('heading', { level: 1, name: a!.name }).waitFor();
    const goal = again.locator('article.goal-section', { hasText: a!.goalText }).first();
    await goal.getByRole('button', { name: 'Show data table' }).click();
    const todayLabel = await again.evaluate(
      (iso) =>
        new Intl.DateTimeFormat('en-US', {
          month: 'short',
          day: 'numeric',
          year: 'numeric',
          timeZone: 'UTC',
        }).format(new Date(`${iso}T00:00:00Z`)),
      today,
    );
    const rows = goal.locator('tbody tr', { hasText: todayLabel });
    await expect.poll(() => rows.count()).toBe(beforeA + 2);
    expect(
      await goal.locator('tbody tr', { hasText: todayLabel }).filter({ hasText: '75' }).count(),
    ).toBeGreaterThan(0);
    await again.screenshot({
      path: join(shotsDir, 'log-session-graph-phone.png'),
      fullPage: false,
    });
    await context.close();
    // Two offline rounds through the real server and a browser: 22–30 s on a loaded 2-core machine.
  }, 120_000);

  it('keeps the outbox per user: sign-out warns, removes it, and the next user sees none of it', async () => {
    const [a] = pickStudents();
    const context = await newContext(browser, { viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await signIn(page, baseUrl, 'slp@demo.test');
    await page.getByRole('link', { name: 'Log session' }).click();
    await page.getByText('Everything is sent').waitFor();

    // Offline, A saves an individual session whose note must not reach the next user.
    await context.setOffline(true);
    await page.getByRole('radio', { name: 'Individual' }).check();
    await page.getByRole('radio', { name: new RegExp(a!.name) }).check();
    await page.getByLabel('Begin').fill('14:00');
    await page.getByLabel('End').fill('14:20');
    await tap(page, a!.name, 'Correct', 1);
    const secret = 'Private note of the first user on this device';
    await page.getByLabel('Note').fill(secret);
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByText('1 session not sent yet').waitFor();
    const [[storageKey, [entry]] = ['', []]] = await outboxes(page);
    const [me] = query<{ id: string }>(`select id from staff_user where email = 'slp@demo.test'`);
    expect(storageKey).toBe(`carryover.outbox.v2.${me!.id}`);
    expect(await allStorage(page)).toContain(secret);

    // Sign-out warns, naming how many; declining keeps the user signed in with the outbox.
    const warnings: string[] = [];
    page.once('dialog', (d) => {
      warnings.push(d.message());
      void d.dismiss();
    });
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect.poll(() => warnings.length).toBe(1);
    expect(warnings[0]).toContain('1 session has not been sent yet');
    expect(await allStorage(page)).toContain(secret);
    page.once('dialog', (d) => {
      warnings.push(d.message());
      void d.accept();
    });
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect.poll(() => warnings.length).toBe(2);
    // Gone from the device at once; the server's sign-out waits for the network (TanStack
    // Query pauses mutations offline), then the sign-in page shows.
    await expect.poll(() => allStorage(page)).not.toContain(secret);
    await context.setOffline(false);
    await page.waitForURL((url) => url.pathname.startsWith('/sign-in'));

    // The next user of the device: nothing of the first user's outbox, in storage or on screen.
    await signIn(page, baseUrl, 'ot@demo.test');
    await page.getByRole('link', { name: 'Log session' }).click();
    await page.getByText('Everything is sent').waitFor();
    expect(await outboxes(page)).toEqual([]);
    expect(await allStorage(page)).not.toContain(secret);
    expect(await page.getByText(secret).count()).toBe(0);
    // And it was never sent: it left with the first user.
    expect(query(`select id from therapy_session where idempotency_key = ?`, entry!.key)).toEqual(
      [],
    );
    await context.close();
  }, 120_000);
});
