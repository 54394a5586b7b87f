import type { Connection, DB } from '@carryover/db';
import { testTargets } from '@carryover/db/testing';
import { type CaseloadRow, gradeRank } from '@carryover/domain';
import { TRPCError } from '@trpc/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  A,
  as,
  auditedStudents,
  B,
  buildFixture,
  emails,
  expectedScope,
  openTestDb,
} from './fixtures';

const targets = await testTargets();

for (const target of targets) {
  describe(`caseload on ${target.dialect}`, () => {
    let conn: Connection;
    beforeAll(async () => {
      conn = await openTestDb(target);
      await buildFixture(conn.db);
    });
    afterAll(() => conn?.close());

    it.each(Object.entries(expectedScope))(
      'the caseload of %s is exactly their scope',
      async (email, expected) => {
        const caller = await as(conn, email);
        const { items: rows } = await caller.caseload.list();
        expect(rows.map((r) => r.studentId).sort()).toEqual([...expected].sort());
      },
    );

    it('adds up this week’s minutes and reports each goal’s status', async () => {
      const { items: rows } = await (await as(conn, emails.admin)).caseload.list();
      const byId = new Map(rows.map((r) => [r.studentId, r]));

      const ava = byId.get(A.students.ava)!;
      // Delivered: SLP 30 (delivered) + SLP 30 (makeup) + OT 25 this week; last week's 30 is out.
      expect(ava.minutesDeliveredThisWeek).toBe(85);
      // Mandated: SLP 60/week + OT 120/month × 12/52 = 60 + 27.7 → 88.
      expect(ava.minutesMandatedThisWeek).toBe(88);
      expect(ava.name).toBe('Ava Lopez');
      expect(ava.schoolName).toBe('North Elementary');
      expect(ava.homeroom).toBe('Room 12');
      expect(ava.nextIepDate).toBe('2026-04-20');
      expect(ava.nextIepEvent).toBe('annual_review');
      const avaStatus = Object.fromEntries(ava.goals.map((g) => [g.id, g.progress.status]));
      expect(avaStatus).toEqual({
        [A.goals.avaArtic]: 'on_track',
        [A.goals.avaHandwriting]: 'no_data',
      });

      const ben = byId.get(A.students.ben)!;
      // The provider-absent session delivers nothing; the ended SLP service mandates nothing.
      expect(ben.minutesDeliveredThisWeek).toBe(25);
      expect(ben.minutesMandatedThisWeek).toBe(30);
      expect(ben.goals.map((g) => g.progress.status)).toEqual(['at_risk']);

      const cara = byId.get(A.students.cara)!;
      expect(cara.minutesDeliveredThisWeek).toBe(0);
      expect(cara.minutesMandatedThisWeek).toBe(45);
      expect(cara.goals.map((g) => g.progress.status)).toEqual(['mastered']);
      expect(cara.nextIepDate).toBe('2026-05-05');
      expect(cara.nextIepEvent).toBe('re_evaluation');

      const dev = byId.get(A.students.dev)!;
      expect(dev.goals).toEqual([]);
      expect(dev.minutesMandatedThisWeek).toBe(0);
      expect(dev.homeroom).toBeNull();
    });

    it('filters by status, discipline and name', async () => {
      const admin = await as(conn, emails.admin);
      const { items: atRisk } = await admin.caseload.list({ status: 'at_risk' });
      expect(atRisk.map((r) => r.studentId)).toEqual([A.students.ben]);

      const { items: ot } = await admin.caseload.list({ discipline: 'OT' });
      expect(ot.map((r) => r.studentId).sort()).toEqual([A.students.ava, A.students.ben].sort());
      const avaOt = ot.find((r) => r.studentId === A.students.ava)!;
      expect(avaOt.goals.map((g) => g.discipline)).toEqual(['OT']);
      expect(avaOt.minutesDeliveredThisWeek).toBe(25);
      expect(avaOt.minutesMandatedThisWeek).toBe(28);

      expect((await admin.caseload.list({ search: 'sing' })).items.map((r) => r.studentId)).toEqual(
        [A.students.cara],
      );
      // LIKE wildcards are literal characters.
      expect((await admin.caseload.list({ search: '%' })).items).toEqual([]);
    });

    it('uses a fixed number of queries however large the caseload', async () => {
      let queries = 0;
      const counter: Parameters<DB['withPlugin']>[0] = {
        transformQuery: (args) => {
          queries++;
          return args.node;
        },
        transformResult: async (args) => args.result,
      };
      const counted = conn.db.withPlugin(counter);
      const run = async (email: string) => {
        const caller = await as(conn, email, { db: counted });
        queries = 0;
        const { items: rows } = await caller.caseload.list();
        return { rows: rows.length, queries };
      };
      // A short own list (assistant, therapist) is resolved to ids first; a school- or
      // district-wide scope is walked in order: compare caseloads of the same kind.
      const small = await run(emails.slpa);
      const larger = await run(emails.slp);
      expect(small.rows).toBe(1);
      expect(larger.rows).toBeGreaterThan(1);
      expect(larger.queries).toBe(small.queries);
      const school = await run(emails.coordinator);
      const district = await run(emails.admin);
      expect(district.rows).toBe(4);
      expect(district.rows).toBeGreaterThan(school.rows);
      // A coordinator's list asks once more: whether they oversee every school (then it takes
      // the district's rule, as the admin's does).
      expect(school.queries).toBe(district.queries + 1);
    });

    it('never shows another district', async () => {
      const { items: rows } = await (await as(conn, emails.admin)).caseload.list();
      expect(rows.map((r) => r.studentId)).not.toContain(B.student);
    });
  });
}

