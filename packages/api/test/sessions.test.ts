import type { Connection } from '@carryover/db';
import { verifyAuditChain } from '@carryover/db';
import { testTargets } from '@carryover/db/testing';
import { BILLING_CSV_HEADER, type SessionLogInput } from '@carryover/domain';
import { getErrorShape, type TRPCError } from '@trpc/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appRouter } from '../src/root';
import {
  ALREADY_COSIGNED,
  ALREADY_SIGNED,
  NOT_SIGNED_YET,
  SESSION_NOT_FOUND,
  SIGNED_IS_LOCKED,
} from '../src/router/sessions';
import { STUDENT_NOT_FOUND } from '../src/scope';
import {
  A,
  as,
  auditedStudents,
  B,
  buildFixture,
  emails,
  openTestDb,
  sessionInput,
  silentLogger,
} from './fixtures';

// Session logging end to end through the router on real databases: scope, field errors that
// write nothing, idempotency under concurrency, signing, amendments, co-signing, probes, export.

const targets = await testTargets();

let keyCounter = 0;
const key = () => `test-key-${Date.now().toString(36)}-${++keyCounter}-abcdefgh`;

function shapeOf(error: unknown, path: string) {
  return getErrorShape({
    config: appRouter._def._config,
    error: error as TRPCError,
    type: 'mutation',
    path,
    input: undefined,
    ctx: { log: silentLogger } as never,
  });
}

/**
 * A group pull-out session for Ava and Cara with trial data (the SLP serves both; they are at
 * different schools, so a push-in could not hold them both).
 */
function groupSession(overrides: Partial<SessionLogInput> = {}): SessionLogInput {
  return sessionInput(
    key(),
    [
      {
        studentId: A.students.ava,
        attendance: 'delivered',
        note: 'Worked on /s/ blends during writing.',
        goals: [
          {
            goalId: A.goals.avaArtic,
            trials: { trials: 10, correct: 6, prompted: 2, promptLevel: 'verbal' },
          },
        ],
      },
      {
        studentId: A.students.cara,
        attendance: 'delivered',
        goals: [{ goalId: A.goals.caraLanguage, trials: { trials: 8, correct: 7 } }],
      },
    ],
    { date: '2026-03-11', ...overrides },
  );
}

