import {
  bumpDataVersion,
  type Connection,
  claimComparisonRefresh,
  type DB,
  deleteStudentRecord,
  REFRESH_CLAIM_MS,
  releaseComparisonRefresh,
  storeComparison,
} from '@carryover/db';
import { seedDemoDistrict } from '@carryover/db/demo';
import { testTargets } from '@carryover/db/testing';
import { getErrorShape, type TRPCError } from '@trpc/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appRouter } from '../src/root';
import { warmStoredComparisons } from '../src/router/outcomes';
import { DEFAULT_WORKER_MAX_OLD_MB, outcomesCache } from '../src/workers/pool';
import {
  A,
  as,
  auditedStudents,
  buildFixture,
  emails,
  fixturePasswordHash,
  NOW,
  openTestDb,
  silentLogger,
  TODAY,
} from './fixtures';

// Outcomes (push-in vs pull-out) for coordinators and admins only, over their schools: refusals
// are audited, bad filters answer field by field, and a school-scoped coordinator's numbers and
// episodes hold no other school's students. A small demo district gives the comparison data.

const targets = await testTargets();
const DOMAIN = 'outcomes.test';
const models = ['push_in', 'pull_out', 'consult', 'split'] as const;

/** Records the tables every query through it names, to prove which tables a call touched. */
function tableRecorder() {
  const tables: string[] = [];
  const collect = (node: unknown): void => {
    if (!node || typeof node !== 'object') return;
    const n = node as { kind?: string; table?: { identifier?: { name?: string } } };
    if (n.kind === 'TableNode' && n.table?.identifier?.name) tables.push(n.table.identifier.name);
    for (const v of Object.values(node)) collect(v);
  };
  const plugin: Parameters<DB['withPlugin']>[0] = {
    transformQuery: ({ node }) => {
      collect(node);
      return node;
    },
    transformResult: async ({ result }) => result,
  };
  return { plugin, tables };
}

const fieldErrorsOf = (error: unknown, path: string): Record<string, string[]> =>
  getErrorShape({
    config: appRouter._def._config,
    error: error as TRPCError,
    type: 'query',
    path,
    input: undefined,
    ctx: { log: silentLogger } as never,
  }).data.fieldErrors ?? {};

