import type { Connection } from '@carryover/db';
import { exportOneRoster } from '@carryover/db';
import { testTargets } from '@carryover/db/testing';
import { zipCsvFiles } from '@carryover/domain';
import { getErrorShape, type TRPCError } from '@trpc/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appRouter } from '../src/root';
import { A, as, buildFixture, emails, openTestDb, silentLogger } from './fixtures';

// The Import page's procedure (issue 14): only an admin, only into their own district; a dry
// run of the district's own export changes nothing; a broken row refuses it with the row's
// error; a file that is no zip is a field error; each run is recorded and audited.

const targets = await testTargets();
const base64 = (files: Record<string, string>) =>
  Buffer.from(zipCsvFiles(files)).toString('base64');

for (const target of targets) {
  describe(`imports.upload on ${target.dialect}`, () => {
    let conn: Connection;
    let files: Record<string, string>;
    beforeAll(async () => {
      conn = await openTestDb(target);
      await buildFixture(conn.db);
      files = await exportOneRoster(conn.db, A.district);
    });
    afterAll(() => conn?.close());

    it('dry-runs and applies the district’s own export without a change, recorded and audited', async () => {
      const admin = await as(conn, emails.admin);
      for (const dryRun of [true, false]) {
        const report = await admin.imports.upload({
          kind: 'oneroster',
          zipBase64: base64(files),
          dryRun,
        });
        expect(report.errors).toEqual([]);
        expect(report.outcome).toBe(dryRun ? 'dry_run' : 'applied');
        expect(report.districtId).toBe(A.district);
        for (const c of Object.values(report.counts))
          expect([c?.added, c?.updated, c?.deactivated]).toEqual([0, 0, 0]);
      }
      const runs = await conn.db
        .selectFrom('import_run')
        .select(['outcome', 'actor_label'])
        .where('district_id', '=', A.district)
        .execute();
      expect(runs.map((r) => r.outcome).sort()).toEqual(['applied', 'dry_run']);
      expect(runs.every((r) => r.actor_label === emails.admin)).toBe(true);
    });

    it('refuses a broken row with its file, line, column and reason, writing nothing', async () => {
      const admin = await as(conn, emails.admin);
      const users = (files['users.csv'] as string).split('\r\n');
      const line = users.findIndex((l) => l.includes(',"true","",'));
      users[line] = (users[line] as string).replace(/^"([^"]+)",/, '"$1","gone",');
      const report = await admin.imports.upload({
        kind: 'oneroster',
        zipBase64: base64({ ...files, 'users.csv': users.join('\r\n') }),
        dryRun: false,
      });
      expect(report.outcome).toBe('refused');
      expect(report.errors[0]).toMatchObject({
        file: 'users.csv',
        line: line + 1,
        column: 'status',
        value: 'gone',
      });
    });

    it('refuses other roles and a file that is no zip', async () => {
      const teacher = await as(conn, emails.teacher);
      await expect(
        teacher.imports.upload({ kind: 'oneroster', zipBase64: base64(files), dryRun: true }),
      ).rejects.toMatchObject({ code: 'FORBIDDEN' });
      const admin = await as(conn, emails.admin);
      const error = await admin.imports
        .upload({
          kind: 'oneroster',
          zipBase64: Buffer.from('not a zip').toString('base64'),
          dryRun: true,
        })
        .catch((e: unknown) => e);
      const shape = getErrorShape({
        config: appRouter._def._config,
        error: error as TRPCError,
        type: 'mutation',
        path: 'imports.upload',
        input: undefined,
        ctx: { log: silentLogger } as never,
      });
      expect(shape.data.fieldErrors).toEqual({ zipBase64: ['This file is not a zip'] });
    });
  });
}
