import type { Connection } from '@carryover/db';
import { testTargets } from '@carryover/db/testing';
import { BILLING_CSV_HEADER, type SessionLogInput } from '@carryover/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ALREADY_SIGNED,
  ALREADY_VOIDED,
  DRAFT_NOT_VOIDED,
  SIGNED_NOT_DRAFT,
} from '../src/router/sessions';
import {
  A,
  as,
  auditedStudents,
  buildFixture,
  emails,
  NOW,
  openTestDb,
  sessionInput,
} from './fixtures';

// Correctable sessions and Medicaid-ready billing through the router on real databases:
// draft edits at a version, signing a group at once, voids, the co-sign queue, what bills and
// why not, units at the boundaries, the export history and re-billing, refusals by role and scope.

const targets = await testTargets();

let keyCounter = 0;
const key = () => `billing-key-${Date.now().toString(36)}-${++keyCounter}-abcdef`;
const at = (hours: number) => () => new Date(NOW.getTime() + hours * 3_600_000);
const MARCH = { from: '2026-03-01', to: '2026-03-31' };

function session(overrides: Partial<SessionLogInput> = {}): SessionLogInput {
  return sessionInput(
    key(),
    [
      { studentId: A.students.ava, attendance: 'delivered', note: 'Blends.' },
      { studentId: A.students.cara, attendance: 'delivered', note: 'Narratives.' },
    ],
    overrides,
  );
}

/** The CSV's rows as objects by header (every field is quoted; none of these holds a quote). */
function rowsOf(csv: string): Record<string, string>[] {
  const [head, ...lines] = csv.trim().split('\r\n');
  const cells = (line: string) => line.slice(1, -1).split('","');
  expect(cells(head!)).toEqual([...BILLING_CSV_HEADER]);
  return lines.map((line) =>
    Object.fromEntries(cells(line).map((c, i) => [BILLING_CSV_HEADER[i], c])),
  );
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  return p.then(
    () => 'ok',
    (e: { code?: string }) => e.code ?? 'error',
  );
}

