import type {
  Caseload,
  ScheduleClassroom,
  ScheduleService,
  ScheduleStudent,
  TherapistDay,
  Weekday,
} from '@carryover/domain';

// A realistic caseload for the scheduler's bench and tests: `students` students across
// `schools` schools, four classrooms a school, five routines a classroom. Deterministic.

const ROUTINES: { name: string; start: number; minutes: number; days: Weekday[] }[] = [
  { name: 'Arrival', start: 8 * 60, minutes: 30, days: [0, 1, 2, 3, 4] },
  { name: 'Writing block', start: 9 * 60 + 30, minutes: 45, days: [0, 1, 2, 3, 4] },
  { name: 'Art', start: 10 * 60 + 30, minutes: 45, days: [1, 3] },
  { name: 'Lunch', start: 11 * 60 + 45, minutes: 30, days: [0, 1, 2, 3, 4] },
  { name: 'Recess', start: 13 * 60 + 30, minutes: 20, days: [0, 1, 2, 3, 4] },
];

export function benchCaseload(students = 60, schools = 3, seed = 1): Caseload {
  let x = seed;
  const rand = () => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return x / 2147483648;
  };
  const schoolList = Array.from({ length: schools }, (_, i) => ({
    id: `school${i}`,
    name: `School ${String.fromCharCode(65 + i)}`,
    pullOutRoom: `Room ${10 + i}`,
  }));
  const classrooms: ScheduleClassroom[] = [];
  for (const school of schoolList) {
    for (let c = 0; c < 4; c++) {
      const id = `${school.id}-room${c}`;
      classrooms.push({
        id,
        name: `Room ${c + 1} (${school.name})`,
        schoolId: school.id,
        routines: ROUTINES.map((r, i) => ({
          id: `${id}-r${i}`,
          name: r.name,
          // Classrooms stagger their routines a little.
          blocks: r.days.map((day) => ({
            day,
            start: r.start + c * 5,
            end: r.start + c * 5 + r.minutes,
          })),
        })),
        protectedBlocks: [{ day: 2, start: 10 * 60, end: 11 * 60 }],
      });
    }
  }
  // Each school gets whole days, and one day is split between two schools.
  const days: TherapistDay[] = [];
  for (let d = 0; d < 5; d++) {
    const school = schoolList[d % schools]?.id as string;
    if (d === 4 && schools > 1) {
      days.push({
        day: 4,
        schoolId: schoolList[0]?.id as string,
        start: 7 * 60 + 45,
        end: 11 * 60 + 30,
      });
      days.push({ day: 4, schoolId: schoolList[1]?.id as string, start: 12 * 60, end: 15 * 60 });
    } else {
      days.push({ day: d as Weekday, schoolId: school, start: 7 * 60 + 45, end: 15 * 60 });
    }
  }
  const studentList: ScheduleStudent[] = [];
  const services: ScheduleService[] = [];
  for (let s = 0; s < students; s++) {
    const room = classrooms[s % classrooms.length] as ScheduleClassroom;
    const grade = Math.floor(rand() * 6);
    const routineA = room.routines[Math.floor(rand() * 5)]?.id as string;
    const routineB = room.routines[Math.floor(rand() * 5)]?.id as string;
    const student: ScheduleStudent = {
      id: `st${s}`,
      name: `Student ${s}`,
      grade,
      classroomId: room.id,
      goals: [
        { id: `st${s}-g0`, title: 'unpack independently', routineIds: [routineA] },
        { id: `st${s}-g1`, title: 'legible sentence', routineIds: [routineB] },
      ],
      protectedBlocks: rand() < 0.2 ? [{ day: 0, start: 13 * 60, end: 14 * 60 }] : [],
    };
    studentList.push(student);
    const pushIn = rand() < 0.5;
    services.push({
      id: `sv${s}`,
      studentId: student.id,
      discipline: 'ot',
      model: pushIn ? 'push_in' : 'pull_out',
      minutes: pushIn ? 20 : rand() < 0.5 ? 30 : 120,
      per: pushIn || rand() < 0.5 ? 'week' : 'month',
      sessionMinutes: pushIn ? 20 : 30,
      goalIds: student.goals.map((g) => g.id),
    });
  }
  return {
    therapist: {
      id: 'ther',
      name: 'Ms. Rivera',
      days,
      travel: [
        { from: 'school0', to: 'school1', minutes: 20 },
        { from: 'school1', to: 'school2', minutes: 15 },
        { from: 'school0', to: 'school2', minutes: 25 },
      ],
      lunch: { earliest: 11 * 60, latest: 13 * 60, minutes: 30 },
      groupCap: { push_in: 3, pull_out: 4 },
    },
    schools: schoolList,
    classrooms,
    students: studentList,
    services,
  };
}
