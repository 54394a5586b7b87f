import { type Connection, scheduleFidelityRecords } from '@carryover/db';
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
  TODAY,
} from './fixtures';
import { addFixtureSchedule, SCHEDULE } from './schedule-fixture';

// The stored schedule through the router (issue 17), on both databases: whose week each role
// sees, conflicts refused without a reason and kept with one, one occurrence moved and
// cancelled, and the schedule flowing into fidelity.

const targets = await testTargets();

/** The fixture's week: Monday 2026-03-09 … Friday 2026-03-13 (today is Wednesday the 11th). */
const WEEK = '2026-03-09';

/** A refusal's field-level messages, as `[path, message]`. */
const issuesOf = (e: { cause?: { issues?: { path: PropertyKey[]; message: string }[] } }) =>
  (e.cause?.issues ?? []).map((i) => [i.path.join('.'), i.message]);

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
      // Initials are of her record too: the read is in her record of access.
      const seen = await auditedStudents(conn.db, {
        action: 'schedule.week',
        actorId: A.staff.coordinator,
      });
      expect(seen.map((a) => a.student_id)).toContain(A.students.ava);
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

    it("lists today's planned sessions with what Log session fills in; logging one leaves the planned minutes", async () => {
      const slp = await as(conn, emails.slp);
      // Cara at South today (Wednesday) at noon: the SLP is there, her assistant at 13:00.
      const made = await slp.schedule.save({
        kind: 'series',
        weekday: 3,
        startTime: '12:00',
        minutes: 30,
        model: 'pull_out',
        studentIds: [A.students.cara],
      });
      const today = await slp.schedule.today();
      expect(today.today).toBe(TODAY);
      const planned = today.occurrences.find((o) => o.sessionId === made.id)!;
      expect(planned.prefill).toEqual({
        date: TODAY,
        startTime: '12:00',
        endTime: '12:30',
        model: 'pull_out',
        setting: 'therapy_room',
        routineId: null,
        studentIds: [A.students.cara],
      });
      const caraSlp = async () => {
        const report = await slp.fidelity.report({ periodId: PERIODS.q3.id });
        return report.rows.find(
          (r: { studentId: string; discipline: string }) =>
            r.studentId === A.students.cara && r.discipline === 'SLP',
        )!.figures;
      };
      const before = await caraSlp();
      // Today's occurrence is planned and not yet logged.
      expect(before.unlogged).toBeGreaterThanOrEqual(30);
      const p = planned.prefill!;
      await slp.sessions.log({
        idempotencyKey: 'schedule-today-0001-abcdef',
        date: p.date,
        startTime: p.startTime,
        endTime: p.endTime,
        model: p.model,
        setting: p.setting,
        students: p.studentIds.map((studentId) => ({ studentId, attendance: 'delivered' })),
      });
      const after = await caraSlp();
      expect(after.unlogged).toBe(before.unlogged - 30);
      expect(after.delivered).toBe(before.delivered + 30);
      // Other roles have no planned sessions of their own.
      const teacher = await as(conn, emails.teacher);
      expect((await teacher.schedule.today()).occurrences).toEqual([]);
    });

    it("flags a student double-booked with another provider's session", async () => {
      const slp = await as(conn, emails.slp);
      const checked = await slp.schedule.check({
        kind: 'series',
        weekday: 3,
        startTime: '13:00',
        minutes: 30,
        model: 'pull_out',
        studentIds: [A.students.cara],
      });
      expect(checked.conflicts).toEqual([
        expect.objectContaining({
          kind: 'student-double-booked',
          message: expect.stringMatching(/Cara Singh is with another provider/),
        }),
      ]);
    });

    it("shows a teacher their classrooms' push-in sessions, a moved one with who moved it", async () => {
      const slp = await as(conn, emails.slp);
      const week = await slp.schedule.week({ weekOf: '2026-03-23' });
      const tuesday = week.occurrences.find((o) => o.sessionId === SCHEDULE.ava)!;
      await slp.schedule.save({
        kind: 'occurrence',
        sessionId: SCHEDULE.ava,
        expectedVersion: tuesday.version,
        occurrenceDate: '2026-03-24',
        date: '2026-03-26',
        startTime: '10:00',
        minutes: 30,
      });
      const teacher = await as(conn, emails.teacher);
      const view = await teacher.schedule.classroomWeek({ weekOf: '2026-03-23' });
      expect(view.classrooms.map((c) => c.id)).toEqual([A.classrooms.north2]);
      const sessions = view.classrooms[0]!.sessions;
      // Ava's push-in moved to Thursday; Ben's OT session is pull-out and does not come in.
      expect(sessions.map((x) => [x.sessionId, x.date, x.status])).toEqual([
        [SCHEDULE.ava, '2026-03-26', 'moved'],
      ]);
      expect(sessions[0]).toMatchObject({
        changedBy: 'Sam Speech',
        providerDiscipline: 'SLP',
        students: [{ id: A.students.ava, name: 'Ava Lopez', initials: 'A.L.' }],
      });
      await expect(
        teacher.schedule.classroomWeek({ weekOf: WEEK, classroomId: A.classrooms.south3 }),
      ).rejects.toMatchObject({ code: 'NOT_FOUND' });
    });

    it('refuses another district alike and writes nothing', async () => {
      const other = await as(conn, emails.otherDistrict);
      const before = await rowsOf('schedule_exception');
      for (const call of [
        () => other.schedule.week({ weekOf: WEEK, providerId: A.staff.slp }),
        () =>
          other.schedule.cancelOccurrence({
            sessionId: SCHEDULE.ava,
            date: '2026-03-17',
            reason: 'provider_absent',
          }),
        () =>
          other.schedule.save({
            kind: 'series',
            weekday: 1,
            startTime: '09:00',
            minutes: 30,
            model: 'pull_out',
            studentIds: [A.students.ava],
          }),
      ])
        await expect(call()).rejects.toMatchObject({ code: 'NOT_FOUND' });
      expect(await rowsOf('schedule_exception')).toEqual(before);
      // Their own week is theirs alone.
      const own = await other.schedule.week({ weekOf: WEEK });
      expect(own.occurrences.map((o) => o.sessionId)).toEqual([SCHEDULE.b]);
    });

    it('a closure takes its days off the schedule and accounts for them in fidelity', async () => {
      const admin = await as(conn, emails.admin);
      const slp = await as(conn, emails.slp);
      const avaSlp = async () => {
        const report = await slp.fidelity.report({ periodId: PERIODS.q3.id });
        return report.rows.find(
          (r: { studentId: string; discipline: string }) =>
            r.studentId === A.students.ava && r.discipline === 'SLP',
        )!.figures;
      };
      const before = await avaSlp();
      await expect(
        slp.schedule.addClosure({ name: 'Snow day', startsOn: '2026-03-31', endsOn: '2026-03-31' }),
      ).rejects.toMatchObject({ code: 'FORBIDDEN' });
      const { id } = await admin.schedule.addClosure({
        name: 'Spring holiday',
        startsOn: '2026-03-30',
        endsOn: '2026-03-31',
        schoolId: A.schools.north,
      });
      const week = await slp.schedule.week({ weekOf: '2026-03-31' });
      expect(week.occurrences.find((o) => o.sessionId === SCHEDULE.ava)).toMatchObject({
        status: 'closed',
        reason: 'school_closed',
        note: 'Spring holiday',
      });
      const after = await avaSlp();
      expect(after.scheduled).toBe(before.scheduled - 30);
      expect(after.missed.school_closed).toBe(before.missed.school_closed + 30);
      expect(after.owed).toBe(before.owed);
      await admin.schedule.removeClosure({ closureId: id });
      expect((await avaSlp()).scheduled).toBe(before.scheduled);
    });

    it("checks against the provider's school days and the classroom's protected blocks as saved", async () => {
      const slp = await as(conn, emails.slp);
      const teacher = await as(conn, emails.teacher);
      const pushIn = {
        kind: 'series' as const,
        weekday: 1,
        startTime: '10:00',
        minutes: 30,
        model: 'push_in' as const,
        routineId: A.routines.writing,
        studentIds: [A.students.ava],
      };
      expect((await slp.schedule.check(pushIn)).conflicts).toEqual([]);
      await teacher.schedule.saveProtectedBlocks({
        classroomId: A.classrooms.north2,
        blocks: [{ weekday: 1, startTime: '10:00', endTime: '10:45', label: 'Benchmark test' }],
      });
      expect(await teacher.schedule.protectedBlocks({ classroomId: A.classrooms.north2 })).toEqual([
        expect.objectContaining({ weekday: 1, startTime: '10:00', label: 'Benchmark test' }),
      ]);
      expect((await slp.schedule.check(pushIn)).conflicts.map((c) => c.kind)).toEqual([
        'protected-block',
      ]);
      // Thursday instead, but the SLP now works at North only Mon and Wed.
      const thursday = { ...pushIn, weekday: 4 };
      expect((await slp.schedule.check(thursday)).conflicts).toEqual([]);
      await slp.schedule.saveSchoolDays({
        days: [1, 3].map((weekday) => ({
          weekday,
          schoolId: A.schools.north,
          startTime: '07:45',
          endTime: '15:00',
        })),
      });
      expect((await slp.schedule.check(thursday)).conflicts.map((c) => c.kind)).toEqual([
        'outside-school-day',
      ]);
      await expect(
        slp.schedule.saveSchoolDays({
          days: [{ weekday: 1, schoolId: B.school, startTime: '08:00', endTime: '12:00' }],
        }),
      ).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    });

    it('editing a series from this week on splits it: past weeks keep their planned minutes', async () => {
      const slp = await as(conn, emails.slp);
      // The SLP's saved school days (the test above) leave Tuesday out: kept with a reason.
      const KEEP_TUESDAY = 'Ava’s Tuesday stays until the new days start';
      // Ava's Tuesday push-in, 10:00 for 30 minutes since January.
      const q2 = async () =>
        (await slp.fidelity.report({ periodId: PERIODS.q2.id })).rows.find(
          (r: { studentId: string; discipline: string }) =>
            r.studentId === A.students.ava && r.discipline === 'SLP',
        )!.figures;
      const q3Scheduled = async () =>
        (await slp.fidelity.report({ periodId: PERIODS.q3.id })).rows.find(
          (r: { studentId: string; discipline: string }) =>
            r.studentId === A.students.ava && r.discipline === 'SLP',
        )!.figures.scheduled;
      // The minutes the schedule planned for Ava in a past week, as fidelity reads them.
      const pastWeek = async () =>
        (
          await scheduleFidelityRecords(
            conn.db,
            A.district,
            [A.students.ava],
            {
              from: '2026-03-02',
              to: '2026-03-06',
            },
            [],
          )
        ).reduce((sum, r) => sum + r.minutes, 0);
      const beforeWeek = await pastWeek();
      const beforeQ2 = await q2();
      expect(beforeWeek).toBe(30);
      expect(await q3Scheduled()).toBe(3 * 30);
      // Cancelled ahead of the edit: the cancellation follows to the new series.
      await slp.schedule.cancelOccurrence({
        sessionId: SCHEDULE.ava,
        date: '2026-03-24',
        reason: 'provider_absent',
      });
      const [row] = (await rowsOf('schedule_session')).filter((r) => r.id === SCHEDULE.ava);
      const edited = await slp.schedule.save({
        kind: 'series',
        sessionId: SCHEDULE.ava,
        expectedVersion: Number(row!.version),
        weekday: 2,
        startTime: '10:00',
        minutes: 45,
        model: 'push_in',
        routineId: A.routines.writing,
        studentIds: [A.students.ava],
        overrideReason: KEEP_TUESDAY,
      });
      // From this week on: the week of today (Wednesday the 11th) starts on Monday the 9th.
      expect(edited).toMatchObject({ splitFrom: SCHEDULE.ava, validFrom: WEEK, version: 1 });
      expect(edited.id).not.toBe(SCHEDULE.ava);
      const sessions = await rowsOf('schedule_session');
      expect(sessions.find((r) => r.id === SCHEDULE.ava)).toMatchObject({
        valid_from: '2026-01-05',
        valid_to: '2026-03-08',
        minutes: 30,
      });
      expect(sessions.find((r) => r.id === edited.id)).toMatchObject({
        valid_from: WEEK,
        valid_to: null,
        minutes: 45,
      });
      // The past is as it was; the weeks ahead follow the edit (Mar 17 and 31; the 24th is off).
      expect(await pastWeek()).toBe(beforeWeek);
      expect(await q2()).toEqual(beforeQ2);
      expect(await q3Scheduled()).toBe(2 * 45);
      const lastWeek = await slp.schedule.week({ weekOf: '2026-03-03' });
      expect(lastWeek.occurrences.find((o) => o.date === '2026-03-03')).toMatchObject({
        sessionId: SCHEDULE.ava,
        minutes: 30,
      });
      const later = await slp.schedule.week({ weekOf: '2026-03-24' });
      expect(later.occurrences.find((o) => o.date === '2026-03-24')).toMatchObject({
        sessionId: edited.id,
        minutes: 45,
        status: 'cancelled',
      });
      // A stale version of the old series is refused; editing the new one again is in place.
      await expect(
        slp.schedule.save({
          kind: 'series',
          sessionId: SCHEDULE.ava,
          expectedVersion: Number(row!.version),
          weekday: 2,
          startTime: '10:00',
          minutes: 40,
          model: 'push_in',
          routineId: A.routines.writing,
          studentIds: [A.students.ava],
          overrideReason: KEEP_TUESDAY,
        }),
      ).rejects.toMatchObject({ code: 'CONFLICT' });
      const again = await slp.schedule.save({
        kind: 'series',
        sessionId: edited.id,
        expectedVersion: edited.version,
        weekday: 2,
        startTime: '10:00',
        minutes: 30,
        model: 'push_in',
        routineId: A.routines.writing,
        studentIds: [A.students.ava],
        overrideReason: KEEP_TUESDAY,
      });
      expect(again).toMatchObject({ id: edited.id, version: 2, splitFrom: null });
      expect(await pastWeek()).toBe(beforeWeek);
    });

    it('accept re-checks the week: a student booked since, or a closure added since, is refused without a reason', async () => {
      const slp = await as(conn, emails.slp);
      const slpa = await as(conn, emails.slpa);
      const admin = await as(conn, emails.admin);
      // The SLP at South every day (a test above left them at North Mon and Wed only).
      await slp.schedule.saveSchoolDays({
        days: [1, 2, 3, 4, 5].map((weekday) => ({
          weekday,
          schoolId: A.schools.south,
          startTime: '07:45',
          endTime: '15:00',
        })),
      });
      const proposal = await slp.schedule.propose({
        studentIds: [A.students.cara],
        weekOf: '2026-03-16',
      });
      const placed = proposal.placements.find((p) =>
        p.students.some((s) => s.id === A.students.cara),
      )!;
      expect(placed, JSON.stringify(proposal.unplaced)).toBeDefined();
      const day = `2026-03-${String(15 + placed.weekday).padStart(2, '0')}`;
      // Since the proposal, the assistant booked Cara at that very time.
      const booked = await slpa.schedule.save({
        kind: 'series',
        weekday: placed.weekday,
        startTime: placed.startTime,
        minutes: placed.minutes,
        model: 'pull_out',
        studentIds: [A.students.cara],
        validFrom: '2026-03-16',
        overrideReason: 'Booked before the SLP’s plan was accepted',
      });
      const before = await rowsOf('schedule_session');
      const refused = await slp.schedule
        .accept({ proposalId: proposal.proposalId })
        .catch((e) => e);
      expect(refused).toMatchObject({ code: 'BAD_REQUEST' });
      const issues = (refused.cause as { issues: { path: string[]; message: string }[] }).issues;
      expect(issues.every((i) => i.path[0] === 'overrideReason')).toBe(true);
      expect(issues.map((i) => i.message).join('\n')).toMatch(/Cara .* with another provider/);
      expect(await rowsOf('schedule_session')).toEqual(before);
      await slpa.schedule.remove({
        sessionId: booked.id,
        expectedVersion: booked.version,
        from: '2026-03-16',
      });

      // A closure of that day added since: refused too, then accepted with a reason, kept.
      const { id: closureId } = await admin.schedule.addClosure({
        name: 'Flooded gym',
        startsOn: day,
        endsOn: day,
        schoolId: placed.school.id,
      });
      const closed = await slp.schedule.accept({ proposalId: proposal.proposalId }).catch((e) => e);
      expect(closed).toMatchObject({ code: 'BAD_REQUEST' });
      expect(closed.message).toMatch(/closed on .*Flooded gym/);
      const accepted = await slp.schedule.accept({
        proposalId: proposal.proposalId,
        overrideReason: 'Closed one day only; the series runs the other weeks',
      });
      expect(accepted.conflicts.map((c) => c.kind)).toContain('school-closed');
      expect(accepted.created).toBeGreaterThan(0);
      const overrides = (await rowsOf('schedule_override')).filter((o) =>
        accepted.sessionIds.includes(o.session_id),
      );
      expect(overrides.length).toBeGreaterThan(0);
      expect(overrides[0]!.reason).toMatch(/one day only/);
      const sessions = (await rowsOf('schedule_session')).filter((r) =>
        accepted.sessionIds.includes(r.id),
      );
      expect(sessions.some((r) => r.override_reason?.includes('one day only'))).toBe(true);
      await admin.schedule.removeClosure({ closureId });
    }, 60_000);

    it('week settings: whose days, travel by coordinators and admins of both schools, closures by a coordinator for their schools only', async () => {
      const slp = await as(conn, emails.slp);
      const coordinator = await as(conn, emails.coordinator);
      const admin = await as(conn, emails.admin);
      const own = await slp.schedule.settings();
      expect(own.provider?.id).toBe(A.staff.slp);
      expect(own.servedSchools.map((x) => x.id).sort()).toEqual(
        [A.schools.north, A.schools.south].sort(),
      );
      expect(own.can).toEqual({ closures: false, travel: false, rules: false });
      await expect(slp.schedule.settings({ providerId: A.staff.ot })).rejects.toMatchObject({
        code: 'NOT_FOUND',
      });
      await expect(slp.schedule.settings({ providerId: B.therapist })).rejects.toMatchObject({
        code: 'NOT_FOUND',
      });

      // Travel: the coordinator has South only, so North ↔ South is not theirs; the admin's.
      const travelRows = () => conn.db.selectFrom('school_travel').selectAll().execute();
      const before = await travelRows();
      const pair = { fromSchoolId: A.schools.north, toSchoolId: A.schools.south, minutes: 40 };
      await expect(coordinator.schedule.saveTravel(pair)).rejects.toMatchObject({
        code: 'NOT_FOUND',
      });
      await expect(
        admin.schedule.saveTravel({ ...pair, toSchoolId: B.school }),
      ).rejects.toMatchObject({ code: 'NOT_FOUND' });
      await expect(slp.schedule.saveTravel(pair)).rejects.toMatchObject({ code: 'FORBIDDEN' });
      const bad = await admin.schedule
        .saveTravel({ ...pair, toSchoolId: A.schools.north })
        .catch((e) => e);
      expect(bad).toMatchObject({ code: 'BAD_REQUEST' });
      expect(issuesOf(bad)).toEqual([['toSchoolId', 'Choose another school']]);
      expect(await travelRows()).toEqual(before);
      await admin.schedule.saveTravel(pair);
      const settings = await admin.schedule.settings({ providerId: A.staff.slp });
      expect(settings.can).toEqual({ closures: true, travel: true, rules: true });
      expect(settings.travel).toEqual(
        expect.arrayContaining([
          { fromSchoolId: A.schools.north, toSchoolId: A.schools.south, minutes: 40 },
          { fromSchoolId: A.schools.south, toSchoolId: A.schools.north, minutes: 40 },
        ]),
      );

      // Closures: a coordinator closes their school, not the district nor another school.
      const refused = await coordinator.schedule
        .addClosure({ name: 'Snow day', startsOn: '2026-04-06', endsOn: '2026-04-06' })
        .catch((e) => e);
      expect(issuesOf(refused)).toEqual([['schoolId', 'Choose one of your schools']]);
      await expect(
        coordinator.schedule.addClosure({
          name: 'Snow day',
          startsOn: '2026-04-06',
          endsOn: '2026-04-06',
          schoolId: A.schools.north,
        }),
      ).rejects.toMatchObject({ code: 'BAD_REQUEST' });
      const { id } = await coordinator.schedule.addClosure({
        name: 'Snow day',
        startsOn: '2026-04-06',
        endsOn: '2026-04-06',
        schoolId: A.schools.south,
      });
      // The district-wide fixture closure is an admin's alone.
      await expect(coordinator.schedule.removeClosure({ closureId: 'cl-a' })).rejects.toMatchObject(
        { code: 'NOT_FOUND' },
      );
      await coordinator.schedule.removeClosure({ closureId: id });
    });

    it("the district's lunch window and group caps are settings the conflict check reads", async () => {
      const slp = await as(conn, emails.slp);
      const admin = await as(conn, emails.admin);
      const group = {
        kind: 'series' as const,
        weekday: 4,
        startTime: '09:00',
        minutes: 30,
        model: 'pull_out' as const,
        studentIds: [A.students.ava, A.students.cara],
        validFrom: '2026-03-16',
      };
      const kinds = async () => (await slp.schedule.check(group)).conflicts.map((c) => c.kind);
      expect(await kinds()).not.toContain('group-over-cap');
      const defaults = (await admin.schedule.settings({ providerId: A.staff.slp })).rules;
      expect(defaults).toEqual({
        lunchEarliest: '11:00',
        lunchLatest: '13:00',
        lunchMinutes: 30,
        groupCapPushIn: 3,
        groupCapPullOut: 4,
      });
      await expect(slp.schedule.saveRules(defaults)).rejects.toMatchObject({ code: 'FORBIDDEN' });
      const bad = await admin.schedule
        .saveRules({ ...defaults, lunchLatest: '10:00' })
        .catch((e) => e);
      expect(issuesOf(bad)).toEqual([['lunchLatest', 'Ends before it starts']]);
      const settingsBefore = await conn.db
        .selectFrom('district')
        .select('settings')
        .where('id', '=', A.district)
        .executeTakeFirstOrThrow();
      await admin.schedule.saveRules({ ...defaults, groupCapPullOut: 1 });
      expect(await kinds()).toContain('group-over-cap');
      expect((await slp.schedule.check(group)).conflicts.map((c) => c.message).join()).toMatch(
        /the cap is 1/,
      );
      // The district's other settings are untouched.
      const [after] = await conn.db
        .selectFrom('district')
        .select('settings')
        .where('id', '=', A.district)
        .execute();
      const { scheduleRules, ...rest } = JSON.parse(after!.settings);
      const original = JSON.parse(settingsBefore.settings);
      expect(scheduleRules.groupCap).toEqual({ push_in: 3, pull_out: 1 });
      expect(rest).toEqual(original);
      await admin.schedule.saveRules(defaults);
      expect(await kinds()).not.toContain('group-over-cap');
    });
  });
}
