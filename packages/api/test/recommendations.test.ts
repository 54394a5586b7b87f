import type { Connection } from '@carryover/db';
import { testTargets } from '@carryover/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { A, as, buildFixture, emails, openTestDb } from './fixtures';

// Recommendations and model changes: accepting creates the model change (and a draft plan);
// dismissing keeps the reason; goal and service changes with splits; refusals write nothing.

const targets = await testTargets();

for (const target of targets) {
  describe(`recommendations and model changes on ${target.dialect}`, () => {
    let conn: Connection;
    let selfCare = '';
    let selfCare2 = '';
    beforeAll(async () => {
      conn = await openTestDb(target);
      await buildFixture(conn.db);
      const ot = await as(conn, emails.ot);
      const goal = {
        studentId: A.students.ben,
        discipline: 'OT' as const,
        domain: 'self_care' as const,
        text: 'Ben will unpack his backpack at arrival with a gestural prompt.',
        measurementType: 'prompt_level' as const,
        baseline: 4,
        target: 1,
        masteryRule: {},
        startDate: '2026-03-02',
        targetDate: '2026-06-01',
        phase: 'intervention' as const,
        currentModel: 'pull_out' as const,
        routineIds: [],
      };
      selfCare = (await ot.goals.create(goal)).id;
      selfCare2 = (await ot.goals.create({ ...goal, text: 'Ben will open his lunch containers.' }))
        .id;
    });
    afterAll(() => conn?.close());

    const count = async (table: 'model_change' | 'push_in_plan' | 'recommendation_decision') =>
      Number(
        (
          await conn.db
            .selectFrom(table)
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );

    it('lists the rule with its evidence; accepting changes the model and drafts a plan', async () => {
      const ot = await as(conn, emails.ot);
      const list = await ot.recommendations.list({ studentId: A.students.ben });
      const rec = list.find((g) => g.goalId === selfCare)?.recommendations[0];
      expect(rec?.rule).toBe('push_in_for_functional_goal');
      expect(rec?.evidence).toContain('served only by pull-out');
      expect(rec?.change.routine?.id).toBe(A.routines.arrival);
      const { planId } = await ot.recommendations.accept({
        studentId: A.students.ben,
        goalId: selfCare,
        rule: 'push_in_for_functional_goal',
      });
      expect(planId).toBeTruthy();
      const ben = await ot.student.get({ studentId: A.students.ben });
      const goal = ben.goals.find((g) => g.id === selfCare)!;
      expect(goal.currentModel).toBe('push_in');
      expect(goal.modelChanges.at(-1)).toMatchObject({ from: 'pull_out', to: 'push_in' });
      const { plan } = await ot.plans.get({ planId: planId! });
      expect(plan.status).toBe('draft');
      // A draft is not acknowledged before its roles are agreed.
      const teacher = await as(conn, emails.teacher);
      await expect(teacher.plans.acknowledge({ planId: planId! })).rejects.toMatchObject({
        code: 'BAD_REQUEST',
      });
      // It no longer fires.
      const again = await ot.recommendations.list({ studentId: A.students.ben });
      expect(again.find((g) => g.goalId === selfCare)).toBeUndefined();
    });

    it('dismissing needs a reason, keeps it and hides the recommendation', async () => {
      const ot = await as(conn, emails.ot);
      const input = {
        studentId: A.students.ben,
        goalId: selfCare2,
        rule: 'push_in_for_functional_goal' as const,
      };
      const before = await count('recommendation_decision');
      await expect(ot.recommendations.dismiss({ ...input, reason: '' })).rejects.toMatchObject({
        code: 'BAD_REQUEST',
      });
      expect(await count('recommendation_decision')).toBe(before);
      await ot.recommendations.dismiss({
        ...input,
        reason: 'Parents asked for pull-out until May',
      });
      const row = await conn.db
        .selectFrom('recommendation_decision')
        .selectAll()
        .where('goal_id', '=', selfCare2)
        .executeTakeFirstOrThrow();
      expect(row).toMatchObject({
        decision: 'dismissed',
        reason: 'Parents asked for pull-out until May',
      });
      const list = await ot.recommendations.list({ studentId: A.students.ben });
      expect(list.find((g) => g.goalId === selfCare2)).toBeUndefined();
      await expect(ot.recommendations.accept(input)).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    });

    it('refuses teachers, other disciplines and students not served, writing nothing', async () => {
      const changes = await count('model_change');
      const plans = await count('push_in_plan');
      const teacher = await as(conn, emails.teacher);
      await expect(teacher.recommendations.list()).rejects.toMatchObject({ code: 'FORBIDDEN' });
      const slp = await as(conn, emails.slp);
      await expect(
        slp.recommendations.accept({
          studentId: A.students.ben,
          goalId: selfCare2,
          rule: 'push_in_for_functional_goal',
        }),
      ).rejects.toMatchObject({ code: 'NOT_FOUND' });
      await expect(
        slp.modelChanges.create({
          studentId: A.students.ava,
          goalId: A.goals.avaHandwriting,
          toModel: 'push_in',
          changedOn: '2026-03-11',
          reason: 'Into writing time',
        }),
      ).rejects.toMatchObject({ code: 'BAD_REQUEST' });
      expect(await count('model_change')).toBe(changes);
      expect(await count('push_in_plan')).toBe(plans);
    });

    it("shows another discipline's recommendations read-only and refuses to act on them", async () => {
      const ot = await as(conn, emails.ot);
      const avaSelfCare = (
        await ot.goals.create({
          studentId: A.students.ava,
          discipline: 'OT',
          domain: 'self_care',
          text: 'Ava will hang up her coat at arrival with a gestural prompt.',
          measurementType: 'prompt_level',
          baseline: 4,
          target: 1,
          masteryRule: {},
          startDate: '2026-03-02',
          targetDate: '2026-06-01',
          phase: 'intervention',
          currentModel: 'pull_out',
          routineIds: [],
        })
      ).id;
      const slp = await as(conn, emails.slp);
      const seen = (await slp.recommendations.list({ studentId: A.students.ava })).find(
        (g) => g.goalId === avaSelfCare,
      );
      expect(seen?.recommendations.length).toBeGreaterThan(0);
      expect(seen?.readOnlyReason).toBe('Read only: the OT therapist decides on OT goals.');
      const own = (await ot.recommendations.list({ studentId: A.students.ava })).find(
        (g) => g.goalId === avaSelfCare,
      );
      expect(own?.readOnlyReason).toBeNull();
      const changes = await count('model_change');
      const decisions = await count('recommendation_decision');
      const input = {
        studentId: A.students.ava,
        goalId: avaSelfCare,
        rule: seen!.recommendations[0]!.rule,
      };
      await expect(slp.recommendations.accept(input)).rejects.toMatchObject({
        code: 'FORBIDDEN',
        message: 'Read only: the OT therapist decides on OT goals.',
      });
      await expect(
        slp.recommendations.dismiss({ ...input, reason: 'Not mine to decide' }),
      ).rejects.toMatchObject({ code: 'FORBIDDEN' });
      expect(await count('model_change')).toBe(changes);
      expect(await count('recommendation_decision')).toBe(decisions);
    });

    it('changes a service to a split of minutes that add up to the mandate', async () => {
      const slp = await as(conn, emails.slp);
      const base = {
        studentId: A.students.cara,
        serviceId: A.services.caraSlp,
        toModel: 'split' as const,
        changedOn: '2026-03-11',
        reason: 'Drill in the room, carry over at reading',
      };
      const changes = await count('model_change');
      await expect(
        slp.modelChanges.create({ ...base, split: { push_in: 30, pull_out: 30 } }),
      ).rejects.toMatchObject({ code: 'BAD_REQUEST' });
      await expect(slp.modelChanges.create(base)).rejects.toMatchObject({ code: 'BAD_REQUEST' });
      expect(await count('model_change')).toBe(changes);
      await slp.modelChanges.create({ ...base, split: { push_in: 15, pull_out: 30 } });
      const cara = await slp.student.get({ studentId: A.students.cara });
      const svc = cara.services.find((s) => s.id === A.services.caraSlp)!;
      expect(svc.model).toBe('split');
      expect(svc.split).toEqual(
        expect.arrayContaining([
          { model: 'push_in', minutes: 15 },
          { model: 'pull_out', minutes: 30 },
        ]),
      );
      const goal = cara.goals.find((g) => g.id === A.goals.caraLanguage)!;
      expect(goal.modelChanges.at(-1)).toMatchObject({ to: 'split' });
    });
  });
}
