import { iso, isSchoolDay, type SchoolCalendar } from './calendar';
import type { Rng } from './rng';
import type { RowSink } from './writer';

// Demo touch-base meetings (issue 7): a few per school, each between a therapist and the teacher
// of a classroom they push into, about students of that classroom, with notes and one or two
// action items owned by participants. The fixed logins slp@, ot@ and teacher@ each get at least
// one open item, so their Home and Caseload show something to act on.

interface Person {
  id: string;
  email: string;
}

/** The parts of the generator's push-in streams a touch-base needs (structurally typed). */
export interface PushInStream {
  provider: Person;
  model: string;
  routine: { name: string } | null;
  members: {
    service: {
      student: { id: string; first: string; classroom: { id: string; teacher: Person } };
    };
  }[];
}

export interface TouchBaseContext {
  w: RowSink;
  rng: Rng;
  districtId: string;
  id: (kind: string) => string;
  cal: SchoolCalendar;
  streams: readonly PushInStream[];
}

const MEETINGS_PER_SCHOOL = 3;
/** After dismissal (15:05), so it never overlaps a participant's push-in. */
const START_MINUTES = 15 * 60 + 30;
const FIXED = ['slp', 'ot', 'teacher'];

const isFixed = (p: Person) => FIXED.includes(p.email.slice(0, p.email.indexOf('@')));

const NOTES = [
  'Reviewed how {S} are doing in {R}. The cue card is working on therapy days; less so between visits.',
  'Talked through the push-in plan for {R}: who leads, who prompts, and what data the teacher keeps.',
  'Checked carryover: {S} use the strategy with the therapist in the room, not yet without.',
];
const THERAPIST_ITEMS = [
  "Make a copy of {F}'s visual schedule for the classroom",
  'Model the first/then board during {R} next visit',
  "Send the teacher a one-page summary of {F}'s goal and the cue to use",
];
const TEACHER_ITEMS = [
  'Use the agreed cue during {R} on non-therapy days and note how it went',
  "Keep two work samples of {F}'s for the next touch-base",
  'Try the movement break before seat work for a week',
];

/** Writes a few touch-base meetings for one school from its push-in streams. */
export function writeTouchBases(c: TouchBaseContext): void {
  const { w, rng, districtId, cal } = c;
  const pairs = new Map<
    string,
    {
      therapist: Person;
      teacher: Person;
      routine: string;
      students: { id: string; first: string }[];
    }
  >();
  for (const s of c.streams) {
    if (s.model !== 'push_in' || !s.routine) continue;
    for (const m of s.members) {
      const st = m.service.student;
      const key = `${s.provider.id}|${st.classroom.id}`;
      let p = pairs.get(key);
      if (!p) {
        p = {
          therapist: s.provider,
          teacher: st.classroom.teacher,
          routine: s.routine.name.replace(/_/g, ' '),
          students: [],
        };
        pairs.set(key, p);
      }
      if (!p.students.some((x) => x.id === st.id)) p.students.push({ id: st.id, first: st.first });
    }
  }
  const pool = [...pairs.values()];
  rng.shuffle(pool);
  // Greedy: prefer pairs that bring in a fixed login not yet in a meeting.
  const covered = new Set<string>();
  const chosen: typeof pool = [];
  while (chosen.length < MEETINGS_PER_SCHOOL && pool.length > 0) {
    const gain = (p: (typeof pool)[number]) =>
      [p.therapist, p.teacher].filter((x) => isFixed(x) && !covered.has(x.id)).length;
    let best = 0;
    for (let i = 1; i < pool.length; i++) if (gain(pool[i]!) > gain(pool[best]!)) best = i;
    const [p] = pool.splice(best, 1);
    for (const x of [p!.therapist, p!.teacher]) if (isFixed(x)) covered.add(x.id);
    chosen.push(p!);
  }

  // Meetings on recent school days: the first a couple of days ago, each earlier one a week
  // or so before.
  let day = cal.lastDay - 1;
  chosen.forEach((p, i) => {
    for (let back = 2 + rng.int(0, 4); back > 0 || !isSchoolDay(cal, day); day--)
      if (isSchoolDay(cal, day)) back--;
    if (day < cal.yearStart) return;
    const metOn = day;
    day -= 3;
    const students = p.students.slice(0, 3);
    const names = students
      .map((s) => s.first)
      .join(', ')
      .replace(/, ([^,]*)$/, ' and $1');
    const fill = (t: string, first: string) =>
      t.replace('{S}', names).replace('{R}', p.routine).replace('{F}', first);
    const id = c.id('tb');
    w.push('touch_base', {
      district_id: districtId,
      id,
      met_on: iso(metOn),
      start_time: '15:30',
      notes: fill(rng.pick(NOTES), students[0]!.first),
      created_by: p.therapist.id,
      created_at: cal.stamp(metOn, START_MINUTES + 30),
    });
    for (const x of [p.therapist, p.teacher])
      w.push('touch_base_participant', {
        district_id: districtId,
        touch_base_id: id,
        staff_id: x.id,
      });
    for (const s of students)
      w.push('touch_base_student', {
        district_id: districtId,
        touch_base_id: id,
        student_id: s.id,
      });
    const owners = [p.therapist];
    if (isFixed(p.teacher) || rng.chance(0.6)) owners.push(p.teacher);
    owners.forEach((owner, j) => {
      const open = isFixed(owner) || i === 0;
      const doneOn = Math.min(metOn + rng.int(1, 5), cal.lastDay);
      w.push('action_item', {
        district_id: districtId,
        id: c.id('ai'),
        touch_base_id: id,
        owner_id: owner.id,
        text: fill(
          rng.pick(j === 0 ? THERAPIST_ITEMS : TEACHER_ITEMS),
          students[j % students.length]!.first,
        ),
        // Open items fall due around today, a few already overdue; done ones a week after.
        due_on: iso(open ? cal.today + rng.int(-3, 7) : metOn + 7),
        done_on: open ? null : iso(doneOn),
      });
    });
  });
}
