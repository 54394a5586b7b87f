import { dateIn } from '@carryover/domain';

/** June 10 of the school year the district is in on `now` (a demo year runs Aug 15 – Jun 10). */
export function schoolYearLastDay(now: Date, timeZone: string): string {
  const today = dateIn(now, timeZone);
  const year = Number(today.slice(0, 4));
  return `${today.slice(5) >= '08-15' ? year + 1 : year}-06-10`;
}
