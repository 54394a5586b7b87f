import { type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connection } from '../src/client';
import { seedDemoDistrict } from '../src/demo';
import { singleStatementTemplate, statementTemplate } from '../src/queries/compiled';
import { readEach, readEachTemplate } from '../src/queries/dialect';
import { loadStudentDetail } from '../src/queries/student';
import type { Database } from '../src/schema';
import { testTargets } from '../src/testing';

// A template compiles its statements once per database handle and binds each call's values into
// the compiled parameters. Each call must read exactly what building the reads afresh reads, for
// any values, and a build that could not be reused (a value inlined, reshaped or left out) must
// fail at its first compile instead of silently running with the first call's value.

type Ids = { districtId: string; studentId: string };

const buildReads = (db: Kysely<Database>, { districtId, studentId }: Ids) => ({
  goals: db
    .selectFrom('goal')
    .select(['id', 'student_id', 'domain', 'baseline'])
    .where('district_id', '=', districtId)
    .where('student_id', '=', studentId)
    .orderBy('created_at')
    .orderBy('id'),
  sessions: db
    .selectFrom('session_student')
    .innerJoin('therapy_session', (j) =>
      j
        .onRef('therapy_session.district_id', '=', 'session_student.district_id')
        .onRef('therapy_session.id', '=', 'session_student.session_id'),
    )
    .select(['therapy_session.id', 'therapy_session.session_date', 'session_student.attendance'])
    .where('session_student.district_id', '=', districtId)
    .where('session_student.student_id', '=', studentId)
    .orderBy('therapy_session.session_date')
    .orderBy('therapy_session.id'),
});

for (const target of await testTargets()) {
  describe(`statementTemplate on ${target.dialect}`, () => {
    let conn: Connection;
    let districtId: string;
    let studentIds: string[];
    const statements: { sql: string; parameters: readonly unknown[] }[] = [];
    beforeAll(async () => {
      conn = await target.open({
        log: (event) => {
          if (event.level === 'query') statements.push(event.query);
        },
      });
      const demo = await seedDemoDistrict(conn.db, {
        students: 8,
        seed: 11,
        today: '2026-03-11',
        passwordHash: 'x',
        emailDomain: 'statement-template.test',
      });
      districtId = demo.districtId;
      const students = await conn.db
        .selectFrom('student')
        .select('id')
        .where('district_id', '=', districtId)
        .orderBy('id')
        .execute();
      studentIds = students.map((s) => s.id);
    });
    afterAll(() => conn?.close());

    it('reads what a fresh build reads, for each student in turn, building once', async () => {
      let builds = 0;
      const template = readEachTemplate((db: Kysely<Database>, ids: Ids) => {
        builds += 1;
        return buildReads(db, ids);
      });
      expect(studentIds.length).toBeGreaterThan(2);
      // Twice round, so a second call for the first student still gets its own rows.
      for (const studentId of [...studentIds, ...studentIds]) {
        const ids = { districtId, studentId };
        const fresh = await readEach(conn.db, buildReads(conn.db, ids));
        expect(fresh.goals.every((g) => g.student_id === studentId)).toBe(true);
        expect(await template(conn.db, ids)).toEqual(fresh);
      }
      expect(builds).toBe(1);
      // Students differ, so the comparison above would have caught a stale value.
      const first = await template(conn.db, { districtId, studentId: studentIds[0] as string });
      const last = await template(conn.db, { districtId, studentId: studentIds.at(-1) as string });
      expect(first.goals).not.toEqual(last.goals);
    });

    it('sends the same SQL text as a fresh build, with the values bound', async () => {
      const template = statementTemplate((db: Kysely<Database>, ids: Ids) =>
        Object.values(buildReads(db, ids)),
      );
      const ids = { districtId, studentId: studentIds[1] as string };
      template(conn.db, { districtId, studentId: studentIds[0] as string });
      const reused = template(conn.db, ids);
      const fresh = Object.values(buildReads(conn.db, ids)).map((q) => q.compile());
      expect(reused.map((q) => [q.sql, q.parameters])).toEqual(
        fresh.map((q) => [q.sql, q.parameters]),
      );
    });

    it('builds again for another handle (a transaction), and reads its view', async () => {
      let builds = 0;
      const template = readEachTemplate((db: Kysely<Database>, ids: Ids) => {
        builds += 1;
        return buildReads(db, ids);
      });
      const ids = { districtId, studentId: studentIds[0] as string };
      const before = await template(conn.db, ids);
      const goalId = before.goals[0]?.id;
      expect(goalId).toBeDefined();
      await conn.db
        .transaction()
        .execute(async (trx) => {
          await trx
            .updateTable('goal')
            .set({ baseline: 12345 })
            .where('district_id', '=', districtId)
            .where('id', '=', goalId as string)
            .execute();
          const inside = await template(trx, ids);
          expect(inside.goals.find((g) => g.id === goalId)?.baseline).toBe(12345);
          throw new Error('roll back');
        })
        .catch((error: Error) => expect(error.message).toBe('roll back'));
      expect(builds).toBe(2);
      expect(await template(conn.db, ids)).toEqual(before);
    });

    it('refuses a value inlined into the SQL', () => {
      const template = statementTemplate((db: Kysely<Database>, { districtId }: Ids) => [
        db.selectFrom('student').select('id').where('district_id', '=', sql.lit(districtId)),
      ]);
      expect(() => template(conn.db, { districtId, studentId: 'x' })).toThrow(/inlined/);
    });

    it('refuses a value reshaped into another parameter', () => {
      const template = statementTemplate((db: Kysely<Database>, { districtId }: Ids) => [
        db.selectFrom('student').select('id').where('district_id', 'like', `${districtId}%`),
      ]);
      expect(() => template(conn.db, { districtId, studentId: 'x' })).toThrow(/transformed/);
    });

    it('refuses a value the statements never use', () => {
      const template = statementTemplate((db: Kysely<Database>, { districtId }: Ids) => [
        db.selectFrom('student').select('id').where('district_id', '=', districtId),
      ]);
      expect(() => template(conn.db, { districtId, studentId: 'x' })).toThrow(/unused.*studentId/);
    });

    it('lets a shape leave out only the values it names', async () => {
      const template = singleStatementTemplate(
        (db: Kysely<Database>, { districtId }: Ids) =>
          db.selectFrom('student').select('id').where('district_id', '=', districtId),
        { mayLeaveOut: ['studentId'] },
      );
      const { rows } = await conn.db.executeQuery(
        template(conn.db, { districtId, studentId: 'x' }),
      );
      expect(rows).toHaveLength(studentIds.length);
    });

    it('keeps the student page to its own student, in the same number of statements', async () => {
      for (const studentId of studentIds.slice(0, 3)) {
        statements.length = 0;
        const detail = await loadStudentDetail(conn.db, districtId, studentId);
        expect(detail?.student.id).toBe(studentId);
        expect(detail?.goals.every((g) => g.student_id === studentId)).toBe(true);
        expect(detail?.services.every((s) => s.student_id === studentId)).toBe(true);
        const goalIds = new Set(detail?.goals.map((g) => g.id));
        expect(detail?.observations.every((o) => goalIds.has(o.goal_id))).toBe(true);
        expect(statements).toHaveLength(target.dialect === 'postgres' ? 1 : 10);
      }
    });
  });
}
