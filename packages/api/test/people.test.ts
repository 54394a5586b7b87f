import type { Connection } from '@carryover/db';
import { testTargets } from '@carryover/db/testing';
import { getErrorShape, type TRPCError } from '@trpc/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appRouter } from '../src/root';
import {
  A,
  as,
  auditedStudents,
  B,
  buildFixture,
  emails,
  openTestDb,
  silentLogger,
  TODAY,
} from './fixtures';
import { rowCounts } from './matrix.policy';

// People, students and transfers by hand (issue 14): who may add and edit staff and students,
// the coordinator's schools as their limit, the Needs a provider list, and a transfer that keeps
// the student's history and moves access from the transfer date.

const targets = await testTargets();

const newStudent = {
  firstName: 'Lena',
  lastName: 'Marsh',
  dateOfBirth: '2018-04-02',
  grade: '2',
  iepStart: '2025-10-01',
  iepAnnualReview: '2026-09-30',
  iepReevaluation: '2028-09-30',
};

const fieldOf = (error: unknown) =>
  Object.keys(
    getErrorShape({
      config: appRouter._def._config,
      error: error as TRPCError,
      type: 'mutation',
      path: 'students',
      input: undefined,
      ctx: { log: silentLogger } as never,
    }).data.fieldErrors ?? {},
  );

async function refusal(p: Promise<unknown>): Promise<{ code: string; fields: string[] }> {
  try {
    await p;
  } catch (err) {
    const e = err as { code: string };
    return { code: e.code, fields: fieldOf(err) };
  }
  throw new Error('expected a refusal');
}

