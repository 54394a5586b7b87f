import type { IncomingMessage, ServerResponse } from 'node:http';
import { calendarFeed, type Logger } from '@carryover/api';
import type { DB } from '@carryover/db';

// GET /calendar/<token>.ics: a staff member's schedule for their calendar app (issue 17). The
// secret token in the path is the only credential (calendar apps send no cookie); only its hash
// is stored, and a revoked, replaced or unknown token is a plain 404. The token never reaches
// a log line (see `loggablePath`).

export const CALENDAR_PATH = /^\/calendar\/([A-Za-z0-9_-]{20,100})\.ics$/;

/** The path with a calendar token blanked, for log lines. */
export function redactCalendarToken(path: string): string {
  return path.startsWith('/calendar/') ? '/calendar/<token>.ics' : path;
}

export async function serveCalendarFeed(
  req: IncomingMessage,
  res: ServerResponse,
  token: string,
  options: { db: DB; now: () => Date; log: Logger },
): Promise<void> {
  res.setHeader('Cache-Control', 'no-store');
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.statusCode = 405;
    res.setHeader('Allow', 'GET, HEAD');
    res.end();
    return;
  }
  const feed = await calendarFeed(options.db, token, options.now());
  if (!feed) {
    res.statusCode = 404;
    res.setHeader('Content-Type', 'text/plain; charset=utf-8');
    res.end('No such calendar.');
    return;
  }
  res.statusCode = 200;
  res.setHeader('Content-Type', 'text/calendar; charset=utf-8');
  res.setHeader('Content-Disposition', `inline; filename="${feed.filename}"`);
  res.end(req.method === 'HEAD' ? undefined : feed.ics);
}
