import type { Connection } from '@carryover/db';
import { testTargets } from '@carryover/db/testing';
import { accessActionWords, hasAccessWords, PASSWORD_MESSAGES } from '@carryover/domain';
import { getErrorShape, type TRPCError } from '@trpc/server';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { appRouter } from '../src/root';
import { STUDENT_NOT_FOUND } from '../src/scope';
import { consoleLogger, errorSummary } from '../src/trpc';
import { A, as, B, buildFixture, callerFor, emails, openTestDb, silentLogger } from './fixtures';

// Points 3 and 7: admin user creation under the password policy, and the two exports a
// parent may ask for (IDEA §300.613 inspection, §300.614 record of access), each audited.

const targets = await testTargets();

describe('record of access words', () => {
  it('names every procedure in words, so no procedure name reaches a parent', () => {
    const unnamed = Object.keys(appRouter._def.procedures).filter((p) => !hasAccessWords(p));
    expect(unnamed, 'procedures without words in domain/src/access-words.ts').toEqual([]);
    expect(accessActionWords('caseload.list')).toBe('caseload list');
    expect(accessActionWords('import.oneroster.ok')).toBe('roster import');
    expect(accessActionWords('auth.signIn.throttled')).toBe('sign-in (refused: too many tries)');
  });
});

const fieldErrorsOf = (error: unknown) =>
  getErrorShape({
    config: appRouter._def._config,
    error: error as TRPCError,
    type: 'mutation',
    path: 'admin',
    input: undefined,
    ctx: { log: silentLogger } as never,
  }).data.fieldErrors;

