import { describe, expect, it } from 'vitest';
import {
  fillTemplate,
  GoalTemplateCreateInput,
  goalBank,
  goalTemplates,
  searchGoalTemplates,
} from '../src/goal-bank';
import { formatRawValue, GoalCreateInput, goalDirection } from '../src/goals';
import { disciplines, goalDomains, MasteryRule } from '../src/model';

const valid = {
  studentId: 'stu-1',
  discipline: 'OT',
  domain: 'handwriting',
  text: 'Ava will copy a sentence legibly.',
  measurementType: 'percent',
  baseline: 20,
  target: 80,
  masteryRule: {},
  startDate: '2026-01-05',
  targetDate: '2026-06-01',
  phase: 'intervention',
  currentModel: 'pull_out',
} as const;

const fieldsOf = (input: unknown) => {
  const r = GoalCreateInput.safeParse(input);
  return r.success ? [] : r.error.issues.map((i) => `${String(i.path[0])}: ${i.message}`);
};

describe('goal input', () => {
  it('accepts a valid goal and fills the default mastery rule and routines', () => {
    const goal = GoalCreateInput.parse(valid);
    expect(goal.masteryRule).toEqual(MasteryRule.parse({}));
    expect(goal.routineIds).toEqual([]);
    expect(goalDirection(goal)).toBe('up');
  });

  it('names the field that is wrong', () => {
    expect(fieldsOf({ ...valid, targetDate: '2026-01-05' })).toEqual([
      'targetDate: The target date must be after the start date',
    ]);
    expect(fieldsOf({ ...valid, target: 120 })).toEqual(['target: Use a percentage from 0 to 100']);
    expect(fieldsOf({ ...valid, target: 10 })).toEqual([
      'target: The target must be above the baseline',
    ]);
    expect(fieldsOf({ ...valid, target: 20 })).toEqual([
      'target: The target must differ from the baseline',
    ]);
    expect(fieldsOf({ ...valid, text: 'short' })).toEqual([
      'text: Write the goal (at least 10 characters)',
    ]);
    expect(fieldsOf({ ...valid, baseline: Number.NaN })[0]).toMatch(/^baseline: /);
  });

  it('needs a direction for counts and durations, and a target on the right side of it', () => {
    const count = { ...valid, measurementType: 'frequency', baseline: 6, target: 1 };
    expect(fieldsOf(count)).toContain('direction: Say whether the number should go up or down');
    expect(fieldsOf({ ...count, direction: 'down' })).toEqual([]);
    expect(fieldsOf({ ...count, direction: 'up' })).toEqual([
      'target: For a behaviour that should increase, the target must be above the baseline',
    ]);
  });

  it('checks prompt levels and rubric scales', () => {
    const prompt = { ...valid, measurementType: 'prompt_level', baseline: 4, target: 1 };
    expect(fieldsOf(prompt)).toEqual([]);
    expect(goalDirection(GoalCreateInput.parse(prompt))).toBe('down');
    expect(fieldsOf({ ...prompt, target: 5 })).toEqual([
      'target: The target must need less help than the baseline',
    ]);
    const rubric = { ...valid, measurementType: 'rubric', baseline: 1, target: 3 };
    expect(fieldsOf(rubric)).toEqual(['rubricMax: Give the top of the rubric scale']);
    expect(fieldsOf({ ...rubric, rubricMax: 4 })).toEqual([]);
    expect(fieldsOf({ ...rubric, rubricMax: 2 })).toEqual([
      'target: Use a whole rubric score from 0 to 2',
    ]);
  });

  it('speaks about values in the goal’s units', () => {
    expect(formatRawValue({ measurementType: 'percent' }, 66.7)).toBe('67% of trials');
    expect(formatRawValue({ measurementType: 'prompt_level' }, 2)).toBe('with a verbal prompt');
    expect(formatRawValue({ measurementType: 'frequency' }, 1)).toBe('1 time per session');
    expect(formatRawValue({ measurementType: 'duration' }, 45)).toBe('45 seconds');
    expect(formatRawValue({ measurementType: 'duration' }, 300)).toBe('5 minutes');
    expect(formatRawValue({ measurementType: 'rubric', rubricMax: 4 }, 3)).toBe(
      '3 of 4 rubric points',
    );
  });
});

describe('goal bank', () => {
  it('offers templates for every discipline, each a valid goal once filled in', () => {
    for (const d of disciplines) expect(goalTemplates(d).length).toBeGreaterThanOrEqual(3);
    for (const t of goalBank) {
      expect(goalDomains).toContain(t.domain);
      const parsed = GoalCreateInput.safeParse({
        ...valid,
        discipline: t.discipline,
        domain: t.domain,
        text: fillTemplate(t, 'Ava'),
        measurementType: t.measurementType,
        baseline: t.baseline,
        target: t.target,
        direction: t.direction,
        rubricMax: t.rubricMax,
      });
      expect(parsed.success, `${t.id}: ${parsed.error?.message}`).toBe(true);
      expect(fillTemplate(t, 'Ava')).not.toContain('[Student]');
    }
    expect(new Set(goalBank.map((t) => t.id)).size).toBe(goalBank.length);
  });

  it('filters by discipline and domain', () => {
    expect(goalTemplates('SLP', 'articulation').map((t) => t.id)).toEqual([
      'slp-artic-s',
      'slp-artic-r',
      'slp-artic-intelligibility',
    ]);
    expect(goalTemplates('PT', 'articulation')).toEqual([]);
  });

  it('offers at least three templates in every domain', () => {
    for (const domain of goalDomains) {
      expect(goalTemplates(undefined, domain).length, domain).toBeGreaterThanOrEqual(3);
    }
  });

  it('searches the text, domain, measure and routines; every word must match', () => {
    const ids = (query: string) => searchGoalTemplates(goalBank, { query }).map((t) => t.id);
    expect(ids('stairs')).toEqual(['pt-stairs']);
    expect(ids('LUNCH containers')).toEqual(['ot-lunch-containers']);
    expect(ids('handwriting rubric')).toEqual(['ot-handwriting-legibility']);
    expect(ids('fluency')).toEqual(expect.arrayContaining(['slp-fluency-strategy']));
    expect(ids('no such words here')).toEqual([]);
    expect(
      searchGoalTemplates(goalBank, { query: 'recess', discipline: 'PT' }).map((t) => t.id),
    ).toEqual(['pt-ball-skills', 'pt-line-walking', 'pt-gross-motor-playground']);
  });

  it("checks a district template like a goal's measure, field by field", () => {
    for (const t of goalBank) {
      const parsed = GoalTemplateCreateInput.safeParse(t);
      expect(parsed.success, `${t.id}: ${parsed.error?.message}`).toBe(true);
    }
    const base = {
      discipline: 'OT',
      domain: 'fine_motor',
      text: '[Student] will cut along a straight line in 80% of trials.',
      measurementType: 'percent',
      baseline: 50,
      target: 80,
      routines: ['art'],
    } as const;
    const messages = (input: object) =>
      (GoalTemplateCreateInput.safeParse(input).error?.issues ?? []).map(
        (i) => `${String(i.path[0])}: ${i.message}`,
      );
    expect(messages(base)).toEqual([]);
    expect(messages({ ...base, text: 'Will cut on a line.', routines: ['nap'] })).toEqual([
      'text: Write the goal (at least 20 characters)',
      "text: Write [Student] where the student's first name goes",
      'routines: Choose a routine from the list',
    ]);
    expect(messages({ ...base, target: 50 })).toEqual([
      'target: The target must differ from the baseline',
    ]);
  });
});