// Paging: 60 more students in district A (40 at South, the coordinator's school; 20 at North),
// with repeated names so the id tie-break matters, mixed grades and IEP dates (some all past).
const extra = Array.from({ length: 60 }, (_, i) => {
  const n = String(i + 1).padStart(3, '0');
  return {
    id: `px-${n}`,
    first: ['Ana', 'Bo', 'Cy'][i % 3]!,
    last: ['Adams', 'Baker', 'Clark', 'Lopez', 'Young'][i % 5]!,
    school: i < 40 ? A.schools.south : A.schools.north,
    grade: ['K', '1', '2', '3', '10', 'PreK'][i % 6]!,
    annual: i % 4 === 0 ? '2026-01-10' : `2026-0${(i % 5) + 4}-1${i % 10}`,
    reeval: i % 4 === 0 ? '2026-02-10' : '2027-01-01',
  };
});

type Caller = Awaited<ReturnType<typeof as>>;
type ListInput = NonNullable<Parameters<Caller['caseload']['list']>[0]>;

/** Every page of a list, following `nextCursor` until it is null. */
async function allPages(caller: Caller, input: ListInput) {
  const pages = [];
  let cursor: string | null = null;
  for (let i = 0; i < 200; i++) {
    const page = await caller.caseload.list({ ...input, cursor });
    pages.push(page);
    cursor = page.nextCursor;
    if (cursor === null) return pages;
  }
  throw new Error('paging did not end');
}

const sortValue = {
  name: () => '',
  grade: (r: CaseloadRow) => gradeRank(r.grade),
  school: (r: CaseloadRow) => r.schoolName,
  nextIep: (r: CaseloadRow) => r.nextIepDate ?? '9999-12-31',
} as const;

/** The order the server promises: sort value, then last name, first name, id. */
function expectedOrder(rows: CaseloadRow[], sort: keyof typeof sortValue, order: 'asc' | 'desc') {
  const key = (r: CaseloadRow) => {
    const [first, last] = r.name.split(' ') as [string, string];
    return [sortValue[sort](r), last, first, r.studentId] as const;
  };
  const sorted = [...rows].sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    for (let i = 0; i < ka.length; i++) {
      if (ka[i]! < kb[i]!) return -1;
      if (ka[i]! > kb[i]!) return 1;
    }
    return 0;
  });
  return (order === 'asc' ? sorted : sorted.reverse()).map((r) => r.studentId);
}

