import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RATE_LIMITS, RateLimiter } from '@carryover/api';
import { A, B, buildFixture, emails, NOW, openTestDb, PASSWORD } from '@carryover/api/testing';
import { type Connection, exportOneRoster } from '@carryover/db';
import { testTargets } from '@carryover/db/testing';
import { csvRecords, readCsv, zipCsvFiles } from '@carryover/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer } from '../src/index';
import { sessionCookieOf } from './support/http';

// The Import page's upload route (POST /import/run) over a real HTTP server, on every database:
// a zip over tRPC's 1 MB cap goes through it and streams progress, file by file, then the
// report; tRPC's cap still holds for every other call; and the route refuses what the other
// routes refuse (no session, the wrong role, another site, a wrong content type, too large).

const targets = await testTargets();
// biome-ignore lint/suspicious/noExplicitAny: a response body's shape is what the assertions check.
type Json = any;

/** One CSV record aligned to `text`'s header. */
function rowFor(text: string, values: Record<string, string>): string {
  const { header } = readCsv(text);
  return csvRecords([header.map((h) => values[h] ?? '')]);
}

for (const target of targets) {
  describe(`import upload route on ${target.dialect}`, () => {
    let conn: Connection;
    let server: Server;
    let base: string;
    let bigZip: Uint8Array;
    /** Imports the server announced as applied (the Outcomes are computed ahead after each). */
    let afterImports = 0;

    const signIn = async (email: string) => {
      const res = await fetch(`${base}/trpc/auth.signIn`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Origin: base },
        body: JSON.stringify({ email, password: PASSWORD }),
      });
      expect(res.status).toBe(200);
      return sessionCookieOf(res) as string;
    };
    const post = (
      cookie: string | null,
      query: string,
      body: Uint8Array | string,
      headers: Record<string, string> = {},
    ) =>
      fetch(`${base}/import/run?${query}`, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/zip',
          Origin: base,
          ...(cookie ? { Cookie: cookie } : {}),
          ...headers,
        },
        body,
      });
    const lines = async (res: Response) =>
      (await res.text())
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Json);

    beforeAll(async () => {
      conn = await openTestDb(target);
      await buildFixture(conn.db);
      // Room for this file's imports in the export bucket (its limit is tested elsewhere).
      const rateLimiter = new RateLimiter({
        limits: { ...RATE_LIMITS, export: { burst: 50, perMinute: 100 } },
      });
      server = createServer({
        conn,
        webDistDir: null,
        now: () => NOW,
        rateLimiter,
        afterImport: () => {
          afterImports++;
        },
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

      // District A's own export, one new student, and a large attachment the import passes by
      // (random, so it does not compress): a zip well over 1 MB.
      const files = await exportOneRoster(conn.db, A.district);
      const users = `${files['users.csv']}${rowFor(files['users.csv'], {
        sourcedId: 'route-new-student',
        enabledUser: 'true',
        givenName: 'Rhea',
        familyName: 'Routed',
        grades: '3',
        primaryOrgSourcedId: A.schools.north,
      })}`;
      const roles = `${files['roles.csv']}${rowFor(files['roles.csv'], {
        sourcedId: 'route-new-student-role',
        userSourcedId: 'route-new-student',
        roleType: 'primary',
        role: 'student',
        orgSourcedId: A.schools.north,
      })}`;
      bigZip = zipCsvFiles({
        ...files,
        'users.csv': users,
        'roles.csv': roles,
        'attachments.csv': `note\n${randomBytes(1_300_000).toString('base64')}\n`,
      });
      expect(bigZip.length).toBeGreaterThan(1_048_576);
    }, 60_000);
    afterAll(async () => {
      server?.closeAllConnections();
      await new Promise((resolve) => server?.close(resolve));
      await conn?.close();
    });

    it("tRPC's 1 MB body cap still holds for the old upload call and every other one", async () => {
      const cookie = await signIn(emails.admin);
      const zipBase64 = Buffer.from(bigZip).toString('base64');
      for (const path of ['imports.upload', 'caseload.list']) {
        const res = await fetch(`${base}/trpc/${path}`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Origin: base, Cookie: cookie },
          body: JSON.stringify({ kind: 'oneroster', zipBase64, dryRun: true }),
        });
        expect(res.status).toBe(413);
      }
      expect(await conn.db.selectFrom('import_run').selectAll().execute()).toEqual([]);
    });

    it('takes a zip over 1 MB, streams each file’s progress, then the report; apply writes into the admin’s district only, then computes Outcomes ahead', async () => {
      const cookie = await signIn(emails.admin);
      const dry = await post(cookie, 'kind=oneroster&dryRun=true', bigZip, {
        'Accept-Encoding': 'gzip, br',
      });
      expect(dry.status).toBe(200);
      expect(dry.headers.get('content-type')).toContain('application/x-ndjson');
      // Progress lines go out as written: a compressor would hold them back.
      expect(dry.headers.get('content-encoding')).toBeNull();
      const dryLines = await lines(dry);
      expect(dryLines[0]).toEqual({
        type: 'progress',
        step: 'upload',
        done: bigZip.length,
        total: bigZip.length,
      });
      const checked = dryLines.filter((l) => l.type === 'progress' && l.step === 'check');
      // Each file with rows reports as it is checked (the fixture has no academic sessions).
      expect([...new Set(checked.map((l) => l.file))].sort()).toEqual([
        'classes.csv',
        'courses.csv',
        'demographics.csv',
        'enrollments.csv',
        'orgs.csv',
        'roles.csv',
        'users.csv',
      ]);
      const usersLine = checked.find((l) => l.file === 'users.csv');
      expect(usersLine.total).toBeGreaterThan(8);
      const report = dryLines.at(-1);
      expect(report.type).toBe('report');
      expect(report.report.outcome).toBe('dry_run');
      expect(afterImports).toBe(0);
      expect(report.report.errors).toEqual([]);
      expect(report.report.counts['users.csv'].added).toBe(1);
      expect(
        await conn.db.selectFrom('student').select('id').where('first_name', '=', 'Rhea').execute(),
      ).toEqual([]);

      const applied = await lines(await post(cookie, 'kind=oneroster&dryRun=false', bigZip));
      expect(applied.some((l) => l.type === 'progress' && l.step === 'students')).toBe(true);
      expect(applied.at(-1).report.outcome).toBe('applied');
      expect(afterImports).toBe(1);
      const rhea = await conn.db
        .selectFrom('student')
        .select(['district_id', 'school_id'])
        .where('first_name', '=', 'Rhea')
        .execute();
      expect(rhea).toEqual([{ district_id: A.district, school_id: A.schools.north }]);
      const runs = await conn.db
        .selectFrom('import_run')
        .select(['district_id', 'outcome', 'actor_label'])
        .orderBy('started_at')
        .execute();
      expect(runs.map((r) => [r.district_id, r.outcome, r.actor_label])).toEqual([
        [A.district, 'dry_run', emails.admin],
        [A.district, 'applied', emails.admin],
      ]);
      expect(
        await conn.db
          .selectFrom('student')
          .select('id')
          .where('district_id', '=', B.district)
          .where('first_name', '=', 'Rhea')
          .execute(),
      ).toEqual([]);
    }, 60_000);

    it('refuses no session, other roles (audited), other sites, other content types, bad input and too large a body', async () => {
      const before = await conn.db.selectFrom('import_run').select('id').execute();
      expect((await post(null, 'kind=oneroster&dryRun=true', bigZip)).status).toBe(401);
      for (const email of [emails.coordinator, emails.slp, emails.otherDistrict]) {
        const cookie = await signIn(email);
        const res = await post(cookie, 'kind=oneroster&dryRun=true', bigZip);
        expect(res.status).toBe(403);
      }
      const denied = await conn.db
        .selectFrom('audit_event')
        .select('action')
        .where('action', 'like', '%imports.run%')
        .execute();
      expect(denied.length).toBeGreaterThanOrEqual(3);

      const admin = await signIn(emails.admin);
      const crossSite = await post(admin, 'kind=oneroster&dryRun=true', bigZip, {
        Origin: 'https://evil.example',
      });
      expect(crossSite.status).toBe(403);
      const form = await post(admin, 'kind=oneroster&dryRun=true', 'a=b', {
        'Content-Type': 'application/x-www-form-urlencoded',
      });
      expect(form.status).toBe(415);

      const badQuery = await post(admin, 'kind=grades&dryRun=maybe', bigZip);
      expect(badQuery.status).toBe(400);
      const body = (await badQuery.json()) as Json;
      expect(Object.keys(body.error.fieldErrors).sort()).toEqual(['dryRun', 'kind']);

      const notZip = await lines(await post(admin, 'kind=oneroster&dryRun=true', 'not a zip'));
      expect(notZip.at(-1)).toEqual({
        type: 'error',
        message: 'This file is not a zip',
        fieldErrors: { zip: ['This file is not a zip'] },
      });

      // Declared over 100 MB: refused before a byte of it is read.
      const huge = await new Promise<number>((resolve, reject) => {
        import('node:http').then(({ request }) => {
          const req = request(
            `${base}/import/run?kind=oneroster&dryRun=true`,
            {
              method: 'POST',
              headers: {
                'Content-Type': 'application/zip',
                'Content-Length': String(100 * 1024 * 1024 + 1),
                Origin: base,
                Cookie: admin,
              },
            },
            (res) => {
              res.resume();
              resolve(res.statusCode ?? 0);
            },
          );
          req.on('error', reject);
          req.write(Buffer.alloc(1024));
        }, reject);
      });
      expect(huge).toBe(413);

      // A page closed mid-upload: nothing is imported, and the admin's next import is not
      // refused as "still running".
      await new Promise<void>((resolve, reject) => {
        import('node:http').then(({ request }) => {
          const req = request(`${base}/import/run?kind=oneroster&dryRun=true`, {
            method: 'POST',
            headers: {
              'Content-Type': 'application/zip',
              'Content-Length': String(bigZip.length),
              Origin: base,
              Cookie: admin,
            },
          });
          req.on('error', () => resolve());
          req.write(Buffer.from(bigZip.subarray(0, 100_000)), () => {
            setTimeout(() => {
              req.destroy();
              resolve();
            }, 200);
          });
        }, reject);
      });
      await new Promise((resolve) => setTimeout(resolve, 200));
      const next = await post(admin, 'kind=oneroster&dryRun=true', 'not a zip either');
      expect(next.status).toBe(200);
      expect(await conn.db.selectFrom('import_run').select('id').execute()).toEqual(before);
    }, 60_000);
  });
}