for (const target of targets) {
  describe(`admin on ${target.dialect}`, () => {
    let conn: Connection;
    beforeAll(async () => {
      conn = await openTestDb(target);
      await buildFixture(conn.db);
    });
    afterAll(() => conn?.close());

    const good = {
      name: 'Pat Physical',
      email: 'PT@a.test',
      role: 'therapist' as const,
      discipline: 'PT' as const,
      schoolIds: [A.schools.north] as string[],
      password: 'a sturdy passphrase for PT',
    };

    it('creates a user in the admin’s district, who can then sign in', async () => {
      const admin = await as(conn, emails.admin);
      const { id } = await admin.admin.createUser(good);
      const row = await conn.db
        .selectFrom('staff_user')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
      expect(row).toMatchObject({ district_id: A.district, email: 'pt@a.test', role: 'therapist' });
      const schools = await conn.db
        .selectFrom('staff_school')
        .select('school_id')
        .where('staff_id', '=', id)
        .execute();
      expect(schools.map((s) => s.school_id)).toEqual([A.schools.north]);
      const { caller, cookies } = await callerFor(conn);
      await caller.auth.signIn({ email: 'pt@a.test', password: good.password });
      expect(cookies.set).toHaveLength(1);
    });

    it('refuses breached or short passwords, taken emails, foreign schools — writing nothing', async () => {
      const admin = await as(conn, emails.admin);
      const count = async () =>
        (await conn.db.selectFrom('staff_user').select('id').execute()).length;
      const before = await count();
      const cases: [Partial<typeof good>, Record<string, string[]>][] = [
        [{ password: 'qwertyuiop123' }, { password: [PASSWORD_MESSAGES.common] }],
        [{ password: 'short' }, { password: [PASSWORD_MESSAGES.tooShort] }],
        [{ email: emails.otherDistrict }, { email: ['An account with this email already exists'] }],
        [
          { email: 'new1@a.test', schoolIds: [B.school] },
          { schoolIds: ['Choose schools of your district'] },
        ],
      ];
      for (const [change, expected] of cases) {
        const err = await admin.admin.createUser({ ...good, ...change }).catch((e) => e);
        expect(err.code).toBe('BAD_REQUEST');
        expect(fieldErrorsOf(err)).toEqual(expected);
      }
      expect(await count()).toBe(before);
    });

    it('is refused to every other role (FORBIDDEN)', async () => {
      for (const email of [emails.slp, emails.teacher, emails.coordinator, emails.slpa]) {
        const caller = await as(conn, email);
        await expect(caller.admin.createUser({ ...good, email: 'x@a.test' })).rejects.toMatchObject(
          {
            code: 'FORBIDDEN',
          },
        );
        await expect(
          caller.admin.exportAccessRecord({ studentId: A.students.ava }),
        ).rejects.toMatchObject({ code: 'FORBIDDEN' });
      }
    });

    it('exports the record of access as CSV: who, role, when, what — and audits the export', async () => {
      const slp = await as(conn, emails.slp);
      await slp.student.get({ studentId: A.students.ava });
      const teacher = await as(conn, emails.teacher);
      await teacher.student.get({ studentId: A.students.ava });
      const ot = await as(conn, emails.ot);
      await ot.student.get({ studentId: A.students.cara }).catch(() => {}); // refused: out of scope

      const admin = await as(conn, emails.admin);
      const file = await admin.admin.exportAccessRecord({ studentId: A.students.ava });
      expect(file.contentType).toBe('text/csv');
      expect(file.filename).toMatch(/^access-record-stu-101-\d{4}-\d{2}-\d{2}\.csv$/);
      expect(file.content.split('\r\n')[0]).toBe('"when (UTC)","who","role","what","outcome"');
      // Every field is quoted; the checks below read the cells without their quotes.
      const lines = file.content.replaceAll('"', '').trim().split('\r\n');
      expect(lines[0]).toBe('when (UTC),who,role,what,outcome');
      // What was read is named for a parent, not by the procedure that logged it.
      expect(lines).toContainEqual(expect.stringMatching(/,Sam Speech,therapist,student page,ok$/));
      expect(lines).toContainEqual(expect.stringMatching(/,Tara Teacher,teacher,student page,ok$/));
      expect(file.content).not.toContain('student.get');
      // Only Ava's accesses.
      expect(file.content).not.toContain('Olive Occupational');

      const json = JSON.parse(
        (await admin.admin.exportAccessRecord({ studentId: A.students.cara, format: 'json' }))
          .content,
      );
      expect(json.events).toContainEqual(
        expect.objectContaining({
          actorName: 'Olive Occupational',
          action: 'student.get',
          what: 'student page',
          outcome: 'denied',
        }),
      );
      const exports = await conn.db
        .selectFrom('audit_event')
        .select(['student_id', 'outcome'])
        .where('actor_id', '=', A.staff.admin)
        .where('action', '=', 'admin.exportAccessRecord')
        .execute();
      expect(exports).toEqual([
        { student_id: A.students.ava, outcome: 'ok' },
        { student_id: A.students.cara, outcome: 'ok' },
      ]);
    });

    it('lists in the record of access every read of many students that included the student', async () => {
      const slp = await as(conn, emails.slp);
      const page = await slp.caseload.list();
      expect(page.items.map((r) => r.studentId)).toContain(A.students.ava);
      const { rows } = await slp.fidelity.report({ from: '2026-03-09', to: '2026-03-15' });
      expect(rows.map((r) => r.studentId)).toContain(A.students.ava);
      const admin = await as(conn, emails.admin);
      const { events } = JSON.parse(
        (await admin.admin.exportAccessRecord({ studentId: A.students.ava, format: 'json' }))
          .content,
      ) as { events: { seq: number; actorName: string; action: string }[] };
      const bySam = events.filter((e) => e.actorName === 'Sam Speech').map((e) => e.action);
      expect(bySam).toEqual(expect.arrayContaining(['caseload.list', 'fidelity.report']));
      // Oldest first, each event once.
      const seqs = events.map((e) => e.seq);
      expect(seqs).toEqual([...new Set(seqs)].sort((a, b) => a - b));
      // The CSV carries the same reads; the whole-record export holds no part of the trail.
      const csv = await admin.admin.exportAccessRecord({ studentId: A.students.ava });
      expect(csv.content).toContain('"Sam Speech","therapist","caseload list","ok"');
      expect(csv.content).toContain('"Sam Speech","therapist","service minutes report","ok"');
      const record = JSON.parse(
        (await admin.admin.exportStudentRecord({ studentId: A.students.ava })).content,
      );
      expect(Object.keys(record.tables)).not.toContain('audit_event_student');
    });

    it('exports the whole record as JSON, audited', async () => {
      const admin = await as(conn, emails.admin);
      const file = await admin.admin.exportStudentRecord({ studentId: A.students.ava });
      expect(file.contentType).toBe('application/json');
      const record = JSON.parse(file.content);
      expect(record.student).toMatchObject({ first_name: 'Ava', last_name: 'Lopez' });
      expect(record.tables.goal.map((g: { id: string }) => g.id).sort()).toEqual([
        A.goals.avaArtic,
        A.goals.avaHandwriting,
      ]);
      expect(record.tables.observation).toHaveLength(3);
      expect(record.tables.session_student).toHaveLength(4);
      expect(record.tables.therapy_session.map((s: { id: string }) => s.id).sort()).toEqual([
        'ses-1',
        'ses-2',
        'ses-3',
        'ses-4',
      ]);
      expect(record.tables.model_change).toHaveLength(1);
      expect(record.tables.service_model_minutes).toHaveLength(2);
      expect(record.tables.staff.map((s: { name: string }) => s.name)).toContain('Sam Speech');
      // Nothing about other students: Ben shares ses-3 but his rows are not here.
      expect(file.content).not.toContain(A.students.ben);
      expect(file.content).not.toContain('district_id');
      const last = await conn.db
        .selectFrom('audit_event')
        .selectAll()
        .where('actor_id', '=', A.staff.admin)
        .orderBy('seq', 'desc')
        .executeTakeFirstOrThrow();
      expect(last).toMatchObject({
        action: 'admin.exportStudentRecord',
        student_id: A.students.ava,
        outcome: 'ok',
      });
    });

    it('answers another district’s student exactly like a missing one', async () => {
      const admin = await as(conn, emails.admin);
      const errors = await Promise.all(
        [B.student, 'no-such-student'].map((studentId) =>
          admin.admin.exportStudentRecord({ studentId }).catch((e) => e),
        ),
      );
      for (const e of errors)
        expect(e).toMatchObject({ code: 'NOT_FOUND', message: STUDENT_NOT_FOUND });
    });
  });
}

describe('error logs', () => {
  it('carry name, code and message of an error, never its other fields', () => {
    // The shape of a pg unique violation: `detail` holds the row's values.
    const pgError = Object.assign(new Error('duplicate key value violates unique constraint'), {
      code: '23505',
      detail: 'Key (first_name, last_name)=(Ava, Lopez) already exists.',
      where: 'SQL statement "insert into student values (...)"',
    });
    expect(errorSummary(pgError)).toBe(
      'Error code=23505: duplicate key value violates unique constraint',
    );
    const spy = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      consoleLogger.error('error id=abc123 path=student.get', pgError);
      const printed = spy.mock.calls.flat().map(String).join(' ');
      expect(printed).toContain('abc123');
      expect(printed).toContain('23505');
      expect(printed).not.toContain('Lopez');
      expect(printed).not.toContain('insert into');
      expect(spy.mock.calls[0]).toHaveLength(1); // a string, not the object
    } finally {
      spy.mockRestore();
    }
  });
});
