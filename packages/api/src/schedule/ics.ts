import { createHash } from 'node:crypto';
import {
  classroomIdsFor,
  type DB,
  findCalendarFeed,
  loadClosures,
  loadScheduleExceptions,
  loadScheduleSessions,
  recordAudit,
  type ScheduleSessionRow,
  scheduleNames,
} from '@carryover/db';
import {
  addDays,
  DistrictSettings,
  dateIn,
  type IsoDate,
  initialsOf,
  isoWeekday,
  occurrencesBetween,
  sessionRunsOn,
} from '@carryover/domain';
import ical, { ICalEventRepeatingFreq, ICalWeekday } from 'ical-generator';

// A staff member's schedule as an iCalendar feed (GET /calendar/<token>.ics), made with
// ical-generator: each weekly series one event with a weekly RRULE, and EXDATEs for the days it
// does not take place as planned (cancelled, moved, school closed); a moved occurrence is its own
// event. Students appear by initials only: a calendar app syncs to phones and other services.
// Times are the district's wall-clock times, written floating with X-WR-TIMEZONE (the district's
// zone), which calendar apps read as that zone.

const WEEKDAYS = [
  ICalWeekday.MO,
  ICalWeekday.TU,
  ICalWeekday.WE,
  ICalWeekday.TH,
  ICalWeekday.FR,
] as const;

/** What `calendar_feed.id` keeps of a feed token. */
export function calendarTokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** A wall-clock time as a Date whose UTC fields are that time (written floating). */
function wall(date: IsoDate, time: string): Date {
  return new Date(`${date}T${time}:00Z`);
}

/** How far back the feed reaches: past weeks stay in the calendar for a term or so. */
const FEED_DAYS_BACK = 120;
const FEED_DAYS_AHEAD = 400;

export interface CalendarFeedFile {
  ics: string;
  filename: string;
}

/**
 * The feed behind a token, or null when the token names no live feed (revoked, replaced,
 * unknown, or its owner is no longer active). Therapists and assistants get their own schedule;
 * teachers the push-in sessions coming to their classrooms. Each fetch is audited.
 */
