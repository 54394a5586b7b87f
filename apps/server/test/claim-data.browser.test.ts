import { join } from 'node:path';
import { openDatabase, systemClock } from '@carryover/db';
import { addDays, BILLING_CSV_HEADER, dateIn, wallTimeIn } from '@carryover/domain';
import { describe, expect, it } from 'vitest';
import {
  carryoverInChromium,
  haveChromium,
  newContext,
  shotsDir,
  signIn,
  VIEWPORTS,
} from './support/e2e';

// The claim data and code mapping forms, end to end on the demo district at phone and laptop
// width: an admin gives a therapist an NPI (a wrong check digit is named on the field, the fixed
// one is stored), a student a Medicaid ID and ICD-10 diagnosis, and changes the code of a
// mapping row — and the billing export then bills under the new code.

type Page = import('playwright-core').Page;

const overflow = (page: Page) =>
  page.evaluate('document.documentElement.scrollWidth - window.innerWidth');

/** The billing CSV's rows as objects (every field is quoted; none of these holds a quote). */
function rowsOf(csv: string): Record<string, string>[] {
  const [head, ...lines] = csv.trim().split('\r\n');
  const cells = (line: string) => line.slice(1, -1).split('","');
  expect(cells(head!)).toEqual([...BILLING_CSV_HEADER]);
  return lines.map((line) =>
    Object.fromEntries(cells(line).map((c, i) => [BILLING_CSV_HEADER[i], c])),
  );
}

