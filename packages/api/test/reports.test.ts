import type { Connection } from '@carryover/db';
import { testTargets } from '@carryover/db/testing';
import { getErrorShape, type TRPCError } from '@trpc/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appRouter } from '../src/root';
import { REPORT_IS_FINAL, REPORT_NOT_FOUND } from '../src/router/reports';
import { STUDENT_NOT_FOUND } from '../src/scope';
import {
  A,
  addReportingPeriods,
  as,
  B,
  buildFixture,
  emails,
  openTestDb,
  PERIODS,
  silentLogger,
} from './fixtures';

const targets = await testTargets();

function fieldsOf(error: unknown): Record<string, string[]> {
  const shape = getErrorShape({
    config: appRouter._def._config,
    error: error as TRPCError,
    type: 'mutation',
    path: 'reports',
    input: undefined,
    ctx: { log: silentLogger } as never,
  });
  return (shape.data as { fieldErrors: Record<string, string[]> | null }).fieldErrors ?? {};
}

for (const target of targets) {
  describe(`progress reports on ${target.dialect}`, () => {
    let conn: Connection;
    let avaReport: string;
    let caraReport: string;
    beforeAll(async () => {
      conn = await openTestDb(target);
      await buildFixture(conn.db);
      await addReportingPeriods(conn.db);
    });
    afterAll(() => conn?.close());

    const line = async (reportId: string, goalId: string) =>
      conn.db
        .selectFrom('progress_report_goal')
        .selectAll()
        .where('report_id', '=', reportId)
        .where('goal_id', '=', goalId)
        .executeTakeFirstOrThrow();

    it("lists the district's periods with the current one marked, and none of another district's", async () => {
      const ot = await as(conn, emails.ot);
      const periods = await ot.reports.periods();
      expect(periods.map((p) => [p.id, p.current])).toEqual([
        [PERIODS.q2.id, false],
        [PERIODS.q3.id, true],
      ]);
      const rows = await ot.reports.list({ periodId: PERIODS.q3.id });
      expect(rows.map((r) => r.studentId).sort()).toEqual([A.students.ava, A.students.ben]);
      expect(rows.every((r) => r.report === null)).toBe(true);
      await expect(ot.reports.list({ periodId: 'rp-b' })).rejects.toMatchObject({
        code: 'NOT_FOUND',
      });
    });

    it('generates a draft from the data: status codes, computed GAS and narratives', async () => {
      const ot = await as(conn, emails.ot);
      const first = await ot.reports.generate({
        studentId: A.students.ava,
        periodId: PERIODS.q3.id,
      });
      expect(first.created).toBe(true);
      avaReport = first.id;
      // Generating again opens the same report.
      const again = await ot.reports.generate({
        studentId: A.students.ava,
        periodId: PERIODS.q3.id,
      });
      expect(again).toEqual({ id: avaReport, created: false });

      const report = await ot.reports.get({ reportId: avaReport });
      expect(report.status).toBe('draft');
      expect(report.studentName).toBe('Ava Lopez');
      expect(report.period.name).toBe('Q3 2025–26');
      const artic = report.goals.find((g) => g.goalId === A.goals.avaArtic)!;
      // 65, 70, 75 % against a 20 → 80 % goal: level (median) 0.83. Q3 is still under way, so
      // it is judged as of today (Mar 11), where the aim line is at 0.70, not at its Mar 31 end.
      expect(artic.statusCode).toBe('sufficient_progress');
      expect(artic.gasComputed).toBe(1);
      expect(artic.gasScore).toBe(1);
      expect(artic.gasExplanation).toBe(
        'Level 83% of the way to the target on Mar 11; the aim line expected 70%, so the level is 13 points above it: +1 (more than expected).',
      );
      expect(artic.narrative).toMatch(/^Across 3 sessions this period \(Mar 2 – Mar 9\), Ava/);
      expect(artic.editable).toBe(false); // the SLP's goal
      const handwriting = report.goals.find((g) => g.goalId === A.goals.avaHandwriting)!;
      expect(handwriting.statusCode).toBe('not_yet_introduced');
      expect(handwriting.editable).toBe(true);
      // Ava's report covers SLP and OT goals: the OT finalises only once the SLP is ready.
      expect(report.canFinalize).toBe(false);
      expect(report.waitingFor).toEqual(['SLP']);
      expect(report.readiness.map((r) => [r.discipline, r.ready])).toEqual([
        ['OT', false],
        ['SLP', false],
      ]);

      const list = await ot.reports.list({ periodId: PERIODS.q3.id });
      expect(list.find((r) => r.studentId === A.students.ava)?.report).toMatchObject({
        id: avaReport,
        status: 'draft',
      });
    });

    it('saves an edited narrative and a score override with its reason', async () => {
      const ot = await as(conn, emails.ot);
      await ot.reports.updateGoal({
        reportId: avaReport,
        goalId: A.goals.avaHandwriting,
        expectedVersion: 1,
        statusCode: 'not_yet_introduced',
        gasScore: -1,
        gasOverrideReason: 'Started late because of the splint',
        narrative: 'Ava starts handwriting work next month.',
      });
      const row = await line(avaReport, A.goals.avaHandwriting);
      expect(row).toMatchObject({
        gas_score: -1,
        gas_computed: 0,
        gas_override_reason: 'Started late because of the splint',
        narrative: 'Ava starts handwriting work next month.',
      });
      const event = await conn.db
        .selectFrom('audit_event')
        .selectAll()
        .where('action', '=', 'reports.updateGoal')
        .executeTakeFirstOrThrow();
      expect(event).toMatchObject({ outcome: 'ok', student_id: A.students.ava });
    });

    it('refuses an override without a reason, an empty narrative, and another discipline’s goal', async () => {
      const ot = await as(conn, emails.ot);
      const before = await line(avaReport, A.goals.avaHandwriting);
      const noReason = await ot.reports
        .updateGoal({
          reportId: avaReport,
          goalId: A.goals.avaHandwriting,
          expectedVersion: 1,
          statusCode: 'sufficient_progress',
          gasScore: 2,
          narrative: 'Changed',
        })
        .catch((e) => e);
      expect(noReason.code).toBe('BAD_REQUEST');
      expect(Object.keys(fieldsOf(noReason))).toEqual(['gasOverrideReason']);
      const empty = await ot.reports
        .updateGoal({
          reportId: avaReport,
          goalId: A.goals.avaHandwriting,
          expectedVersion: 1,
          statusCode: 'sufficient_progress',
          gasScore: 0,
          narrative: '   ',
        })
        .catch((e) => e);
      expect(Object.keys(fieldsOf(empty))).toEqual(['narrative']);
      const outOfRange = await ot.reports
        .updateGoal({
          reportId: avaReport,
          goalId: A.goals.avaHandwriting,
          expectedVersion: 1,
          statusCode: 'sufficient_progress',
          gasScore: 3,
          narrative: 'x',
        })
        .catch((e) => e);
      expect(Object.keys(fieldsOf(outOfRange))).toEqual(['gasScore']);
      expect(await line(avaReport, A.goals.avaHandwriting)).toEqual(before);

      await expect(
        ot.reports.updateGoal({
          reportId: avaReport,
          goalId: A.goals.avaArtic,
          expectedVersion: 1,
          statusCode: 'mastered',
          gasScore: 1,
          narrative: 'The OT should not write this.',
        }),
      ).rejects.toMatchObject({ code: 'FORBIDDEN' });
      expect((await line(avaReport, A.goals.avaArtic)).narrative).not.toContain('OT');
    });

    it('answers NOT_FOUND alike for a report out of scope, in another district, or missing', async () => {
      const slp = await as(conn, emails.slp);
      caraReport = (
        await slp.reports.generate({ studentId: A.students.cara, periodId: PERIODS.q3.id })
      ).id;
      const ot = await as(conn, emails.ot);
      for (const reportId of [caraReport, 'no-such-report']) {
        await expect(ot.reports.get({ reportId })).rejects.toMatchObject({
          code: 'NOT_FOUND',
          message: REPORT_NOT_FOUND,
        });
        await expect(ot.reports.finalize({ reportId })).rejects.toMatchObject({
          code: 'NOT_FOUND',
          message: REPORT_NOT_FOUND,
        });
      }
      const other = await as(conn, emails.otherDistrict);
      await expect(other.reports.get({ reportId: avaReport })).rejects.toMatchObject({
        code: 'NOT_FOUND',
        message: REPORT_NOT_FOUND,
      });
      await expect(
        ot.reports.generate({ studentId: A.students.cara, periodId: PERIODS.q3.id }),
      ).rejects.toMatchObject({ code: 'NOT_FOUND', message: STUDENT_NOT_FOUND });
      await expect(
        ot.reports.generate({ studentId: B.student, periodId: PERIODS.q3.id }),
      ).rejects.toMatchObject({ code: 'NOT_FOUND', message: STUDENT_NOT_FOUND });
      const badPeriod = await ot.reports
        .generate({ studentId: A.students.ben, periodId: 'rp-b' })
        .catch((e) => e);
      expect(Object.keys(fieldsOf(badPeriod))).toEqual(['periodId']);
      const denied = await conn.db
        .selectFrom('audit_event')
        .selectAll()
        .where('actor_id', '=', A.staff.ot)
        .where('outcome', '=', 'denied')
        .where('action', '=', 'reports.get')
        .execute();
      expect(denied.map((e) => e.entity_id).sort()).toEqual([caraReport, 'no-such-report'].sort());
    });

    it('lets a teacher read a report of their class, but not change it', async () => {
      const teacher = await as(conn, emails.teacher);
      const report = await teacher.reports.get({ reportId: avaReport });
      expect(report.goals.every((g) => !g.editable)).toBe(true);
      expect(report.canFinalize).toBe(false);
      await expect(teacher.reports.finalize({ reportId: avaReport })).rejects.toMatchObject({
        code: 'FORBIDDEN',
      });
      await expect(
        teacher.reports.generate({ studentId: A.students.ben, periodId: PERIODS.q3.id }),
      ).rejects.toMatchObject({ code: 'FORBIDDEN' });
    });

    it('asks for a reason to keep "Sufficient progress" beside a GAS of −2, and shows it', async () => {
      const ot = await as(conn, emails.ot);
      const before = await line(avaReport, A.goals.avaHandwriting);
      const edit = {
        reportId: avaReport,
        goalId: A.goals.avaHandwriting,
        expectedVersion: Number(before.version),
        statusCode: 'sufficient_progress' as const,
        gasScore: -2,
        gasOverrideReason: 'Two months of absence',
        narrative: 'Ava missed most of the period.',
      };
      const refused = await ot.reports.updateGoal(edit).catch((e: unknown) => e);
      expect(refused).toMatchObject({ code: 'BAD_REQUEST' });
      expect(fieldsOf(refused).statusReason?.[0]).toMatch(/confirm it by saying why/);
      expect(await line(avaReport, A.goals.avaHandwriting)).toEqual(before);
      // A blank reason is no confirmation either.
      await expect(ot.reports.updateGoal({ ...edit, statusReason: '  ' })).rejects.toMatchObject({
        code: 'BAD_REQUEST',
      });
      await ot.reports.updateGoal({ ...edit, statusReason: 'Catching up fast since she returned' });
      const saved = await line(avaReport, A.goals.avaHandwriting);
      expect(saved).toMatchObject({
        status_code: 'sufficient_progress',
        gas_score: -2,
        status_reason: 'Catching up fast since she returned',
      });
      const view = await ot.reports.get({ reportId: avaReport });
      const hw = view.goals.find((g) => g.goalId === A.goals.avaHandwriting)!;
      expect(hw.statusReason).toBe('Catching up fast since she returned');
      expect(hw.gasOverrideReason).toBe('Two months of absence');
      // Another status, or another score, needs no such reason, and keeps none.
      await ot.reports.updateGoal({
        ...edit,
        expectedVersion: Number(saved.version),
        statusCode: 'insufficient_progress',
        statusReason: 'left over',
      });
      expect((await line(avaReport, A.goals.avaHandwriting)).status_reason).toBeNull();
    });

    it('finalising with unsaved edits refuses with a clear message when an edit cannot be saved', async () => {
      const ot = await as(conn, emails.ot);
      const slp = await as(conn, emails.slp);
      await slp.reports.markReady({ reportId: avaReport, discipline: 'SLP', ready: true });
      const before = await line(avaReport, A.goals.avaHandwriting);
      const err = await ot.reports
        .finalize({
          reportId: avaReport,
          edits: [
            {
              goalId: A.goals.avaHandwriting,
              expectedVersion: Number(before.version),
              statusCode: 'insufficient_progress',
              gasScore: 2, // not the computed 0, and no reason
              narrative: 'Words typed and never saved.',
            },
          ],
        })
        .catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'BAD_REQUEST' });
      expect((err as Error).message).toMatch(
        /^The report was not finalised: your unsaved edits to a goal could not be saved \(Give a reason for changing the computed score\)/,
      );
      expect(await line(avaReport, A.goals.avaHandwriting)).toEqual(before);
      expect((await ot.reports.get({ reportId: avaReport })).status).toBe('draft');
    });

    it('locks a finalised report: no line, status or score can change', async () => {
      const ot = await as(conn, emails.ot);
      const slp = await as(conn, emails.slp);
      await slp.reports.markReady({ reportId: avaReport, discipline: 'SLP', ready: true });
      // The finaliser's unsaved edit goes with the finalisation and is saved first.
      const unsaved = await line(avaReport, A.goals.avaHandwriting);
      const { finalizedAt } = await ot.reports.finalize({
        reportId: avaReport,
        edits: [
          {
            goalId: A.goals.avaHandwriting,
            expectedVersion: Number(unsaved.version),
            statusCode: 'not_yet_introduced',
            gasScore: 0,
            narrative: 'Typed, not saved, then finalised.',
          },
        ],
      });
      const report = await ot.reports.get({ reportId: avaReport });
      expect(report.goals.find((g) => g.goalId === A.goals.avaHandwriting)!.narrative).toBe(
        'Typed, not saved, then finalised.',
      );
      expect(report.status).toBe('final');
      expect(report.finalizedAt).toBe(finalizedAt);
      expect(report.finalizedBy).toBe('Olive Occupational');
      expect(report.goals.every((g) => !g.editable)).toBe(true);
      const before = await line(avaReport, A.goals.avaHandwriting);
      await expect(
        ot.reports.updateGoal({
          reportId: avaReport,
          goalId: A.goals.avaHandwriting,
          expectedVersion: 1,
          statusCode: 'mastered',
          gasScore: 0,
          narrative: 'Rewritten after the fact',
        }),
      ).rejects.toMatchObject({ code: 'CONFLICT', message: REPORT_IS_FINAL });
      await expect(ot.reports.finalize({ reportId: avaReport })).rejects.toMatchObject({
        code: 'CONFLICT',
      });
      const admin = await as(conn, emails.admin);
      await expect(
        admin.reports.updateGoal({
          reportId: avaReport,
          goalId: A.goals.avaArtic,
          expectedVersion: 1,
          statusCode: 'mastered',
          gasScore: 1,
          narrative: 'Admins cannot either',
        }),
      ).rejects.toMatchObject({ code: 'CONFLICT' });
      expect(await line(avaReport, A.goals.avaHandwriting)).toEqual(before);
      const row = await conn.db
        .selectFrom('progress_report')
        .select(['status', 'finalized_by'])
        .where('id', '=', avaReport)
        .executeTakeFirstOrThrow();
      expect(row).toEqual({ status: 'final', finalized_by: A.staff.ot });
    });

    it("prints every final report of the caseload in one read, each with its graph, audited, and none beyond the viewer's scope", async () => {
      const ot = await as(conn, emails.ot);
      const all = await ot.reports.printAll({ periodId: PERIODS.q3.id });
      // Ava's report is final; the OT's other student (Ben) has none: only finals are printed.
      expect(all.map((r) => r.id)).toEqual([avaReport]);
      const artic = all[0]!.goals.find((g) => g.goalId === A.goals.avaArtic)!;
      // The graph is the data the report stands on: no point after the period's (or today's) end.
      expect(artic.graph?.points.map((p) => p.date)).toEqual(artic.points.map((p) => p.date));
      expect(artic.graph?.points.length).toBeGreaterThan(0);
      expect(artic.graph?.points.every((p) => p.date <= '2026-03-31')).toBe(true);
      const audited = await conn.db
        .selectFrom('audit_event')
        .select(['entity_id', 'student_id', 'outcome'])
        .where('action', '=', 'reports.printAll')
        .execute();
      expect(audited).toEqual([
        { entity_id: avaReport, student_id: A.students.ava, outcome: 'ok' },
      ]);

      // Another district's user cannot name this district's period; the admin prints it all.
      const other = await as(conn, emails.otherDistrict);
      await expect(other.reports.printAll({ periodId: PERIODS.q3.id })).rejects.toMatchObject({
        code: 'NOT_FOUND',
      });
      const admin = await as(conn, emails.admin);
      const adminIds = (await admin.reports.printAll({ periodId: PERIODS.q3.id })).map((r) => r.id);
      expect(adminIds).toContain(avaReport);
    });

    it("prints the parent letter in the family's language, kept on the student and refused when it is not a language tag", async () => {
      const admin = await as(conn, emails.admin);
      const before = await admin.students.get({ studentId: A.students.ava });
      expect(before.familyLanguage).toBe('en');
      const fields = {
        studentId: A.students.ava,
        firstName: before.firstName,
        lastName: before.lastName,
        dateOfBirth: before.dateOfBirth,
        grade: before.grade,
        iepStart: before.iepStart,
        iepAnnualReview: before.iepAnnualReview,
        iepReevaluation: before.iepReevaluation,
      };
      const refused = await admin.students
        .update({ ...fields, familyLanguage: 'Spanish', expectedVersion: before.version })
        .catch((e: unknown) => e);
      expect(fieldsOf(refused)).toEqual({
        familyLanguage: ['Use a language tag such as en or es'],
      });
      expect((await admin.students.get({ studentId: A.students.ava })).version).toBe(
        before.version,
      );
      await admin.students.update({
        ...fields,
        familyLanguage: 'es',
        expectedVersion: before.version,
      });
      // An edit that leaves the language out keeps it.
      const saved = await admin.students.get({ studentId: A.students.ava });
      await admin.students.update({
        ...fields,
        grade: saved.grade,
        expectedVersion: saved.version,
      });
      expect((await admin.students.get({ studentId: A.students.ava })).familyLanguage).toBe('es');
      // The finalised report (its snapshot) follows the family's language as it is now.
      const ot = await as(conn, emails.ot);
      expect((await ot.reports.get({ reportId: avaReport })).familyLanguage).toBe('es');
    });
  });
}