for (const target of targets) {
  describe(`correctable sessions and billing on ${target.dialect}`, () => {
    let conn: Connection;
    beforeAll(async () => {
      conn = await openTestDb(target);
      await buildFixture(conn.db);
    });
    afterAll(() => conn?.close());

    it('edits an unsigned draft at its version, signs the group at once, then locks it', async () => {
      const slp = await as(conn, emails.slp);
      const { sessionId } = await slp.sessions.log(session());
      const edit = {
        sessionId,
        expectedVersion: 1,
        date: '2026-03-09',
        startTime: '10:05',
        endTime: '10:35',
        students: [
          { studentId: A.students.ava, attendance: 'delivered' as const, note: 'Blends, /s/.' },
          { studentId: A.students.cara, attendance: 'refused' as const, note: 'Did not join.' },
        ],
      };
      expect(await slp.sessions.editDraft(edit)).toMatchObject({ version: 2 });
      const mine = (await slp.sessions.recent()).find((s) => s.id === sessionId)!;
      expect([mine.date, mine.startTime, mine.minutes, mine.version]).toEqual([
        '2026-03-09',
        '10:05',
        30,
        2,
      ]);
      expect(mine.students.map((s) => [s.attendance, s.note])).toEqual([
        ['delivered', 'Blends, /s/.'],
        ['refused', 'Did not join.'],
      ]);
      // A save from a form loaded at version 1 is refused, naming who changed what.
      const stale = await slp.sessions.editDraft({ ...edit, startTime: '10:10' }).catch((e) => e);
      expect(stale.code).toBe('CONFLICT');
      expect(stale.message).toMatch(
        /^Changed by Sam Speech at .*: date, start time, end time, note, attendance\./,
      );
      // Tomorrow in the district is refused on the field.
      const future = await slp.sessions
        .editDraft({ ...edit, expectedVersion: 2, date: '2026-03-12' })
        .catch((e) => e);
      expect(future.code).toBe('BAD_REQUEST');
      expect(future.message).toMatch(/after today|future/i);

      expect(await slp.sessions.signAll({ sessionId })).toMatchObject({ signed: 2 });
      const signed = (await slp.sessions.recent()).find((s) => s.id === sessionId)!;
      expect(signed.students.every((s) => s.signedBy === 'Sam Speech')).toBe(true);
      const again = await slp.sessions.signAll({ sessionId }).catch((e) => e);
      expect([again.code, again.message]).toEqual(['CONFLICT', ALREADY_SIGNED]);
      const locked = await slp.sessions.editDraft({ ...edit, expectedVersion: 2 }).catch((e) => e);
      expect([locked.code, locked.message]).toEqual(['CONFLICT', SIGNED_NOT_DRAFT]);
      // Another therapist's session is not theirs to edit or sign.
      const ot = await as(conn, emails.ot);
      expect(await codeOf(ot.sessions.signAll({ sessionId }))).toBe('NOT_FOUND');
      const edits = await auditedStudents(conn.db, { action: 'sessions.editDraft' });
      expect(
        edits
          .filter((e) => e.outcome === 'ok')
          .map((e) => e.student_id)
          .sort(),
      ).toEqual([A.students.ava, A.students.cara].sort());
    });

    it('voids a signed session with a reason: kept, struck, audited, out of fidelity', async () => {
      const slp = await as(conn, emails.slp);
      const week = { from: '2026-03-09', to: '2026-03-15' };
      const caraSlp = async () =>
        (await slp.fidelity.report(week)).rows.find(
          (r) => r.studentId === A.students.cara && r.discipline === 'SLP',
        )!.figures.delivered;
      const draft = await slp.sessions.log(
        session({ date: '2026-03-11', startTime: '13:00', endTime: '13:45' }),
      );
      const refused = await slp.sessions
        .void({ sessionId: draft.sessionId, reason: 'Wrong day entirely.' })
        .catch((e) => e);
      expect([refused.code, refused.message]).toEqual(['BAD_REQUEST', DRAFT_NOT_VOIDED]);
      await slp.sessions.signAll({ sessionId: draft.sessionId });
      const before = await caraSlp();
      const short = await slp.sessions
        .void({ sessionId: draft.sessionId, reason: 'no' })
        .catch((e) => e);
      expect(short.code).toBe('BAD_REQUEST');
      expect(JSON.stringify(short.cause?.issues ?? short.message)).toMatch(/Say why/);
      // Only its provider or author, and never a teacher.
      const ot = await as(conn, emails.ot);
      expect(
        await codeOf(ot.sessions.void({ sessionId: draft.sessionId, reason: 'Not mine at all.' })),
      ).toBe('NOT_FOUND');
      const teacher = await as(conn, emails.teacher);
      expect(
        await codeOf(
          teacher.sessions.void({ sessionId: draft.sessionId, reason: 'Not mine at all.' }),
        ),
      ).toBe('FORBIDDEN');

      await slp.sessions.void({ sessionId: draft.sessionId, reason: 'Logged twice by mistake.' });
      const voided = (await slp.sessions.recent()).find((s) => s.id === draft.sessionId)!;
      expect([voided.voidedBy, voided.voidReason]).toEqual([
        'Sam Speech',
        'Logged twice by mistake.',
      ]);
      expect(voided.voidedAt).not.toBeNull();
      expect(await caraSlp()).toBe(before - 45);
      const twice = await slp.sessions
        .void({ sessionId: draft.sessionId, reason: 'Logged twice by mistake.' })
        .catch((e) => e);
      expect([twice.code, twice.message]).toEqual(['CONFLICT', ALREADY_VOIDED]);
      const trail = await auditedStudents(conn.db, { action: 'sessions.void' });
      expect(
        trail
          .filter((e) => e.outcome === 'ok')
          .map((e) => e.student_id)
          .sort(),
      ).toEqual([A.students.ava, A.students.cara].sort());
      expect(trail.filter((e) => e.outcome === 'denied').length).toBeGreaterThanOrEqual(2);
    });

    it('queues an assistant’s sessions for the supervisor with their data; co-signs all checked', async () => {
      const slpa = await as(conn, emails.slpa);
      const logged: string[] = [];
      for (const startTime of ['08:00', '08:40']) {
        const r = await slpa.sessions.log({
          ...session({ startTime, endTime: startTime === '08:00' ? '08:30' : '09:10', sign: true }),
          students: [
            {
              studentId: A.students.cara,
              attendance: 'delivered',
              note: 'Story retell.',
              goals: [
                {
                  goalId: A.goals.caraLanguage,
                  trials: { trials: 10, correct: 6, prompted: 2, promptLevel: 'verbal' },
                },
              ],
            },
          ],
        });
        logged.push(r.sessionId);
      }
      const slp = await as(conn, emails.slp);
      const queue = await slp.sessions.cosignQueue();
      const mine = queue.filter((q) => logged.includes(q.sessionId));
      expect(mine).toHaveLength(2);
      expect(mine[0]).toMatchObject({ assistant: 'Sol Assistant', minutes: 30 });
      expect(mine[0]!.students[0]).toMatchObject({
        name: 'Cara Singh',
        attendance: 'delivered',
        note: 'Story retell.',
        data: [{ goal: 'Expressive language', value: '6/10 correct (2 prompted, verbal)' }],
      });
      const reads = await auditedStudents(conn.db, { action: 'sessions.cosignQueue' });
      expect(reads.map((r) => r.student_id)).toContain(A.students.cara);
      // Another therapist sees none of them, an assistant has no queue.
      const ot = await as(conn, emails.ot);
      expect((await ot.sessions.cosignQueue()).some((q) => logged.includes(q.sessionId))).toBe(
        false,
      );
      expect(await codeOf(slpa.sessions.cosignQueue())).toBe('FORBIDDEN');
      expect(await codeOf(ot.sessions.cosignMany({ sessionIds: logged }))).toBe('NOT_FOUND');
      expect(await codeOf(slpa.sessions.cosignMany({ sessionIds: logged }))).toBe('FORBIDDEN');
      const empty = await slp.sessions.cosignMany({ sessionIds: [] }).catch((e) => e);
      expect(empty.message).toMatch(/Check at least one session/);

      expect(await slp.sessions.cosignMany({ sessionIds: logged })).toMatchObject({
        cosigned: 2,
        alreadyCosigned: [],
      });
      expect((await slp.sessions.cosignQueue()).some((q) => logged.includes(q.sessionId))).toBe(
        false,
      );
      expect(await slp.sessions.cosignMany({ sessionIds: [logged[0]!] })).toMatchObject({
        cosigned: 0,
        alreadyCosigned: [logged[0]],
      });
    });

    it('bills only complete, signed, co-signed, delivered sessions; units by the 8-minute rule', async () => {
      const admin = await as(conn, emails.admin);
      const ot = await as(conn, emails.ot);
      // Ava has an OT service; two individual pull-outs, of 23 and 7 minutes.
      const long = await ot.sessions.log({
        ...session({ startTime: '14:00', endTime: '14:23', sign: true }),
        students: [{ studentId: A.students.ava, attendance: 'delivered', note: 'Grasp.' }],
      });
      const brief = await ot.sessions.log({
        ...session({ startTime: '14:30', endTime: '14:37', sign: true }),
        students: [{ studentId: A.students.ava, attendance: 'delivered', note: 'Grasp.' }],
      });
      const preview = async (input: Record<string, unknown> = {}) =>
        rowsOf((await admin.sessions.billingCsv({ ...MARCH, ...input })).csv);
      let rows = (await preview()).filter((r) => r.session_id === long.sessionId);
      expect(rows[0]!.status).toBe(
        'not billable: no Medicaid ID; no ICD-10 diagnosis; the provider has no NPI; the provider has no credential',
      );
      // Claim data, with field-level refusals.
      const bad = await admin.billing
        .updateStudent({ studentId: A.students.ava, medicaidId: '1', diagnosisIcd10: 'speech' })
        .catch((e) => e);
      expect(bad.code).toBe('BAD_REQUEST');
      expect(bad.message).toMatch(/Medicaid ID|ICD-10/);
      await admin.billing.updateStudent({
        studentId: A.students.ava,
        medicaidId: 'MA0000101',
        diagnosisIcd10: 'f82',
      });
      expect(await admin.billing.student({ studentId: A.students.ava })).toMatchObject({
        medicaidId: 'MA0000101',
        diagnosisIcd10: 'F82',
      });
      const npi = await admin.billing
        .updateProvider({ staffId: A.staff.ot, npi: '1234567890', credential: 'OTR/L' })
        .catch((e) => e);
      expect(npi.message).toMatch(/check digit/);
      await admin.billing.updateProvider({
        staffId: A.staff.ot,
        npi: '1234567893',
        credential: 'OTR/L',
      });
      expect(
        await codeOf(
          ot.billing.updateProvider({ staffId: A.staff.ot, npi: null, credential: null }),
        ),
      ).toBe('FORBIDDEN');

      rows = await preview({ studentId: A.students.ava });
      const byId = (id: string) => rows.find((r) => r.session_id === id)!;
      expect(byId(long.sessionId)).toMatchObject({
        status: 'bill',
        code: '97530',
        modifiers: 'GO',
        units: '2',
        unit_rule: 'eight_minute',
        medicaid_id: 'MA0000101',
        diagnosis_icd10: 'F82',
        provider_npi: '1234567893',
        provider_credential: 'OTR/L',
        individual_or_group: 'individual',
      });
      expect(byId(brief.sessionId).status).toBe(
        'not billable: 7 minutes is less than one unit (8-minute rule)',
      );
      expect(byId(brief.sessionId).units).toBe('0');
      // Whole units, as a district may choose: 23 minutes is one unit.
      const { version, codes } = await admin.billing.settings();
      await admin.billing.updateSettings({
        expectedVersion: version,
        unitRule: 'whole_units',
        codes,
      });
      expect(byIdIn(await preview({ studentId: A.students.ava }), long.sessionId).units).toBe('1');
      // A save from a form loaded before that one is refused, naming who saved first.
      const stale = await admin.billing
        .updateSettings({ expectedVersion: version, unitRule: 'eight_minute', codes })
        .catch((e) => e);
      expect(stale.code).toBe('CONFLICT');
      expect(stale.message).toMatch(/^Changed by Ada Admin at .*: units rule\./);
      await admin.billing.updateSettings({
        expectedVersion: version + 1,
        unitRule: 'eight_minute',
        codes,
      });
      // Filters: a student out of the therapist's scope is refused; another therapist's filter is empty.
      expect(await codeOf(ot.sessions.billingCsv({ ...MARCH, studentId: A.students.cara }))).toBe(
        'NOT_FOUND',
      );
      expect(await preview({ therapistId: A.staff.slpa })).not.toContainEqual(
        expect.objectContaining({ session_id: long.sessionId }),
      );
      expect(
        (await preview({ therapistId: A.staff.slpa })).every(
          (r) => r.delivered_by === 'Sol Assistant',
        ),
      ).toBe(true);
      expect((await preview({ schoolId: A.schools.south })).map((r) => r.student_id)).not.toContain(
        A.students.ava,
      );
      // Unsigned, voided and not-delivered rows say why.
      const statuses = (await preview()).map((r) => r.status);
      expect(statuses).toContain('not billable: the note is not signed');
      expect(
        statuses.some((s) => s?.startsWith('not billable: voided (Logged twice by mistake.)')),
      ).toBe(true);
      expect(statuses).toContain('not billable: not delivered (student refused)');
    });

    it('keeps a history of recorded exports: nothing twice, corrections re-billed, voids reversed', async () => {
      const admin = await as(conn, emails.admin, { now: at(1) });
      const ot = await as(conn, emails.ot, { now: at(2) });
      const later = await as(conn, emails.admin, { now: at(3) });
      const therapist = await as(conn, emails.slp);
      expect(await codeOf(therapist.sessions.billingCsv({ ...MARCH, record: true }))).toBe(
        'FORBIDDEN',
      );

      const first = await admin.sessions.billingCsv({
        ...MARCH,
        studentId: A.students.ava,
        record: true,
      });
      expect(first.filename).toBe('billing_2026-03-01_2026-03-31.csv');
      const billed = rowsOf(first.csv).filter((r) => r.status === 'bill');
      expect(billed.length).toBeGreaterThanOrEqual(1);
      const long = billed.find((r) => r.code === '97530')!;
      // The same export again holds none of them: already billed.
      const again = await as(conn, emails.admin, { now: at(1.5) });
      const second = rowsOf(
        (await again.sessions.billingCsv({ ...MARCH, studentId: A.students.ava, record: true }))
          .csv,
      );
      expect(second.filter((r) => r.status === 'bill')).toEqual([]);
      expect(second.map((r) => r.session_id)).not.toContain(long.session_id);
      const seen = rowsOf(
        (await admin.sessions.billingCsv({ ...MARCH, studentId: A.students.ava })).csv,
      );
      expect(seen.find((r) => r.session_id === long.session_id)!.status).toMatch(
        /^billed: in the export of 2026-03-11$/,
      );

      // Corrected after the export: an amendment re-bills, a void reverses.
      await ot.sessions.amend({
        sessionId: long.session_id!,
        studentId: A.students.ava,
        text: 'Session ran 23 minutes, not 25.',
      });
      const ava = await later.sessions.billingCsv({
        ...MARCH,
        studentId: A.students.ava,
        record: true,
      });
      const rebill = rowsOf(ava.csv).find((r) => r.session_id === long.session_id)!;
      expect(rebill.status).toBe('rebill: corrected after the export of 2026-03-11');
      expect(rebill.units).toBe('2');
      const otVoider = await as(conn, emails.ot, { now: at(4) });
      await otVoider.sessions.void({
        sessionId: long.session_id!,
        reason: 'Student was at a field trip.',
      });
      const last = await as(conn, emails.admin, { now: at(5) });
      const reversed = await last.sessions.billingCsv({
        ...MARCH,
        studentId: A.students.ava,
        record: true,
      });
      const reverse = rowsOf(reversed.csv).find((r) => r.session_id === long.session_id)!;
      expect(reverse.status).toBe(
        'reverse: voided (Student was at a field trip.) after the export of 2026-03-11',
      );
      expect(reverse.code).toBe('97530');

      const history = await admin.billing.exports();
      expect(history.length).toBe(4);
      expect(history.map((h) => [h.billed > 0, h.rebilled, h.reversed])).toEqual([
        [false, 0, 1],
        [false, 1, 0],
        [false, 0, 0],
        [true, 0, 0],
      ]);
      expect(history[3]!.filters).toMatchObject({ ...MARCH, studentId: A.students.ava });
      expect(await therapist.billing.exports()).toEqual([]);
      const exported = await auditedStudents(conn.db, {
        action: 'sessions.billingCsv',
        actorId: A.staff.admin,
      });
      expect(exported.map((e) => e.student_id)).toContain(A.students.ava);
    });
  });
}

function byIdIn(rows: Record<string, string>[], id: string): Record<string, string> {
  return rows.find((r) => r.session_id === id)!;
}