describe.skipIf(!haveChromium)('browser: claim data and billing codes', () => {
  const run = carryoverInChromium();

  for (const viewport of VIEWPORTS) {
    it(`at ${viewport.name} width an admin fixes an NPI, fills a student's claim data and remaps a code the export uses`, async () => {
      // The device is in Honolulu, the district in Chicago: times shown are the district's.
      const context = await newContext(run.browser, {
        viewport: { width: viewport.width, height: viewport.height },
        timezoneId: 'Pacific/Honolulu',
      });
      const page = await context.newPage();
      page.setDefaultTimeout(30_000);
      await signIn(page, run.app.baseUrl, 'admin@demo.test');

      // People: a therapist's NPI. A wrong check digit is named on the field; nothing is stored.
      await page.goto(`${run.app.baseUrl}/admin/people`);
      const therapistRow = page
        .locator('tbody tr')
        .filter({ hasText: /Therapist · / })
        .nth(viewport.name === 'phone' ? 0 : 1);
      await therapistRow.waitFor();
      const therapist = (await therapistRow.locator('td').first().innerText())
        .split('\n')[0]!
        .trim();
      await therapistRow.getByRole('button', { name: `Edit ${therapist}` }).click();
      const billing = page.locator('form.provider-billing');
      await billing.waitFor();
      await billing.getByLabel('NPI').fill('1234567890');
      await billing.getByLabel('Credential').fill('CCC-SLP');
      await billing.getByRole('button', { name: 'Save NPI and credential' }).click();
      await billing.getByText('This NPI’s check digit is wrong: check the number').waitFor();
      expect(await billing.getByLabel('NPI').getAttribute('aria-invalid')).toBe('true');
      await billing.scrollIntoViewIfNeeded();
      expect(await overflow(page)).toBeLessThanOrEqual(0);
      await page.screenshot({ path: join(shotsDir, `people-npi-error-${viewport.name}.png`) });
      await billing.getByLabel('NPI').fill('1234567893');
      await billing.getByRole('button', { name: 'Save NPI and credential' }).click();
      await billing.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
      expect(await billing.getByText(/check digit is wrong/).count()).toBe(0);
      const conn = openDatabase(run.app.dbPath);
      try {
        const stored = await conn.db
          .selectFrom('staff_user')
          .select(['npi', 'credential'])
          .where('name', '=', therapist)
          .executeTakeFirstOrThrow();
        expect(stored).toEqual({ npi: '1234567893', credential: 'CCC-SLP' });
      } finally {
        await conn.close();
      }

      // Students: a student's Medicaid ID and ICD-10 diagnosis, each error on its field.
      await page.goto(`${run.app.baseUrl}/students`);
      const studentLinks = page.locator('a[href$="/manage"]');
      await studentLinks.first().waitFor();
      await studentLinks.nth(viewport.name === 'phone' ? 0 : 1).click();
      await page.getByRole('heading', { name: 'Medicaid claim data' }).waitFor();
      await page.getByRole('button', { name: 'Edit claim data' }).click();
      await page.getByLabel('Medicaid ID').fill('12');
      await page.getByLabel('Diagnosis (ICD-10)').fill('speech');
      await page.getByRole('button', { name: 'Save claim data' }).click();
      await page.getByText('A Medicaid ID is 6 to 20 letters or digits').waitFor();
      await page.getByText('Use an ICD-10 code such as F80.0').waitFor();
      expect(await overflow(page)).toBeLessThanOrEqual(0);
      await page.getByRole('heading', { name: 'Medicaid claim data' }).scrollIntoViewIfNeeded();
      await page.screenshot({ path: join(shotsDir, `student-claim-error-${viewport.name}.png`) });
      await page.getByLabel('Medicaid ID').fill('MA0390128');
      await page.getByLabel('Diagnosis (ICD-10)').fill('f80.0');
      await page.getByRole('button', { name: 'Save claim data' }).click();
      await page.getByRole('status').filter({ hasText: 'Claim data saved.' }).waitFor();
      await page.getByText('MA0390128').waitFor();
      await page.getByText('F80.0', { exact: true }).waitFor();

      // Billing codes: row 1 (SLP, individual, pull-out) gets a new code; a bad one is named.
      const today = dateIn(systemClock(), 'America/Chicago');
      const period = { from: addDays(today, -45), to: today };
      const exportRows = async () => {
        const res = await context.request.get(
          `${run.app.baseUrl}/export/billing.csv?${new URLSearchParams(period)}`,
        );
        expect(res.status()).toBe(200);
        return rowsOf(await res.text()).filter(
          (r) =>
            r.service === 'SLP' &&
            r.individual_or_group === 'individual' &&
            r.model === 'pull_out' &&
            r.code !== '',
        );
      };
      const before = await exportRows();
      expect(before.length).toBeGreaterThan(0);
      const newCode = viewport.name === 'phone' ? 'X0390' : 'X1280';
      expect(before.map((r) => r.code)).not.toContain(newCode);

      await page.goto(`${run.app.baseUrl}/fidelity`);
      await page.getByRole('heading', { name: 'Medicaid billing' }).click();
      await page.getByRole('link', { name: 'Billing codes and units rule' }).click();
      await page.getByRole('heading', { name: 'Billing codes', level: 1 }).waitFor();
      const first = page.locator('li.billing-code').first();
      await first.getByText(/^Row 1: SLP · individual · Pull-out$/).waitFor();
      await first.getByLabel('Code').fill('92-07');
      await page.getByRole('button', { name: 'Save billing codes' }).click();
      await first.getByText('A CPT/HCPCS code is five letters or digits').waitFor();
      expect(await first.getByLabel('Code').getAttribute('aria-invalid')).toBe('true');
      expect(await overflow(page)).toBeLessThanOrEqual(0);
      await first.scrollIntoViewIfNeeded();
      await page.screenshot({ path: join(shotsDir, `billing-codes-error-${viewport.name}.png`) });
      await first.getByLabel('Code').fill(newCode.toLowerCase());
      await page.getByRole('button', { name: 'Save billing codes' }).click();
      await page
        .getByRole('status')
        .filter({ hasText: /^Saved as version \d+\.$/ })
        .waitFor();
      expect(await page.locator('li.billing-code').first().getByLabel('Code').inputValue()).toBe(
        newCode,
      );
      // "Version N, saved by … on Nov 30, 2026, 6:18 AM.": Chicago's clock, not the device's.
      const saved = await (async () => {
        const c = openDatabase(run.app.dbPath);
        try {
          const row = await c.db
            .selectFrom('district')
            .select('settings')
            .executeTakeFirstOrThrow();
          return (JSON.parse(row.settings) as { billing: { updatedAt: string } }).billing.updatedAt;
        } finally {
          await c.close();
        }
      })();
      const clockText = (zone: string) => {
        const { minutes } = wallTimeIn(new Date(saved), zone);
        const h = Math.floor(minutes / 60);
        return `${h % 12 || 12}:${String(minutes % 60).padStart(2, '0')} ${h < 12 ? 'AM' : 'PM'}`;
      };
      const stamp = await page.getByText(/^Version \d+, saved by /).innerText();
      expect(stamp).toContain(`, ${clockText('America/Chicago')}.`);
      expect(stamp).not.toContain(`, ${clockText('Pacific/Honolulu')}.`);
      await page.screenshot({
        path: join(shotsDir, `billing-codes-${viewport.name}.png`),
        fullPage: viewport.name === 'desktop',
      });

      // The export now bills those sessions under the new code, and nothing else changed.
      const after = await exportRows();
      expect(after.map((r) => r.session_id).sort()).toEqual(before.map((r) => r.session_id).sort());
      expect(new Set(after.map((r) => r.code))).toEqual(new Set([newCode]));
      await context.close();
    }, 150_000);
  }
});