for (const target of targets) {
  describe(`people and students on ${target.dialect}`, () => {
    let conn: Connection;
    beforeAll(async () => {
      conn = await openTestDb(target);
      await buildFixture(conn.db);
    });
    afterAll(() => conn?.close());

    it('only admins and coordinators manage students; only admins manage people', async () => {
      const before = await rowCounts(conn);
      for (const email of [emails.slp, emails.slpa, emails.teacher]) {
        const caller = await as(conn, email);
        expect(
          await refusal(caller.students.create({ ...newStudent, schoolId: A.schools.north })),
        ).toMatchObject({ code: 'FORBIDDEN' });
        expect(await refusal(caller.students.list({}))).toMatchObject({ code: 'FORBIDDEN' });
        expect(
          await refusal(
            caller.students.transfer({
              studentId: A.students.ava,
              toSchoolId: A.schools.south,
              effectiveOn: TODAY,
              reason: 'moved house',
            }),
          ),
        ).toMatchObject({ code: 'FORBIDDEN' });
      }
      const coordinator = await as(conn, emails.coordinator);
      expect(
        await refusal(
          coordinator.people.create({ name: 'X Y', email: 'xy@a.test', role: 'teacher' }),
        ),
      ).toMatchObject({ code: 'FORBIDDEN' });
      const after = await rowCounts(conn);
      // Only the sign-ins and the refusals' audit events were written.
      const signIns = { audit_event: 0, auth_session: 0, known_device: 0, login_attempt: 0 };
      expect({ ...after, ...signIns }).toEqual({ ...before, ...signIns });
      const denied = await conn.db
        .selectFrom('audit_event')
        .select('action')
        .where('outcome', '=', 'denied')
        .where('action', '=', 'students.create')
        .execute();
      expect(denied.length).toBe(3);
    });

    it('a coordinator works only in their schools, and nobody reaches another district', async () => {
      const coordinator = await as(conn, emails.coordinator);
      // Not one of their schools: the field says so, nothing is written.
      const students = await conn.db.selectFrom('student').select('id').execute();
      expect(
        await refusal(coordinator.students.create({ ...newStudent, schoolId: A.schools.north })),
      ).toEqual({ code: 'BAD_REQUEST', fields: ['schoolId'] });
      // Another district's school looks the same.
      expect(
        await refusal(coordinator.students.create({ ...newStudent, schoolId: B.school })),
      ).toEqual({ code: 'BAD_REQUEST', fields: ['schoolId'] });
      expect(await conn.db.selectFrom('student').select('id').execute()).toEqual(students);
      // Ava is at North: not theirs to read, edit or move.
      expect(await refusal(coordinator.students.get({ studentId: A.students.ava }))).toMatchObject({
        code: 'NOT_FOUND',
      });
      expect(
        await refusal(
          coordinator.students.exitService({
            serviceId: A.services.avaOt,
            exitOn: TODAY,
            reason: 'goals met',
          }),
        ),
      ).toMatchObject({ code: 'NOT_FOUND' });
      const list = await coordinator.students.list({});
      expect(list.students.map((s) => s.id)).toEqual([A.students.dev, A.students.cara]);

      const admin = await as(conn, emails.admin);
      expect(await refusal(admin.students.get({ studentId: B.student }))).toMatchObject({
        code: 'NOT_FOUND',
      });
      expect(
        await refusal(
          admin.students.updateService({
            serviceId: B.service,
            expectedVersion: 1,
            discipline: 'SLP',
            providerId: null,
            minutes: 30,
            per: 'week',
            model: 'pull_out',
            startDate: '2025-09-15',
            endDate: '2026-09-14',
          }),
        ),
      ).toMatchObject({ code: 'NOT_FOUND' });
      expect(
        await refusal(
          admin.people.update({
            userId: B.therapist,
            expectedVersion: 1,
            name: 'Taken Over',
            email: 'slp@b.test',
            role: 'therapist',
            discipline: 'SLP',
          }),
        ),
      ).toMatchObject({ code: 'NOT_FOUND' });
      const bStaff = await conn.db
        .selectFrom('staff_user')
        .select('name')
        .where('id', '=', B.therapist)
        .executeTakeFirstOrThrow();
      expect(bStaff.name).not.toBe('Taken Over');
    });

    it('an admin adds staff with a setup link and edits them at a version', async () => {
      const admin = await as(conn, emails.admin);
      expect(
        await refusal(
          admin.people.create({
            name: 'Sam Aide',
            email: 'sam@a.test',
            role: 'assistant',
            discipline: 'SLP',
          }),
        ),
      ).toEqual({ code: 'BAD_REQUEST', fields: ['supervisorId'] });
      const made = await admin.people.create({
        name: 'Sam Aide',
        email: 'Sam@A.test',
        role: 'assistant',
        discipline: 'SLP',
        supervisorId: A.staff.slp,
        schoolIds: [A.schools.north],
      });
      expect(made.setupToken).toMatch(/^dA\.[A-Za-z0-9_-]{43}$/);
      const list = await admin.people.list();
      const sam = list.staff.find((s) => s.id === made.id)!;
      expect(sam).toMatchObject({
        email: 'sam@a.test',
        supervisorName: 'Sam Speech',
        schoolIds: [A.schools.north],
        setupPending: true,
        version: 1,
      });
      const edit = {
        userId: made.id,
        expectedVersion: 1,
        name: 'Sam Aide',
        email: 'sam@a.test',
        role: 'assistant' as const,
        discipline: 'SLP' as const,
        supervisorId: A.staff.slp,
        schoolIds: [A.schools.north, A.schools.south],
      };
      expect(await admin.people.update(edit)).toMatchObject({ version: 2, changed: ['schools'] });
      // A second save at the version it loaded is told who changed what.
      const stale = await refusal(admin.people.update({ ...edit, name: 'Samuel Aide' }));
      expect(stale.code).toBe('CONFLICT');
      // The SLP supervises Sam and provides services: not a teacher until those move.
      const slp = list.staff.find((s) => s.id === A.staff.slp)!;
      expect(
        await refusal(
          admin.people.update({
            userId: slp.id,
            expectedVersion: slp.version,
            name: slp.name,
            email: slp.email,
            role: 'teacher',
            discipline: null,
          }),
        ),
      ).toEqual({ code: 'BAD_REQUEST', fields: ['role'] });
    });

    it('a coordinator adds a student with a service that waits for a provider, then assigns one', async () => {
      const coordinator = await as(conn, emails.coordinator);
      expect(
        await refusal(
          coordinator.students.create({
            ...newStudent,
            schoolId: A.schools.south,
            homeroomId: A.classrooms.north2,
          }),
        ),
      ).toEqual({ code: 'BAD_REQUEST', fields: ['homeroomId'] });
      const { id } = await coordinator.students.create({
        ...newStudent,
        schoolId: A.schools.south,
        homeroomId: A.classrooms.south3,
      });
      const service = {
        discipline: 'OT' as const,
        minutes: 30,
        per: 'week' as const,
        model: 'pull_out' as const,
        startDate: '2026-03-01',
        endDate: '2027-02-28',
      };
      expect(
        await refusal(
          coordinator.students.addService({ ...service, studentId: id, providerId: A.staff.slp }),
        ),
      ).toEqual({ code: 'BAD_REQUEST', fields: ['providerId'] });
      const svc = await coordinator.students.addService({ ...service, studentId: id });
      const waiting = await coordinator.students.needsProvider();
      expect(waiting.map((w) => w.serviceId)).toContain(svc.id);
      await coordinator.students.updateService({
        ...service,
        serviceId: svc.id,
        expectedVersion: 1,
        providerId: A.staff.ot,
      });
      expect((await coordinator.students.needsProvider()).map((w) => w.serviceId)).not.toContain(
        svc.id,
      );
      const ot = await as(conn, emails.ot);
      expect((await ot.student.get({ studentId: id })).id).toBe(id);
    });

    it('a transfer keeps the history and moves access from the transfer date', async () => {
      const count = async (table: 'session_student' | 'observation' | 'goal') =>
        Number(
          (
            await conn.db
              .selectFrom(table)
              .select((eb) => eb.fn.countAll().as('n'))
              .where('student_id', '=', A.students.ava)
              .executeTakeFirstOrThrow()
          ).n,
        );
      const history = {
        sessions: await count('session_student'),
        observations: await count('observation'),
        goals: await count('goal'),
      };
      expect(history.sessions).toBeGreaterThan(0);
      const slp = await as(conn, emails.slp);
      const teacher = await as(conn, emails.teacher);
      const coordinator = await as(conn, emails.coordinator);
      await slp.student.get({ studentId: A.students.ava });
      await teacher.student.get({ studentId: A.students.ava });

      const admin = await as(conn, emails.admin);
      expect(
        await refusal(
          admin.students.transfer({
            studentId: A.students.ava,
            toSchoolId: A.schools.south,
            toHomeroomId: A.classrooms.north2,
            effectiveOn: TODAY,
            reason: 'moved house',
          }),
        ),
      ).toEqual({ code: 'BAD_REQUEST', fields: ['toHomeroomId'] });
      expect(
        await refusal(
          admin.students.transfer({
            studentId: A.students.ava,
            toSchoolId: A.schools.south,
            effectiveOn: '2026-04-01',
            reason: 'moved house',
          }),
        ),
      ).toEqual({ code: 'BAD_REQUEST', fields: ['effectiveOn'] });
      const moved = await admin.students.transfer({
        studentId: A.students.ava,
        toSchoolId: A.schools.south,
        toHomeroomId: A.classrooms.south3,
        effectiveOn: TODAY,
        reason: 'moved house',
      });
      expect(moved.endedServices.sort()).toEqual([A.services.avaOt, A.services.avaSlp].sort());

      // History stays with the student.
      expect({
        sessions: await count('session_student'),
        observations: await count('observation'),
        goals: await count('goal'),
      }).toEqual(history);
      const services = await conn.db
        .selectFrom('service')
        .select(['id', 'provider_id', 'start_date', 'end_date', 'discipline'])
        .where('student_id', '=', A.students.ava)
        .orderBy('start_date')
        .orderBy('discipline')
        .execute();
      expect(
        services
          .filter((s) => s.end_date === '2026-03-10')
          .map((s) => s.id)
          .sort(),
      ).toEqual([A.services.avaOt, A.services.avaSlp].sort());
      const continuing = services.filter((s) => s.start_date === TODAY);
      expect(continuing.map((s) => [s.discipline, s.provider_id])).toEqual([
        ['OT', null],
        ['SLP', null],
      ]);
      // The former therapist and teacher lose access; the receiving school's team sees her.
      expect(await refusal(slp.student.get({ studentId: A.students.ava }))).toMatchObject({
        code: 'NOT_FOUND',
      });
      expect(await refusal(teacher.student.get({ studentId: A.students.ava }))).toMatchObject({
        code: 'NOT_FOUND',
      });
      const seen = await coordinator.students.get({ studentId: A.students.ava });
      expect(seen).toMatchObject({ schoolId: A.schools.south, homeroomId: A.classrooms.south3 });
      expect(seen.transfers).toMatchObject([
        {
          fromSchoolName: 'North Elementary',
          toSchoolName: 'South Elementary',
          reason: 'moved house',
        },
      ]);
      expect((await coordinator.student.get({ studentId: A.students.ava })).id).toBe(
        A.students.ava,
      );
      // Her continuing services wait on the coordinator's list.
      const waiting = (await coordinator.students.needsProvider()).filter(
        (w) => w.studentId === A.students.ava,
      );
      expect(waiting.map((w) => w.discipline).sort()).toEqual(['OT', 'SLP']);
      // The audit shows the transfer.
      const events = await auditedStudents(conn.db, { action: 'students.transfer' });
      expect(events.filter((e) => e.outcome === 'ok')).toMatchObject([
        { student_id: A.students.ava },
      ]);
    });

    it('exiting a service ends the provider’s access from that day', async () => {
      const coordinator = await as(conn, emails.coordinator);
      const slp = await as(conn, emails.slp);
      await slp.student.get({ studentId: A.students.cara });
      expect(
        await refusal(
          coordinator.students.exitService({
            serviceId: A.services.caraSlp,
            exitOn: '2025-09-01',
            reason: 'goals met',
          }),
        ),
      ).toEqual({ code: 'BAD_REQUEST', fields: ['exitOn'] });
      expect(
        await coordinator.students.exitService({
          serviceId: A.services.caraSlp,
          exitOn: TODAY,
          reason: 'goals met',
        }),
      ).toEqual({ studentId: A.students.cara, endDate: '2026-03-10' });
      expect(await refusal(slp.student.get({ studentId: A.students.cara }))).toMatchObject({
        code: 'NOT_FOUND',
      });
    });
  });
}
