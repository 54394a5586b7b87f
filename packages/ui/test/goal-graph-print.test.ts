import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { GoalGraph, settingFill } from '../src/goal-graph/GoalGraph';
import { settingColor } from '../src/goal-graph/geometry';
import { makeGoal } from './fixtures';

// The print variant of the goal graph (issue 15): an SVG a PDF keeps as vectors, with no
// buttons, and settings told apart by fill as well as colour for a black-and-white printer.

const goal = makeGoal({
  points: [
    ...makeGoal().points,
    { date: '2026-09-29', setting: 'other', model: 'push_in', raw: 55, score: 0.58 },
  ],
});
const render = (variant: 'screen' | 'print') =>
  renderToStaticMarkup(createElement(GoalGraph, { goal, variant }));

describe('goal graph in print', () => {
  it('is one SVG drawing with its axis, aim line and legend, and no buttons', () => {
    const html = render('print');
    expect(html).toContain('class="goal-graph goal-graph--print"');
    expect(html).toMatch(/<svg role="img"[^>]*viewBox="0 0 640 /);
    expect(html).toContain('% of the way to target');
    expect(html).toContain('class="gg-aim"');
    expect(html).toContain('Setting (colour and fill)');
    expect(html).not.toContain('<button');
    expect(html).not.toContain('<img');
    // The screen keeps its buttons and colour-only legend.
    const screen = render('screen');
    expect(screen).toContain('<button');
    expect(screen).toContain('Setting (colour)');
  });

  it('fills therapy-room points, leaves classroom points open and dots the other settings', () => {
    expect(settingFill).toEqual({ therapy_room: 'solid', classroom: 'open', other: 'dotted' });
    const html = render('print');
    const open = html.match(/<path class="gg-point gg-point--open"[^>]*>/g) ?? [];
    const classroomPoints = goal.points.filter((p) => p.setting === 'classroom').length;
    expect(open).toHaveLength(classroomPoints);
    for (const tag of open) {
      expect(tag).toContain('fill="#fff"');
      expect(tag).toContain(`stroke:${settingColor.classroom}`);
    }
    const dots = html.match(/<circle class="gg-point-dot"/g) ?? [];
    // One white dot per "other" point, and one in its legend swatch.
    expect(dots).toHaveLength(goal.points.filter((p) => p.setting === 'other').length + 1);
    expect(render('screen')).not.toContain('gg-point--open');
  });
});

describe('goal graph labels', () => {
  const prompt = makeGoal({
    measurementType: 'prompt_level',
    baseline: 4,
    target: 0,
    unit: 'prompt level',
  });

  it('names a prompt-level criterion in words, and other criteria in their unit', () => {
    const html = renderToStaticMarkup(createElement(GoalGraph, { goal: prompt, variant: 'print' }));
    expect(html).toContain('Criterion: independently');
    expect(html).not.toContain('Criterion 0');
    expect(render('print')).toContain('Criterion 80%');
  });

  it('moves the plot right of its widest tick label', () => {
    const html = renderToStaticMarkup(createElement(GoalGraph, { goal: prompt, variant: 'print' }));
    // The y axis is the plot's left edge; "Part. phys." ends 6 px left of it.
    const axisX = Number(html.match(/<line class="gg-axis" x1="(\d+(?:\.\d+)?)" x2="\1"/)?.[1]);
    expect(axisX).toBeGreaterThanOrEqual(22 + 6 + 11 * 6.6);
    expect(html).toContain('Part. phys.');
  });
});
