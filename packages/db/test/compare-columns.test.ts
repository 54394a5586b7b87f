import {
  buildEpisodes,
  buildEpisodesFromColumns,
  type ComparisonFilter,
  filterComparisonColumns,
  filterComparisonInput,
} from '@carryover/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connection } from '../src/client';
import { seedDemoDistrict } from '../src/demo';
import { loadComparisonColumns, loadComparisonInput } from '../src/queries/comparison';
import { testTargets } from '../src/testing';
import { SIM_TODAY } from './compare-sim';

// The worker reads the comparison's input as columns (typed arrays). Read back from a real
// database, the columns give the same goals, GAS and episodes as the object form, whole and
// under the filters that clip dates (a window on the arrays) or drop goals.

for (const target of await testTargets()) {
  describe(`comparison columns from ${target.dialect}`, () => {
    let conn: Connection;
    beforeAll(async () => {
      conn = await target.open();
    });
    afterAll(async () => {
      await conn?.close();
    });

    it('equal the object form: goals, GAS and episodes, under every kind of filter', async () => {
      const seeded = await seedDemoDistrict(conn.db, {
        students: 90,
        seed: 31,
        today: SIM_TODAY,
        passwordHash: 'x',
      });
      const d = seeded.districtId;
      const objects = await loadComparisonInput(conn.db, d, { asOf: SIM_TODAY });
      const columns = await loadComparisonColumns(conn.db, d, { asOf: SIM_TODAY });
      expect(columns.columns.goals.map((g) => g.id)).toEqual(objects.goals.map((g) => g.id));
      expect(columns.columns.pointDay.length).toBe(
        objects.goals.reduce((n, g) => n + g.observations.length, 0),
      );
      const school = objects.goals[0]!.schoolId;
      const filters: [ComparisonFilter, { schoolIds?: ReadonlySet<string> }][] = [
        [{}, {}],
        [{ from: '2026-09-20', to: '2026-11-10' }, {}],
        [{ discipline: 'SLP', from: '2026-10-01' }, {}],
        [{ to: '2026-11-01' }, { schoolIds: new Set([school]) }],
      ];
      for (const [filter, scope] of filters) {
        const a = filterComparisonInput(objects, filter, scope);
        const b = filterComparisonColumns(columns, filter, scope);
        expect(b.gas).toEqual(a.gas);
        const fromObjects = buildEpisodes(a.goals);
        expect(fromObjects.episodes.length).toBeGreaterThan(0);
        expect(buildEpisodesFromColumns(b.columns)).toEqual(fromObjects);
      }
    }, 120_000);
  });
}
