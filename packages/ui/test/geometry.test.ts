import { describe, expect, it } from 'vitest';
import { parseIsoDate } from '../src/format';
import {
  aimSegment,
  dateExtent,
  eventMarkers,
  graphSummary,
  layoutFor,
  legendItems,
  lineScoreAt,
  lineSegment,
  makeScales,
  measureAxisTitle,
  PROBE_LABEL,
  plotPoints,
  trendSegment,
  yTicks,
} from '../src/goal-graph/geometry';
import { makeGoal } from './fixtures';

const layout = layoutFor(600);

describe('goal graph geometry', () => {
  it('spans goal start to the later of target date and last point', () => {
    const goal = makeGoal();
    expect(dateExtent(goal).map((d) => d.toISOString().slice(0, 10))).toEqual([
      '2026-09-01',
      '2027-03-01',
    ]);
    const late = makeGoal({
      points: [{ date: '2027-04-01', setting: 'classroom', model: 'push_in', raw: 90, score: 1 }],
    });
    expect(dateExtent(late)[1].toISOString().slice(0, 10)).toBe('2027-04-01');
  });

  it('evaluates a trend line in weeks since its origin', () => {
    const line = { slopePerWeek: 0.1, intercept: 0.2, originDate: '2026-09-08' };
    expect(lineScoreAt(line, parseIsoDate('2026-09-08'))).toBeCloseTo(0.2);
    expect(lineScoreAt(line, parseIsoDate('2026-09-22'))).toBeCloseTo(0.4);
  });

  it('draws the aim line from (start, 0) to (target, 1)', () => {
    const goal = makeGoal();
    const scales = makeScales(goal, layout);
    const seg = aimSegment(goal, scales);
    expect(seg.x1).toBeCloseTo(layout.margin.left);
    expect(seg.x2).toBeCloseTo(layout.width - layout.margin.right);
    expect(seg.y1).toBeCloseTo(scales.y(0));
    expect(seg.y2).toBeCloseTo(scales.y(1));
  });

  it('draws the trend over the data span', () => {
    const goal = makeGoal();
    const scales = makeScales(goal, layout);
    const seg = trendSegment(goal, scales)!;
    expect(seg.x1).toBeCloseTo(scales.x(parseIsoDate('2026-09-08')));
    expect(seg.x2).toBeCloseTo(scales.x(parseIsoDate('2026-09-22')));
    expect(seg.y1).toBeCloseTo(scales.y(0.2));
    expect(seg.y2).toBeCloseTo(scales.y(0.4));
  });

  it('clips a steep line to the score domain', () => {
    const goal = makeGoal();
    const scales = makeScales(goal, layout);
    const steep = { slopePerWeek: 0.5, intercept: 0, originDate: '2026-09-01' };
    const seg = lineSegment(
      steep,
      parseIsoDate('2026-09-01'),
      parseIsoDate('2026-12-01'),
      scales,
      [0, 1],
    )!;
    expect(seg.y1).toBeCloseTo(scales.y(0));
    expect(seg.y2).toBeCloseTo(scales.y(1));
    // Reaches 1 after two weeks.
    expect(seg.x2).toBeCloseTo(scales.x(parseIsoDate('2026-09-15')));
    const outside = { slopePerWeek: 0, intercept: 2, originDate: '2026-09-01' };
    expect(
      lineSegment(outside, parseIsoDate('2026-09-01'), parseIsoDate('2026-10-01'), scales),
    ).toBeNull();
  });

  it('has no trend without a trend line or points', () => {
    const goal = makeGoal({ points: [] });
    expect(trendSegment(goal, makeScales(goal, layout))).toBeNull();
  });

  it('colours points by setting and shapes them by model', () => {
    const goal = makeGoal();
    const pts = plotPoints(goal, makeScales(goal, layout));
    expect(pts).toHaveLength(3);
    expect(pts[0]!.color).not.toBe(pts[1]!.color);
    expect(pts[0]!.path).not.toBe(pts[1]!.path);
    expect(pts[0]!.color).toBe(pts[2]!.color);
    expect(pts[0]!.path).toBe(pts[2]!.path);
  });

  it('staggers event labels that would collide', () => {
    const goal = makeGoal({
      modelChanges: [{ date: '2026-10-01', from: 'pull_out', to: 'push_in', reason: '' }],
      phaseChanges: [{ date: '2026-10-02', phase: 'intervention' }],
    });
    const events = eventMarkers(goal, makeScales(goal, layout));
    expect(events.map((e) => e.row)).toEqual([0, 1]);
  });
});

