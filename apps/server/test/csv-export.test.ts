import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  A,
  auditedStudents,
  buildFixture,
  emails,
  NOW,
  openTestDb,
  PASSWORD,
} from '@carryover/api/testing';
import type { Connection } from '@carryover/db';
import { testTargets } from '@carryover/db/testing';
import { type FidelityPage, fidelityCsvRecords, neutraliseFormulas } from '@carryover/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer } from '../src/index';
import { sessionCookieOf } from './support/http';

// The streamed whole-scope CSV exports over a real HTTP server, on every database: the same rows
// as the paged procedures, batch after batch, and the same refusals.

const targets = await testTargets();
// biome-ignore lint/suspicious/noExplicitAny: a response body's shape is what the assertions check.
type Json = any;
const MARCH = { from: '2026-03-01', to: '2026-03-31' };

/** Every field is quoted and the fixture's text holds no quotes: a line's cells. */
const cellsOf = (csv: string): string[][] =>
  csv
    .split('\r\n')
    .filter((line) => line !== '')
    .map((line) => line.slice(1, -1).split('","'));

for (const target of targets) {
  describe(`streamed CSV exports on ${target.dialect}`, () => {
    let conn: Connection;
    let server: Server;
    let base: string;

    const signIn = async (email: string) => {
      const res = await fetch(`${base}/trpc/auth.signIn`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Origin: base },
        body: JSON.stringify({ email, password: PASSWORD }),
      });
      expect(res.status).toBe(200);
      return sessionCookieOf(res)!;
    };
    const query = async (cookie: string, path: string, input: unknown) => {
      const res = await fetch(
        `${base}/trpc/${path}?input=${encodeURIComponent(JSON.stringify(input))}`,
        { headers: { Cookie: cookie } },
      );
      expect(res.status).toBe(200);
      return ((await res.json()) as Json).result.data;
    };
    const download = (cookie: string, file: string, params: Record<string, string>) =>
      fetch(`${base}/export/${file}?${new URLSearchParams(params)}`, {
        headers: { Cookie: cookie },
      });

    beforeAll(async () => {
      conn = await openTestDb(target);
      await buildFixture(conn.db);
      // One student (fidelity) or one row (billing) per batch: every keyset step is exercised.
      server = createServer({ conn, webDistDir: null, now: () => NOW, exportBatchSize: 1 });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(async () => {
      server?.closeAllConnections();
      await new Promise((resolve) => server?.close(resolve));
      await conn?.close();
    });

    it("streams the fidelity CSV with the paged report's rows, audited per student", async () => {
      let adminStudents = 0;
      for (const email of [emails.coordinator, emails.admin]) {
        const cookie = await signIn(email);
        const res = await download(cookie, 'fidelity.csv', MARCH);
        expect(res.status).toBe(200);
        expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
        expect(res.headers.get('content-disposition')).toBe(
          'attachment; filename="service-fidelity_2026-03-01_2026-03-31.csv"',
        );
        const [header, ...streamed] = cellsOf(await res.text());
        expect(header?.[0]).toBe('student');

        const paged: string[][] = [];
        let cursor: string | null = null;
        do {
          const page: FidelityPage = await query(cookie, 'fidelity.report', {
            ...MARCH,
            limit: 1,
            ...(cursor ? { cursor } : {}),
          });
          paged.push(...fidelityCsvRecords(page, page.rows).map((r) => r.map(neutraliseFormulas)));
          cursor = page.nextCursor;
        } while (cursor);
        expect(streamed).toEqual(paged);
        if (email === emails.admin) adminStudents = new Set(streamed.map((r) => r[0])).size;
      }
      const audited = (
        await auditedStudents(conn.db, { actorId: A.staff.admin, action: 'fidelity.csv' })
      ).filter((e) => e.outcome === 'ok');
      expect(adminStudents).toBeGreaterThan(2);
      expect(new Set(audited.map((e) => e.student_id)).size).toBe(adminStudents);
    });

    it("streams the billing CSV with the procedure's rows, one row per batch", async () => {
      const cookie = await signIn(emails.admin);
      const res = await download(cookie, 'billing.csv', MARCH);
      expect(res.status).toBe(200);
      const streamed = await res.text();
      const whole = await query(cookie, 'sessions.billingCsv', MARCH);
      expect(streamed).toBe(whole.csv);
      expect(cellsOf(streamed).length).toBeGreaterThan(3);
    });

    it('refuses a teacher (audited), a signed-out caller, bad dates and a cross-site request', async () => {
      const teacher = await signIn(emails.teacher);
      const refused = await download(teacher, 'fidelity.csv', MARCH);
      expect(refused.status).toBe(403);
      expect(refused.headers.get('content-type')).toBe('application/json');
      expect((await download(teacher, 'billing.csv', MARCH)).status).toBe(403);
      const denied = await conn.db
        .selectFrom('audit_event')
        .select('action')
        .where('actor_id', '=', A.staff.teacher)
        .where('outcome', '=', 'denied')
        .execute();
      expect(denied.map((e) => e.action).sort()).toEqual(['fidelity.csv', 'sessions.billingCsv']);

      expect((await fetch(`${base}/export/fidelity.csv`)).status).toBe(401);
      const admin = await signIn(emails.admin);
      const bad = await download(admin, 'billing.csv', { from: '2026-03-31', to: '2026-03-01' });
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as Json).error.fieldErrors).toEqual({
        to: ['The period ends before it starts'],
      });
      const crossSite = await fetch(`${base}/export/billing.csv?${new URLSearchParams(MARCH)}`, {
        headers: { Cookie: admin, 'Sec-Fetch-Site': 'cross-site' },
      });
      expect(crossSite.status).toBe(403);
    });
  });
}
