import type { Connection } from '@carryover/db';
import { testTargets } from '@carryover/db/testing';
import type { GoalUpdateInput, SessionLogInput } from '@carryover/domain';
import { getErrorShape, type TRPCError } from '@trpc/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appRouter } from '../src/root';
import {
  A,
  addReportingPeriods,
  as,
  buildFixture,
  emails,
  openTestDb,
  PERIODS,
  silentLogger,
} from './fixtures';
import { rowCounts } from './matrix.policy';

// Issue 12's object-level rules and "final means final", end to end through the router on both
// databases: who may record data on which goal, plausible dates and late entries, push-in
// routines, touch-base participants, per-discipline readiness, amendments and snapshots. Each
// refusal answers a field error (or the named code), writes nothing and, where it concerns a
// student, is audited.

const targets = await testTargets();

/** A second teacher, of Room 3B at South: another school than Ava's. */
const SOUTH_TEACHER = { id: 'u-teacher-s', email: 'teacher.south@a.test' };

let keyCounter = 0;
const key = () => `rules-key-${Date.now().toString(36)}-${++keyCounter}-abcdefgh`;

function fieldsOf(error: unknown): Record<string, string[]> {
  const shape = getErrorShape({
    config: appRouter._def._config,
    error: error as TRPCError,
    type: 'mutation',
    path: 'rules',
    input: undefined,
    ctx: { log: silentLogger } as never,
  });
  return (shape.data as { fieldErrors: Record<string, string[]> | null }).fieldErrors ?? {};
}

/** An individual pull-out session for Ava with one data point on `goalId` (percent trials). */
function avaSession(overrides: Partial<SessionLogInput> = {}, goalId: string = A.goals.avaArtic) {
  return {
    idempotencyKey: key(),
    date: '2026-03-10',
    startTime: '13:00',
    endTime: '13:30',
    model: 'pull_out',
    setting: 'therapy_room',
    students: [
      {
        studentId: A.students.ava,
        attendance: 'delivered',
        goals: [{ goalId, trials: { trials: 10, correct: 9 } }],
      },
    ],
    ...overrides,
  } satisfies SessionLogInput;
}

