import type { Connection } from '@carryover/db';
import { seedDemoDistrict } from '@carryover/db/demo';
import { testTargets } from '@carryover/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { as, buildFixture, emails, fixturePasswordHash, openTestDb, TODAY } from './fixtures';

// The demo district's past reporting periods have their final progress reports: listed and
// opened like any final report, drafted exactly as `reports.generate` drafts them, and unseen
// by anyone outside the district.

const targets = await testTargets();
const DOMAIN = 'demo-reports.test';

for (const target of targets) {
  describe(`the demo district's finalised reports on ${target.dialect}`, () => {
    let conn: Connection;
    let districtId: string;
    let slpId: string;
    beforeAll(async () => {
      conn = await openTestDb(target);
      await buildFixture(conn.db);
      const demo = await seedDemoDistrict(conn.db, {
        students: 40,
        seed: 11,
        today: TODAY,
        passwordHash: await fixturePasswordHash(),
        emailDomain: DOMAIN,
      });
      districtId = demo.districtId;
      slpId = (
        await conn.db
          .selectFrom('staff_user')
          .select('id')
          .where('email', '=', `slp@${DOMAIN}`)
          .executeTakeFirstOrThrow()
      ).id;
    }, 120_000);
    afterAll(async () => {
      await conn?.close();
    });

    /** The slp's final reports of a period, with the report rows. */
    const slpReports = (periodId: string) =>
      conn.db
        .selectFrom('progress_report')
        .selectAll()
        .where('district_id', '=', districtId)
        .where('period_id', '=', periodId)
        .where('finalized_by', '=', slpId)
        .orderBy('id')
        .execute();

    it('lists a final report for each past period’s students and none for the current period', async () => {
      const slp = await as(conn, `slp@${DOMAIN}`);
      const periods = await slp.reports.periods();
      const past = periods.filter((p) => p.endsOn < TODAY);
      expect(past.length).toBe(2);
      for (const period of past) {
        const rows = await slp.reports.list({ periodId: period.id });
        const begun = new Set(
          (
            await conn.db
              .selectFrom('goal')
              .select('student_id')
              .where('district_id', '=', districtId)
              .where('start_date', '<=', period.endsOn)
              .execute()
          ).map((g) => g.student_id),
        );
        const due = rows.filter((r) => begun.has(r.studentId));
        expect(due.length).toBeGreaterThan(0);
        for (const r of due) {
          expect(r.report?.status, r.name).toBe('final');
          expect(r.report!.finalizedAt! > `${period.endsOn}T`).toBe(true);
        }
      }
      const current = periods.find((p) => p.current)!;
      expect(current.endsOn >= TODAY).toBe(true);
      const now = await slp.reports.list({ periodId: current.id });
      expect(now.every((r) => r.report === null)).toBe(true);
    });

    it('opens a past report as finalised by the therapist, with its graphs up to the period’s end, audited', async () => {
      const slp = await as(conn, `slp@${DOMAIN}`);
      const period = (await slp.reports.periods()).find((p) => p.endsOn < TODAY)!;
      const [row] = await slpReports(period.id);
      expect(row).toBeDefined();
      const view = await slp.reports.get({ reportId: row!.id });
      const slpName = (
        await conn.db
          .selectFrom('staff_user')
          .select('name')
          .where('id', '=', slpId)
          .executeTakeFirstOrThrow()
      ).name;
      expect(view.status).toBe('final');
      expect(view.finalizedBy).toBe(slpName);
      expect(view.finalizedAt).toBe(row!.finalized_at);
      expect(view.canFinalize).toBe(false);
      expect(view.readiness.every((r) => r.ready)).toBe(true);
      const lines = await conn.db
        .selectFrom('progress_report_goal')
        .selectAll()
        .where('district_id', '=', districtId)
        .where('report_id', '=', row!.id)
        .execute();
      expect(view.goals.length).toBe(lines.length);
      for (const g of view.goals) {
        const line = lines.find((l) => l.goal_id === g.goalId)!;
        expect(g.editable).toBe(false);
        expect([g.statusCode, g.gasScore, g.narrative]).toEqual([
          line.status_code,
          Number(line.gas_score),
          line.narrative,
        ]);
        expect(g.graph).toBeDefined();
        expect(g.graph!.points.every((p) => p.date <= period.endsOn)).toBe(true);
      }
      const read = await conn.db
        .selectFrom('audit_event')
        .select(['outcome', 'student_id'])
        .where('action', '=', 'reports.get')
        .where('entity_id', '=', row!.id)
        .execute();
      expect(read).toEqual([{ outcome: 'ok', student_id: row!.student_id }]);
    });

    it('drafted each line exactly as reports.generate does: regenerating gives the same lines', async () => {
      const periods = await conn.db
        .selectFrom('reporting_period')
        .selectAll()
        .where('district_id', '=', districtId)
        .where('ends_on', '<', TODAY)
        .orderBy('starts_on')
        .execute();
      const candidates: {
        report: Awaited<ReturnType<typeof slpReports>>[number];
        period: (typeof periods)[number];
      }[] = [];
      for (const period of periods) {
        for (const report of await slpReports(period.id)) {
          // A goal whose phase changed after the report was finalised is judged differently
          // now (a goal mastered since): the seed judged it as it stood then.
          const later = await conn.db
            .selectFrom('goal_phase_change')
            .innerJoin('goal', 'goal.id', 'goal_phase_change.goal_id')
            .select('goal.id')
            .where('goal.district_id', '=', districtId)
            .where('goal.student_id', '=', report.student_id)
            .where('goal_phase_change.changed_on', '>', period.ends_on)
            .execute();
          if (later.length === 0) candidates.push({ report, period });
        }
      }
      expect(candidates.length).toBeGreaterThan(0);
      for (const { report, period } of candidates.slice(0, 3)) {
        const seeded = await conn.db
          .selectFrom('progress_report_goal')
          .select(['goal_id', 'status_code', 'gas_computed', 'narrative'])
          .where('district_id', '=', districtId)
          .where('report_id', '=', report.id)
          .orderBy('goal_id')
          .execute();
        for (const table of ['progress_report_ready', 'progress_report_goal'] as const)
          await conn.db.deleteFrom(table).where('report_id', '=', report.id).execute();
        await conn.db.deleteFrom('progress_report').where('id', '=', report.id).execute();
        // The therapist generating it on the day it was finalised.
        const then = new Date(report.finalized_at!);
        const slp = await as(conn, `slp@${DOMAIN}`, { now: () => then });
        const made = await slp.reports.generate({
          studentId: report.student_id,
          periodId: period.id,
        });
        expect(made.created).toBe(true);
        const drafted = await conn.db
          .selectFrom('progress_report_goal')
          .select(['goal_id', 'status_code', 'gas_computed', 'narrative'])
          .where('district_id', '=', districtId)
          .where('report_id', '=', made.id)
          .orderBy('goal_id')
          .execute();
        expect(drafted.length).toBeGreaterThan(0);
        expect(drafted.map((l) => ({ ...l, gas_computed: Number(l.gas_computed) }))).toEqual(
          seeded.map((l) => ({ ...l, gas_computed: Number(l.gas_computed) })),
        );
      }
    });

    it('amends a past report and keeps its finalised version printable as it was', async () => {
      const slp = await as(conn, `slp@${DOMAIN}`);
      const period = (await slp.reports.periods()).filter((p) => p.endsOn < TODAY).at(-1)!;
      const report = (await slpReports(period.id)).at(-1)!;
      const before = await slp.reports.get({ reportId: report.id });
      expect(before.versions).toEqual([]);
      const amended = await slp.reports.amend({
        reportId: report.id,
        reason: 'A late classroom probe changes the second goal',
      });
      expect(amended.version).toBe(2);
      const draft = await slp.reports.get({ reportId: report.id });
      expect([draft.status, draft.version]).toEqual(['draft', 2]);
      expect(draft.versions.map((v) => [v.version, v.finalizedAt, v.finalizedBy])).toEqual([
        [1, report.finalized_at, before.finalizedBy],
      ]);
      const first = await slp.reports.get({ reportId: report.id, version: 1 });
      expect([first.status, first.isLatest, first.finalizedAt]).toEqual([
        'final',
        false,
        report.finalized_at,
      ]);
      expect(first.goals.map((g) => [g.goalId, g.statusCode, g.gasScore, g.narrative])).toEqual(
        before.goals.map((g) => [g.goalId, g.statusCode, g.gasScore, g.narrative]),
      );
    });

    it('answers NOT_FOUND to another district’s therapist, and audits the refusal', async () => {
      const [report] = await conn.db
        .selectFrom('progress_report')
        .select(['id', 'period_id'])
        .where('district_id', '=', districtId)
        .where('status', '=', 'final')
        .orderBy('id')
        .limit(1)
        .execute();
      const outsider = await as(conn, emails.slp);
      await expect(outsider.reports.get({ reportId: report!.id })).rejects.toMatchObject({
        code: 'NOT_FOUND',
      });
      await expect(outsider.reports.list({ periodId: report!.period_id })).rejects.toMatchObject({
        code: 'NOT_FOUND',
      });
      const denied = await conn.db
        .selectFrom('audit_event')
        .select('outcome')
        .where('action', '=', 'reports.get')
        .where('entity_id', '=', report!.id)
        .execute();
      expect(denied).toEqual([{ outcome: 'denied' }]);
    });
  });
}