export async function calendarFeed(
  db: DB,
  token: string,
  now: Date,
): Promise<CalendarFeedFile | null> {
  if (!/^[A-Za-z0-9_-]{20,100}$/.test(token)) return null;
  const feed = await findCalendarFeed(db, calendarTokenHash(token));
  if (!feed || Number(feed.active) !== 1) return null;
  const d = feed.district_id;
  const district = await db
    .selectFrom('district')
    .select(['name', 'settings'])
    .where('id', '=', d)
    .executeTakeFirstOrThrow();
  let timezone = 'UTC';
  try {
    timezone = DistrictSettings.parse(JSON.parse(district.settings)).timezone;
  } catch {
    // Unknown settings: UTC.
  }
  const today = dateIn(now, timezone);
  const window = { from: addDays(today, -FEED_DAYS_BACK), to: addDays(today, FEED_DAYS_AHEAD) };
  let rows: ScheduleSessionRow[];
  if (feed.role === 'teacher') {
    const classrooms = classroomIdsFor(db, { id: feed.staff_id, districtId: d, role: 'teacher' });
    rows = (await loadScheduleSessions(db, d, { classroomIds: classrooms }, window)).filter(
      (r) => r.model === 'push_in',
    );
  } else if (feed.role === 'therapist' || feed.role === 'assistant') {
    rows = await loadScheduleSessions(db, d, { providerIds: [feed.staff_id] }, window);
  } else rows = [];

  const names = await scheduleNames(db, d, rows);
  const exceptions = await loadScheduleExceptions(
    db,
    d,
    rows.map((r) => r.id),
  );
  const closures = await loadClosures(db, d, window);
  const calendar = ical({
    name: `${feed.name} — Carryover schedule`,
    prodId: { company: 'Carryover', product: 'schedule', language: 'EN' },
    x: { 'X-WR-TIMEZONE': timezone },
  });
  const studentIds = new Set<string>();
  for (const r of rows) {
    const first = ((): IsoDate => {
      // The first day on or after valid_from with the series' weekday.
      const shift = (r.weekday - isoWeekday(r.validFrom) + 7) % 7;
      return addDays(r.validFrom, shift);
    })();
    if (r.validTo !== null && first > r.validTo) continue;
    const initials = r.students.map((s) => {
      studentIds.add(s.studentId);
      const n = names.students.get(s.studentId);
      return n ? initialsOf(n.firstName, n.lastName) : '?';
    });
    const provider = names.providers.get(r.providerId);
    const place =
      r.model === 'push_in'
        ? `${names.classrooms.get(r.classroomId ?? '')?.name ?? 'Classroom'} · ${
            names.routines.get(r.routineId ?? '') ?? 'Routine'
          }`
        : (r.room ?? 'Therapy room');
    const what = `${provider?.discipline ?? 'Therapy'} ${r.model === 'push_in' ? 'push-in' : 'pull-out'}`;
    const summary =
      feed.role === 'teacher'
        ? `${what} (${provider?.name ?? 'therapist'}): ${initials.join(', ')}`
        : `${what}: ${initials.join(', ')}`;
    const location = `${place}, ${names.schools.get(r.schoolId) ?? ''}`.trim();
    const endOf = (date: IsoDate, start: string, minutes: number) =>
      new Date(wall(date, start).getTime() + minutes * 60_000);

    // Days the series does not take place as planned: cancelled, moved away, closed.
    const own = occurrencesBetween(
      [r],
      exceptions.filter((e) => e.sessionId === r.id),
      closures,
      window.from,
      window.to,
    );
    const excluded = new Set<IsoDate>();
    for (const e of exceptions)
      if (e.sessionId === r.id && sessionRunsOn(r, e.onDate)) excluded.add(e.onDate);
    for (const o of own)
      if (o.status === 'closed' && o.originalDate === o.date) excluded.add(o.date);
    let count: number | undefined;
    if (r.validTo !== null) {
      count = 0;
      for (let day = first; day <= r.validTo; day = addDays(day, 7)) count++;
    }
    calendar.createEvent({
      id: `${r.id}@carryover`,
      start: wall(first, r.startTime),
      end: endOf(first, r.startTime, r.minutes),
      floating: true,
      summary,
      location,
      description: `Students (initials): ${initials.join(', ')}`,
      repeating: {
        freq: ICalEventRepeatingFreq.WEEKLY,
        byDay: [WEEKDAYS[r.weekday - 1] as ICalWeekday],
        ...(count !== undefined ? { count } : {}),
        exclude: [...excluded].sort().map((day) => wall(day, r.startTime)),
      },
    });
    for (const o of own) {
      if (o.status !== 'moved') continue;
      calendar.createEvent({
        id: `${r.id}-${o.originalDate}@carryover`,
        start: wall(o.date, o.startTime),
        end: endOf(o.date, o.startTime, o.minutes),
        floating: true,
        summary: `${summary} (moved)`,
        location,
        description: `Moved from ${o.originalDate}. Students (initials): ${initials.join(', ')}`,
      });
    }
  }
  await db
    .updateTable('calendar_feed')
    .set({ last_used_at: now.toISOString() })
    .where('district_id', '=', d)
    .where('id', '=', feed.id)
    .execute();
  // The feed names students (by initials): each fetch is in their records of access.
  await recordAudit(db, {
    districtId: d,
    actorId: feed.staff_id,
    action: 'calendar.feed',
    entity: 'calendar_feed',
    entityId: feed.staff_id,
    studentIds: [...studentIds],
    outcome: 'ok',
    at: now.toISOString(),
  });
  return { ics: calendar.toString(), filename: 'carryover-schedule.ics' };
}
