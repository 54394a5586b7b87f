import { describe, expect, it } from 'vitest';
import { seedDemoDistrict } from '../src/demo';
import { insertBillingExport, insertBillingExportLines } from '../src/queries/billing';
import { testTargets } from '../src/testing';

// A district's monthly billing file runs to thousands of lines (the 2,000-student demo seed
// writes over 10,000). One INSERT of them all passed SQLite's bound-parameter ceiling and
// failed the whole export.
const targets = await testTargets();

for (const target of targets) {
  describe(`billing export lines on ${target.dialect}`, () => {
    it('records an export of more lines than one statement can bind', {
      timeout: 120_000,
    }, async () => {
      const conn = await target.open();
      try {
        const demo = await seedDemoDistrict(conn.db, {
          students: 12,
          seed: 3,
          today: '2027-02-18',
          passwordHash: 'demo-hash',
        });
        const student = await conn.db
          .selectFrom('student')
          .select('id')
          .where('district_id', '=', demo.districtId)
          .executeTakeFirstOrThrow();
        const admin = await conn.db
          .selectFrom('staff_user')
          .select('id')
          .where('district_id', '=', demo.districtId)
          .where('role', '=', 'admin')
          .executeTakeFirstOrThrow();
        const lines = Array.from({ length: 5_000 }, (_, i) => ({
          sessionId: `session-${i}`,
          studentId: student.id,
          sessionVersion: 1,
          kind: 'bill' as const,
          code: '92507',
          units: 1,
        }));
        await conn.db.transaction().execute(async (trx) => {
          await insertBillingExport(trx, {
            districtId: demo.districtId,
            id: 'big-export',
            createdBy: admin.id,
            createdAt: '2027-02-18T15:00:00.000Z',
            filters: {},
          });
          await insertBillingExportLines(trx, demo.districtId, 'big-export', lines);
        });
        const { n } = await conn.db
          .selectFrom('billing_export_line')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('district_id', '=', demo.districtId)
          .where('export_id', '=', 'big-export')
          .executeTakeFirstOrThrow();
        expect(Number(n)).toBe(5_000);
      } finally {
        await conn.close();
      }
    });
  });
}
