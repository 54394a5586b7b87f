import { describe, expect, it } from 'vitest';
import {
  dateExtent,
  layoutFor,
  legendItems,
  levelMarks,
  makeScales,
  projection,
  robustSegment,
} from '../src/goal-graph/geometry';
import { makeGoal } from './fixtures';

const layout = layoutFor(600);

describe('goal graph: projection, least squares and levels', () => {
  it('marks the projected date on the criterion line, where the trend reaches the target', () => {
    const goal = makeGoal();
    const scales = makeScales(goal, layout);
    const p = projection(goal, scales)!;
    expect(p.date).toBe('2026-11-03');
    expect(p.late).toBe(false);
    expect(p.y).toBeCloseTo(scales.y(1));
    expect(p.x).toBeCloseTo(scales.x(new Date('2026-11-03T00:00:00Z')));
    // The dotted extension starts at the last data point.
    expect(p.segment!.x1).toBeCloseTo(scales.x(new Date('2026-09-22T00:00:00Z')));
    expect(
      projection(makeGoal({ progress: { ...makeGoal().progress, projectedDate: null } }), scales),
    ).toBeNull();
  });

  it('widens the time axis to a late projection, but by no more than a year past the target date', () => {
    const base = makeGoal();
    const late = makeGoal({ progress: { ...base.progress, projectedDate: '2027-05-01' } });
    expect(dateExtent(late)[1].toISOString().slice(0, 10)).toBe('2027-05-01');
    const never = makeGoal({ progress: { ...base.progress, projectedDate: '2031-01-01' } });
    expect(dateExtent(never)[1].toISOString().slice(0, 10)).toBe('2028-02-28');
    expect(projection(late, makeScales(late, layout))!.late).toBe(true);
  });

  it('draws the robust line only on request, over the data span', () => {
    const goal = makeGoal({
      progress: {
        ...makeGoal().progress,
        robust: { slopePerWeek: 0.12, intercept: 0.15, originDate: '2026-09-08' },
      },
    });
    const scales = makeScales(goal, layout);
    const seg = robustSegment(goal, scales)!;
    expect(seg.x1).toBeCloseTo(scales.x(new Date('2026-09-08T00:00:00Z')));
    expect(seg.x2).toBeCloseTo(scales.x(new Date('2026-09-22T00:00:00Z')));
    expect(legendItems(goal).some((i) => i.key === 'robust')).toBe(false);
    expect(legendItems(goal, { robust: true }).some((i) => i.key === 'robust')).toBe(true);
  });

  it('marks each setting’s level, so the carryover gap shows as the distance between marks', () => {
    const goal = makeGoal();
    const scales = makeScales(goal, layout);
    const marks = levelMarks(goal, scales);
    expect(marks.map((m) => [m.setting, m.level])).toEqual([
      ['therapy_room', 0.5],
      ['classroom', 0.25],
    ]);
    expect(marks[1]!.y - marks[0]!.y).toBeCloseTo(scales.y(0.25) - scales.y(0.5));
    expect(marks[0]!.label).toBe('Therapy room level 50%');
  });
});