for (const target of targets) {
  describe(`caseload paging on ${target.dialect}`, () => {
    let conn: Connection;
    beforeAll(async () => {
      conn = await openTestDb(target);
      await buildFixture(conn.db);
      await conn.db
        .insertInto('student')
        .values(
          extra.map((s) => ({
            district_id: A.district,
            id: s.id,
            first_name: s.first,
            last_name: s.last,
            date_of_birth: '2018-04-02',
            grade: s.grade,
            school_id: s.school,
            homeroom_id: null,
            iep_start: '2025-09-15',
            iep_annual_review: s.annual,
            iep_reevaluation: s.reeval,
            created_at: '2025-08-01T00:00:00.000Z',
          })),
        )
        .execute();
    });
    afterAll(() => conn?.close());

    const readsOf = (actor: string) =>
      auditedStudents(conn.db, {
        districtId: A.district,
        actorId: actor,
        action: 'caseload.list',
      });

    it.each(
      (['name', 'grade', 'school', 'nextIep'] as const).flatMap((sort) =>
        (['asc', 'desc'] as const).map((order) => [sort, order] as const),
      ),
    )(
      'pages sorted by %s %s are disjoint and together the whole list in order',
      async (sort, order) => {
        const admin = await as(conn, emails.admin);
        const whole = await admin.caseload.list({ sort, order, limit: 200 });
        expect(whole.nextCursor).toBeNull();
        expect(whole.total).toBe(64);
        expect(whole.items.map((r) => r.studentId)).toEqual(
          expectedOrder(whole.items, sort, order),
        );

        const pages = await allPages(admin, { sort, order, limit: 7 });
        expect(pages.map((p) => p.items.length)).toEqual([7, 7, 7, 7, 7, 7, 7, 7, 7, 1]);
        const ids = pages.flatMap((p) => p.items.map((r) => r.studentId));
        expect(new Set(ids).size).toBe(ids.length);
        expect(ids).toEqual(whole.items.map((r) => r.studentId));
        // The count comes with the first page only.
        expect(pages.map((p) => p.total)).toEqual([64, ...Array(9).fill(null)]);
      },
    );

    it('keeps scope on every page: a therapist sees only their caseload, a coordinator their schools', async () => {
      const slp = await as(conn, emails.slp);
      const slpIds = (await allPages(slp, { limit: 1 })).flatMap((p) =>
        p.items.map((r) => r.studentId),
      );
      expect(slpIds.sort()).toEqual([...expectedScope[emails.slp]].sort());

      const coordinator = await as(conn, emails.coordinator);
      const pages = await allPages(coordinator, { limit: 9, sort: 'grade' });
      const south = extra.filter((s) => s.school === A.schools.south).map((s) => s.id);
      expect(pages.flatMap((p) => p.items.map((r) => r.studentId)).sort()).toEqual(
        [...expectedScope[emails.coordinator], ...south].sort(),
      );
      expect(pages[0]!.total).toBe(42);
    });

    it('gives a coordinator of every school the admin’s list (the district’s rule), and narrows it again with a school taken away', async () => {
      const admin = await as(conn, emails.admin);
      const coordinator = await as(conn, emails.coordinator);
      const district = await allPages(admin, { limit: 25 });
      const idsOf = (pages: typeof district) =>
        pages.flatMap((p) => p.items.map((r) => r.studentId));
      await conn.db
        .insertInto('staff_school')
        .values({
          district_id: A.district,
          staff_id: A.staff.coordinator,
          school_id: A.schools.north,
        })
        .execute();
      try {
        const everySchool = await allPages(coordinator, { limit: 25 });
        expect(idsOf(everySchool)).toEqual(idsOf(district));
        expect(everySchool[0]!.total).toBe(district[0]!.total);
        // District B stays out: the district's rule is still this district's.
        expect(idsOf(everySchool)).not.toContain(B.student);
      } finally {
        await conn.db
          .deleteFrom('staff_school')
          .where('district_id', '=', A.district)
          .where('staff_id', '=', A.staff.coordinator)
          .where('school_id', '=', A.schools.north)
          .execute();
      }
      const southOnly = await allPages(coordinator, { limit: 25 });
      expect(southOnly[0]!.total).toBe(42);
      expect(idsOf(southOnly).length).toBeLessThan(idsOf(district).length);
    });

    it('filters by school, grade and name in SQL, with a matching total', async () => {
      const admin = await as(conn, emails.admin);
      const north3 = await admin.caseload.list({ schoolId: A.schools.north, grade: '3' });
      const expected = extra.filter((s) => s.school === A.schools.north && s.grade === '3');
      expect(north3.items.map((r) => r.studentId).sort()).toEqual(expected.map((s) => s.id).sort());
      expect(north3.total).toBe(expected.length);

      const bakers = await allPages(admin, { search: 'bo baker', limit: 2 });
      const bakerIds = bakers.flatMap((p) => p.items.map((r) => r.studentId));
      expect(bakerIds).toEqual(
        extra.filter((s) => s.first === 'Bo' && s.last === 'Baker').map((s) => s.id),
      );
      expect(bakers[0]!.total).toBe(bakerIds.length);
    });

    it('pages a status filter too, with no total', async () => {
      const admin = await as(conn, emails.admin);
      const pages = await allPages(admin, { status: 'at_risk', limit: 1 });
      expect(pages.flatMap((p) => p.items.map((r) => r.studentId))).toEqual([A.students.ben]);
      expect(pages.every((p) => p.total === null)).toBe(true);
    });

    it('refuses a cursor from another sort, another filter or a forgery with BAD_REQUEST', async () => {
      const admin = await as(conn, emails.admin);
      const first = await admin.caseload.list({ sort: 'name', limit: 5 });
      const cursor = first.nextCursor!;
      expect(cursor).toEqual(expect.any(String));
      // The same cursor with its own sort and filters works.
      expect((await admin.caseload.list({ sort: 'name', limit: 5, cursor })).items).toHaveLength(5);

      const refused = async (input: ListInput) => {
        const err = await admin.caseload.list(input).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(TRPCError);
        expect(err).toMatchObject({ code: 'BAD_REQUEST' });
        expect(String((err as Error).message)).toMatch(/another sort or filter/);
      };
      await refused({ sort: 'grade', limit: 5, cursor });
      await refused({ sort: 'name', order: 'desc', limit: 5, cursor });
      await refused({ sort: 'name', discipline: 'OT', limit: 5, cursor });
      await refused({ sort: 'name', search: 'ana', limit: 5, cursor });
      const forged = [
        'not a cursor!',
        'e30', // {}
        btoa(JSON.stringify({ v: 1, s: 'name', o: 'asc', f: 'x', k: [1, 2, 3, 4] })),
        btoa(JSON.stringify({ v: 1, s: 'grade', o: 'asc', f: 'x', k: ['K', 'a', 'b', 'c'] })),
        cursor.slice(0, -3),
      ];
      for (const c of forged) await refused({ sort: 'name', limit: 5, cursor: c });
    });

    it('bounds the page size with a message that names it', async () => {
      const admin = await as(conn, emails.admin);
      for (const limit of [0, 201, 2.5]) {
        await expect(admin.caseload.list({ limit })).rejects.toMatchObject({
          code: 'BAD_REQUEST',
          message: expect.stringMatching(/Page size/),
        });
      }
      expect((await admin.caseload.list()).items).toHaveLength(50);
    });

    it('audits exactly the students on the returned page', async () => {
      const coordinator = await as(conn, emails.coordinator);
      const before = (await readsOf(A.staff.coordinator)).length;
      const first = await coordinator.caseload.list({ limit: 6 });
      const afterFirst = await readsOf(A.staff.coordinator);
      expect(afterFirst.slice(before).map((e) => e.student_id)).toEqual(
        first.items.map((r) => r.studentId),
      );
      const second = await coordinator.caseload.list({ limit: 6, cursor: first.nextCursor });
      const afterSecond = await readsOf(A.staff.coordinator);
      expect(afterSecond.slice(afterFirst.length).map((e) => e.student_id)).toEqual(
        second.items.map((r) => r.studentId),
      );
      // A refused cursor writes nothing.
      await coordinator.caseload
        .list({ limit: 6, sort: 'school', cursor: first.nextCursor })
        .catch(() => {});
      expect(await readsOf(A.staff.coordinator)).toHaveLength(afterSecond.length);
    });
  });
}
