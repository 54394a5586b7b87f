import { type Connection, type DB, refreshPlannerStatistics } from '@carryover/db';
import { testTargets } from '@carryover/db/testing';
import { FIDELITY_CSV_HEADER, type FidelityPageRow, sumFidelityFigures } from '@carryover/domain';
import { TRPCError } from '@trpc/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIDELITY_BATCH } from '../src/router/fidelity';
import { A, as, auditedStudents, buildFixture, emails, openTestDb } from './fixtures';

// The fidelity report pages its students in name order; group totals and the CSV export cover
// the whole scope a batch of students at a time. More students than one export batch are added
// to South Elementary (the coordinator's school), all sharing one last name so the order rests
// on first name and id.

const targets = await testTargets();
const WEEK = { from: '2026-03-09', to: '2026-03-15' };
const EXTRA = FIDELITY_BATCH + 20;

/** A third grader of South Elementary (the coordinator's school). */
const southStudent = (id: string, firstName: string, lastName: string) => ({
  district_id: A.district,
  id,
  first_name: firstName,
  last_name: lastName,
  date_of_birth: '2018-04-02',
  grade: '3',
  school_id: A.schools.south,
  homeroom_id: null,
  iep_start: '2025-09-15',
  iep_annual_review: '2026-09-14',
  iep_reevaluation: '2027-09-14',
  created_at: '2025-08-01T00:00:00.000Z',
});

async function addSouthStudents(db: DB): Promise<string[]> {
  const ids = Array.from({ length: EXTRA }, (_, i) => `stu-p${String(i).padStart(4, '0')}`);
  // Every tenth first name repeats, so ties fall through to the id.
  const students = ids.map((id, i) =>
    southStudent(id, `Pat${String(i % 10 === 0 ? 0 : i).padStart(4, '0')}`, 'Kim'),
  );
  const services = ids.map((id, i) => ({
    district_id: A.district,
    id: `svc-p${i}`,
    student_id: id,
    discipline: 'SLP',
    provider_id: A.staff.slp,
    minutes: 30 + (i % 4) * 15,
    per: 'week' as const,
    model: 'pull_out',
    start_date: '2025-09-15',
    end_date: '2026-09-14',
  }));
  for (let i = 0; i < ids.length; i += 200) {
    await db
      .insertInto('student')
      .values(students.slice(i, i + 200))
      .execute();
    await db
      .insertInto('service')
      .values(services.slice(i, i + 200))
      .execute();
  }
  return ids;
}

/**
 * Students of South Elementary with no service in the report's week (half none at all, half one
 * that ended before it), named to sort before everybody else: a coordinator's page must look
 * past several batches of them to fill up.
 */
async function addUnservedSouthStudents(db: DB): Promise<void> {
  const ids = Array.from({ length: UNSERVED }, (_, i) => `stu-u${String(i).padStart(4, '0')}`);
  await db
    .insertInto('student')
    .values(ids.map((id, i) => southStudent(id, `Uma${String(i).padStart(4, '0')}`, 'Abel')))
    .execute();
  await db
    .insertInto('service')
    .values(
      ids
        .filter((_, i) => i % 2 === 0)
        .map((id, i) => ({
          district_id: A.district,
          id: `svc-u${i}`,
          student_id: id,
          discipline: 'SLP',
          provider_id: A.staff.slp,
          minutes: 30,
          per: 'week' as const,
          model: 'pull_out',
          start_date: '2025-09-15',
          end_date: '2026-03-08',
        })),
    )
    .execute();
}
const UNSERVED = 450;

type Caller = Awaited<ReturnType<typeof as>>;
type ReportInput = NonNullable<Parameters<Caller['fidelity']['report']>[0]>;

/** Every page of the report, following `nextCursor` until it is null. */
async function allPages(caller: Caller, input: ReportInput) {
  const pages = [];
  let cursor: string | null = null;
  for (let i = 0; i < 100; i++) {
    const page = await caller.fidelity.report({ ...input, cursor });
    pages.push(page);
    cursor = page.nextCursor;
    if (cursor === null) return pages;
  }
  throw new Error('paging did not end');
}