for (const target of targets) {
  describe(`sessions on ${target.dialect}`, () => {
    let conn: Connection;
    beforeAll(async () => {
      conn = await openTestDb(target);
      await buildFixture(conn.db);
    });
    afterAll(() => conn?.close());

    const count = async (table: 'therapy_session' | 'observation' | 'session_student') =>
      Number(
        (
          await conn.db
            .selectFrom(table)
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    const counts = async () => [
      await count('therapy_session'),
      await count('session_student'),
      await count('observation'),
    ];
    const sessionsWithKey = async (k: string) =>
      Number(
        (
          await conn.db
            .selectFrom('therapy_session')
            .select((eb) => eb.fn.countAll().as('n'))
            .where('idempotency_key', '=', k)
            .executeTakeFirstOrThrow()
        ).n,
      );

    it('logs a group session with per-student records, observations and audit events', async () => {
      const slp = await as(conn, emails.slp);
      const input = groupSession();
      const { sessionId, duplicate } = await slp.sessions.log(input);
      expect(duplicate).toBe(false);
      const session = await conn.db
        .selectFrom('therapy_session')
        .selectAll()
        .where('id', '=', sessionId)
        .executeTakeFirstOrThrow();
      expect(session).toMatchObject({
        district_id: A.district,
        minutes: 30,
        provider_id: A.staff.slp,
        created_by: A.staff.slp,
        model: 'pull_out',
        setting: 'therapy_room',
        routine_id: null,
        collaboration_mode: null,
        group_size: 2,
      });
      const records = await conn.db
        .selectFrom('session_student')
        .selectAll()
        .where('session_id', '=', sessionId)
        .orderBy('student_id')
        .execute();
      expect(records.map((r) => [r.student_id, r.service_id, r.attendance, r.signed_at])).toEqual([
        [A.students.ava, A.services.avaSlp, 'delivered', null],
        [A.students.cara, A.services.caraSlp, 'delivered', null],
      ]);
      const obs = await conn.db
        .selectFrom('observation')
        .selectAll()
        .where('session_id', '=', sessionId)
        .orderBy('student_id')
        .execute();
      expect(
        obs.map((o) => [
          o.goal_id,
          o.trials_correct,
          o.trials_prompted,
          o.trials_incorrect,
          o.prompt_level,
          o.setting,
          o.recorder_role,
        ]),
      ).toEqual([
        [A.goals.avaArtic, 6, 2, 2, 'verbal', 'therapy_room', 'therapist'],
        [A.goals.caraLanguage, 7, 0, 1, null, 'therapy_room', 'therapist'],
      ]);
      const events = await conn.db
        .selectFrom('audit_event')
        .select(['student_id', 'outcome'])
        .where('action', '=', 'sessions.log')
        .where('entity_id', '=', sessionId)
        .orderBy('student_id')
        .execute();
      expect(events).toEqual([
        { student_id: A.students.ava, outcome: 'ok' },
        { student_id: A.students.cara, outcome: 'ok' },
      ]);
      // The new point is on Ava's goal graph.
      const ava = await slp.student.get({ studentId: A.students.ava });
      const artic = ava.goals.find((g) => g.id === A.goals.avaArtic)!;
      expect(artic.points.filter((p) => p.date === '2026-03-11').map((p) => p.raw)).toEqual([60]);
    });

    it('stores one session for a repeated submission, and for 50 parallel ones', async () => {
      const slp = await as(conn, emails.slp);
      const input = groupSession();
      const first = await slp.sessions.log(input);
      const again = await slp.sessions.log(input);
      expect(again).toEqual({ sessionId: first.sessionId, duplicate: true });
      expect(await sessionsWithKey(input.idempotencyKey)).toBe(1);

      const burst = groupSession({ date: '2026-03-02' });
      const before = await counts();
      const results = await Promise.all(Array.from({ length: 50 }, () => slp.sessions.log(burst)));
      expect(new Set(results.map((r) => r.sessionId)).size).toBe(1);
      expect(results.filter((r) => !r.duplicate)).toHaveLength(1);
      expect(await sessionsWithKey(burst.idempotencyKey)).toBe(1);
      const after = await counts();
      expect(after.map((n, i) => n - before[i]!)).toEqual([1, 2, 2]);
      expect((await verifyAuditChain(conn.db, A.district)).ok).toBe(true);
    });

    it('logs 50 different sessions for the same student and goal in parallel, each once', async () => {
      const slp = await as(conn, emails.slp);
      const inputs = Array.from({ length: 50 }, () =>
        groupSession({ date: '2026-03-02', students: [groupSession().students[0]!] }),
      );
      const before = await counts();
      const results = await Promise.all(inputs.map((i) => slp.sessions.log(i)));
      expect(new Set(results.map((r) => r.sessionId)).size).toBe(50);
      const after = await counts();
      expect(after.map((n, i) => n - before[i]!)).toEqual([50, 50, 50]);
      for (const i of inputs.slice(0, 5)) expect(await sessionsWithKey(i.idempotencyKey)).toBe(1);
      expect((await verifyAuditChain(conn.db, A.district)).ok).toBe(true);
    });

    it('refuses students out of scope with NOT_FOUND, writes nothing, audits the refusal', async () => {
      const slp = await as(conn, emails.slp);
      const ot = await as(conn, emails.ot);
      const before = await counts();
      const attempts = [
        // Ben's SLP service has ended: not on the SLP's caseload any more.
        slp.sessions.log(
          groupSession({
            students: [{ studentId: A.students.ben, attendance: 'delivered' }],
          }),
        ),
        // Another district's student.
        slp.sessions.log(
          groupSession({ students: [{ studentId: B.student, attendance: 'delivered' }] }),
        ),
        // Another therapist's student (the OT does not serve Cara).
        ot.sessions.log(
          groupSession({ students: [{ studentId: A.students.cara, attendance: 'delivered' }] }),
        ),
      ];
      for (const err of await Promise.all(attempts.map((p) => p.catch((e) => e)))) {
        expect(err.code).toBe('NOT_FOUND');
        expect(err.message).toBe(STUDENT_NOT_FOUND);
      }
      expect(await counts()).toEqual(before);
      const denied = await conn.db
        .selectFrom('audit_event')
        .select(['entity_id'])
        .where('action', '=', 'sessions.log')
        .where('outcome', '=', 'denied')
        .execute();
      expect(denied.map((d) => d.entity_id).sort()).toEqual(
        [A.students.ben, B.student, A.students.cara].sort(),
      );
    });

    it('refuses roles that do not log sessions (FORBIDDEN) and out-of-classroom probes (NOT_FOUND)', async () => {
      const teacher = await as(conn, emails.teacher);
      const coordinator = await as(conn, emails.coordinator);
      for (const caller of [teacher, coordinator]) {
        const err = await caller.sessions.log(groupSession()).catch((e) => e);
        expect(err.code).toBe('FORBIDDEN');
      }
      const before = await counts();
      // Cara's homeroom is not the teacher's classroom.
      const err = await teacher.sessions
        .probe({
          studentId: A.students.cara,
          date: '2026-03-11',
          data: { goalId: A.goals.caraLanguage, trials: { trials: 5, correct: 3 } },
        })
        .catch((e) => e);
      expect(err.code).toBe('NOT_FOUND');
      const slp = await as(conn, emails.slp);
      const notTeacher = await slp.sessions
        .probe({
          studentId: A.students.ava,
          date: '2026-03-11',
          data: { goalId: A.goals.avaArtic, trials: { trials: 5, correct: 3 } },
        })
        .catch((e) => e);
      expect(notTeacher.code).toBe('FORBIDDEN');
      expect(await counts()).toEqual(before);
    });

    it('stores a teacher’s classroom probe as classroom-setting data', async () => {
      const teacher = await as(conn, emails.teacher);
      // Ava's articulation goal is linked to the writing routine of the teacher's classroom.
      const { observationId } = await teacher.sessions.probe({
        studentId: A.students.ava,
        date: '2026-03-10',
        data: { goalId: A.goals.avaArtic, trials: { trials: 10, correct: 7 } },
      });
      const o = await conn.db
        .selectFrom('observation')
        .selectAll()
        .where('id', '=', observationId)
        .executeTakeFirstOrThrow();
      expect(o).toMatchObject({
        session_id: null,
        setting: 'classroom',
        recorder_role: 'teacher',
        recorded_by: A.staff.teacher,
        trials_correct: 7,
      });
      // On the goal's graph it is the teacher's probe, by name.
      const slp = await as(conn, emails.slp);
      const graphed = (await slp.student.get({ studentId: A.students.ava })).goals
        .find((g) => g.id === A.goals.avaArtic)!
        .points.filter((p) => p.date === '2026-03-10' && p.recordedBy?.role === 'teacher');
      expect(graphed.map((p) => [p.raw, p.recordedBy?.name])).toEqual([[70, 'Tara Teacher']]);
      // A goal of another student is a field error.
      const err = await teacher.sessions
        .probe({
          studentId: A.students.ava,
          date: '2026-03-10',
          data: { goalId: A.goals.benFineMotor, trials: { trials: 5, correct: 3 } },
        })
        .catch((e) => e);
      expect(err.code).toBe('BAD_REQUEST');
    });

    it('stores a probe sent with a key once, however often and however concurrently it is sent', async () => {
      const teacher = await as(conn, emails.teacher);
      const probesWithKey = async (k: string) =>
        Number(
          (
            await conn.db
              .selectFrom('observation')
              .select((eb) => eb.fn.countAll().as('n'))
              .where('district_id', '=', A.district)
              .where('idempotency_key', '=', k)
              .executeTakeFirstOrThrow()
          ).n,
        );
      const input = {
        idempotencyKey: 'probe-key-0000000000000001',
        studentId: A.students.ava,
        date: '2026-03-10',
        data: { goalId: A.goals.avaArtic, trials: { trials: 10, correct: 8 } },
      };
      const first = await teacher.sessions.probe(input);
      expect(first.duplicate).toBe(false);
      expect(await teacher.sessions.probe(input)).toEqual({
        observationId: first.observationId,
        duplicate: true,
      });
      expect(await probesWithKey(input.idempotencyKey)).toBe(1);

      const burst = { ...input, idempotencyKey: 'probe-key-0000000000000002' };
      const before = await count('observation');
      const results = await Promise.all(
        Array.from({ length: 20 }, () => teacher.sessions.probe(burst)),
      );
      expect(new Set(results.map((r) => r.observationId)).size).toBe(1);
      expect(results.filter((r) => !r.duplicate)).toHaveLength(1);
      expect((await count('observation')) - before).toBe(1);
      // Probes without a key (older clients) are each stored.
      const { idempotencyKey: _, ...keyless } = input;
      await teacher.sessions.probe(keyless);
      await teacher.sessions.probe(keyless);
      expect((await count('observation')) - before).toBe(3);
      expect((await verifyAuditChain(conn.db, A.district)).ok).toBe(true);
    });

    describe('bad input gets a field error and writes nothing', () => {
      const cases: [string, () => SessionLogInput, string][] = [
        [
          'end before begin',
          () => groupSession({ startTime: '10:30', endTime: '10:00' }),
          'endTime',
        ],
        [
          'a goal of another student',
          () =>
            groupSession({
              students: [
                {
                  studentId: A.students.ava,
                  attendance: 'delivered',
                  goals: [{ goalId: A.goals.caraLanguage, trials: { trials: 4, correct: 2 } }],
                },
              ],
            }),
          'students',
        ],
        [
          'negative trials',
          () =>
            groupSession({
              students: [
                {
                  studentId: A.students.ava,
                  attendance: 'delivered',
                  goals: [{ goalId: A.goals.avaArtic, trials: { trials: -3, correct: 0 } }],
                },
              ],
            }),
          'students',
        ],
        [
          'correct > trials',
          () =>
            groupSession({
              students: [
                {
                  studentId: A.students.ava,
                  attendance: 'delivered',
                  goals: [{ goalId: A.goals.avaArtic, trials: { trials: 4, correct: 5 } }],
                },
              ],
            }),
          'students',
        ],
        [
          'data in the wrong measurement',
          () =>
            groupSession({
              students: [
                {
                  studentId: A.students.ava,
                  attendance: 'delivered',
                  goals: [{ goalId: A.goals.avaArtic, count: 4 }],
                },
              ],
            }),
          'students',
        ],
        [
          'push-in outside the classroom',
          () =>
            groupSession({
              model: 'push_in',
              routineId: A.routines.writing,
              collaborationMode: 'co_teach',
              students: [groupSession().students[0]!],
            }),
          'setting',
        ],
      ];
      for (const [name, make, field] of cases) {
        it(name, async () => {
          const slp = await as(conn, emails.slp);
          const before = await counts();
          const err = await slp.sessions.log(make()).catch((e) => e);
          expect(err.code).toBe('BAD_REQUEST');
          const shape = shapeOf(err, 'sessions.log');
          expect(Object.keys(shape.data.fieldErrors ?? {})).toContain(field);
          expect(await counts()).toEqual(before);
        });
      }
    });

    it('signs once; a second signature, and editing a signed note, are refused; amendments keep the original', async () => {
      const slp = await as(conn, emails.slp);
      const { sessionId } = await slp.sessions.log(groupSession());
      const ref = { sessionId, studentId: A.students.ava };
      await slp.sessions.updateNote({ ...ref, note: 'Edited before signing.' });
      // 20 parallel signatures: exactly one wins.
      const results = await Promise.all(
        Array.from({ length: 20 }, () =>
          slp.sessions.sign(ref).then(
            () => 'ok',
            (e) => e.message,
          ),
        ),
      );
      expect(results.filter((r) => r === 'ok')).toHaveLength(1);
      expect(results.filter((r) => r === ALREADY_SIGNED)).toHaveLength(19);

      const edit = await slp.sessions.updateNote({ ...ref, note: 'Sneaky change' }).catch((e) => e);
      expect(edit.code).toBe('CONFLICT');
      expect(edit.message).toBe(SIGNED_IS_LOCKED);
      await slp.sessions.amend({ ...ref, text: 'Also used a visual cue card.' });
      // Parallel amendments each land once, in addition to the original.
      const other = await slp.sessions.log(groupSession({ sign: true }));
      const otherRef = { sessionId: other.sessionId, studentId: A.students.ava };
      await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          slp.sessions.amend({ ...otherRef, text: `Note ${i}` }),
        ),
      );
      const amendments = await conn.db
        .selectFrom('session_note_amendment')
        .select('text')
        .where('session_id', '=', other.sessionId)
        .execute();
      expect(amendments.map((a) => a.text).sort()).toEqual(
        Array.from({ length: 10 }, (_, i) => `Note ${i}`).sort(),
      );
      const rec = await conn.db
        .selectFrom('session_student')
        .selectAll()
        .where('session_id', '=', sessionId)
        .where('student_id', '=', A.students.ava)
        .executeTakeFirstOrThrow();
      expect(rec.note).toBe('Edited before signing.');
      expect(rec.signed_by).toBe(A.staff.slp);

      const recent = await slp.sessions.recent();
      const shown = recent
        .find((s) => s.id === sessionId)!
        .students.find((s) => s.studentId === A.students.ava)!;
      expect(shown.note).toBe('Edited before signing.');
      expect(shown.amendments.map((a) => [a.text, a.author])).toEqual([
        ['Also used a visual cue card.', 'Sam Speech'],
      ]);
      // Cara's note is not signed yet: amending it is refused.
      const early = await slp.sessions
        .amend({ sessionId, studentId: A.students.cara, text: 'x' })
        .catch((e) => e);
      expect(early.message).toBe(NOT_SIGNED_YET);
      // Save-and-sign signs every note at once.
      const signed = await slp.sessions.log(groupSession({ sign: true }));
      const signedRecords = await conn.db
        .selectFrom('session_student')
        .select('signed_at')
        .where('session_id', '=', signed.sessionId)
        .execute();
      expect(signedRecords.every((r) => r.signed_at !== null)).toBe(true);
    });

    it('refuses signing, editing and amending another therapist’s session (NOT_FOUND)', async () => {
      const slp = await as(conn, emails.slp);
      const ot = await as(conn, emails.ot);
      const { sessionId } = await slp.sessions.log(groupSession());
      const ref = { sessionId, studentId: A.students.ava };
      const attempts = [
        () => ot.sessions.sign(ref),
        () => ot.sessions.updateNote({ ...ref, note: 'x' }),
        () => ot.sessions.amend({ ...ref, text: 'x' }),
        () => slp.sessions.sign({ sessionId: 'no-such-session', studentId: A.students.ava }),
      ];
      for (const attempt of attempts) {
        const err = await attempt().catch((e) => e);
        expect(err.code).toBe('NOT_FOUND');
        expect(err.message).toBe(SESSION_NOT_FOUND);
      }
      const rec = await conn.db
        .selectFrom('session_student')
        .select(['signed_at', 'note'])
        .where('session_id', '=', sessionId)
        .where('student_id', '=', A.students.ava)
        .executeTakeFirstOrThrow();
      expect(rec.signed_at).toBeNull();
    });

    it('an assistant logs under the supervising therapist, who sees it and co-signs once', async () => {
      const slpa = await as(conn, emails.slpa);
      const slp = await as(conn, emails.slp);
      const ot = await as(conn, emails.ot);
      const context = await slpa.sessions.context();
      expect(context.supervisorName).toBe('Sam Speech');
      expect(context.students.map((s) => s.id)).toEqual([A.students.cara]);
      const { sessionId } = await slpa.sessions.log(
        groupSession({
          model: 'pull_out',
          setting: 'therapy_room',
          routineId: null,
          collaborationMode: null,
          students: [
            {
              studentId: A.students.cara,
              attendance: 'delivered',
              goals: [{ goalId: A.goals.caraLanguage, trials: { trials: 10, correct: 9 } }],
            },
          ],
        }),
      );
      const row = await conn.db
        .selectFrom('therapy_session')
        .selectAll()
        .where('id', '=', sessionId)
        .executeTakeFirstOrThrow();
      expect([row.provider_id, row.created_by]).toEqual([A.staff.slp, A.staff.slpa]);
      // The assistant cannot log for a student not assigned to them.
      const err = await slpa.sessions
        .log(groupSession({ students: [{ studentId: A.students.ava, attendance: 'delivered' }] }))
        .catch((e) => e);
      expect(err.code).toBe('NOT_FOUND');

      const mine = (await slp.sessions.recent()).find((s) => s.id === sessionId)!;
      expect(mine.needsCosign).toBe(true);
      expect(mine.canCosign).toBe(true);
      expect(mine.createdByName).toBe('Sol Assistant');
      expect((await ot.sessions.cosign({ sessionId }).catch((e) => e)).code).toBe('NOT_FOUND');
      const results = await Promise.all(
        Array.from({ length: 10 }, () =>
          slp.sessions.cosign({ sessionId }).then(
            () => 'ok',
            (e) => e.message,
          ),
        ),
      );
      expect(results.filter((r) => r === 'ok')).toHaveLength(1);
      expect(results.filter((r) => r === ALREADY_COSIGNED)).toHaveLength(9);
      // An assistant cannot co-sign.
      expect((await slpa.sessions.cosign({ sessionId }).catch((e) => e)).code).toBe('FORBIDDEN');
    });

    it('exports the billing log as CSV for students in scope only, audited', async () => {
      const slp = await as(conn, emails.slp);
      const { csv, filename } = await slp.sessions.billingCsv({
        from: '2026-03-01',
        to: '2026-03-31',
      });
      expect(filename).toBe('billing-preview_2026-03-01_2026-03-31.csv');
      const lines = csv.replaceAll('"', '').trim().split('\r\n');
      expect(lines[0]).toBe(BILLING_CSV_HEADER.join(','));
      const students = new Set(lines.slice(1).map((l) => l.split(',')[1]));
      expect([...students].sort()).toEqual([A.students.ava, A.students.cara].sort());
      expect(csv).toContain('verbal');
      const teacher = await as(conn, emails.teacher);
      expect(
        (
          await teacher.sessions
            .billingCsv({ from: '2026-03-01', to: '2026-03-31' })
            .catch((e) => e)
        ).code,
      ).toBe('FORBIDDEN');
      const reads = await auditedStudents(conn.db, {
        action: 'sessions.billingCsv',
        actorId: A.staff.slp,
      });
      expect(reads.map((r) => r.student_id).sort()).toEqual(
        [A.students.ava, A.students.cara].sort(),
      );
    });
  });
}
