import type { Connection } from '@carryover/db';
import { testTargets } from '@carryover/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { as, buildFixture, emails, openCapturingTestDb } from './fixtures';

// The session lookup reads the viewer's district row, settings included (the time zone comes
// from them). Pages that need the settings (the reporting policy behind the caseload's minutes
// and the Fidelity page's period) take them from there rather than reading the row again.

const targets = await testTargets();

const readsDistrictSettings = (sql: string) => /select\s+"settings"\s+from\s+"district"/i.test(sql);

for (const target of targets) {
  describe(`district settings are read once a request, on ${target.dialect}`, () => {
    let conn: Connection;
    let statements: string[];
    beforeAll(async () => {
      ({ conn, statements } = await openCapturingTestDb(target));
      await buildFixture(conn.db);
    });
    afterAll(() => conn?.close());

    it('the caseload and the Fidelity page read no settings row of their own', async () => {
      const now = () => new Date('2026-03-11T15:00:00.000Z');
      const slp = await as(conn, emails.slp, { now });
      const coordinator = await as(conn, emails.coordinator, { now });
      statements.length = 0;
      const caseload = await slp.caseload.list({});
      const fidelity = await coordinator.fidelity.report({});
      expect(caseload.items.length).toBeGreaterThan(0);
      expect(fidelity.rows.length).toBeGreaterThan(0);
      expect(statements.length).toBeGreaterThan(5);
      expect(statements.filter(readsDistrictSettings)).toEqual([]);
    });
  });
}
