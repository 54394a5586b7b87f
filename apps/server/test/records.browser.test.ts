import { readFileSync } from 'node:fs';
import { openDatabase, verifyAuditChain } from '@carryover/db';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  haveChromium,
  launchChromium,
  newContext,
  type RunningCarryover,
  signIn,
  startCarryover,
} from './support/e2e';

// Points 7 and 13 through the web app: the admin picks a student on Records, downloads the
// record of access (CSV) and the whole record (JSON), and deletes the record after typing
// the student's name; a therapist has no Records page.

const shots = process.env.SHOTS_DIR ?? '/tmp/shots-security';

describe.skipIf(!haveChromium)('browser: admin records', () => {
  let app: RunningCarryover;
  let browser: Browser;

  beforeAll(async () => {
    app = await startCarryover();
    browser = await launchChromium();
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  it('downloads both files and deletes a record, audited, chain intact', async () => {
    const context = await newContext(browser, {
      viewport: { width: 1280, height: 800 },
      acceptDownloads: true,
    });
    const page = await context.newPage();
    await signIn(page, app.baseUrl, 'admin@demo.test');
    await page.getByRole('link', { name: 'Records' }).click();
    await page.getByRole('heading', { name: 'Records', level: 1 }).waitFor();
    const select = page.getByLabel('Student', { exact: true });
    await select.locator('option').nth(1).waitFor({ state: 'attached' });
    const studentId = (await select.locator('option').nth(1).getAttribute('value'))!;
    const label = (await select.locator('option').nth(1).textContent())!;
    const name = label.split(' · ')[0]!;
    await select.selectOption(studentId);
    expect(page.url()).not.toContain(encodeURIComponent(name.split(' ')[0]!));

    const [access] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download record of access' }).click(),
    ]);
    expect(access.suggestedFilename()).toMatch(new RegExp(`^access-record-${studentId}-.*\\.csv$`));
    const csv = readFileSync((await access.path())!, 'utf8');
    expect(csv.split('\r\n')[0]).toBe('"when (UTC)","who","role","what","outcome"');
    expect(csv).toContain('"caseload list"');
    expect(csv).not.toContain('caseload.list');

    const [whole] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download whole record' }).click(),
    ]);
    const record = JSON.parse(readFileSync((await whole.path())!, 'utf8'));
    expect(`${record.student.first_name} ${record.student.last_name}`).toBe(name);
    expect(record.tables.goal.length).toBeGreaterThan(0);

    await page.getByLabel("Type the student's full name to confirm").fill(name.toUpperCase());
    await page.getByRole('button', { name: `Delete ${name}'s record` }).click();
    await page.getByText(`${name}'s record was deleted.`).waitFor();
    // Where other students' notes still name the student, listed for review (or none).
    await page
      .getByRole('heading', {
        name: new RegExp(`(No other record names|in other records name) ${name}$`),
      })
      .waitFor();
    await page.screenshot({ path: `${shots}/records-deleted-desktop.png`, fullPage: false });
    await context.close();

    const conn = openDatabase(app.dbPath);
    try {
      const left = await conn.db
        .selectFrom('student')
        .select('id')
        .where('id', '=', studentId)
        .execute();
      expect(left).toEqual([]);
      const trail = await conn.db
        .selectFrom('audit_event')
        .select(['action', 'entity', 'student_id', 'entity_id', 'district_id'])
        .where((eb) => eb.or([eb('student_id', '=', studentId), eb('entity_id', '=', studentId)]))
        .execute();
      expect(trail.map((e) => [e.action, e.entity])).toEqual([
        ['admin.deleteStudent', 'student_deletion'],
      ]);
      expect(await verifyAuditChain(conn.db, trail[0]!.district_id)).toMatchObject({ ok: true });
    } finally {
      await conn.close();
    }
  }, 120_000);

  it('has no Records page for a therapist', async () => {
    const context = await newContext(browser, { viewport: { width: 390, height: 844 } });
    const page = await context.newPage();
    await signIn(page, app.baseUrl, 'slp@demo.test');
    // On a phone the links are behind the Menu button: open it, then look.
    await page.getByRole('button', { name: 'Menu' }).click();
    await page.getByRole('link', { name: 'Account' }).waitFor();
    expect(await page.getByRole('link', { name: 'Records' }).count()).toBe(0);
    await page.goto(`${app.baseUrl}/admin/records`);
    await page.getByText('Only district administrators keep records').waitFor();
    await context.close();
  }, 60_000);
});
