import { join } from 'node:path';
import { openDatabase } from '@carryover/db';
import { describe, expect, it } from 'vitest';
import { carryoverInChromium, haveChromium, newContext, shotsDir, signIn } from './support/e2e';

// Optimistic concurrency end to end (issue 12): the SLP and the coordinator open the same goal
// in two browsers. The SLP raises the target and saves; the coordinator, still on the old
// version, rewrites the goal text and saves: the page shows who changed what and when, with
// the newer target, and "Reapply my changes" saves the text on top of it. Both intents hold.
// The routines and Team pages (an action item) are checked the same way.

describe.skipIf(!haveChromium)('browser: two people edit the same record', () => {
  const running = carryoverInChromium();

  it('the second editor sees the conflict banner, reapplies, and the goal keeps both changes', async () => {
    const { app, browser } = running;
    const conn = openDatabase(app.dbPath);
    const goal = await conn.db
      .selectFrom('goal')
      .innerJoin('service', 'service.id', 'goal.service_id')
      .innerJoin('staff_user as provider', 'provider.id', 'service.provider_id')
      .select([
        'goal.id',
        'goal.student_id',
        'goal.target',
        'goal.text',
        'goal.version',
        'provider.name as slp_name',
      ])
      .where('provider.email', '=', 'slp@demo.test')
      .where('goal.measurement_type', '=', 'percent')
      .whereRef('goal.baseline', '<', 'goal.target')
      .where('goal.target', '<=', 95)
      .orderBy('goal.id')
      .executeTakeFirstOrThrow();
    await conn.close();
    const editUrl = `${app.baseUrl}/students/${encodeURIComponent(goal.student_id)}/goals/${encodeURIComponent(goal.id)}/edit`;
    const newTarget = String(Math.round(goal.target) + 5);
    const newText = `${goal.text} Checked with the class teacher each term.`;

    const slpContext = await newContext(browser);
    const coordinatorContext = await newContext(browser);
    try {
      const slp = await slpContext.newPage();
      const coordinator = await coordinatorContext.newPage();
      await signIn(slp, app.baseUrl, 'slp@demo.test');
      await signIn(coordinator, app.baseUrl, 'coordinator@demo.test');
      // Both load the same version.
      for (const page of [slp, coordinator]) {
        await page.goto(editUrl);
        await page.getByLabel('Goal text').waitFor();
      }

      await slp.getByLabel('Target (criterion)').fill(newTarget);
      await slp.getByRole('button', { name: 'Save goal' }).click();
      await slp.waitForURL((url) => !url.pathname.endsWith('/edit'));

      await coordinator.getByLabel('Goal text').fill(newText);
      await coordinator.getByRole('button', { name: 'Save goal' }).click();
      const banner = coordinator.getByRole('alert', { name: 'Changed by someone else' });
      await banner.waitFor();
      expect(await banner.textContent()).toMatch(
        new RegExp(`Changed by ${goal.slp_name} at \\d\\d:\\d\\d: target\\.`),
      );
      // The newer target is shown beside the banner once it has loaded.
      await banner.getByText(`Target (criterion) now`).waitFor();
      expect(await banner.locator('dd').first().textContent()).toBe(newTarget);
      await coordinator.screenshot({
        path: join(shotsDir, 'goal-edit-conflict.png'),
        fullPage: true,
      });

      await banner.getByRole('button', { name: 'Reapply my changes' }).click();
      await coordinator.waitForURL((url) => !url.pathname.endsWith('/edit'));

      const after = openDatabase(app.dbPath);
      const saved = await after.db
        .selectFrom('goal')
        .select(['target', 'text', 'version', 'updated_fields'])
        .where('id', '=', goal.id)
        .executeTakeFirstOrThrow();
      await after.close();
      expect(saved).toEqual({
        target: Number(newTarget),
        text: newText,
        version: goal.version + 2,
        updated_fields: 'text',
      });
    } finally {
      await slpContext.close();
      await coordinatorContext.close();
    }
  }, 120_000);

  it('the same on the routines page: the teacher moves the start, the admin reapplies a new end', async () => {
    const { app, browser } = running;
    const conn = openDatabase(app.dbPath);
    const routine = await conn.db
      .selectFrom('routine')
      .innerJoin('classroom', 'classroom.id', 'routine.classroom_id')
      .innerJoin('staff_user as teacher', 'teacher.id', 'classroom.teacher_id')
      .select([
        'routine.id',
        'routine.name',
        'routine.classroom_id',
        'routine.start_time',
        'routine.end_time',
        'routine.version',
        'teacher.name as teacher_name',
      ])
      .where('teacher.email', '=', 'teacher@demo.test')
      .where('routine.start_time', '>=', '09:00')
      .orderBy('routine.start_time')
      .executeTakeFirstOrThrow();
    await conn.close();
    // Five minutes earlier and later: both still valid whatever the other changed.
    const shift = (time: string, minutes: number) => {
      const [h, m] = time.split(':').map(Number);
      const total = h! * 60 + m! + minutes;
      return `${String(Math.floor(total / 60)).padStart(2, '0')}:${String(total % 60).padStart(2, '0')}`;
    };
    const newStart = shift(routine.start_time, -5);
    const newEnd = shift(routine.end_time, 5);

    const teacherContext = await newContext(browser);
    const adminContext = await newContext(browser);
    try {
      const teacher = await teacherContext.newPage();
      const admin = await adminContext.newPage();
      await signIn(teacher, app.baseUrl, 'teacher@demo.test');
      await signIn(admin, app.baseUrl, 'admin@demo.test');
      const section = (page: typeof admin) =>
        page.locator(`section[aria-labelledby="cls-${routine.classroom_id}"]`);
      const startsAt = (page: typeof admin) =>
        section(page).locator('li', { hasText: `${routine.start_time}–${routine.end_time}` });
      // Both open the routine's form on the same version.
      for (const page of [teacher, admin]) {
        await page.goto(`${app.baseUrl}/routines`);
        await startsAt(page)
          .getByRole('button', { name: /^Edit / })
          .click();
        await section(page).getByLabel('Starts').waitFor();
      }

      await section(teacher).getByLabel('Starts').fill(newStart);
      await section(teacher).getByRole('button', { name: 'Save routine' }).click();
      await section(teacher).getByLabel('Starts').waitFor({ state: 'detached' });

      await section(admin).getByLabel('Ends').fill(newEnd);
      await section(admin).getByRole('button', { name: 'Save routine' }).click();
      const banner = admin.getByRole('alert', { name: 'Changed by someone else' });
      await banner.waitFor();
      expect(await banner.textContent()).toMatch(
        new RegExp(`Changed by ${routine.teacher_name} at \\d\\d:\\d\\d: start time\\.`),
      );
      await banner.getByText('Starts now').waitFor();
      await banner.getByRole('button', { name: 'Reapply my changes' }).click();
      await section(admin).getByLabel('Ends').waitFor({ state: 'detached' });

      const after = openDatabase(app.dbPath);
      const saved = await after.db
        .selectFrom('routine')
        .select(['start_time', 'end_time', 'version'])
        .where('id', '=', routine.id)
        .executeTakeFirstOrThrow();
      await after.close();
      expect(saved).toEqual({
        start_time: newStart,
        end_time: newEnd,
        version: routine.version + 2,
      });
    } finally {
      await teacherContext.close();
      await adminContext.close();
    }
  }, 120_000);

  it('the same for an action item on the Team page: one edits the wording, the other reapplies a new due date', async () => {
    const { app, browser } = running;
    const conn = openDatabase(app.dbPath);
    // An open item and two people at its meeting: its owner and another participant.
    const item = await conn.db
      .selectFrom('action_item as ai')
      .innerJoin('staff_user as owner', 'owner.id', 'ai.owner_id')
      .innerJoin('touch_base_participant as tp', 'tp.touch_base_id', 'ai.touch_base_id')
      .innerJoin('staff_user as other', 'other.id', 'tp.staff_id')
      .select([
        'ai.id',
        'ai.text',
        'ai.due_on',
        'ai.version',
        'owner.email as owner_email',
        'owner.name as owner_name',
        'other.email as other_email',
      ])
      .whereRef('other.id', '<>', 'owner.id')
      .where('ai.done_on', 'is', null)
      .orderBy('ai.id')
      .executeTakeFirstOrThrow();
    await conn.close();
    const newText = `${item.text} (with photos)`;
    const [y, m, d] = item.due_on.split('-').map(Number);
    const newDue = new Date(Date.UTC(y!, m! - 1, d! + 7)).toISOString().slice(0, 10);

    const ownerContext = await newContext(browser);
    const otherContext = await newContext(browser);
    try {
      const owner = await ownerContext.newPage();
      const other = await otherContext.newPage();
      await signIn(owner, app.baseUrl, item.owner_email);
      await signIn(other, app.baseUrl, item.other_email);
      const row = (page: typeof owner) => page.locator('li.action-item', { hasText: item.text });
      // The open item's form (its wording moves into an input, so find it by its form).
      const form = (page: typeof owner) => page.locator('li.action-item form');
      for (const page of [owner, other]) {
        await page.goto(`${app.baseUrl}/team`);
        await row(page)
          .getByRole('button', { name: `Edit the action item ${item.text}` })
          .click();
        await form(page).getByLabel('To do').waitFor();
      }

      await form(owner).getByLabel('To do').fill(newText);
      await form(owner).getByRole('button', { name: 'Save item' }).click();
      await owner.getByRole('button', { name: 'Save item' }).waitFor({ state: 'detached' });

      await form(other).getByLabel('Due').fill(newDue);
      await form(other).getByRole('button', { name: 'Save item' }).click();
      const banner = other.getByRole('alert', { name: 'Changed by someone else' });
      await banner.waitFor();
      expect(await banner.textContent()).toMatch(
        new RegExp(`Changed by ${item.owner_name} at \\d\\d:\\d\\d: text\\.`),
      );
      await banner.getByText('To do now').waitFor();
      await banner.getByRole('button', { name: 'Reapply my changes' }).click();
      await other.getByRole('button', { name: 'Save item' }).waitFor({ state: 'detached' });

      const after = openDatabase(app.dbPath);
      const saved = await after.db
        .selectFrom('action_item')
        .select(['text', 'due_on', 'version'])
        .where('id', '=', item.id)
        .executeTakeFirstOrThrow();
      await after.close();
      expect(saved).toEqual({ text: newText, due_on: newDue, version: item.version + 2 });
    } finally {
      await ownerContext.close();
      await otherContext.close();
    }
  }, 120_000);
});