for (const target of targets) {
  describe(`outcomes on ${target.dialect}`, () => {
    let conn: Connection;
    let demoDistrict: string;
    let keptSchool: string;
    let studentSchool: Map<string, string>;
    beforeAll(async () => {
      conn = await openTestDb(target);
      await buildFixture(conn.db);
      const demo = await seedDemoDistrict(conn.db, {
        students: 160,
        seed: 7,
        today: TODAY,
        passwordHash: await fixturePasswordHash(),
        emailDomain: DOMAIN,
      });
      demoDistrict = demo.districtId;
      const coordinator = demo.logins.find((l) => l.role === 'coordinator')!;
      const staff = await conn.db
        .selectFrom('staff_user')
        .select('id')
        .where('email', '=', coordinator.email)
        .executeTakeFirstOrThrow();
      // Leave the demo coordinator one school of the district's several.
      const schools = await conn.db
        .selectFrom('staff_school')
        .select('school_id')
        .where('staff_id', '=', staff.id)
        .orderBy('school_id')
        .execute();
      expect(schools.length).toBeGreaterThan(1);
      keptSchool = schools[0]!.school_id;
      await conn.db
        .deleteFrom('staff_school')
        .where('staff_id', '=', staff.id)
        .where('school_id', '!=', keptSchool)
        .execute();
      const students = await conn.db
        .selectFrom('student')
        .select(['id', 'school_id'])
        .where('district_id', '=', demoDistrict)
        .execute();
      studentSchool = new Map(students.map((s) => [s.id, s.school_id]));
      outcomesCache.clear();
    }, 120_000);
    afterAll(async () => {
      await conn?.close();
    });

    it('refuses therapists, assistants and teachers, and audits each refusal', async () => {
      for (const email of [emails.slp, emails.slpa, emails.teacher]) {
        const caller = await as(conn, email);
        for (const call of [
          () => caller.outcomes.report({}),
          () => caller.outcomes.episodes({ filters: {}, model: 'push_in' }),
          () => caller.outcomes.queueStatus({}),
          () => caller.outcomes.schoolStrata({}),
          () => caller.workload.team(),
        ])
          expect((await call().catch((e) => e)).code).toBe('FORBIDDEN');
      }
      const denied = await conn.db
        .selectFrom('audit_event')
        .select(['action', 'actor_id'])
        .where('outcome', '=', 'denied')
        .where('action', 'in', [
          'outcomes.report',
          'outcomes.episodes',
          'outcomes.queueStatus',
          'outcomes.schoolStrata',
          'workload.team',
        ])
        .execute();
      for (const actor of [A.staff.slp, A.staff.slpa, A.staff.teacher])
        expect(
          denied
            .filter((d) => d.actor_id === actor)
            .map((d) => d.action)
            .sort(),
        ).toEqual([
          'outcomes.episodes',
          'outcomes.queueStatus',
          'outcomes.report',
          'outcomes.schoolStrata',
          'workload.team',
        ]);
    });

    it('answers bad filter values with field errors', async () => {
      const coordinator = await as(conn, emails.coordinator);
      const err = await coordinator.outcomes
        .report({
          discipline: 'XX' as never,
          domain: 'juggling' as never,
          gradeBand: '13–14' as never,
          from: '2026-02-30',
          minStudents: 7,
        })
        .catch((e) => e);
      expect(err.code).toBe('BAD_REQUEST');
      expect(Object.keys(fieldErrorsOf(err, 'outcomes.report')).sort()).toEqual(
        ['discipline', 'domain', 'from', 'gradeBand', 'minStudents'].sort(),
      );
      const backwards = await coordinator.outcomes
        .report({ from: '2026-03-01', to: '2026-01-01' })
        .catch((e) => e);
      expect(fieldErrorsOf(backwards, 'outcomes.report')).toEqual({
        to: ['The range ends before it starts'],
      });
      const badModel = await coordinator.outcomes
        .episodes({ filters: {}, model: 'online' as never })
        .catch((e) => e);
      expect(Object.keys(fieldErrorsOf(badModel, 'outcomes.episodes'))).toEqual(['model']);
      const badStatus = await coordinator.outcomes
        .queueStatus({ gradeBand: '13–14' as never })
        .catch((e) => e);
      expect(Object.keys(fieldErrorsOf(badStatus, 'outcomes.queueStatus'))).toEqual(['gradeBand']);
      const badStrata = await coordinator.outcomes
        .schoolStrata({ discipline: 'XX' as never })
        .catch((e) => e);
      expect(Object.keys(fieldErrorsOf(badStrata, 'outcomes.schoolStrata'))).toEqual([
        'discipline',
      ]);
    });

    it('answers a school outside the coordinator’s scope like a missing one', async () => {
      const coordinator = await as(conn, emails.coordinator);
      for (const schoolId of [A.schools.north, 'no-such-school']) {
        const err = await coordinator.outcomes.report({ schoolId }).catch((e) => e);
        expect(err.code).toBe('NOT_FOUND');
        expect(err.message).toBe('School not found');
        const status = await coordinator.outcomes.queueStatus({ schoolId }).catch((e) => e);
        expect(status.code).toBe('NOT_FOUND');
        const strata = await coordinator.outcomes.schoolStrata({ schoolId }).catch((e) => e);
        expect(strata.code).toBe('NOT_FOUND');
      }
      const own = await coordinator.outcomes.report({ schoolId: A.schools.south });
      expect(own.schools.map((s) => s.id)).toEqual([A.schools.south]);
    }, 90_000);

    it('a school-scoped coordinator sees only their school’s students, in counts and episodes', async () => {
      const coordinator = await as(conn, `coordinator@${DOMAIN}`);
      const admin = await as(conn, `admin@${DOMAIN}`);
      const mine = await coordinator.outcomes.report({});
      const all = await admin.outcomes.report({});
      expect(mine.schools.map((s) => s.id)).toEqual([keptSchool]);
      expect(all.schools.length).toBeGreaterThan(1);
      expect(mine.report.counts.students).toBeGreaterThan(0);
      expect(mine.report.counts.students).toBeLessThan(all.report.counts.students);
      // The report opens without its strata by school (hundreds of rows in a large district);
      // they come on their own, from the same figures, and name only the coordinator's school.
      expect(mine.report.strata.filter((s) => s.dimension === 'school')).toEqual([]);
      expect(mine.report.strata.length).toBeGreaterThan(0);
      expect(mine.schoolStrata).toBe(1);
      const { strata: schoolStrata, computedAt } = await coordinator.outcomes.schoolStrata({});
      expect(computedAt).toBe(mine.computedAt);
      expect(schoolStrata.map((s) => s.key)).toEqual([keptSchool]);
      expect(schoolStrata[0]!.students).toBe(mine.report.counts.students);
      const allSchools = await admin.outcomes.schoolStrata({});
      expect(allSchools.strata.length).toBe(all.schoolStrata);
      expect(allSchools.strata.length).toBeGreaterThan(1);
      const adminSchools = new Set(all.schools.map((s) => s.id));
      for (const s of allSchools.strata) expect(adminSchools.has(s.key)).toBe(true);
      // No per-goal rows travel with the report.
      expect(mine.report.withinStudent.switches).toEqual([]);

      const listed = new Set<string>();
      let episodes = 0;
      for (const model of models) {
        const r = await coordinator.outcomes.episodes({ filters: {}, model });
        episodes += r.total;
        for (const e of r.episodes) {
          listed.add(e.studentId);
          expect(e.model).toBe(model);
          expect(studentSchool.get(e.studentId)).toBe(keptSchool);
        }
      }
      expect(episodes).toBe(mine.report.counts.episodes);
      expect(listed.size).toBe(mine.report.counts.students);
      // Every student listed was recorded as read.
      const reads = (
        await auditedStudents(conn.db, { action: 'outcomes.episodes', districtId: demoDistrict })
      ).filter((r) => r.outcome === 'ok');
      expect(new Set(reads.map((r) => r.student_id))).toEqual(listed);

      // The admin's episodes for one stratum: all of that discipline and domain.
      const stratum = all.report.strata.find((s) => s.dimension === 'discipline_domain')!;
      const behind = await admin.outcomes.episodes({
        filters: {},
        model: 'pull_out',
        stratum: { dimension: 'discipline_domain', key: stratum.key },
      });
      for (const e of behind.episodes) expect(`${e.discipline} · ${e.domain}`).toBe(stratum.key);
    });

    it("compares GAS per setting from the demo's finalised reports of the ended periods", async () => {
      const admin = await as(conn, `admin@${DOMAIN}`);
      const { report } = await admin.outcomes.report({});
      const ended = await conn.db
        .selectFrom('reporting_period')
        .select('ends_on')
        .where('district_id', '=', demoDistrict)
        .where('ends_on', '<', TODAY)
        .orderBy('ends_on')
        .execute();
      expect(ended.length).toBeGreaterThan(0);
      expect(report.gas.periods.map((p) => p.periodEnd)).toEqual(ended.map((p) => p.ends_on));
      for (const setting of ['classroom', 'therapy_room'] as const)
        for (const model of ['push_in', 'pull_out'] as const) {
          const row = report.gas.bySetting[setting].byModel[model];
          expect(row.n, `${setting} ${model}`).toBeGreaterThan(0);
          expect(row.students, `${setting} ${model}`).toBeGreaterThan(0);
        }
      expect(report.gas.pooled.byModel.push_in.n).toBeGreaterThan(0);
    });

    it('filters before comparing, and serves a repeat view from the cache', async () => {
      const admin = await as(conn, `admin@${DOMAIN}`);
      const slp = await admin.outcomes.report({ discipline: 'SLP', minStudents: 5 });
      expect(slp.report.method.minStudents).toBe(5);
      for (const s of slp.report.strata.filter((x) => x.dimension === 'discipline_domain'))
        expect(s.key.startsWith('SLP · ')).toBe(true);
      const again = await admin.outcomes.report({ discipline: 'SLP', minStudents: 5 });
      expect(again.cached).toBe(true);
      expect(again.report).toEqual(slp.report);
      const episodes = await admin.outcomes.episodes({
        filters: { discipline: 'SLP', minStudents: 5 },
        model: 'push_in',
      });
      for (const e of episodes.episodes) expect(e.discipline).toBe('SLP');
      // A date range keeps episodes inside it.
      const spring = await admin.outcomes.episodes({
        filters: { from: '2026-01-05', to: '2026-03-01' },
        model: 'pull_out',
      });
      expect(spring.total).toBeGreaterThan(0);
      for (const e of spring.episodes) {
        expect(e.from >= '2026-01-05').toBe(true);
        expect(e.to <= '2026-03-02').toBe(true);
      }
    });

    it('serves a repeat view from the cache without reading observations, until data changes', async () => {
      const recorder = tableRecorder();
      const db = conn.db.withPlugin(recorder.plugin);
      const admin = await as(conn, `admin@${DOMAIN}`, { db });
      const filters = { domain: 'articulation' } as const;
      const first = await admin.outcomes.report(filters);
      expect(first).toMatchObject({ cached: false, stale: false });
      const start = outcomesCache.stats();
      recorder.tables.length = 0;
      const repeat = await admin.outcomes.report(filters);
      expect(repeat.cached).toBe(true);
      expect(repeat.report).toEqual(first.report);
      expect(outcomesCache.stats().hits).toBe(start.hits + 1);
      expect(recorder.tables).toContain('district_data_version');
      expect(recorder.tables).not.toContain('observation');

      // A process that never computed it (a restart, another worker) reads the stored summary:
      // no job runs, no observation or digest is read.
      outcomesCache.clear();
      const jobs = () => outcomesCache.stats().ranOnWorker + outcomesCache.stats().ranOnMainThread;
      const jobsBefore = jobs();
      recorder.tables.length = 0;
      const fromStore = await admin.outcomes.report(filters);
      expect(fromStore).toMatchObject({ cached: true, stale: false, computedAt: first.computedAt });
      expect(fromStore.report).toEqual(first.report);
      expect(recorder.tables).toContain('stored_comparison');
      expect(recorder.tables).not.toContain('observation');
      expect(recorder.tables).not.toContain('goal_comparison_digest');
      expect(jobs()).toBe(jobsBefore);
      // The stored report is parsed once per process: the next view reads which figures are
      // stored (the row's head), not the report again. Spoiling the stored text shows it.
      const storedRow = conn.db
        .selectFrom('stored_comparison')
        .where('district_id', '=', demoDistrict)
        .where('computed_at', '=', first.computedAt);
      const { report: storedText } = await storedRow.select('report').executeTakeFirstOrThrow();
      const spoil = (report: string) =>
        conn.db
          .updateTable('stored_comparison')
          .set({ report })
          .where('district_id', '=', demoDistrict)
          .where('computed_at', '=', first.computedAt)
          .execute();
      await spoil('not json');
      try {
        expect((await admin.outcomes.report(filters)).report).toEqual(first.report);
      } finally {
        await spoil(storedText);
      }

      // Any write that changes the comparison's data changes the version: the stored figures
      // are shown as stale at once, and one fresh comparison is computed in the background.
      await conn.db.transaction().execute((trx) => bumpDataVersion(trx, demoDistrict));
      const after = await admin.outcomes.report(filters);
      expect(after).toMatchObject({ stale: true, cached: true, computedAt: first.computedAt });
      expect(after.report).toEqual(first.report);
      await expect
        .poll(async () => (await admin.outcomes.report(filters)).stale, { timeout: 30_000 })
        .toBe(false);
      expect(jobs()).toBe(jobsBefore + 1);
      const fresh = await admin.outcomes.report(filters);
      expect(fresh).toMatchObject({ stale: false, cached: true });
      expect(fresh.report).toEqual(first.report);

      // So does a new day: yesterday's figures are stale today, and are computed again.
      const tomorrow = new Date(Date.parse(`${TODAY}T18:00:00Z`) + 86_400_000);
      const nextDay = await as(conn, `admin@${DOMAIN}`, { now: () => tomorrow });
      outcomesCache.clear();
      const overnight = await nextDay.outcomes.report(filters);
      expect(overnight).toMatchObject({ stale: true, asOf: TODAY });
      await expect
        .poll(async () => (await nextDay.outcomes.report(filters)).stale, { timeout: 30_000 })
        .toBe(false);
      expect((await nextDay.outcomes.report(filters)).asOf).not.toBe(TODAY);
    }, 90_000);

    it('computes each coordinator’s and admin’s default comparison ahead, so their first view waits for nothing', async () => {
      const storedScopes = () =>
        conn.db
          .selectFrom('stored_comparison')
          .select(['scope_key', 'data_version'])
          .where('district_id', '=', demoDistrict)
          .execute();
      await conn.db
        .deleteFrom('stored_comparison')
        .where('district_id', '=', demoDistrict)
        .execute();
      outcomesCache.clear();
      const jobs = () => outcomesCache.stats().ranOnWorker + outcomesCache.stats().ranOnMainThread;
      const base = { db: conn.db, dialect: conn.dialect, log: silentLogger, now: () => NOW };

      const first = await warmStoredComparisons(base);
      expect(first.failed).toBe(0);
      // The demo's admin (the district) and its coordinator (one school) are two scopes.
      expect((await storedScopes()).length).toBe(2);
      expect(first.computed).toBeGreaterThanOrEqual(2);

      // Their first views, in a process that computed nothing, read the stored figures.
      outcomesCache.clear();
      const before = jobs();
      const coordinator = await as(conn, `coordinator@${DOMAIN}`);
      const admin = await as(conn, `admin@${DOMAIN}`);
      const mine = await coordinator.outcomes.report({});
      const district = await admin.outcomes.report({});
      expect(mine).toMatchObject({ cached: true, stale: false, refreshing: false });
      expect(district).toMatchObject({ cached: true, stale: false, refreshing: false });
      expect(mine.report.counts.students).toBeLessThan(district.report.counts.students);
      expect(jobs()).toBe(before);
      // The figures are the ones the page would have computed itself.
      outcomesCache.clear();
      await conn.db
        .deleteFrom('stored_comparison')
        .where('district_id', '=', demoDistrict)
        .execute();
      expect((await coordinator.outcomes.report({})).report).toEqual(mine.report);

      // Nothing to do while the figures are current; after a change, the stale ones again.
      await warmStoredComparisons(base);
      const again = await warmStoredComparisons(base);
      expect(again).toMatchObject({ computed: 0, failed: 0 });
      expect(again.current).toBeGreaterThanOrEqual(2);
      await conn.db.transaction().execute((trx) => bumpDataVersion(trx, demoDistrict));
      const versions = new Set((await storedScopes()).map((r) => r.data_version));
      const afterChange = await warmStoredComparisons(base);
      expect(afterChange.computed).toBeGreaterThanOrEqual(2);
      const fresh = await storedScopes();
      expect(fresh).toHaveLength(2);
      for (const r of fresh) expect(versions.has(r.data_version)).toBe(false);

      // A coordinator of every school sees what the admin sees: one scope, not two.
      const staff = await conn.db
        .selectFrom('staff_user')
        .select('id')
        .where('email', '=', `coordinator@${DOMAIN}`)
        .executeTakeFirstOrThrow();
      const others = await conn.db
        .selectFrom('school')
        .select('id')
        .where('district_id', '=', demoDistrict)
        .where('id', '!=', keptSchool)
        .execute();
      await conn.db
        .insertInto('staff_school')
        .values(
          others.map((s) => ({ district_id: demoDistrict, staff_id: staff.id, school_id: s.id })),
        )
        .execute();
      try {
        outcomesCache.clear();
        const shared = await coordinator.outcomes.report({});
        expect(shared).toMatchObject({ cached: true, stale: false });
        expect(shared.report).toEqual(district.report);
        expect(await warmStoredComparisons(base)).toMatchObject({ computed: 0, failed: 0 });
      } finally {
        await conn.db
          .deleteFrom('staff_school')
          .where('district_id', '=', demoDistrict)
          .where('staff_id', '=', staff.id)
          .where('school_id', '!=', keptSchool)
          .execute();
      }
    }, 90_000);

    it('keeps the stored figures of each scope apart, and forgets them when a student record is deleted', async () => {
      const coordinator = await as(conn, `coordinator@${DOMAIN}`);
      const admin = await as(conn, `admin@${DOMAIN}`);
      const mine = await coordinator.outcomes.report({ discipline: 'OT' });
      const district = await admin.outcomes.report({ discipline: 'OT' });
      outcomesCache.clear();
      // From the store, each viewer gets their own scope's figures, not the other's.
      expect((await coordinator.outcomes.report({ discipline: 'OT' })).report).toEqual(mine.report);
      expect((await admin.outcomes.report({ discipline: 'OT' })).report).toEqual(district.report);
      expect(mine.report.counts.students).toBeLessThan(district.report.counts.students);
      const stored = () =>
        conn.db
          .selectFrom('stored_comparison')
          .select('scope_key')
          .where('district_id', '=', demoDistrict)
          .execute();
      expect((await stored()).length).toBeGreaterThanOrEqual(2);
      // No student's row is kept: the stored summary holds no student id.
      const rows = await conn.db
        .selectFrom('stored_comparison')
        .select('report')
        .where('district_id', '=', demoDistrict)
        .execute();
      const someStudent = [...studentSchool.keys()][0]!;
      for (const r of rows) expect(r.report).not.toContain(someStudent);

      // A deleted record's data went into them: they go with it, and the next view computes.
      const actor = await conn.db
        .selectFrom('staff_user')
        .select('id')
        .where('email', '=', `admin@${DOMAIN}`)
        .executeTakeFirstOrThrow();
      const gone = await deleteStudentRecord(conn.db, {
        districtId: demoDistrict,
        studentId: someStudent,
        actorId: actor.id,
        action: 'test.deleteStudent',
        at: `${TODAY}T12:00:00.000Z`,
      });
      expect(gone?.deleted.stored_comparison).toBeGreaterThanOrEqual(2);
      expect(await stored()).toEqual([]);
      outcomesCache.clear();
      expect(await admin.outcomes.report({ discipline: 'OT' })).toMatchObject({
        cached: false,
        stale: false,
      });
    }, 60_000);

    it('answers a clear error when the worker hits its memory ceiling, and recovers', async () => {
      const admin = await as(conn, `admin@${DOMAIN}`);
      outcomesCache.clear();
      // Far below what the worker needs: a memory error, never a fallback to the main thread.
      const before = outcomesCache.stats();
      await outcomesCache.setMemoryLimit(4);
      try {
        await expect(admin.outcomes.report({ gradeBand: '3–5' })).rejects.toMatchObject({
          code: 'PAYLOAD_TOO_LARGE',
          message: expect.stringContaining('Narrow the filters'),
        });
      } finally {
        await outcomesCache.setMemoryLimit(DEFAULT_WORKER_MAX_OLD_MB);
      }
      expect(outcomesCache.stats().ranOnMainThread).toBe(before.ranOnMainThread);
      const r = await admin.outcomes.report({ gradeBand: '3–5' });
      expect(r.cached).toBe(false);
      expect(r.report.counts.episodes).toBeGreaterThan(0);
    }, 90_000);

    it('leaves a stale scope to the process that claimed its recompute; a claim left too long is taken over, a stored result clears it', async () => {
      const admin = await as(conn, `admin@${DOMAIN}`);
      const filters = { gradeBand: '3–5', minStudents: 5 } as const;
      const first = await admin.outcomes.report(filters);
      const row = await conn.db
        .selectFrom('stored_comparison')
        .select('scope_key')
        .where('district_id', '=', demoDistrict)
        .where('computed_at', '=', first.computedAt)
        .executeTakeFirstOrThrow();
      await conn.db.transaction().execute((trx) => bumpDataVersion(trx, demoDistrict));
      // Another server process claimed the recompute a minute ago.
      const minuteAgo = new Date(NOW.getTime() - 60_000);
      expect(await claimComparisonRefresh(conn.db, demoDistrict, row.scope_key, minuteAgo)).toBe(
        true,
      );
      expect(await claimComparisonRefresh(conn.db, demoDistrict, row.scope_key, NOW)).toBe(false);
      const claimedAt = async () =>
        (
          await conn.db
            .selectFrom('stored_comparison')
            .select('refresh_claimed_at')
            .where('district_id', '=', demoDistrict)
            .where('scope_key', '=', row.scope_key)
            .executeTakeFirstOrThrow()
        ).refresh_claimed_at;
      outcomesCache.clear();
      const elsewhere = await admin.outcomes.report(filters);
      expect(elsewhere).toMatchObject({ stale: true, refreshing: true });
      expect(elsewhere.report).toEqual(first.report);
      // Still the other process's claim: this one started nothing.
      expect(await claimedAt()).toBe(minuteAgo.toISOString());
      // A claim older than REFRESH_CLAIM_MS is taken over: that process is gone or stuck.
      const later = new Date(minuteAgo.getTime() + REFRESH_CLAIM_MS + 1);
      expect(await claimComparisonRefresh(conn.db, demoDistrict, row.scope_key, later)).toBe(true);
      expect(await claimedAt()).toBe(later.toISOString());
      // Fresh figures stored clear the claim.
      await storeComparison(conn.db, demoDistrict, {
        scope_key: row.scope_key,
        as_of: TODAY,
        data_version: 'fresh',
        report: JSON.stringify(first.report),
        compute_ms: 1,
        computed_at: NOW.toISOString(),
      });
      expect(await claimedAt()).toBeNull();
      expect(await claimComparisonRefresh(conn.db, demoDistrict, row.scope_key, NOW)).toBe(true);
      await releaseComparisonRefresh(conn.db, demoDistrict, row.scope_key);
      expect(await claimedAt()).toBeNull();
    }, 90_000);

    it('keeps showing stale figures when the fresh compute fails, and does not retry it on every poll', async () => {
      const admin = await as(conn, `admin@${DOMAIN}`);
      const filters = { gradeBand: '6–8', minStudents: 20 } as const;
      const first = await admin.outcomes.report(filters);
      expect(first.stale).toBe(false);
      await conn.db.transaction().execute((trx) => bumpDataVersion(trx, demoDistrict));
      outcomesCache.clear();
      await outcomesCache.setMemoryLimit(4);
      try {
        const during = await admin.outcomes.report(filters);
        expect(during).toMatchObject({ stale: true, refreshing: true });
        await expect
          .poll(async () => (await admin.outcomes.report(filters)).refreshing, { timeout: 30_000 })
          .toBe(false);
        const misses = outcomesCache.stats().misses;
        const after = await admin.outcomes.report(filters);
        expect(after).toMatchObject({ stale: true, refreshing: false });
        expect(after.report).toEqual(first.report);
        expect(outcomesCache.stats().misses).toBe(misses);
      } finally {
        await outcomesCache.setMemoryLimit(DEFAULT_WORKER_MAX_OLD_MB);
      }
      // The next change to the records tries again.
      await conn.db.transaction().execute((trx) => bumpDataVersion(trx, demoDistrict));
      expect(await admin.outcomes.report(filters)).toMatchObject({ stale: true, refreshing: true });
      await expect
        .poll(async () => (await admin.outcomes.report(filters)).stale, { timeout: 30_000 })
        .toBe(false);
    }, 90_000);

    it('serves users in turn: one user’s many comparisons do not hold up another’s', async () => {
      outcomesCache.clear();
      const coordinator = await as(conn, `coordinator@${DOMAIN}`);
      const admin = await as(conn, `admin@${DOMAIN}`);
      const finished: string[] = [];
      // Six distinct comparisons from one coordinator, queued one after another while the
      // queue is held, then one from an admin; released together, the worker takes turns.
      const mine = (['SLP', 'OT', 'PT'] as const).flatMap((discipline) =>
        [5, 20].map((minStudents) => ({ discipline, minStudents })),
      );
      const theirs = { gradeBand: '6–8' as const, minStudents: 5 };
      const release = outcomesCache.hold();
      const calls: Promise<unknown>[] = [];
      try {
        const queue = async (
          name: string,
          run: () => Promise<unknown>,
          status: () => Promise<{ state: string }>,
        ) => {
          calls.push(run().then(() => finished.push(name)));
          await expect.poll(async () => (await status()).state).toBe('waiting');
        };
        for (const [i, f] of mine.entries())
          await queue(
            `coordinator ${i + 1}`,
            () => coordinator.outcomes.report(f),
            () => coordinator.outcomes.queueStatus(f),
          );
        await queue(
          'admin',
          () => admin.outcomes.report(theirs),
          () => admin.outcomes.queueStatus(theirs),
        );
        // The admin waits for one job (the coordinator's first), not six.
        expect(await admin.outcomes.queueStatus(theirs)).toMatchObject({
          state: 'waiting',
          ahead: 1,
        });
        expect(await coordinator.outcomes.queueStatus(mine[4]!)).toMatchObject({
          state: 'waiting',
          ahead: 5,
        });
        // The same comparison asked again shares the waiting job rather than queueing another.
        const misses = outcomesCache.stats().misses;
        calls.push(admin.outcomes.report(theirs).then((r) => expect(r.cached).toBe(true)));
        await expect.poll(() => outcomesCache.stats().hits).toBeGreaterThan(0);
        expect(outcomesCache.stats().misses).toBe(misses);
      } finally {
        release();
      }
      await Promise.all(calls);
      expect(finished.indexOf('admin')).toBeLessThan(finished.indexOf('coordinator 5'));
      expect(finished.slice(0, 2)).toEqual(['coordinator 1', 'admin']);
      expect(await admin.outcomes.queueStatus(theirs)).toEqual({ state: 'ready' });
    }, 120_000);

    it('loads and computes on the worker thread, not the event loop', async () => {
      outcomesCache.clear();
      const admin = await as(conn, `admin@${DOMAIN}`);
      const before = outcomesCache.stats();
      const r = await admin.outcomes.report({ gradeBand: 'K–2' });
      expect(r.cached).toBe(false);
      const after = outcomesCache.stats();
      // Counted, not timed (timings belong in `pnpm bench`): the job, loading included, ran on
      // the worker.
      expect(after.ranOnWorker).toBe(before.ranOnWorker + 1);
      expect(after.ranOnMainThread).toBe(before.ranOnMainThread);
      expect(after.loadedOnMainThread).toBe(before.loadedOnMainThread);
      // From the bundle built at the thread's start, not TypeScript through tsx's loader.
      expect(after.workerCode).toBe('bundle');
    });
  });
}

afterAll(() => outcomesCache.terminate());
