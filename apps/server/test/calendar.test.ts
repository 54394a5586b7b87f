import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  A,
  addReportingPeriods,
  auditedStudents,
  buildFixture,
  emails,
  NOW,
  openTestDb,
  PASSWORD,
  studentNames,
} from '@carryover/api/testing';
import { addFixtureSchedule, SCHEDULE } from '@carryover/api/testing/schedule';
import type { Connection } from '@carryover/db';
import { testTargets } from '@carryover/db/testing';
import ICAL from 'ical.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer } from '../src/index';
import { sessionCookieOf } from './support/http';

// Calendar feeds (issue 17) over a real HTTP server, on every database: the .ics is fetched as a
// calendar app would (no cookie), parsed back with ical.js, and must show the weekly series with
// EXDATEs for a cancelled and a moved day, the moved occurrence as its own event, student
// initials and never a name; a revoked or replaced token is 404, and no token reaches the log.

const targets = await testTargets();
// biome-ignore lint/suspicious/noExplicitAny: a response body's shape is what the assertions check.
type Json = any;

function eventsOf(ics: string) {
  const calendar = new ICAL.Component(ICAL.parse(ics) as unknown[]);
  return calendar.getAllSubcomponents('vevent').map((v) => {
    const rrule = v.getFirstPropertyValue('rrule') as ICAL.Recur | null;
    return {
      uid: String(v.getFirstPropertyValue('uid')),
      summary: String(v.getFirstPropertyValue('summary')),
      start: String(v.getFirstPropertyValue('dtstart')),
      end: String(v.getFirstPropertyValue('dtend')),
      freq: rrule?.freq ?? null,
      byDay: (rrule?.parts.BYDAY as string[] | undefined) ?? null,
      exdates: v
        .getAllProperties('exdate')
        .flatMap((p) => p.getValues().map((x) => String(x)))
        .sort(),
    };
  });
}

for (const target of targets) {
  describe(`calendar feeds on ${target.dialect}`, () => {
    let conn: Connection;
    let server: Server;
    let base: string;
    const logLines: string[] = [];

    const signIn = async (email: string) => {
      const res = await fetch(`${base}/trpc/auth.signIn`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Origin: base },
        body: JSON.stringify({ email, password: PASSWORD }),
      });
      expect(res.status).toBe(200);
      return sessionCookieOf(res)!;
    };
    const mutate = async (cookie: string, path: string, input?: unknown) => {
      const res = await fetch(`${base}/trpc/${path}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Origin: base, Cookie: cookie },
        body: input === undefined ? undefined : JSON.stringify(input),
      });
      const body = (await res.json()) as Json;
      expect(res.status, JSON.stringify(body)).toBe(200);
      return body.result.data;
    };

    beforeAll(async () => {
      conn = await openTestDb(target);
      await buildFixture(conn.db);
      await addReportingPeriods(conn.db);
      await addFixtureSchedule(conn.db);
      const log = {
        info: (l: string) => logLines.push(l),
        warn: (l: string) => logLines.push(l),
        error: (l: string) => logLines.push(l),
      };
      server = createServer({ conn, webDistDir: null, now: () => NOW, log });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    }, 60_000);
    afterAll(async () => {
      server?.closeAllConnections();
      await new Promise((resolve) => server?.close(resolve));
      await conn?.close();
    });

    it("serves a therapist's weekly series with EXDATEs and a moved event, initials only", async () => {
      const slp = await signIn(emails.slp);
      // Next Tuesday cancelled; the Tuesday after moved to Wednesday 08:30.
      await mutate(slp, 'schedule.cancelOccurrence', {
        sessionId: SCHEDULE.ava,
        date: '2026-03-17',
        reason: 'provider_absent',
      });
      const week = (await (
        await fetch(
          `${base}/trpc/schedule.week?input=${encodeURIComponent(JSON.stringify({ weekOf: '2026-03-24' }))}`,
          { headers: { Cookie: slp } },
        )
      ).json()) as Json;
      const version = week.result.data.occurrences[0].version;
      await mutate(slp, 'schedule.save', {
        kind: 'occurrence',
        sessionId: SCHEDULE.ava,
        expectedVersion: version,
        occurrenceDate: '2026-03-24',
        date: '2026-03-25',
        startTime: '10:00',
        minutes: 30,
        overrideReason: 'Writing moved to Wednesday this week',
      });

      const feed = await mutate(slp, 'schedule.feed.create');
      expect(feed.path).toMatch(/^\/calendar\/[A-Za-z0-9_-]{43}\.ics$/);
      const res = await fetch(`${base}${feed.path}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/calendar; charset=utf-8');
      const ics = await res.text();
      for (const [first, last] of studentNames) {
        expect(ics).not.toContain(first);
        expect(ics).not.toContain(last);
      }
      const events = eventsOf(ics);
      const series = events.find((e) => e.uid === `${SCHEDULE.ava}@carryover`)!;
      expect(series).toMatchObject({
        freq: 'WEEKLY',
        byDay: ['TU'],
        start: '2026-01-06T10:00:00',
        end: '2026-01-06T10:30:00',
      });
      expect(series.summary).toContain('A.L.');
      expect(series.exdates).toEqual(['2026-03-17T10:00:00', '2026-03-24T10:00:00']);
      const moved = events.find((e) => e.uid === `${SCHEDULE.ava}-2026-03-24@carryover`)!;
      expect(moved).toMatchObject({ start: '2026-03-25T10:00:00', freq: null });
      // Only the SLP's own series: not the OT's or the assistant's.
      expect(events.map((e) => e.uid).sort()).toEqual(
        [`${SCHEDULE.ava}@carryover`, `${SCHEDULE.ava}-2026-03-24@carryover`].sort(),
      );
      // The fetch is in Ava's record of access; the token is in no log line.
      const audited = await auditedStudents(conn.db, { action: 'calendar.feed' });
      expect(audited.map((a) => a.student_id)).toContain(A.students.ava);
      expect(logLines.join('\n')).not.toContain(feed.token);
      expect(logLines.join('\n')).toContain('/calendar/<token>.ics');
    });

    it("serves a teacher their classrooms' push-in sessions", async () => {
      const teacher = await signIn(emails.teacher);
      const feed = await mutate(teacher, 'schedule.feed.create');
      const events = eventsOf(await (await fetch(`${base}${feed.path}`)).text());
      expect(events.map((e) => e.uid)).toContain(`${SCHEDULE.ava}@carryover`);
      // Ben's OT session is pull-out: it does not come to the classroom.
      expect(events.map((e) => e.uid)).not.toContain(`${SCHEDULE.ben}@carryover`);
    });

    it('a revoked or replaced token is 404; an unknown one too', async () => {
      const ot = await signIn(emails.ot);
      const first = await mutate(ot, 'schedule.feed.create');
      expect((await fetch(`${base}${first.path}`)).status).toBe(200);
      const second = await mutate(ot, 'schedule.feed.create');
      expect((await fetch(`${base}${first.path}`)).status).toBe(404);
      expect((await fetch(`${base}${second.path}`)).status).toBe(200);
      expect(await mutate(ot, 'schedule.feed.revoke')).toEqual({ revoked: 1 });
      expect((await fetch(`${base}${second.path}`)).status).toBe(404);
      expect((await fetch(`${base}/calendar/${'x'.repeat(43)}.ics`)).status).toBe(404);
      const status = await (
        await fetch(`${base}/trpc/schedule.feed.status`, { headers: { Cookie: ot } })
      ).json();
      expect((status as Json).result.data.active).toBe(false);
    });
  });
}
