import {
  type Connection,
  listScheduleProviders,
  loadScheduleSessions,
  loadScheduleWorld,
} from '@carryover/db';
import { seedDemoDistrict } from '@carryover/db/demo';
import { testTargets } from '@carryover/db/testing';
import {
  addDays,
  clockToMinutes,
  occurrencesBetween,
  overlaps,
  plannedOf,
  scheduleConflicts,
  weekStart,
} from '@carryover/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scheduleSolveStats } from '../src/workers/schedule-pool';
import { as, fixturePasswordHash } from './fixtures';

// The demo district's schedules (issue 17), on both databases: every therapist and assistant
// has a week, placed at seed time without the solver, in which `scheduleConflicts` finds
// nothing and no student is in two providers' sessions at once. Then the demo SLP
// auto-schedules their week (HiGHS, on the worker thread) and accepts part of it.

const TODAY = '2027-02-18'; // a Thursday
const DOMAIN = 'schedule-demo.test';
const targets = await testTargets();

for (const target of targets) {
  describe(`the demo district's schedules on ${target.dialect}`, () => {
    let conn: Connection;
    let districtId = '';
    beforeAll(async () => {
      conn = await openDb();
      const demo = await seedDemoDistrict(conn.db, {
        students: 120,
        today: TODAY,
        passwordHash: await fixturePasswordHash(),
        emailDomain: DOMAIN,
      });
      districtId = demo.districtId;
    }, 180_000);
    afterAll(() => conn?.close());
    const openDb = () => target.open();

    it('gives every therapist and assistant a conflict-free week', async () => {
      const providers = await listScheduleProviders(conn.db, {
        id: '',
        districtId,
        role: 'admin',
      });
      expect(providers.filter((p) => p.role === 'assistant').length).toBeGreaterThan(0);
      const monday = weekStart(TODAY);
      const friday = addDays(monday, 4);
      const all = [];
      for (const provider of providers) {
        const rows = await loadScheduleSessions(
          conn.db,
          districtId,
          { providerIds: [provider.id] },
          { from: monday, to: friday },
        );
        expect(rows.length, `${provider.name} has a schedule`).toBeGreaterThan(0);
        const world = await loadScheduleWorld(conn.db, districtId, provider, TODAY, {
          extraStudentIds: rows.flatMap((r) => r.students.map((s) => s.studentId)),
        });
        const occurrences = occurrencesBetween(rows, [], [], monday, friday);
        expect(scheduleConflicts(world.caseload, occurrences.map(plannedOf))).toEqual([]);
        all.push(...occurrences);
      }
      // Across providers: no student in two sessions at once.
      for (const [i, a] of all.entries())
        for (const b of all.slice(i + 1)) {
          if (a.date !== b.date || a.session.providerId === b.session.providerId) continue;
          const span = (o: typeof a) => ({
            start: clockToMinutes(o.startTime),
            end: clockToMinutes(o.endTime),
          });
          if (!overlaps(span(a), span(b))) continue;
          const shared = a.session.students.filter((s) =>
            b.session.students.some((x) => x.studentId === s.studentId),
          );
          expect(shared, `${a.session.id} and ${b.session.id}`).toEqual([]);
        }
    });

    it('leaves free the times a student spends with another provider', async () => {
      const slp = await as(conn, `slp@${DOMAIN}`, { now: () => new Date(`${TODAY}T18:00:00Z`) });
      const week = await slp.schedule.week({ weekOf: TODAY });
      // The OT takes one of the SLP's students at exactly the time the SLP sees them now, every
      // week: kept where it is (the re-plan's stability), the SLP's session would double-book them.
      const taken = week.occurrences.find((o) => o.status === 'planned' && o.students.length > 0);
      if (!taken) throw new Error('the demo SLP has no planned session');
      const student = taken.students[0]?.id as string;
      const ot = await conn.db
        .selectFrom('staff_user')
        .select('id')
        .where('district_id', '=', districtId)
        .where('email', '=', `ot@${DOMAIN}`)
        .executeTakeFirstOrThrow();
      await conn.db
        .insertInto('schedule_session')
        .values({
          district_id: districtId,
          id: 'ot-takes-the-slot',
          provider_id: ot.id,
          school_id: taken.school.id,
          weekday: taken.weekday,
          start_time: taken.startTime,
          minutes: taken.minutes,
          model: 'pull_out',
          classroom_id: null,
          routine_id: null,
          room: 'OT room',
          valid_from: weekStart(TODAY),
          valid_to: null,
          override_reason: null,
          created_by: ot.id,
          created_at: `${TODAY}T15:00:00.000Z`,
        })
        .execute();
      await conn.db
        .insertInto('schedule_session_student')
        .values({
          district_id: districtId,
          session_id: 'ot-takes-the-slot',
          student_id: student,
          service_id: null,
        })
        .execute();
      try {
        const proposal = await slp.schedule.propose({});
        const otStart = clockToMinutes(taken.startTime);
        const otSlot = { start: otStart, end: otStart + taken.minutes };
        const clashes = proposal.placements.filter(
          (p) =>
            p.weekday === taken.weekday &&
            p.students.some((s) => s.id === student) &&
            overlaps(
              { start: clockToMinutes(p.startTime), end: clockToMinutes(p.endTime) },
              otSlot,
            ),
        );
        expect(clashes).toEqual([]);
      } finally {
        await conn.db
          .deleteFrom('schedule_session_student')
          .where('district_id', '=', districtId)
          .where('session_id', '=', 'ot-takes-the-slot')
          .execute();
        await conn.db
          .deleteFrom('schedule_session')
          .where('district_id', '=', districtId)
          .where('id', '=', 'ot-takes-the-slot')
          .execute();
      }
    }, 120_000);

    it('the demo SLP sees their week, auto-schedules it off the request thread and accepts part', async () => {
      const slp = await as(conn, `slp@${DOMAIN}`, { now: () => new Date(`${TODAY}T18:00:00Z`) });
      const week = await slp.schedule.week({ weekOf: TODAY });
      expect(week.occurrences.length).toBeGreaterThan(0);
      expect(week.occurrences.every((o) => o.conflicts.length === 0)).toBe(true);
      expect(week.occurrences.every((o) => o.students.every((s) => s.name !== null))).toBe(true);

      const before = scheduleSolveStats.onWorker + scheduleSolveStats.onMainThread;
      const proposal = await slp.schedule.propose({});
      expect(scheduleSolveStats.onWorker + scheduleSolveStats.onMainThread).toBe(before + 1);
      expect(scheduleSolveStats.onWorker).toBeGreaterThan(0);
      expect(proposal.weekOf).toBe(addDays(weekStart(TODAY), 7));
      expect(proposal.placements.length).toBeGreaterThan(0);
      for (const p of proposal.placements) {
        expect(p.explanations.length).toBeGreaterThan(0);
        if (p.model === 'push_in')
          expect(p.explanations.join(' ')).toMatch(/is linked to|are linked to/);
      }
      // Stability: the placements the current week already has are kept where the solver agrees.
      expect(proposal.placements.some((p) => p.unchanged)).toBe(true);
      for (const u of proposal.unplaced) expect(u.message.length).toBeGreaterThan(0);

      const changed = proposal.placements.filter((p) => !p.unchanged).slice(0, 3);
      const accepted = await slp.schedule.accept({
        proposalId: proposal.proposalId,
        chosen: changed.map((p) => p.key),
      });
      expect(accepted.created).toBe(changed.length);
      await expect(slp.schedule.accept({ proposalId: proposal.proposalId })).rejects.toMatchObject({
        code: 'CONFLICT',
      });
      const next = await slp.schedule.week({ weekOf: proposal.weekOf });
      for (const p of changed)
        expect(
          next.occurrences.some(
            (o) => o.weekday === p.weekday && o.startTime === p.startTime && o.model === p.model,
          ),
        ).toBe(true);
    }, 120_000);
  });
}
