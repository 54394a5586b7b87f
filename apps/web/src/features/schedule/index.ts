// The schedule feature's public face: the Schedule page and what Home shows of the schedule.
export { CalendarFeed } from './CalendarFeed';
export { ClassroomWeek, TodaySessions } from './HomeSchedule';
export { SchedulePage } from './SchedulePage';
