import { createRequire } from 'node:module';
import { join } from 'node:path';
import ICAL from 'ical.js';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  fakedClock,
  haveChromium,
  keptPaths,
  launchChromium,
  newContext,
  type PageGlobals,
  type RunningCarryover,
  shotsDir,
  signIn,
  startCarryover,
  VIEWPORTS,
} from './support/e2e';

// The Schedule page end to end on the demo district, at phone and laptop width: the demo SLP
// auto-schedules the week and accepts it, moves a session onto another (by dragging on a
// laptop, by the edit form on a phone) and meets the conflict, which saves only with a reason;
// Home lists today's planned sessions and opens Log session filled in; the teacher of the
// classroom sees the change and who made it; the calendar feed downloads and parses back with
// initials only. The real CLI serves the built web app (build it first:
// `pnpm --filter @carryover/web build`) from a fresh SQLite file.

// A school Wednesday morning in the district (9 am in the demo's US time zone), so "today" has
// planned sessions: a fixed day, since the demo's school calendar closes whole weeks (the
// Thanksgiving days, winter and spring breaks, summer) and the test must not depend on when it
// runs.
const clock = fakedClock('2026-11-18T15:00:00.000Z');

type SqliteFile = {
  prepare(sql: string): {
    all(...params: unknown[]): unknown[];
    run(...params: unknown[]): unknown;
  };
  close(): void;
};
const Database = createRequire(import.meta.url)('better-sqlite3') as new (
  path: string,
  options: { readonly?: boolean; fileMustExist: boolean },
) => SqliteFile;

const SLP = 'slp@demo.test';

/** How many planned sessions the device's kept copy of `schedule.today` holds. */
const keptTodayCount = (page: Page) =>
  page.evaluate(
    () =>
      new Promise<number>((resolve) => {
        const g = globalThis as unknown as PageGlobals;
        const open = g.indexedDB.open('carryover-offline');
        open.onerror = () => resolve(0);
        open.onsuccess = () => {
          const get = open.result
            .transaction('query-cache')
            .objectStore('query-cache')
            .get('cache');
          get.onsuccess = () => {
            const client = get.result as {
              clientState: {
                queries: { queryKey: [string[]]; state: { data?: { occurrences?: unknown[] } } }[];
              };
            } | null;
            open.result.close();
            const today = client?.clientState.queries.find(
              (q) => q.queryKey[0].join('.') === 'schedule.today',
            );
            resolve(today?.state.data?.occurrences?.length ?? 0);
          };
        };
      }),
  );