describe('legend', () => {
  it('lists only the settings and models on the chart, then the lines', () => {
    const items = legendItems(makeGoal());
    expect(items.map((i) => `${i.kind}:${i.key}`)).toEqual([
      'setting:therapy_room',
      'setting:classroom',
      'model:push_in',
      'model:pull_out',
      'line:aim',
      'line:trend',
      'line:projection',
      'line:criterion',
      'line:model_change',
    ]);
  });

  it('gives a point labelled split its own shape and legend entry', () => {
    const goal = makeGoal({
      points: [
        {
          date: '2026-09-08',
          setting: 'classroom',
          model: 'split' as 'push_in',
          raw: 30,
          score: 0.2,
        },
      ],
    });
    const pts = plotPoints(goal, makeScales(goal, layout));
    expect(pts[0]!.path).not.toBe(plotPoints(makeGoal(), makeScales(goal, layout))[1]!.path);
    expect(legendItems(goal).some((i) => i.kind === 'model' && i.key === 'split')).toBe(true);
  });

  it('rings a late entry and explains the ring in the legend, only when there is one', () => {
    const plain = makeGoal();
    expect(legendItems(plain).some((i) => i.kind === 'mark')).toBe(false);
    const goal = makeGoal({
      points: plain.points.map((p, i) => (i === 1 ? { ...p, late: true } : p)),
    });
    const pts = plotPoints(goal, makeScales(goal, layout));
    expect(pts.map((p) => p.late)).toEqual(plain.points.map((_, i) => i === 1));
    expect(legendItems(goal).filter((i) => i.kind === 'mark')).toEqual([
      { kind: 'mark', key: 'late_entry', label: 'Late entry (after the report was final)' },
    ]);
  });

  it("draws the goal's own measure: 75% of trials sits at 75%, not at 92% of the way", () => {
    const goal = makeGoal({
      baseline: 30,
      target: 79,
      points: [
        { date: '2026-09-08', setting: 'classroom', model: 'push_in', raw: 75, score: 45 / 49 },
      ],
    });
    const progress = makeScales(goal, layout, 'progress');
    const measure = makeScales(goal, layout, 'measure');
    const tick75 = yTicks(measure, goal).find((t) => t.label === '75%')!;
    expect(plotPoints(goal, measure)[0]!.cy).toBeCloseTo(tick75.position);
    // On the progress axis the same point sits near the 92% line (45 of the 49 points of the way).
    expect(plotPoints(goal, progress)[0]!.cy).toBeCloseTo(progress.y(45 / 49));
    expect(yTicks(measure, goal).map((t) => t.label)).toEqual(['0%', '25%', '50%', '75%', '100%']);
    expect(measureAxisTitle(goal)).toBe('% of trials correct');
    // The criterion (score 1) lands on the target's own value.
    expect(measure.y(1)).toBeCloseTo(measure.raw!(79));
  });

  it('puts independence at the top of a prompt-level axis and labels the levels', () => {
    const goal = makeGoal({
      measurementType: 'prompt_level',
      baseline: 4,
      target: 1,
      unit: 'prompt level',
    });
    const scales = makeScales(goal, layout, 'measure');
    const ticks = yTicks(scales, goal);
    const independent = ticks.find((t) => t.label === 'Indep.')!;
    const full = ticks.find((t) => t.label === 'Full phys.')!;
    expect(independent.position).toBeLessThan(full.position);
    expect(measureAxisTitle(goal)).toBe('Prompt level');
  });

  it('leaves room left of the plot for the widest y tick label', () => {
    // "100%" fits the usual margin; "Full phys." (10 characters) needs more, at any width.
    expect(layoutFor(340, ['0%', '50%', '100%']).margin.left).toBe(58);
    const labels = ['Indep.', 'Part. phys.', 'Full phys.'];
    const phone = layoutFor(340, labels);
    expect(phone.margin.left).toBeGreaterThanOrEqual(22 + 6 + 11 * 6.6);
    expect(layoutFor(900, labels).margin.left).toBe(phone.margin.left);
  });

  it('marks a teacher probe as a classroom probe, not by the model it was taken under', () => {
    const plain = makeGoal();
    const goal = makeGoal({
      points: [
        ...plain.points.slice(0, 2),
        {
          date: '2026-09-23',
          setting: 'classroom',
          model: 'consult',
          raw: 40,
          score: 1 / 3,
          recordedBy: { name: 'Tara Teacher', role: 'teacher' },
        },
      ],
    });
    const pts = plotPoints(goal, makeScales(goal, layout));
    expect(pts.map((p) => p.probe)).toEqual([false, false, true]);
    expect(new Set(pts.map((p) => p.path)).size).toBe(3);
    const items = legendItems(goal);
    expect(items.filter((i) => i.kind === 'probe').map((i) => i.label)).toEqual([PROBE_LABEL]);
    expect(graphSummary(goal)).toContain(
      '1 of the points is a classroom probe recorded by the teacher.',
    );
    // Its model (consult) adds no shape to the legend: only the therapists' points do.
    expect(items.filter((i) => i.kind === 'model').map((i) => i.key)).toEqual([
      'push_in',
      'pull_out',
    ]);
  });

  it('omits the trend when there is none', () => {
    const goal = makeGoal();
    const items = legendItems({ ...goal, progress: { ...goal.progress, trend: null } });
    expect(items.some((i) => i.key === 'trend')).toBe(false);
  });
});

describe('graph summary', () => {
  it('describes the data in words', () => {
    const text = graphSummary(makeGoal());
    expect(text).toContain('Articulation');
    expect(text).toContain('3 data points from Sep 8, 2026 to Sep 22, 2026');
    expect(text).toContain('rising 10.0 points per week');
    expect(text).toContain('Push-in from Sep 14, 2026');
  });
});