for (const target of targets) {
  describe(`fidelity paging on ${target.dialect}`, () => {
    let conn: Connection;
    let added: string[];
    beforeAll(async () => {
      conn = await openTestDb(target);
      await buildFixture(conn.db);
      added = await addSouthStudents(conn.db);
      await addUnservedSouthStudents(conn.db);
      // As an import does after adding students: the planner plans from the district as it is.
      await refreshPlannerStatistics(conn.db);
    });
    afterAll(() => conn?.close());

    const readsOf = async (actor: string, action: string) =>
      (await auditedStudents(conn.db, { actorId: actor, action })).filter(
        (r) => r.outcome === 'ok',
      );

    it('pages the whole scope disjointly, completely and in name order', async () => {
      const admin = await as(conn, emails.admin);
      const pages = await allPages(admin, { ...WEEK, limit: 200 });
      expect(pages.length).toBe(Math.ceil((EXTRA + 3) / 200));
      const students = pages.flatMap((p) => [...new Set(p.rows.map((r) => r.studentId))]);
      // Ava, Ben, Cara have services this week; Dev has none.
      expect([...students].sort()).toEqual(
        [...added, A.students.ava, A.students.ben, A.students.cara].sort(),
      );
      expect(new Set(students).size).toBe(students.length);
      const names = await conn.db
        .selectFrom('student')
        .select(['id', 'first_name', 'last_name'])
        .where('district_id', '=', A.district)
        .execute();
      const byId = new Map(names.map((n) => [n.id, n]));
      const key = (id: string) => {
        const n = byId.get(id)!;
        return [n.last_name, n.first_name, n.id];
      };
      const ordered = [...students].sort((a, b) => {
        const [x, y] = [key(a), key(b)];
        for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i]! < y[i]! ? -1 : 1;
        return 0;
      });
      expect(students).toEqual(ordered);
    });

    it('keeps every page inside the coordinator’s schools, and a discipline on every page', async () => {
      const coordinator = await as(conn, emails.coordinator);
      const pages = await allPages(coordinator, { ...WEEK, discipline: 'SLP', limit: 150 });
      const rows = pages.flatMap((p) => p.rows);
      expect(rows.every((r) => r.schoolName === 'South Elementary')).toBe(true);
      expect(rows.every((r) => r.discipline === 'SLP')).toBe(true);
      expect(new Set(rows.map((r) => r.studentId))).toEqual(new Set([...added, A.students.cara]));
    });

    it('fills a coordinator’s pages past hundreds of students without a service this week', async () => {
      const coordinator = await as(conn, emails.coordinator);
      const pages = await allPages(coordinator, { ...WEEK, limit: 50 });
      const students = pages.flatMap((p) => [...new Set(p.rows.map((r) => r.studentId))]);
      expect(students.some((id) => id.startsWith('stu-u'))).toBe(false);
      // Every page but the last is full, and together they hold each served student once.
      expect(pages.length).toBeGreaterThan(2);
      expect(pages.slice(0, -1).map((p) => new Set(p.rows.map((r) => r.studentId)).size)).toEqual(
        pages.slice(0, -1).map(() => 50),
      );
      expect(new Set(students).size).toBe(students.length);
      expect(new Set(students)).toEqual(new Set([...added, A.students.cara]));
      // In name order: Kim Pat… (first name, then id), then Cara Lopez after them.
      const names = await conn.db
        .selectFrom('student')
        .select(['id', 'first_name', 'last_name'])
        .where('id', 'in', students)
        .execute();
      const byId = new Map(
        names.map((n) => [n.id, `${n.last_name}\u0000${n.first_name}\u0000${n.id}`]),
      );
      const keys = students.map((id) => byId.get(id)!);
      expect(keys).toEqual([...keys].sort());
    });

    it('pages a therapist’s own list in name order too', async () => {
      const slp = await as(conn, emails.slp);
      const pages = await allPages(slp, { ...WEEK, limit: 200 });
      const students = pages.flatMap((p) => [...new Set(p.rows.map((r) => r.studentId))]);
      expect(new Set(students)).toEqual(new Set([...added, A.students.ava, A.students.cara]));
      expect(students).toHaveLength(new Set(students).size);
      const lastNames = pages.flatMap((p) => p.rows.map((r) => r.studentName.split(' ')[1]!));
      expect(lastNames).toEqual([...lastNames].sort());
    });

    it('audits exactly the students on the returned page', async () => {
      const coordinator = await as(conn, emails.coordinator);
      const before = (await readsOf(A.staff.coordinator, 'fidelity.report')).length;
      const first = await coordinator.fidelity.report({ ...WEEK, limit: 7 });
      const afterFirst = await readsOf(A.staff.coordinator, 'fidelity.report');
      const shown = (p: typeof first) => [...new Set(p.rows.map((r) => r.studentId))];
      expect(afterFirst.slice(before).map((e) => e.student_id)).toEqual(shown(first));
      expect(shown(first)).toHaveLength(7);
      const second = await coordinator.fidelity.report({
        ...WEEK,
        limit: 7,
        cursor: first.nextCursor,
      });
      const afterSecond = await readsOf(A.staff.coordinator, 'fidelity.report');
      expect(afterSecond.slice(afterFirst.length).map((e) => e.student_id)).toEqual(shown(second));
      // A refused cursor writes nothing.
      await coordinator.fidelity
        .report({ from: '2026-03-02', to: '2026-03-08', limit: 7, cursor: first.nextCursor })
        .catch(() => {});
      expect(await readsOf(A.staff.coordinator, 'fidelity.report')).toHaveLength(
        afterSecond.length,
      );
    });

    it('refuses a cursor of another period or discipline, or a forgery, with BAD_REQUEST on cursor', async () => {
      const admin = await as(conn, emails.admin);
      const { nextCursor: cursor } = await admin.fidelity.report({ ...WEEK, limit: 5 });
      expect(cursor).toEqual(expect.any(String));
      const refused = async (input: ReportInput) => {
        const err = await admin.fidelity.report(input).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(TRPCError);
        expect(err).toMatchObject({ code: 'BAD_REQUEST' });
        expect(String((err as Error).message)).toMatch(/"cursor"/);
        expect(String((err as Error).message)).toMatch(/another period/);
      };
      await refused({ from: '2026-03-02', to: '2026-03-08', limit: 5, cursor });
      await refused({ ...WEEK, discipline: 'OT', limit: 5, cursor });
      for (const forged of [
        'not a cursor!',
        'e30',
        btoa(JSON.stringify({ v: 1, f: 'x', k: ['Kim', 'Pat', 'stu-p0001'] })),
        cursor!.slice(0, -3),
      ])
        await refused({ ...WEEK, limit: 5, cursor: forged });
      for (const limit of [0, 201, 2.5])
        await expect(admin.fidelity.report({ ...WEEK, limit })).rejects.toMatchObject({
          code: 'BAD_REQUEST',
        });
    });

    it('totals each school and therapist over every page', async () => {
      const admin = await as(conn, emails.admin);
      const rows = (await allPages(admin, { ...WEEK, limit: 200 })).flatMap((p) => p.rows);
      const readsBefore = (await readsOf(A.staff.admin, 'fidelity.groups')).length;
      for (const groupBy of ['school', 'therapist'] as const) {
        const { groups } = await admin.fidelity.groups({ ...WEEK, groupBy });
        const expected = new Map<string, FidelityPageRow[]>();
        for (const r of rows) {
          const k = groupBy === 'school' ? r.schoolName : `${r.providerId}/${r.discipline}`;
          expected.set(k, [...(expected.get(k) ?? []), r]);
        }
        expect(groups.map((g) => g.key).sort()).toEqual([...expected.keys()].sort());
        for (const g of groups) {
          const members = expected.get(g.key)!;
          expect(g.services).toBe(members.length);
          expect(g.figures).toEqual(sumFidelityFigures(members.map((m) => m.figures)));
        }
      }
      // Totals name no student: nothing per student is audited.
      expect(await readsOf(A.staff.admin, 'fidelity.groups')).toHaveLength(readsBefore);
    });

    it('exports every row of the scope across batches and audits every student exported', async () => {
      const coordinator = await as(conn, emails.coordinator);
      const before = (await readsOf(A.staff.coordinator, 'fidelity.csv')).length;
      const { csv } = await coordinator.fidelity.csv(WEEK);
      const lines = csv.replaceAll('"', '').split('\r\n');
      expect(lines.at(-1)).toBe('');
      expect(lines[0]).toBe(FIDELITY_CSV_HEADER.join(','));
      const rows = (await allPages(coordinator, { ...WEEK, limit: 200 })).flatMap((p) => p.rows);
      expect(lines.slice(1, -1)).toHaveLength(rows.length);
      expect(lines.slice(1, -1).map((l) => l.split(',')[0])).toEqual(
        rows.map((r) => r.studentName),
      );
      const audited = (await readsOf(A.staff.coordinator, 'fidelity.csv')).slice(before);
      expect(audited.map((e) => e.student_id).sort()).toEqual([...added, A.students.cara].sort());
    });
  });
}
