import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connection } from '../src/client';
import { seedDemoDistrict } from '../src/demo';
import { comparisonDataVersion } from '../src/queries/data-version';
import {
  insertGoal,
  insertGoalModelChange,
  insertPhaseChange,
  updateGoalRow,
} from '../src/queries/goals';
import { applyModelChange } from '../src/queries/model-changes';
import { finalizeReportRow, insertReport } from '../src/queries/reports';
import { deleteStudentRecord } from '../src/queries/retention';
import { insertProbe, insertSession } from '../src/queries/sessions';
import { testTargets } from '../src/testing';

// The Outcomes cache is keyed by the district's data version: every query function that can
// change the comparison's input must change it, in its own transaction, and leave another
// district's version alone. A write path missing here would serve a stale comparison.

const AT = '2026-03-11T12:00:00.000Z';

for (const target of await testTargets()) {
  describe(`district data version on ${target.dialect}`, () => {
    let conn: Connection;
    let district: string;
    let other: string;
    let student: { id: string; goal: Record<string, unknown>; serviceId: string; provider: string };
    beforeAll(async () => {
      conn = await target.open();
      const demo = await seedDemoDistrict(conn.db, {
        students: 12,
        seed: 5,
        today: '2026-03-11',
        passwordHash: 'x',
        emailDomain: 'version.test',
      });
      district = demo.districtId;
      const second = await seedDemoDistrict(conn.db, {
        students: 4,
        seed: 6,
        today: '2026-03-11',
        passwordHash: 'x',
        emailDomain: 'version-other.test',
      });
      other = second.districtId;
      const goal = await conn.db
        .selectFrom('goal')
        .innerJoin('service', (j) =>
          j
            .onRef('service.id', '=', 'goal.service_id')
            .onRef('service.district_id', '=', 'goal.district_id'),
        )
        .selectAll('goal')
        .select(['service.provider_id'])
        .where('goal.district_id', '=', district)
        .orderBy('goal.id')
        .executeTakeFirstOrThrow();
      const { provider_id, ...goalRow } = goal;
      student = {
        id: goal.student_id,
        goal: goalRow,
        serviceId: goal.service_id!,
        provider: provider_id ?? '',
      };
    }, 120_000);
    afterAll(async () => {
      await conn?.close();
    });

    /** Runs `write` in a transaction and returns the versions of both districts around it. */
    async function around(write: (trx: Connection['db']) => Promise<unknown>) {
      const before = await comparisonDataVersion(conn.db, district);
      const otherBefore = await comparisonDataVersion(conn.db, other);
      await conn.db.transaction().execute(write);
      return {
        before,
        after: await comparisonDataVersion(conn.db, district),
        otherBefore,
        otherAfter: await comparisonDataVersion(conn.db, other),
      };
    }

    it('the seed sets a version', async () => {
      expect(await comparisonDataVersion(conn.db, district)).not.toBe('-');
      expect(await comparisonDataVersion(conn.db, other)).not.toBe('-');
      expect(await comparisonDataVersion(conn.db, district)).not.toBe(
        await comparisonDataVersion(conn.db, other),
      );
    });

    const goalId = (suffix: string) => `${String(student.goal.id)}-${suffix}`;
    const writes: [string, (trx: Connection['db']) => Promise<unknown>][] = [
      [
        'insertSession',
        (trx) =>
          insertSession(trx, {
            districtId: district,
            id: 'version-session',
            date: '2026-03-10',
            startTime: '09:00',
            endTime: '09:30',
            minutes: 30,
            providerId: student.provider,
            createdBy: student.provider,
            model: 'pull_out',
            setting: 'therapy_room',
            routineId: null,
            collaborationMode: null,
            idempotencyKey: 'version-session-key',
            at: AT,
            students: [
              {
                studentId: student.id,
                serviceId: student.serviceId,
                attendance: 'delivered',
                note: '',
                signed: false,
              },
            ],
            observations: [],
          }),
      ],
      [
        'insertProbe',
        (trx) =>
          insertProbe(trx, {
            district_id: district,
            student_id: student.id,
            goal_id: String(student.goal.id),
            observed_on: '2026-03-10',
            setting: 'classroom',
            model: 'push_in',
            trials_correct: 3,
            trials_prompted: 0,
            trials_incorrect: 1,
            prompt_level: null,
            count: null,
            seconds: null,
            rubric_score: null,
            recorded_by: student.provider,
            recorder_role: 'slp',
            created_at: AT,
          }),
      ],
      [
        'insertGoal',
        (trx) =>
          insertGoal(trx, { ...student.goal, id: goalId('new') } as never, [], {
            id: 'version-phase-new',
            changedOn: '2026-03-10',
            changedBy: student.provider,
          }),
      ],
      [
        'updateGoalRow',
        (trx) =>
          updateGoalRow(
            trx,
            district,
            String(student.goal.id),
            1,
            { target: 90 },
            {
              by: String(student.provider),
              at: '2026-03-10T15:00:00.000Z',
            },
          ),
      ],
      [
        'insertPhaseChange',
        (trx) =>
          insertPhaseChange(trx, {
            district_id: district,
            id: 'version-phase',
            goal_id: String(student.goal.id),
            phase: 'maintenance',
            changed_on: '2026-03-10',
            changed_by: student.provider,
          }),
      ],
      [
        'insertGoalModelChange',
        (trx) =>
          insertGoalModelChange(trx, {
            district_id: district,
            id: 'version-goal-change',
            goal_id: String(student.goal.id),
            service_id: null,
            from_model: 'pull_out',
            to_model: 'push_in',
            changed_on: '2026-03-10',
            reason: 'test',
            changed_by: student.provider,
            created_at: AT,
          }),
      ],
      [
        'applyModelChange',
        (trx) =>
          applyModelChange(
            trx,
            {
              districtId: district,
              id: 'version-service-change',
              goalId: null,
              serviceId: student.serviceId,
              fromModel: 'push_in',
              toModel: 'pull_out',
              changedOn: '2026-03-10',
              reason: 'test',
              changedBy: student.provider,
              createdAt: AT,
            },
            null,
          ),
      ],
    ];
    for (const [name, write] of writes)
      it(`${name} changes the version of its district only`, async () => {
        const v = await around(write);
        expect(v.after).not.toBe(v.before);
        expect(v.otherAfter).toBe(v.otherBefore);
      });

    it('a final progress report changes the version; a draft does not', async () => {
      // A period of its own, so the student has no report in it yet (one report per period).
      const period = { id: 'version-period' };
      await conn.db
        .insertInto('reporting_period')
        .values([
          {
            district_id: district,
            id: period.id,
            name: 'V',
            starts_on: '2026-06-01',
            ends_on: '2026-06-30',
          },
          {
            district_id: district,
            id: 'version-period-2',
            name: 'V2',
            starts_on: '2026-07-01',
            ends_on: '2026-07-30',
          },
        ])
        .execute();
      const report = (id: string, status: 'draft' | 'final') => ({
        district_id: district,
        id,
        student_id: student.id,
        period_id: period.id,
        status,
        created_by: student.provider,
        created_at: AT,
        finalized_at: status === 'final' ? AT : null,
        finalized_by: status === 'final' ? student.provider : null,
      });
      const line = (reportId: string) => ({
        district_id: district,
        report_id: reportId,
        goal_id: String(student.goal.id),
        status_code: 'making_progress',
        gas_score: 1,
        gas_computed: 1,
        gas_override_reason: null,
        narrative: '',
      });
      const draft = await around((trx) =>
        insertReport(trx, report('version-draft', 'draft'), [line('version-draft')]),
      );
      expect(draft.after).toBe(draft.before);
      const finalised = await around((trx) =>
        finalizeReportRow(trx, district, 'version-draft', student.provider, AT, '{}'),
      );
      expect(finalised.after).not.toBe(finalised.before);
      const final = await around((trx) =>
        insertReport(trx, { ...report('version-final', 'final'), period_id: 'version-period-2' }, [
          line('version-final'),
        ]),
      );
      expect(final.after).not.toBe(final.before);
    });

    it('deleting a student record changes the version', async () => {
      const v = await around((trx) =>
        deleteStudentRecord(trx, {
          districtId: district,
          studentId: student.id,
          actorId: student.provider,
          action: 'test.deleteStudent',
          at: AT,
        }),
      );
      expect(v.after).not.toBe(v.before);
      expect(v.otherAfter).toBe(v.otherBefore);
    });
  });
}
