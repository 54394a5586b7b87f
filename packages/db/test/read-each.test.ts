import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connection } from '../src/client';
import { seedDemoDistrict } from '../src/demo';
import { readEach } from '../src/queries/dialect';
import { inLinkedRoutine, OBSERVATION_POINT_COLUMNS } from '../src/queries/observation-columns';
import { loadStudentDetail } from '../src/queries/student';
import { testTargets } from '../src/testing';

// `readEach` sends a page's reads as one statement of JSON arrays on Postgres and runs them in
// turn on SQLite. Either way each read's rows must be exactly what running it alone returns:
// same order, and the same values for every kind of column the pages read (text, integers,
// reals, nulls, EXISTS flags, a left join's missing side).

for (const target of await testTargets()) {
  describe(`readEach on ${target.dialect}`, () => {
    let conn: Connection;
    let districtId: string;
    let studentId: string;
    const statements: string[] = [];
    beforeAll(async () => {
      conn = await target.open({
        log: (event) => {
          if (event.level === 'query') statements.push(event.query.sql);
        },
      });
      const demo = await seedDemoDistrict(conn.db, {
        students: 12,
        seed: 7,
        today: '2026-03-11',
        passwordHash: 'x',
        emailDomain: 'read-each.test',
      });
      districtId = demo.districtId;
      // The student with the most points, so every read has rows to compare.
      const busiest = await conn.db
        .selectFrom('observation')
        .select(['student_id', (eb) => eb.fn.countAll<number>().as('n')])
        .where('district_id', '=', districtId)
        .groupBy('student_id')
        .orderBy('n', 'desc')
        .orderBy('student_id')
        .executeTakeFirstOrThrow();
      studentId = busiest.student_id;
    });
    afterAll(() => conn?.close());

    const reads = () => {
      const { db } = conn;
      return {
        goals: db
          .selectFrom('goal')
          .selectAll()
          .where('district_id', '=', districtId)
          .where('student_id', '=', studentId)
          .orderBy('created_at')
          .orderBy('id'),
        observations: db
          .selectFrom('observation')
          .select([...OBSERVATION_POINT_COLUMNS, 'late_entry', 'recorded_by'])
          .select(inLinkedRoutine)
          .where('district_id', '=', districtId)
          .where('student_id', '=', studentId)
          .orderBy('goal_id')
          .orderBy('observed_on')
          .orderBy('created_at')
          .orderBy('id'),
        services: db
          .selectFrom('service')
          .leftJoin('staff_user as provider', (j) =>
            j
              .onRef('provider.district_id', '=', 'service.district_id')
              .onRef('provider.id', '=', 'service.provider_id'),
          )
          .selectAll('service')
          .select('provider.name as provider_name')
          .where('service.district_id', '=', districtId)
          .orderBy('service.id'),
        none: db
          .selectFrom('student')
          .select('id')
          .where('district_id', '=', districtId)
          .where('id', '=', 'no such student'),
      };
    };

    it('returns each read exactly as running it alone', async () => {
      const queries = reads();
      const alone = {
        goals: await queries.goals.execute(),
        observations: await queries.observations.execute(),
        services: await queries.services.execute(),
        none: await queries.none.execute(),
      };
      expect(alone.goals.length).toBeGreaterThan(0);
      expect(alone.observations.length).toBeGreaterThan(5);
      expect(alone.services.some((s) => s.provider_name === null)).toBe(
        alone.services.some((s) => s.provider_id === null),
      );
      expect(await readEach(conn.db, reads())).toEqual(alone);
    });

    it(
      target.dialect === 'postgres'
        ? 'sends the reads as one statement, and a student page as one'
        : 'runs the reads one after another, and a student page in ten',
      async () => {
        statements.length = 0;
        await readEach(conn.db, reads());
        expect(statements).toHaveLength(target.dialect === 'postgres' ? 1 : 4);

        statements.length = 0;
        const detail = await loadStudentDetail(conn.db, districtId, studentId);
        expect(detail?.observations.length).toBeGreaterThan(5);
        expect(statements).toHaveLength(target.dialect === 'postgres' ? 1 : 10);
      },
    );
  });
}
