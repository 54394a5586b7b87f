import { describe, expect, it } from 'vitest';
import { classroomLabels } from '../src/routines';

describe('classroom labels in routine pickers', () => {
  it("names a classroom alone, and adds the teacher's full name where two share a name", () => {
    const labels = classroomLabels([
      { id: 'a', name: 'Grade 2 · Garcia', teacherName: 'Maria Garcia' },
      { id: 'b', name: 'Grade 2 · Garcia', teacherName: 'Luis Garcia' },
      { id: 'a', name: 'Grade 2 · Garcia', teacherName: 'Maria Garcia' },
      { id: 'c', name: 'Grade 3 · Chen', teacherName: 'Amy Chen' },
      { id: 'd', name: 'Room 4', teacherName: null },
      { id: 'e', name: 'Room 4', teacherName: 'Sam Ode' },
    ]);
    expect(Object.fromEntries(labels)).toEqual({
      a: 'Grade 2 · Garcia · Maria Garcia',
      b: 'Grade 2 · Garcia · Luis Garcia',
      c: 'Grade 3 · Chen',
      d: 'Room 4 · no teacher named',
      e: 'Room 4 · Sam Ode',
    });
  });
});