for (const target of targets) {
  describe(`object-level rules on ${target.dialect}`, () => {
    let conn: Connection;
    beforeAll(async () => {
      conn = await openTestDb(target);
      await buildFixture(conn.db);
      await addReportingPeriods(conn.db);
      const teacher = await conn.db
        .selectFrom('staff_user')
        .selectAll()
        .where('id', '=', A.staff.teacher)
        .executeTakeFirstOrThrow();
      await conn.db
        .insertInto('staff_user')
        .values({ ...teacher, id: SOUTH_TEACHER.id, email: SOUTH_TEACHER.email, name: 'Sid South' })
        .execute();
      await conn.db
        .updateTable('classroom')
        .set({ teacher_id: SOUTH_TEACHER.id })
        .where('id', '=', A.classrooms.south3)
        .execute();
    });
    afterAll(() => conn?.close());

    /** Runs a refused write: the error, and proof that no table changed. */
    async function refused(attempt: () => Promise<unknown>) {
      const before = await rowCountsBesidesAudit();
      const err = (await attempt().then(
        () => null,
        (e: unknown) => e,
      )) as TRPCError | null;
      expect(err?.code, 'the write was accepted').toBeDefined();
      expect(await rowCountsBesidesAudit()).toEqual(before);
      return err as TRPCError;
    }
    async function rowCountsBesidesAudit() {
      const {
        audit_event: _audit,
        auth_session: _auth,
        login_attempt: _l,
        ...rest
      } = await rowCounts(conn);
      return rest;
    }
    const deniedEvents = async (action: string) =>
      Number(
        (
          await conn.db
            .selectFrom('audit_event')
            .select((eb) => eb.fn.countAll().as('n'))
            .where('action', '=', action)
            .where('outcome', '=', 'denied')
            .executeTakeFirstOrThrow()
        ).n,
      );

    describe('goal data by discipline', () => {
      it("refuses an SLP's data on the OT's goal, naming the goal; the goal's status stays", async () => {
        const slp = await as(conn, emails.slp);
        const goalStatus = async () =>
          (await slp.student.get({ studentId: A.students.ava })).goals.find(
            (g) => g.id === A.goals.avaHandwriting,
          )?.progress.status;
        const statusBefore = await goalStatus();
        const err = await refused(() =>
          slp.sessions.log({
            ...avaSession(),
            students: [
              {
                studentId: A.students.ava,
                attendance: 'delivered',
                goals: [{ goalId: A.goals.avaHandwriting, rubricScore: 4 }],
              },
            ],
          }),
        );
        expect(err.code).toBe('BAD_REQUEST');
        expect(fieldsOf(err).students?.join(' ')).toMatch(
          /SLP goals only; the OT handwriting goal/,
        );
        expect(await goalStatus()).toBe(statusBefore);
        // Its own discipline's goal is accepted.
        await expect(slp.sessions.log(avaSession())).resolves.toMatchObject({ duplicate: false });
      });

      it('refuses a teacher’s probe on a goal not linked to their classroom’s routines', async () => {
        const teacher = await as(conn, emails.teacher);
        const err = await refused(() =>
          teacher.sessions.probe({
            studentId: A.students.ava,
            date: '2026-03-10',
            data: { goalId: A.goals.avaHandwriting, rubricScore: 3 },
          }),
        );
        expect(err.code).toBe('BAD_REQUEST');
        expect(fieldsOf(err).data?.join(' ')).toMatch(
          /OT handwriting goal is not linked to a routine of your classroom/,
        );
        // The session form offers the teacher only goals at their routines.
        const context = await teacher.sessions.context();
        const ava = context.students.find((s) => s.id === A.students.ava)!;
        expect(ava.goals.map((g) => g.id)).toEqual([A.goals.avaArtic]);
      });
    });

    describe('plausible dates', () => {
      const cases: [string, Partial<SessionLogInput>, string][] = [
        ['a session after the district’s today', { date: '2026-03-12' }, 'date'],
        ['a session before the service starts', { date: '2025-09-10' }, 'date'],
        ['a session years ago', { date: '2019-03-10' }, 'date'],
      ];
      for (const [name, change, field] of cases) {
        it(`refuses ${name}`, async () => {
          const slp = await as(conn, emails.slp);
          const err = await refused(() => slp.sessions.log(avaSession(change)));
          expect(err.code).toBe('BAD_REQUEST');
          expect(Object.keys(fieldsOf(err))).toEqual([field]);
        });
      }

      it('refuses probes after today or before the goal starts', async () => {
        const teacher = await as(conn, emails.teacher);
        for (const date of ['2026-03-12', '2025-08-25']) {
          const err = await refused(() =>
            teacher.sessions.probe({
              studentId: A.students.ava,
              date,
              data: { goalId: A.goals.avaArtic, trials: { trials: 5, correct: 3 } },
            }),
          );
          expect(Object.keys(fieldsOf(err))).toEqual(['date']);
        }
      });

      it('refuses absurd goal dates, and meetings long ago or past the school year', async () => {
        const slp = await as(conn, emails.slp);
        const current = await slp.goals.get({
          studentId: A.students.ava,
          goalId: A.goals.avaArtic,
        });
        const goal: GoalUpdateInput = {
          ...current,
          studentId: A.students.ava,
          goalId: A.goals.avaArtic,
          expectedVersion: current.version,
        };
        for (const [change, field] of [
          [{ startDate: '2019-09-01' }, 'startDate'],
          [{ targetDate: '2029-06-01' }, 'targetDate'],
          [{ phase: 'maintenance', effectiveDate: '2025-08-01' }, 'effectiveDate'],
        ] as const) {
          const err = await refused(() => slp.goals.update({ ...goal, ...change }));
          expect(Object.keys(fieldsOf(err))).toEqual([field]);
        }
        for (const metOn of ['2024-01-10', '2026-09-01']) {
          const err = await refused(() =>
            slp.team.create({ metOn, studentIds: [A.students.ava], notes: 'Check-in' }),
          );
          expect(Object.keys(fieldsOf(err))).toEqual(['metOn']);
        }
        // Later this school year is fine.
        await expect(
          slp.team.create({ metOn: '2026-05-20', studentIds: [A.students.ava] }),
        ).resolves.toHaveProperty('id');
      });
    });

    describe('push-in routine', () => {
      it("refuses a routine of another school's classroom, and takes the student's own", async () => {
        const slp = await as(conn, emails.slp);
        const pushIn = {
          model: 'push_in',
          setting: 'classroom',
          routineId: A.routines.writing,
          collaborationMode: 'co_teach',
        } as const;
        // Cara is at South; the writing routine is Room 12's, at North.
        const err = await refused(() =>
          slp.sessions.log({
            ...avaSession(pushIn, A.goals.caraLanguage),
            students: [{ studentId: A.students.cara, attendance: 'delivered' }],
          }),
        );
        expect(fieldsOf(err).routineId).toEqual(['Choose a routine of the students’ school']);
        const ok = await slp.sessions.log(avaSession(pushIn));
        expect(ok.duplicate).toBe(false);
      });
    });

    describe('touch-base participants', () => {
      it('refuses a teacher of another school, who then sees nothing of the students', async () => {
        const slp = await as(conn, emails.slp);
        const deniedBefore = await deniedEvents('team.create');
        const err = await refused(() =>
          slp.team.create({
            metOn: '2026-03-11',
            participantIds: [SOUTH_TEACHER.id],
            studentIds: [A.students.ava],
            notes: 'Ava’s carryover at writing time',
          }),
        );
        expect(fieldsOf(err).participantIds?.join(' ')).toMatch(
          /^Sid South does not work with these students/,
        );
        expect(await deniedEvents('team.create')).toBe(deniedBefore + 1);
        const south = await as(conn, SOUTH_TEACHER.email);
        const seen = await south.team.list();
        expect(seen.flatMap((m) => m.students.map((s) => s.id))).not.toContain(A.students.ava);
        // Ava's own teacher may be invited.
        await expect(
          slp.team.create({
            metOn: '2026-03-11',
            participantIds: [A.staff.teacher],
            studentIds: [A.students.ava],
          }),
        ).resolves.toHaveProperty('id');
      });
    });

    describe('multi-discipline reports, amendments and snapshots', () => {
      let reportId: string;

      it('finalises only once every discipline has marked its lines ready', async () => {
        const ot = await as(conn, emails.ot);
        const slp = await as(conn, emails.slp);
        ({ id: reportId } = await ot.reports.generate({
          studentId: A.students.ava,
          periodId: PERIODS.q3.id,
        }));
        const err = await refused(() => ot.reports.finalize({ reportId }));
        expect(err.code).toBe('PRECONDITION_FAILED');
        expect(err.message).toBe('Waiting for SLP to mark their lines ready.');
        // One discipline cannot mark another's lines.
        const forbidden = await refused(() =>
          ot.reports.markReady({ reportId, discipline: 'SLP', ready: true }),
        );
        expect(forbidden.code).toBe('FORBIDDEN');
        await slp.reports.markReady({ reportId, discipline: 'SLP', ready: true });
        // A line changed after the mark takes it back: the SLP marks again.
        const artic = (await slp.reports.get({ reportId })).goals.find(
          (g) => g.goalId === A.goals.avaArtic,
        )!;
        await slp.reports.updateGoal({
          reportId,
          goalId: artic.goalId,
          statusCode: artic.statusCode,
          gasScore: artic.gasScore,
          gasOverrideReason: artic.gasOverrideReason,
          narrative: `${artic.narrative} Practising at home.`,
          expectedVersion: artic.version,
        });
        expect((await ot.reports.get({ reportId })).waitingFor).toEqual(['SLP']);
        await slp.reports.markReady({ reportId, discipline: 'SLP', ready: true });
        const view = await ot.reports.get({ reportId });
        expect(view.canFinalize).toBe(true);
        const done = await ot.reports.finalize({ reportId });
        expect(done.version).toBe(1);
        expect(await deniedEvents('reports.finalize')).toBeGreaterThanOrEqual(1);
      });

      it('keeps the finalised report as it was after a goal edit and a back-dated session', async () => {
        const slp = await as(conn, emails.slp);
        const before = await slp.reports.get({ reportId });
        expect(before.status).toBe('final');
        expect(before.finalizedBy).toBe('Olive Occupational');
        const artic = before.goals.find((g) => g.goalId === A.goals.avaArtic)!;
        expect(artic.text).toBe('articulation goal');
        expect(artic.points.length).toBeGreaterThan(0);

        const goal = await slp.goals.get({ studentId: A.students.ava, goalId: A.goals.avaArtic });
        await slp.goals.update({
          ...goal,
          studentId: A.students.ava,
          goalId: A.goals.avaArtic,
          expectedVersion: goal.version,
          text: 'Ava will produce /s/ blends in connected speech',
          baseline: 30,
        });
        // Dated inside Q3, whose report is now final: a late entry, with its reason.
        const late = avaSession({ date: '2026-03-04' });
        const noReason = await refused(() => slp.sessions.log(late));
        expect(fieldsOf(noReason).lateEntryReason?.join(' ')).toMatch(
          /report for Q3 2025–26 is final/,
        );
        await slp.sessions.log({ ...late, lateEntryReason: 'Paper notes from a substitute day' });

        expect(await slp.reports.get({ reportId })).toEqual(before);
        // The student's graph shows the late point as such.
        const ava = await slp.student.get({ studentId: A.students.ava });
        const points = ava.goals.find((g) => g.id === A.goals.avaArtic)!.points;
        expect(points.filter((p) => p.late).map((p) => p.date)).toEqual(['2026-03-04']);
      });

      it('reopens as an amended version with a reason; the earlier version stays readable, audited', async () => {
        const slp = await as(conn, emails.slp);
        const ot = await as(conn, emails.ot);
        const v1 = await slp.reports.get({ reportId });
        const noReason = await refused(() => slp.reports.amend({ reportId, reason: ' ' }));
        expect(Object.keys(fieldsOf(noReason))).toEqual(['reason']);
        const { version } = await slp.reports.amend({
          reportId,
          reason: 'Late session from a substitute day',
        });
        expect(version).toBe(2);

        const draft = await slp.reports.get({ reportId });
        expect(draft).toMatchObject({
          status: 'draft',
          version: 2,
          amendReason: 'Late session from a substitute day',
        });
        const artic = draft.goals.find((g) => g.goalId === A.goals.avaArtic)!;
        expect(artic.text).toBe('Ava will produce /s/ blends in connected speech');
        expect(artic.lateEntries).toBe(1);
        expect(draft.readiness.every((r) => !r.ready)).toBe(true);

        const readsBefore = await conn.db
          .selectFrom('audit_event')
          .select((eb) => eb.fn.countAll().as('n'))
          .where('action', '=', 'reports.get')
          .where('entity_id', '=', reportId)
          .executeTakeFirstOrThrow();
        const earlier = await ot.reports.get({ reportId, version: 1 });
        expect(earlier.goals).toEqual(v1.goals);
        expect(earlier).toMatchObject({ version: 1, status: 'final', isLatest: false });
        const readsAfter = await conn.db
          .selectFrom('audit_event')
          .select((eb) => eb.fn.countAll().as('n'))
          .where('action', '=', 'reports.get')
          .where('entity_id', '=', reportId)
          .executeTakeFirstOrThrow();
        expect(Number(readsAfter.n)).toBe(Number(readsBefore.n) + 1);
        const missing = await slp.reports.get({ reportId, version: 7 }).catch((e) => e);
        expect(Object.keys(fieldsOf(missing))).toEqual(['version']);

        // Both disciplines ready again, then version 2 is final and listed with its reason.
        await ot.reports.markReady({ reportId, discipline: 'OT', ready: true });
        await slp.reports.finalize({ reportId });
        const v2 = await ot.reports.get({ reportId });
        expect(v2).toMatchObject({ status: 'final', version: 2, finalizedBy: 'Sam Speech' });
        expect(v2.versions.map((v) => [v.version, v.finalizedBy, v.amendReason])).toEqual([
          [1, 'Olive Occupational', null],
          [2, 'Sam Speech', 'Late session from a substitute day'],
        ]);
        const amend = await refused(() =>
          ot.reports.markReady({ reportId, discipline: 'OT', ready: false }),
        );
        expect(amend.code).toBe('CONFLICT');
      });
    });
  });
}
