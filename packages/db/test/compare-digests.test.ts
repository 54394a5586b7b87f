import {
  buildEpisodesFromColumns,
  type ComparisonFilter,
  compareModels,
  digestSettingGas,
  filterComparisonColumns,
  filterComparisonInput,
  finishDigests,
} from '@carryover/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connection } from '../src/client';
import { seedDemoDistrict } from '../src/demo';
import { loadComparisonColumns } from '../src/queries/comparison';
import { loadComparisonDigests } from '../src/queries/comparison-digests';
import { testTargets } from '../src/testing';
import { SIM_TODAY } from './compare-sim';

// The cold Outcomes comparison reads kept per-goal digests instead of every observation. Read
// back from a real database, the digests finished at an as-of date give the same episodes and
// the same report, to the bit, as the points, at several as-of dates and under the filters
// that select goals; and the seed keeps a digest for every goal.

for (const target of await testTargets()) {
  describe(`comparison digests on ${target.dialect}`, () => {
    let conn: Connection;
    beforeAll(async () => {
      conn = await target.open();
    });
    afterAll(async () => {
      await conn?.close();
    });

    it('equal the points: episodes and the whole report, at any as-of date and goal filter', async () => {
      const seeded = await seedDemoDistrict(conn.db, {
        students: 90,
        seed: 32,
        today: SIM_TODAY,
        passwordHash: 'x',
      });
      const d = seeded.districtId;
      const goals = await conn.db
        .selectFrom('goal')
        .select('id')
        .where('district_id', '=', d)
        .execute();
      const stored = await conn.db
        .selectFrom('goal_comparison_digest')
        .select('goal_id')
        .where('district_id', '=', d)
        .execute();
      expect(stored.length).toBe(goals.length);
      for (const asOf of [SIM_TODAY, '2026-10-15', '2027-03-01']) {
        const points = await loadComparisonColumns(conn.db, d, { asOf });
        const digests = await loadComparisonDigests(conn.db, d, { asOf });
        // Read a page at a time (here many small pages): the same digests as one page.
        const paged = await loadComparisonDigests(conn.db, d, { asOf, pageSize: 7 });
        expect(paged.digests.size).toBe(goals.length);
        expect(paged.digests).toEqual(digests.digests);
        const school = digests.goals[0]!.schoolId;
        const filters: [ComparisonFilter, { schoolIds?: ReadonlySet<string> }][] = [
          [{}, {}],
          [{ discipline: 'SLP' }, {}],
          [{}, { schoolIds: new Set([school]) }],
        ];
        for (const [filter, scope] of filters) {
          const a = filterComparisonColumns(points, filter, scope);
          const b = filterComparisonInput(digests, filter, scope);
          const fromPoints = buildEpisodesFromColumns(a.columns);
          const fromDigests = finishDigests(b.goals, digests.digests, asOf);
          expect(fromPoints.episodes.length).toBeGreaterThan(0);
          expect(fromDigests).toEqual(fromPoints);
          const options = { replicates: 60, minStudents: 3 };
          const r1 = compareModels(
            { goals: a.columns.goals, gas: a.gas, episodes: fromPoints, columns: a.columns },
            options,
          );
          const r2 = compareModels(
            {
              goals: b.goals,
              gas: b.gas ?? [],
              episodes: fromDigests,
              settingGas: (id, setting, first, last) =>
                digestSettingGas(digests.digests.get(id)!, setting, first, last),
            },
            options,
          );
          const diffs: string[] = [];
          const walk = (x: unknown, y: unknown, path: string) => {
            if (diffs.length > 5) return;
            if (x && y && typeof x === 'object' && typeof y === 'object') {
              for (const k of new Set([...Object.keys(x), ...Object.keys(y)]))
                walk((x as never)[k], (y as never)[k], `${path}.${k}`);
            } else if (!Object.is(x, y)) diffs.push(`${path}: ${String(x)} vs ${String(y)}`);
          };
          walk(r2, r1, '');
          expect(diffs).toEqual([]);
          expect(JSON.stringify(r2)).toBe(JSON.stringify(r1));
        }
      }
    }, 180_000);
  });
}
