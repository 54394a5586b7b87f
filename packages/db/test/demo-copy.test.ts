import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { type DemoOptions, seedDemoDistrict } from '../src/demo';
import { testTargets } from '../src/testing';
import { everyRow } from './every-row';

// Postgres seeds through COPY; the insert path is the reference. Both must leave exactly the
// same rows, including text that COPY's format has to escape (tab, newline, backslash).

const OPTIONS: DemoOptions = {
  students: 40,
  seed: 11,
  today: '2027-02-18',
  passwordHash: 'demo-hash',
  districtName: 'Tab\there, line\nbreak, back\\slash \\N and "quotes"',
};

const postgres = (await testTargets()).filter((t) => t.dialect === 'postgres');

for (const target of postgres) {
  describe('the demo seed on Postgres', () => {
    it('loads through COPY exactly the rows the insert path writes', async () => {
      const viaCopy = await target.open();
      const viaInsert = await target.open();
      try {
        const copied = await seedDemoDistrict(viaCopy.db, { ...OPTIONS, postgresLoad: 'copy' });
        const inserted = await seedDemoDistrict(viaInsert.db, {
          ...OPTIONS,
          postgresLoad: 'insert',
        });
        expect(copied.counts).toEqual(inserted.counts);
        expect(copied.counts.observation).toBeGreaterThan(1000);

        const a = await everyRow(viaCopy.db);
        const b = await everyRow(viaInsert.db);
        expect(Object.keys(a)).toEqual(Object.keys(b));
        for (const table of Object.keys(b)) {
          expect(a[table]?.length, table).toBe(b[table]?.length);
          expect(a[table], table).toEqual(b[table]);
        }
        const district = await viaCopy.db.selectFrom('district').select('name').executeTakeFirst();
        expect(district?.name).toBe(OPTIONS.districtName);
      } finally {
        await viaCopy.close();
        await viaInsert.close();
      }
    }, 120_000);

    it('leaves nothing of the district when the load fails part-way', async () => {
      const conn = await target.open();
      try {
        // The district, its schools and staff are copied before the first school reports.
        let schoolsDone = 0;
        await expect(
          seedDemoDistrict(conn.db, {
            ...OPTIONS,
            onProgress: ({ step }) => {
              if (step === 'students' && ++schoolsDone === 1) throw new Error('stop here');
            },
          }),
        ).rejects.toThrow('stop here');
        const left = await sql<{ n: number }>`
          select (select count(*) from district) + (select count(*) from student)
            + (select count(*) from observation) as n`.execute(conn.db);
        expect(Number(left.rows[0]?.n)).toBe(0);
      } finally {
        await conn.close();
      }
    }, 120_000);
  });
}
