import type { Connection } from '@carryover/db';
import { testTargets } from '@carryover/db/testing';
import { BILLING_CSV_HEADER } from '@carryover/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Viewer } from '../src/context';
import { todayFor, zoneFor } from '../src/trpc';
import { A, as, buildFixture, emails, openTestDb } from './fixtures';

// Dates are the district's (America/Chicago here), never the server's or UTC: CI runs this
// under TZ=Pacific/Honolulu, locally it usually runs under UTC, and both differ from Chicago.
// 7:30 pm on Wednesday Mar 11 in Chicago (CDT, UTC−5) is already Thursday Mar 12 in UTC.

const targets = await testTargets();

const EVENING = new Date('2026-03-12T00:30:00.000Z');
const CHICAGO_TODAY = '2026-03-11';
const UTC_TOMORROW = '2026-03-12';
const evening = () => EVENING;

function rowsOf(csv: string): Record<string, string>[] {
  const [head, ...lines] = csv.trim().split('\r\n');
  const cells = (line: string) => line.slice(1, -1).split('","');
  expect(cells(head!)).toEqual([...BILLING_CSV_HEADER]);
  return lines.map((line) =>
    Object.fromEntries(cells(line).map((c, i) => [BILLING_CSV_HEADER[i], c])),
  );
}

for (const target of targets) {
  describe(`the district's day at 7:30 pm in Chicago on ${target.dialect}`, () => {
    let conn: Connection;
    beforeAll(async () => {
      conn = await openTestDb(target);
      await buildFixture(conn.db);
    });
    afterAll(() => conn?.close());

    it('runs in a process whose zone is not the district’s', () => {
      const processZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
      expect(processZone).not.toBe('America/Chicago');
    });

    it('dates a session signed this evening today, refuses UTC’s tomorrow, and dates the export today', async () => {
      const ot = await as(conn, emails.ot, { now: evening });
      const admin = await as(conn, emails.admin, { now: evening });
      // The form's default date is the district's today.
      expect((await ot.sessions.context()).today).toBe(CHICAGO_TODAY);

      // Logged and signed at 7:30 pm for a session that ran 6:30–7:00 pm: dated today.
      const logged = await ot.sessions.log({
        idempotencyKey: `district-dates-${Date.now().toString(36)}-abcdef`,
        date: CHICAGO_TODAY,
        startTime: '18:30',
        endTime: '19:00',
        model: 'pull_out',
        setting: 'therapy_room',
        sign: true,
        students: [{ studentId: A.students.ava, attendance: 'delivered', note: 'Grasp.' }],
      });
      const mine = (await ot.sessions.recent()).find((s) => s.id === logged.sessionId)!;
      expect(mine.date).toBe(CHICAGO_TODAY);
      expect(mine.students[0]!.signedAt).toBe(EVENING.toISOString());

      // UTC's date is tomorrow in Chicago: a future date, refused on the field.
      const future = await ot.sessions
        .log({
          idempotencyKey: `district-dates-future-${Date.now().toString(36)}-abcdef`,
          date: UTC_TOMORROW,
          startTime: '08:00',
          endTime: '08:30',
          model: 'pull_out',
          setting: 'therapy_room',
          students: [{ studentId: A.students.ava, attendance: 'delivered', note: 'Grasp.' }],
        })
        .catch((e) => e);
      expect(future.code).toBe('BAD_REQUEST');
      expect(future.message).toMatch(/after today|future/i);

      // Made billable, then exported this evening: the history dates the export today.
      await admin.billing.updateStudent({
        studentId: A.students.ava,
        medicaidId: 'MA0000101',
        diagnosisIcd10: 'F82',
      });
      await admin.billing.updateProvider({
        staffId: A.staff.ot,
        npi: '1234567893',
        credential: 'OTR/L',
      });
      const march = { from: '2026-03-01', to: '2026-03-31', studentId: A.students.ava };
      const recorded = rowsOf((await admin.sessions.billingCsv({ ...march, record: true })).csv);
      expect(recorded.find((r) => r.session_id === logged.sessionId)!.status).toBe('bill');
      const later = await as(conn, emails.admin, {
        now: () => new Date(EVENING.getTime() + 60_000),
      });
      const preview = rowsOf((await later.sessions.billingCsv(march)).csv);
      expect(preview.find((r) => r.session_id === logged.sessionId)!.status).toBe(
        `billed: in the export of ${CHICAGO_TODAY}`,
      );
    });
  });
}

describe('a district setting with an unknown time zone', () => {
  it('computes in UTC rather than failing the request', () => {
    const viewer = (timezone: string) => ({ viewer: { timezone } as Viewer, now: evening });
    expect(zoneFor(viewer('Mars/Olympus_Mons'))).toBe('UTC');
    expect(todayFor(viewer('Mars/Olympus_Mons'))).toBe(UTC_TOMORROW);
    expect(todayFor(viewer('America/Chicago'))).toBe(CHICAGO_TODAY);
  });
});
