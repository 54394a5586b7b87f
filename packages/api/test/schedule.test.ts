import type { Connection } from '@carryover/db';
import { testTargets } from '@carryover/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  A,
  addReportingPeriods,
  as,
  auditedStudents,
  B,
  buildFixture,
  emails,
  openTestDb,
  PERIODS,
} from './fixtures';
import { addFixtureSchedule, SCHEDULE } from './schedule-fixture';

// The stored schedule through the router (issue 17), on both databases: whose week each role
// sees, conflicts refused without a reason and kept with one, one occurrence moved and
// cancelled, and the schedule flowing into fidelity.

const targets = await testTargets();

/** The fixture's week: Monday 2026-03-09 … Friday 2026-03-13 (today is Wednesday the 11th). */
const WEEK = '2026-03-09';

for (const target of targets) {
  describe(`schedule on ${target.dialect}`, () => {
    let conn: Connection;
    beforeAll(async () => {
      conn = await openTestDb(target);
      await buildFixture(conn.db);
      await addReportingPeriods(conn.db);
      await addFixtureSchedule(conn.db);
    }, 60_000);
    afterAll(() => conn?.close());

    const rowsOf = (table: 'schedule_session' | 'schedule_exception' | 'schedule_override') =>
      conn.db.selectFrom(table).selectAll().execute();

    it("a therapist sees their own week with names, place and time; another's is not found", async () => {
      const slp = await as(conn, emails.slp);
      const week = await slp.schedule.week({ weekOf: '2026-03-11' });
      expect(week.weekOf).toBe(WEEK);
      expect(week.provider?.id).toBe(A.staff.slp);
      expect(week.occurrences).toHaveLength(1);
      const ava = week.occurrences[0]!;
      expect(ava).toMatchObject({
        sessionId: SCHEDULE.ava,
        date: '2026-03-10',
        startTime: '10:00',
        endTime: '10:30',
        model: 'push_in',
        status: 'planned',
        classroom: { id: A.classrooms.north2, name: 'Room 12' },
        routine: { id: A.routines.writing, name: 'Writing' },
        conflicts: [],
      });
      expect(ava.students).toEqual([
        { id: A.students.ava, name: 'Ava Lopez', initials: 'A.L.', serviceId: A.services.avaSlp },
      ]);
      // The read is audited per student.
      const audited = await auditedStudents(conn.db, { action: 'schedule.week' });
      expect(audited.map((a) => a.student_id)).toContain(A.students.ava);

      await expect(
        slp.schedule.week({ weekOf: WEEK, providerId: A.staff.ot }),
      ).rejects.toMatchObject({ code: 'NOT_FOUND' });
      await expect(
        slp.schedule.week({ weekOf: WEEK, providerId: B.therapist }),
      ).rejects.toMatchObject({ code: 'NOT_FOUND' });
    });

    it('a coordinator sees the providers of their schools only; a teacher sees no week', async () => {
      const coordinator = await as(conn, emails.coordinator);
      const week = await coordinator.schedule.week({ weekOf: WEEK });
      expect(week.providers.map((p) => p.id).sort()).toEqual([A.staff.slp, A.staff.slpa].sort());
      const slpa = await coordinator.schedule.week({ weekOf: WEEK, providerId: A.staff.slpa });
      expect(slpa.occurrences.map((o) => o.sessionId)).toEqual([SCHEDULE.cara]);
      // The SLP also serves North: Ava is not the coordinator's, so only her initials show.
      const slp = await coordinator.schedule.week({ weekOf: WEEK, providerId: A.staff.slp });
      expect(slp.occurrences[0]?.students[0]).toMatchObject({ name: null, initials: 'A.L.' });
      await expect(
        coordinator.schedule.week({ weekOf: WEEK, providerId: A.staff.ot }),
      ).rejects.toMatchObject({ code: 'NOT_FOUND' });
      const teacher = await as(conn, emails.teacher);
      await expect(teacher.schedule.week({ weekOf: WEEK })).rejects.toMatchObject({
        code: 'FORBIDDEN',
      });
    });

    it('refuses a conflict without a reason and writes nothing; keeps the reason with one', async () => {
      const slp = await as(conn, emails.slp);
      const before = await rowsOf('schedule_session');
      // Cara at South on Tuesday 10:00: the SLP is at North then, in Ava's session.
      const clash = {
        kind: 'series' as const,
        weekday: 2,
        startTime: '10:00',
        minutes: 30,
        model: 'pull_out' as const,
        studentIds: [A.students.cara],
      };
      const refused = await slp.schedule.save(clash).catch((e) => e);
      expect(refused).toMatchObject({ code: 'BAD_REQUEST' });
      const messages = (refused.cause as { issues: { path: string[]; message: string }[] }).issues;
      expect(messages.every((m) => m.path[0] === 'overrideReason')).toBe(true);
      expect(messages.map((m) => m.message).join('\n')).toMatch(/two sessions at once/);
      expect(messages.map((m) => m.message).join('\n')).toMatch(/not at South Elementary/);
      expect(await rowsOf('schedule_session')).toEqual(before);

      const checked = await slp.schedule.check(clash);
      expect(checked.conflicts.map((c) => c.kind).sort()).toEqual(
        ['outside-school-day', 'therapist-double-booked'].sort(),
      );

      const saved = await slp.schedule.save({
        ...clash,
        overrideReason: 'Cara’s teacher asked for this time; I will swap with Ava this term',
      });
      expect(saved.conflicts.length).toBeGreaterThan(0);
      const row = (await rowsOf('schedule_session')).find((r) => r.id === saved.id)!;
      expect(row.override_reason).toMatch(/teacher asked/);
      const overrides = (await rowsOf('schedule_override')).filter(
        (o) => o.session_id === saved.id,
      );
      expect(overrides).toHaveLength(1);
      expect(JSON.parse(overrides[0]!.conflicts).length).toBe(saved.conflicts.length);
      // Remove it again for the tests below (from its first day: the series is deleted).
      await slp.schedule.remove({
        sessionId: saved.id,
        expectedVersion: saved.version,
        from: row.valid_from,
      });
      expect((await rowsOf('schedule_session')).some((r) => r.id === saved.id)).toBe(false);
    });

    it('a conflict-free series is saved; a stale version is refused', async () => {
      const slp = await as(conn, emails.slp);
      const created = await slp.schedule.save({
        kind: 'series',
        weekday: 4,
        startTime: '13:00',
        minutes: 30,
        model: 'pull_out',
        studentIds: [A.students.cara],
      });
      expect(created.conflicts).toEqual([]);
      expect(created.overrideReason).toBeNull();
      const moved = await slp.schedule.save({
        kind: 'series',
        sessionId: created.id,
        expectedVersion: created.version,
        weekday: 4,
        startTime: '13:30',
        minutes: 45,
        model: 'pull_out',
        studentIds: [A.students.cara],
      });
      expect(moved.version).toBe(created.version + 1);
      await expect(
        slp.schedule.save({
          kind: 'series',
          sessionId: created.id,
          expectedVersion: created.version,
          weekday: 4,
          startTime: '14:00',
          minutes: 30,
          model: 'pull_out',
          studentIds: [A.students.cara],
        }),
      ).rejects.toMatchObject({ code: 'CONFLICT' });
      const week = await slp.schedule.week({ weekOf: WEEK });
      const thursday = week.occurrences.find((o) => o.sessionId === created.id)!;
      expect(thursday).toMatchObject({ date: '2026-03-12', startTime: '13:30', endTime: '14:15' });
      expect(thursday.room).toBe('Room 7');
    });

    it('a cancelled occurrence is a missed session in fidelity; scheduled minutes come from the schedule', async () => {
      const slp = await as(conn, emails.slp);
      const figuresOf = async () => {
        const report = await slp.fidelity.report({ periodId: PERIODS.q3.id });
        return report.rows.find(
          (r: { studentId: string; discipline: string }) =>
            r.studentId === A.students.ava && r.discipline === 'SLP',
        )!.figures;
      };
      const before = await figuresOf();
      // Ava's Tuesday push-in: every Tuesday after today to the end of Q3 (Mar 17, 24, 31).
      expect(before.scheduled).toBe(3 * 30);
      await slp.schedule.cancelOccurrence({
        sessionId: SCHEDULE.ava,
        date: '2026-03-17',
        reason: 'provider_absent',
        note: 'Training day',
      });
      const after = await figuresOf();
      expect(after.scheduled).toBe(2 * 30);
      expect(after.missed.provider_absent).toBe(before.missed.provider_absent + 30);
      expect(after.owed).toBe(before.owed + 30);
      const week = await slp.schedule.week({ weekOf: '2026-03-17' });
      expect(week.occurrences.find((o) => o.sessionId === SCHEDULE.ava)).toMatchObject({
        status: 'cancelled',
        reason: 'provider_absent',
        note: 'Training day',
      });
      // Undo: the minutes are scheduled again and nothing is owed for that day.
      await slp.schedule.restoreOccurrence({ sessionId: SCHEDULE.ava, date: '2026-03-17' });
      expect((await figuresOf()).scheduled).toBe(3 * 30);
    });
  });
}
