import type { Connection } from '@carryover/db';
import { testTargets } from '@carryover/db/testing';
import type { GoalTemplateCreateInput } from '@carryover/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { A, as, B, buildFixture, emails, openTestDb } from './fixtures';

// The goal bank (issue 16): built-in and district templates searched together; only the
// district's admin adds or removes its templates; nothing crosses districts.

const targets = await testTargets();

const template: GoalTemplateCreateInput = {
  discipline: 'OT',
  domain: 'fine_motor',
  text: '[Student] will thread six beads onto a lace during centers in 4 of 5 opportunities.',
  measurementType: 'percent',
  baseline: 20,
  target: 80,
  routines: ['centers'],
};

for (const target of targets) {
  describe(`goal bank on ${target.dialect}`, () => {
    let conn: Connection;
    beforeAll(async () => {
      conn = await openTestDb(target);
      await buildFixture(conn.db);
    });
    afterAll(() => conn?.close());

    const templates = async () =>
      Number(
        (
          await conn.db
            .selectFrom('goal_template')
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );

    it('searches the built-in templates', async () => {
      const ot = await as(conn, emails.ot);
      const found = await ot.goalBank.list({ query: 'lunch containers' });
      expect(found.map((t) => [t.id, t.source])).toEqual([['ot-lunch-containers', 'built_in']]);
      const pt = await ot.goalBank.list({ discipline: 'PT', domain: 'gross_motor' });
      expect(pt.length).toBeGreaterThanOrEqual(3);
      expect(pt.every((t) => t.discipline === 'PT' && t.domain === 'gross_motor')).toBe(true);
    });

    it("adds a district template that the district's therapists find, and no other district does", async () => {
      const admin = await as(conn, emails.admin);
      const { id } = await admin.goalBank.create(template);
      const ot = await as(conn, emails.ot);
      const found = await ot.goalBank.list({ query: 'beads' });
      expect(found).toEqual([
        expect.objectContaining({
          id,
          source: 'district',
          createdByName: 'Ada Admin',
          routines: ['centers'],
          text: template.text,
        }),
      ]);
      // District templates come first in an unfiltered list.
      expect((await ot.goalBank.list())[0]?.id).toBe(id);
      const other = await as(conn, emails.otherDistrict);
      expect(await other.goalBank.list({ query: 'beads' })).toEqual([]);
      const audit = await conn.db
        .selectFrom('audit_event')
        .select(['action', 'outcome', 'entity_id'])
        .where('district_id', '=', A.district)
        .where('action', '=', 'goalBank.create')
        .execute();
      expect(audit).toEqual([{ action: 'goalBank.create', outcome: 'ok', entity_id: id }]);
    });

    it('refuses other roles and bad input, writing nothing', async () => {
      const before = await templates();
      for (const email of [emails.ot, emails.coordinator, emails.teacher, emails.slpa]) {
        const caller = await as(conn, email);
        await expect(caller.goalBank.create(template)).rejects.toMatchObject({
          code: 'FORBIDDEN',
        });
      }
      for (const email of [emails.teacher, emails.slpa]) {
        const caller = await as(conn, email);
        await expect(caller.goalBank.list()).rejects.toMatchObject({ code: 'FORBIDDEN' });
      }
      const admin = await as(conn, emails.admin);
      const err = await admin.goalBank
        .create({ ...template, text: 'Threads beads.', target: 20 })
        .catch((e) => e);
      expect(err.code).toBe('BAD_REQUEST');
      const fields = (err.cause?.issues ?? []).map((i: { path: string[] }) => i.path[0]);
      expect(fields).toEqual(expect.arrayContaining(['text', 'target']));
      expect(await templates()).toBe(before);
    });

    it("removes the district's own template only; another district's is NOT_FOUND", async () => {
      await conn.db
        .insertInto('goal_template')
        .values({
          district_id: B.district,
          id: 'tpl-b',
          discipline: 'SLP',
          domain: 'articulation',
          text: '[Student] will say /k/ in words.',
          measurement_type: 'percent',
          baseline: 10,
          target: 80,
          direction: null,
          rubric_max: null,
          routines: '[]',
          created_by: B.therapist,
          created_at: '2026-03-01T00:00:00.000Z',
        })
        .execute();
      const admin = await as(conn, emails.admin);
      await expect(admin.goalBank.remove({ templateId: 'tpl-b' })).rejects.toMatchObject({
        code: 'NOT_FOUND',
      });
      await expect(
        admin.goalBank.remove({ templateId: 'ot-lunch-containers' }),
      ).rejects.toMatchObject({ code: 'NOT_FOUND' });
      expect(
        await conn.db.selectFrom('goal_template').select('id').where('id', '=', 'tpl-b').execute(),
      ).toHaveLength(1);
      const [own] = await admin.goalBank.list({ query: 'beads' });
      await admin.goalBank.remove({ templateId: own!.id });
      expect(await admin.goalBank.list({ query: 'beads' })).toEqual([]);
    });
  });
}