describe.skipIf(!haveChromium)('browser: the Schedule page', () => {
  let app: RunningCarryover;
  let browser: Browser;

  beforeAll(async () => {
    app = await startCarryover({}, { clock });
    browser = await launchChromium();
  }, 200_000);

  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  const query = <T>(sql: string, ...params: unknown[]): T[] => {
    const db = new Database(app.dbPath, { readonly: true, fileMustExist: true });
    try {
      return db.prepare(sql).all(...params) as T[];
    } finally {
      db.close();
    }
  };

  const overflow = (page: Page) =>
    page.evaluate('document.documentElement.scrollWidth - window.innerWidth') as Promise<number>;

  async function openSchedule(page: Page, phone: boolean) {
    if (phone) await page.getByRole('button', { name: 'Menu' }).click();
    await page.getByRole('link', { name: 'Schedule', exact: true }).click();
    await page.getByRole('heading', { name: 'Schedule', level: 1 }).waitFor();
  }

  async function autoScheduleAndAccept(page: Page) {
    await page.getByRole('button', { name: 'Auto-schedule' }).click();
    await page.getByRole('button', { name: 'Propose a week' }).click();
    // The solver runs on the server: the page says so while it does.
    await page.getByRole('heading', { name: 'Proposed week' }).waitFor({ timeout: 120_000 });
    const proposed = page.getByRole('list', { name: 'Proposed sessions' }).getByRole('listitem');
    expect(await proposed.count()).toBeGreaterThan(0);
    // Every push-in placement says which goal links it to its routine.
    await expect
      .poll(() => page.getByText(/is linked to/).count(), { timeout: 10_000 })
      .toBeGreaterThan(0);
    await page.getByRole('button', { name: 'Accept all' }).click();
    await page.getByText(/Proposal accepted: \d+ session/).waitFor({ timeout: 60_000 });
  }

  /** The reason field's error and the stored override, for a move saved over a conflict. */
  async function saveOverConflict(page: Page, reason: string) {
    const conflicts = page.locator('.conflict-list');
    await conflicts.waitFor({ timeout: 30_000 });
    expect(await conflicts.textContent()).toMatch(/double-booked|two sessions at once/i);
    // Saving anyway without a reason is refused, at the reason field.
    await page.getByRole('button', { name: 'Save anyway' }).click();
    await page.getByText(/needs a reason/).waitFor();
    const before = query<{ n: number }>('select count(*) as n from schedule_override')[0]?.n ?? 0;
    await page.getByLabel('Reason to save anyway').fill(reason);
    await page.getByRole('button', { name: 'Save anyway' }).click();
    await page.getByText(/Saved with its conflicts/).waitFor({ timeout: 30_000 });
    const kept = query<{ reason: string }>(
      'select reason from schedule_override order by decided_at desc limit 1',
    );
    expect(query<{ n: number }>('select count(*) as n from schedule_override')[0]?.n).toBe(
      before + 1,
    );
    expect(kept[0]?.reason).toBe(reason);
  }

  /** Drags a grid session by its middle to the middle of another one. */
  async function dragOnto(page: Page, from: Locator, to: Locator) {
    const a = await from.boundingBox();
    const b = await to.boundingBox();
    if (!a || !b) throw new Error('session not on screen');
    await page.mouse.move(a.x + a.width / 2, a.y + a.height / 3);
    await page.mouse.down();
    await page.mouse.move(a.x + a.width / 2 + 5, a.y + a.height / 3 + 5, { steps: 3 });
    await page.mouse.move(b.x + b.width / 2, b.y + b.height / 3, { steps: 12 });
    await page.mouse.up();
  }

  for (const viewport of VIEWPORTS) {
    const phone = viewport.name === 'phone';
    it(`at ${viewport.name} width the SLP plans the week, meets a conflict, and the teacher sees it`, async () => {
      const context = await newContext(browser, { viewport }, clock);
      const page = await context.newPage();
      await signIn(page, app.baseUrl, SLP);
      await openSchedule(page, phone);
      await autoScheduleAndAccept(page);

      const slp = query<{ id: string; name: string }>(
        'select id, name from staff_user where email = ?',
        SLP,
      )[0];
      expect(slp).toBeTruthy();
      const reason = `Only time the speech room is free (${viewport.name})`;

      if (phone) {
        // The phone's week is a day list: pick a day with two sessions and move the second
        // onto the first with the edit form (the keyboard's way, too).
        const days = query<{ weekday: number; n: number }>(
          `select weekday, count(*) as n from schedule_session where provider_id = ? and valid_to is null
           group by weekday having n >= 2 order by weekday`,
          slp!.id,
        );
        expect(days.length).toBeGreaterThan(0);
        const dayName = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri'][(days[0]?.weekday ?? 1) - 1] as string;
        await page.getByRole('radio', { name: dayName, exact: true }).check();
        const cards = page.locator('.planned-card');
        await expect.poll(() => cards.count(), { timeout: 10_000 }).toBeGreaterThan(1);
        const firstTime = (await cards.first().locator('h3').textContent())?.match(/(\d+):(\d\d)/);
        expect(firstTime).toBeTruthy();
        await page.screenshot({ path: join(shotsDir, 'schedule-phone.png'), fullPage: true });
        expect(await overflow(page)).toBeLessThanOrEqual(0);
        await cards.nth(1).getByRole('button', { name: /^Edit/ }).click();
        await page.getByLabel('Starts').fill(`${firstTime![1]!.padStart(2, '0')}:${firstTime![2]}`);
        await page.getByRole('button', { name: 'Save', exact: true }).click();
        await page.locator('.conflict-list').waitFor({ timeout: 30_000 });
        await page.screenshot({
          path: join(shotsDir, 'schedule-conflict-phone.png'),
          fullPage: true,
        });
        await saveOverConflict(page, reason);
        expect(await overflow(page)).toBeLessThanOrEqual(0);
      } else {
        // Two sessions of one day: drag the later onto the earlier.
        const items = page.locator('.week-grid__item:not(.week-grid__item--cancelled)');
        await expect.poll(() => items.count(), { timeout: 10_000 }).toBeGreaterThan(1);
        await page.screenshot({ path: join(shotsDir, 'schedule-desktop.png'), fullPage: true });
        const boxes = await items.evaluateAll((els) =>
          els.map((el) => {
            const r = el.getBoundingClientRect();
            return {
              id: el.getAttribute('data-session-id'),
              x: r.x,
              y: r.y,
              pushIn: el.classList.contains('week-grid__item--push-in'),
            };
          }),
        );
        // A push-in session is moved when one can be, so its teacher sees the change.
        const pairs = boxes
          .flatMap((a) => boxes.map((b) => [a, b] as const))
          .filter(([a, b]) => a.id !== b.id && Math.abs(a.x - b.x) < 2 && b.y > a.y + 40);
        const pair = pairs.find(([, b]) => b.pushIn) ?? pairs[0];
        expect(pair).toBeTruthy();
        const [target, moved] = pair!;
        // The keyboard's way in: Enter on a session opens its edit form.
        await page.locator(`[data-session-id="${target.id}"]`).focus();
        await page.keyboard.press('Enter');
        await page.getByLabel('Starts').waitFor();
        await page.getByRole('button', { name: 'Close' }).first().click();
        await dragOnto(
          page,
          page.locator(`[data-session-id="${moved.id}"]`),
          page.locator(`[data-session-id="${target.id}"]`),
        );
        await page.getByText(/Moving to/).waitFor();
        await page.screenshot({ path: join(shotsDir, 'schedule-conflict-desktop.png') });
        await saveOverConflict(page, reason);
        await page.screenshot({
          path: join(shotsDir, 'schedule-saved-desktop.png'),
          fullPage: true,
        });

        // Resize: the lower edge of another session dragged 10 minutes down.
        const other = page
          .locator(
            `.week-grid__item:not(.week-grid__item--cancelled):not([data-session-id="${moved.id}"]):not([data-session-id="${target.id}"])`,
          )
          .first();
        // The grid names a session by its title (its words); the label regex reads "Mon 8:20–8:45".
        const label = (await other.getAttribute('title')) ?? '';
        const [, h1, m1, h2, m2] = label.match(/^\w+ (\d+):(\d\d)–(\d+):(\d\d)/) ?? [];
        const edge = await other.locator('.week-grid__resize').boundingBox();
        expect(edge).toBeTruthy();
        const x = edge!.x + edge!.width / 2;
        await page.mouse.move(x, edge!.y + edge!.height / 2);
        await page.mouse.down();
        await page.mouse.move(x, edge!.y + 8, { steps: 2 });
        await page.mouse.move(x, edge!.y + edge!.height / 2 + 22, { steps: 6 });
        await page.mouse.up();
        const end = Number(h2) * 60 + Number(m2) + 10;
        const newEnd = `${Math.floor(end / 60)}:${String(end % 60).padStart(2, '0')}`;
        await page.getByText(`${h1}:${m1}–${newEnd}`).first().waitFor();
        // Saved at once when nothing conflicts; otherwise the conflict waits beside it.
        await page
          .getByText('Saved. No conflicts.')
          .or(page.locator('.conflict-list[role="alert"]'))
          .first()
          .waitFor({ timeout: 30_000 });
      }

      // The calendar feed: made once, downloaded, parsed back; initials only.
      await page.getByRole('button', { name: /Create a feed link|Make a new link/ }).click();
      const link = await page.getByLabel('Calendar feed link').inputValue();
      expect(link).toMatch(/\/calendar\/.+\.ics$/);
      const feed = await fetch(link);
      expect(feed.status).toBe(200);
      expect(feed.headers.get('content-type')).toMatch(/text\/calendar/);
      const calendar = new ICAL.Component(ICAL.parse(await feed.text()));
      const events = calendar.getAllSubcomponents('vevent').map((e) => new ICAL.Event(e));
      expect(events.length).toBeGreaterThan(0);
      const studentNames = query<{ first_name: string; last_name: string }>(
        `select distinct st.first_name, st.last_name from schedule_session_student ss
         join student st on st.id = ss.student_id
         join schedule_session s on s.id = ss.session_id where s.provider_id = ?`,
        slp!.id,
      );
      expect(studentNames.length).toBeGreaterThan(0);
      const text = events.map((e) => `${e.summary} ${e.description ?? ''} ${e.location ?? ''}`);
      for (const s of studentNames) {
        for (const t of text) {
          expect(t).not.toContain(`${s.first_name} ${s.last_name}`);
          expect(t).not.toMatch(new RegExp(`\\b${s.first_name}\\b`));
        }
      }
      expect(text.some((t) => /\b[A-Z]\.[A-Z]\./.test(t))).toBe(true);
      // Revoked, the same link answers nothing.
      await page.getByRole('button', { name: 'Revoke the link' }).click();
      await page.getByText('No feed link yet.').waitFor();
      expect((await fetch(link)).status).toBe(404);

      // Home: today's planned sessions, each opening Log session filled in.
      if (phone) await page.getByRole('button', { name: 'Menu' }).click();
      await page.getByRole('link', { name: 'Home', exact: true }).click();
      await page.getByRole('heading', { name: 'Planned today' }).waitFor();
      const log = page.getByRole('link', { name: /^Log the / }).first();
      await log.waitFor({ timeout: 45_000 });
      await page.screenshot({
        path: join(shotsDir, `home-therapist-${viewport.name}.png`),
        fullPage: true,
      });
      expect(await overflow(page)).toBeLessThanOrEqual(0);
      if (phone) {
        // Without signal, as in a classroom: Home's planned sessions and Log session come from
        // what the device kept.
        await page.evaluate(async () => {
          await (globalThis as unknown as PageGlobals).navigator.serviceWorker.ready;
        });
        await expect
          .poll(
            async () => {
              const kept = await keptPaths(page).catch(() => [] as string[]);
              return ['schedule.today', 'sessions.context', 'home.get'].every((p) =>
                kept.includes(p),
              );
            },
            { timeout: 20_000 },
          )
          .toBe(true);
        // The copy kept since sign-in was made before the week was planned: wait for today's.
        await expect
          .poll(() => keptTodayCount(page).catch(() => 0), { timeout: 20_000 })
          .toBeGreaterThan(0);
        await context.setOffline(true);
        await page.goto(`${app.baseUrl}/home`);
        await log.waitFor({ timeout: 45_000 });
      }
      const logLabel = (await log.getAttribute('aria-label')) ?? '';
      const startsAt = logLabel.match(/Log the (\d+):(\d\d)/);
      await log.click();
      await page.getByRole('heading', { name: 'Log session', level: 1 }).waitFor();
      expect(await page.getByLabel('Begin').inputValue()).toBe(
        `${startsAt![1]!.padStart(2, '0')}:${startsAt![2]}`,
      );
      // The planned students are chosen already.
      await expect
        .poll(() => page.getByRole('checkbox', { checked: true }).count(), { timeout: 10_000 })
        .toBeGreaterThan(0);
      await context.setOffline(false);
      await context.close();

      // The teacher of a classroom the SLP pushes into sees the week's sessions there, and
      // who changed them.
      const teacher = query<{ email: string; updated_at: string | null }>(
        `select t.email, s.updated_at from schedule_session s
         join classroom c on c.id = s.classroom_id and c.district_id = s.district_id
         join staff_user t on t.id = c.teacher_id
         where s.provider_id = ? and s.model = 'push_in' and s.valid_to is null
         order by s.updated_at is null, s.updated_at desc limit 1`,
        slp!.id,
      )[0];
      expect(teacher).toBeTruthy();
      const teacherContext = await newContext(browser, { viewport }, clock);
      const tpage = await teacherContext.newPage();
      await signIn(tpage, app.baseUrl, teacher!.email);
      await tpage.getByRole('heading', { name: 'Push-in this week' }).waitFor();
      await expect
        .poll(() => tpage.getByText(/with .*/).count(), { timeout: 15_000 })
        .toBeGreaterThan(0);
      await tpage.getByText(slp!.name).first().waitFor();
      if (teacher!.updated_at) await tpage.getByText(`Changed by ${slp!.name}`).first().waitFor();
      await tpage.screenshot({
        path: join(shotsDir, `home-teacher-${viewport.name}.png`),
        fullPage: true,
      });
      expect(await overflow(tpage)).toBeLessThanOrEqual(0);
      await teacherContext.close();

      // A coordinator chooses whose week to see.
      const coordinatorContext = await newContext(browser, { viewport }, clock);
      const cpage = await coordinatorContext.newPage();
      await signIn(cpage, app.baseUrl, 'coordinator@demo.test');
      await openSchedule(cpage, phone);
      await cpage.getByLabel('Therapist').selectOption(slp!.id);
      await cpage
        .getByText(`${slp!.name}’s week`)
        .or(cpage.getByRole('radio', { name: 'Mon' }))
        .first()
        .waitFor();
      let shown = 0;
      for (const day of phone ? ['Mon', 'Tue', 'Wed', 'Thu', 'Fri'] : ['']) {
        if (day) await cpage.getByRole('radio', { name: day, exact: true }).check();
        shown = await cpage.locator(phone ? '.planned-card' : '.week-grid__item').count();
        if (shown > 0) break;
      }
      expect(shown).toBeGreaterThan(0);
      expect(await overflow(cpage)).toBeLessThanOrEqual(0);
      await coordinatorContext.close();
    }, 300_000);
  }
});
