import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connection } from '../src/client';
import { bumpDataVersion, comparisonDataVersion } from '../src/queries/data-version';
import {
  findStoredComparison,
  type StoredComparison,
  storeComparison,
} from '../src/queries/stored-comparisons';
import { testTargets } from '../src/testing';

// A stored comparison is replaced only by figures at least as new: two processes (or the
// computed-ahead pass and a user's view) can compute one scope at once, and the slower, older
// compute must not overwrite what the faster one stored from the current data.

for (const target of await testTargets()) {
  describe(`stored comparisons on ${target.dialect}`, () => {
    let conn: Connection;
    const district = 'd-store';
    const row = (over: Partial<StoredComparison>): StoredComparison => ({
      scope_key: 'scope',
      as_of: '2027-03-01',
      data_version: '-',
      report: '{}',
      compute_ms: 1,
      computed_at: '2027-03-01T12:00:00.000Z',
      ...over,
    });
    const stored = async () =>
      (await findStoredComparison(conn.db, district, 'scope'))?.report ?? null;
    beforeAll(async () => {
      conn = await target.open();
      await conn.db
        .insertInto('district')
        .values({ id: district, name: 'Stored', settings: '{}', created_at: '2027-01-01' })
        .execute();
    });
    afterAll(async () => {
      await conn?.close();
    });

    it('keeps figures from current data over older ones, and a later day over an earlier one', async () => {
      // Nothing written yet: the district's version is '-'.
      expect(await storeComparison(conn.db, district, row({ report: '"first"' }))).toBe(true);
      await conn.db.transaction().execute((trx) => bumpDataVersion(trx, district));
      const v1 = await comparisonDataVersion(conn.db, district);
      // The stored row is stale now: figures from the current data replace it.
      expect(
        await storeComparison(conn.db, district, row({ data_version: v1, report: '"current"' })),
      ).toBe(true);
      // A compute that started before the change finishes last: it is not kept.
      expect(await storeComparison(conn.db, district, row({ report: '"older"' }))).toBe(false);
      expect(await stored()).toBe('"current"');
      // The same data for an earlier day is not kept either; for the same or a later day it is.
      expect(
        await storeComparison(
          conn.db,
          district,
          row({ data_version: v1, as_of: '2027-02-28', report: '"day before"' }),
        ),
      ).toBe(false);
      expect(await stored()).toBe('"current"');
      expect(
        await storeComparison(
          conn.db,
          district,
          row({ data_version: v1, as_of: '2027-03-02', report: '"next day"' }),
        ),
      ).toBe(true);
      expect(await stored()).toBe('"next day"');
      // Once the data changes again, the stored row is stale: another compute replaces it.
      await conn.db.transaction().execute((trx) => bumpDataVersion(trx, district));
      expect(
        await storeComparison(conn.db, district, row({ data_version: 'other', report: '"other"' })),
      ).toBe(true);
      expect(await stored()).toBe('"other"');
    });
  });
}
