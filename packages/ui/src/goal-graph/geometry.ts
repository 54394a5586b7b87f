import type { GoalDetail, Line, ServiceModel, Setting } from '@carryover/domain';
import { labels, promptLevels } from '@carryover/domain';
import { scaleLinear, scaleUtc } from 'd3-scale';
import {
  symbol,
  symbolCircle,
  symbolDiamond,
  symbolSquare,
  symbolStar,
  symbolTriangle,
} from 'd3-shape';
import { formatDate, formatShortDate, parseIsoDate, WEEK_MS } from '../format';

// Everything the goal graph draws, computed as plain numbers so it can be tested without a DOM.

export interface Margins {
  top: number;
  right: number;
  bottom: number;
  left: number;
}

export interface GraphLayout {
  width: number;
  height: number;
  margin: Margins;
}

/** Scores are clamped to [0, 1]; a little headroom keeps points off the axes. */
export const SCORE_DOMAIN: [number, number] = [-0.06, 1.1];
export const SCORE_TICKS = [0, 0.25, 0.5, 0.75, 1];

/**
 * Okabe–Ito blue, vermillion and bluish green (darkened for contrast): distinguishable with
 * every common colour-vision deficiency, each ≥ 3:1 on white. Shape carries the model.
 */
export const settingColor: Record<Setting, string> = {
  therapy_room: '#0072B2',
  classroom: '#C24E00',
  other: '#00795B',
};

/**
 * A session has one model, but points are drawn for whatever model the data names: a `split`
 * label (a service's mandate, not a session's) gets its own shape rather than a silent circle.
 */
export const modelShape = {
  push_in: symbolCircle,
  pull_out: symbolSquare,
  consult: symbolTriangle,
  split: symbolDiamond,
} as const satisfies Record<ServiceModel, unknown>;

/** The marker for a model, centred on (0, 0). `size` is the area in px². */
export function markerPath(model: ServiceModel, size = 90): string {
  return symbol(modelShape[model] ?? symbolCircle, size)() ?? '';
}

/**
 * A teacher's classroom probe is generalisation data taken outside therapy: it gets its own
 * marker (a star) whatever the goal's model, so it never reads as a pull-out session.
 */
export const PROBE_LABEL = 'Classroom probe, recorded by the teacher';

export function isTeacherProbe(p: Pick<GoalDetail['points'][number], 'recordedBy'>): boolean {
  return p.recordedBy?.role === 'teacher';
}

export function probeMarkerPath(size = 110): string {
  return symbol(symbolStar, size)() ?? '';
}

/**
 * The y-axis: the goal's own measure (% correct, prompt level, count, seconds, rubric score) or
 * the share of the way from baseline to target. Both draw the same lines: a score is a linear
 * function of the raw value, so the measure axis is the score axis relabelled and widened.
 */
export type YAxisMode = 'measure' | 'progress';

/** The measure axis needs a baseline and a target that differ (else no score maps to a value). */
export function measureAxisAvailable(goal: Pick<GoalDetail, 'baseline' | 'target'>): boolean {
  return goal.target !== goal.baseline;
}

type MeasureGoal = Pick<
  GoalDetail,
  'measurementType' | 'baseline' | 'target' | 'rubricMax' | 'points' | 'unit'
>;

/**
 * The raw values at the bottom and the top of the measure axis. Prompt levels run from full
 * physical (bottom) to independent (top), so less support reads as higher, as on the score axis.
 */
export function measureRange(goal: MeasureGoal): [bottom: number, top: number] {
  const highest = Math.max(goal.baseline, goal.target, ...goal.points.map((p) => p.raw));
  switch (goal.measurementType) {
    case 'percent':
      return [0, 100];
    case 'prompt_level':
      return [promptLevels.length - 1, 0];
    case 'rubric':
      return [0, Math.max(goal.rubricMax ?? 0, highest)];
    default:
      return [0, highest > 0 ? highest * 1.1 : 1];
  }
}

/** The measure's axis title: "% of trials correct", "Prompt level", "Seconds" … */
export function measureAxisTitle(goal: Pick<GoalDetail, 'measurementType' | 'unit'>): string {
  if (goal.measurementType === 'percent') return '% of trials correct';
  const unit = goal.unit.replace(/\s*\(.*\)$/, '');
  return unit ? unit[0]!.toUpperCase() + unit.slice(1) : 'Value';
}

/** Where the goal graph draws its rotated y-axis title (12 px type, centred here). */
export const Y_AXIS_TITLE_X = 14;
/** The gap between a y tick label's end and the plot's left edge. */
export const Y_TICK_GAP = 6;

/**
 * Room left of the plot: the rotated axis title and a gap, then the widest tick label. Tick
 * labels are 12 px sans-serif; 6.6 px a character errs wide, so "Full phys." is never cut at the
 * graph's left edge, as it was on a phone.
 */
const AXIS_TITLE_BAND = Y_AXIS_TITLE_X + 8;
const TICK_CHAR_PX = 6.6;
const MIN_LEFT_MARGIN = 58;

export function leftMarginFor(yTickLabels: readonly string[]): number {
  const widest = Math.max(0, ...yTickLabels.map((l) => l.length));
  return Math.max(MIN_LEFT_MARGIN, Math.ceil(AXIS_TITLE_BAND + Y_TICK_GAP + widest * TICK_CHAR_PX));
}

export function layoutFor(width: number, yTickLabels: readonly string[] = []): GraphLayout {
  const narrow = width < 480;
  return {
    width,
    height: Math.round(Math.min(360, Math.max(260, width * 0.45))),
    margin: { top: 40, right: narrow ? 12 : 20, bottom: 38, left: leftMarginFor(yTickLabels) },
  };
}

export function dateExtent(
  goal: Pick<GoalDetail, 'startDate' | 'targetDate' | 'points'> & {
    progress?: Pick<GoalDetail['progress'], 'projectedDate'>;
  },
): [Date, Date] {
  let lo = parseIsoDate(goal.startDate).getTime();
  let hi = parseIsoDate(goal.targetDate).getTime();
  for (const p of goal.points) {
    const t = parseIsoDate(p.date).getTime();
    if (t < lo) lo = t;
    if (t > hi) hi = t;
  }
  // A projected date past the target date stays visible, within a year of it.
  const projected = goal.progress?.projectedDate;
  if (projected) {
    const t = parseIsoDate(projected).getTime();
    hi = Math.max(hi, Math.min(t, parseIsoDate(goal.targetDate).getTime() + 52 * WEEK_MS));
  }
  if (hi <= lo) hi = lo + WEEK_MS;
  return [new Date(lo), new Date(hi)];
}

export function makeScales(
  goal: Pick<GoalDetail, 'startDate' | 'targetDate' | 'points'> &
    Partial<MeasureGoal> & {
      progress?: Pick<GoalDetail['progress'], 'projectedDate'>;
    },
  layout: GraphLayout,
  mode: YAxisMode = 'progress',
) {
  const { width, height, margin } = layout;
  const x = scaleUtc()
    .domain(dateExtent(goal))
    .range([margin.left, width - margin.right]);
  const range = [height - margin.bottom, margin.top];
  if (
    mode === 'measure' &&
    goal.measurementType !== undefined &&
    goal.baseline !== undefined &&
    goal.target !== undefined &&
    measureAxisAvailable({ baseline: goal.baseline, target: goal.target })
  ) {
    const measured = goal as MeasureGoal & typeof goal;
    const [bottom, top] = measureRange(measured);
    const pad = (top - bottom) * 0.05;
    const raw = scaleLinear()
      .domain([bottom - pad, top + pad])
      .range(range);
    const span = measured.target - measured.baseline;
    const scoreOf = (value: number) => (value - measured.baseline) / span;
    const ends = [scoreOf(bottom - pad), scoreOf(top + pad)];
    const y = scaleLinear().domain(ends).range(range);
    return {
      x,
      y,
      mode: 'measure' as YAxisMode,
      raw,
      scoreDomain: [Math.min(...ends), Math.max(...ends)] as [number, number],
    };
  }
  const y = scaleLinear().domain(SCORE_DOMAIN).range(range);
  return { x, y, mode: 'progress' as YAxisMode, raw: null, scoreDomain: SCORE_DOMAIN };
}

export type Scales = ReturnType<typeof makeScales>;

/** Score of a line at a date: intercept + slope × weeks since its origin. */
export function lineScoreAt(line: Line, date: Date): number {
  const weeks = (date.getTime() - parseIsoDate(line.originDate).getTime()) / WEEK_MS;
  return line.intercept + line.slopePerWeek * weeks;
}

export interface Segment {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

/**
 * The part of a line between two dates that stays inside the score domain, in pixels; null when
 * none of it does. Clipping here (not with an SVG clip path) keeps the geometry testable.
 */
export function lineSegment(
  line: Line,
  from: Date,
  to: Date,
  scales: Scales,
  scoreDomain: [number, number] = scales.scoreDomain,
): Segment | null {
  const t0 = from.getTime();
  const t1 = to.getTime();
  if (t1 <= t0) return null;
  const s0 = lineScoreAt(line, from);
  const s1 = lineScoreAt(line, to);
  const [lo, hi] = scoreDomain;
  // Parametrise as s(u) = s0 + (s1 − s0)u for u in [0, 1] and keep the u where lo ≤ s ≤ hi.
  let uMin = 0;
  let uMax = 1;
  const ds = s1 - s0;
  if (ds === 0) {
    if (s0 < lo || s0 > hi) return null;
  } else {
    const uLo = (lo - s0) / ds;
    const uHi = (hi - s0) / ds;
    uMin = Math.max(uMin, Math.min(uLo, uHi));
    uMax = Math.min(uMax, Math.max(uLo, uHi));
    if (uMin >= uMax) return null;
  }
  const at = (u: number) => ({
    x: scales.x(new Date(t0 + (t1 - t0) * u)),
    y: scales.y(s0 + ds * u),
  });
  const a = at(uMin);
  const b = at(uMax);
  return { x1: a.x, y1: a.y, x2: b.x, y2: b.y };
}

/** The trend is drawn over the span of the data it was fitted to, not projected forward. */
export function trendSegment(
  goal: Pick<GoalDetail, 'startDate' | 'targetDate' | 'points' | 'progress'>,
  scales: Scales,
): Segment | null {
  const trend = goal.progress.trend;
  if (!trend || goal.points.length === 0) return null;
  const times = goal.points.map((p) => parseIsoDate(p.date).getTime());
  return lineSegment(trend, new Date(Math.min(...times)), new Date(Math.max(...times)), scales);
}

/** The robust (Theil–Sen) line over the same span as the trend, drawn on request to check it. */
export function robustSegment(
  goal: Pick<GoalDetail, 'startDate' | 'targetDate' | 'points' | 'progress'>,
  scales: Scales,
): Segment | null {
  const line = goal.progress.robust;
  if (!line || goal.points.length === 0) return null;
  const times = goal.points.map((p) => parseIsoDate(p.date).getTime());
  return lineSegment(line, new Date(Math.min(...times)), new Date(Math.max(...times)), scales);
}

/**
 * Where the robust trend meets the target: a dotted extension from the last data point to the
 * projected date, and the point itself. Null when there is no projection.
 */
export function projection(
  goal: Pick<GoalDetail, 'startDate' | 'targetDate' | 'points' | 'progress'>,
  scales: Scales,
): { segment: Segment | null; x: number; y: number; date: string; late: boolean } | null {
  const { trend, projectedDate } = goal.progress;
  if (!trend || !projectedDate || goal.points.length === 0) return null;
  const last = Math.max(...goal.points.map((p) => parseIsoDate(p.date).getTime()));
  const end = parseIsoDate(projectedDate);
  const [, domainEnd] = scales.x.domain() as [Date, Date];
  const shownEnd = end.getTime() > domainEnd.getTime() ? domainEnd : end;
  return {
    segment: lineSegment(trend, new Date(last), shownEnd, scales),
    x: scales.x(shownEnd),
    y: scales.y(end.getTime() > domainEnd.getTime() ? lineScoreAt(trend, shownEnd) : 1),
    date: projectedDate,
    late: projectedDate > goal.targetDate,
  };
}

/** Short marks at the right edge at each setting's level, so the carryover gap is visible. */
export function levelMarks(
  goal: Pick<GoalDetail, 'progress'>,
  scales: Scales,
): { setting: Setting; y: number; level: number; color: string; label: string }[] {
  const marks = [];
  for (const setting of ['therapy_room', 'classroom', 'other'] as const) {
    const level = goal.progress.levelBySetting[setting];
    if (level === undefined) continue;
    marks.push({
      setting,
      level,
      y: scales.y(Math.min(1, Math.max(0, level))),
      color: settingColor[setting],
      label: `${labels.setting[setting]} level ${Math.round(level * 100)}%`,
    });
  }
  return marks;
}

export function aimSegment(
  goal: Pick<GoalDetail, 'startDate' | 'targetDate' | 'points' | 'progress'>,
  scales: Scales,
): Segment {
  const { start, end } = goal.progress.aimLine;
  return {
    x1: scales.x(parseIsoDate(start.date)),
    y1: scales.y(start.score),
    x2: scales.x(parseIsoDate(end.date)),
    y2: scales.y(end.score),
  };
}

export interface PlottedPoint {
  key: string;
  cx: number;
  cy: number;
  setting: Setting;
  model: ServiceModel;
  color: string;
  path: string;
  /** Entered late, into a period whose report was already final: ringed on the graph. */
  late: boolean;
  /** A teacher's classroom probe: drawn as a star, not in its model's shape. */
  probe: boolean;
}

export function plotPoints(goal: Pick<GoalDetail, 'points'>, scales: Scales): PlottedPoint[] {
  return goal.points.map((p, i) => ({
    key: `${p.date}-${i}`,
    cx: scales.x(parseIsoDate(p.date)),
    // On the measure axis a point sits at its own value, past the target included.
    cy: scales.raw ? scales.raw(p.raw) : scales.y(Math.min(1, Math.max(0, p.score))),
    setting: p.setting,
    model: p.model,
    color: settingColor[p.setting],
    path: isTeacherProbe(p) ? probeMarkerPath() : markerPath(p.model),
    late: p.late === true,
    probe: isTeacherProbe(p),
  }));
}

export interface EventMarker {
  key: string;
  kind: 'model' | 'phase';
  x: number;
  label: string;
  /** Which label row (0 = top); alternates when labels would collide. */
  row: number;
  date: string;
}

/** Vertical markers for model and phase changes, staggered over rows so labels don't overlap. */
export function eventMarkers(
  goal: Pick<GoalDetail, 'modelChanges' | 'phaseChanges'>,
  scales: Scales,
  minGap = 90,
): EventMarker[] {
  const phaseLabel: Record<string, string> = {
    baseline: 'Baseline',
    intervention: 'Intervention',
    mastered: 'Mastered',
    maintenance: 'Maintenance',
    discontinued: 'Discontinued',
  };
  const events = [
    // A goal's change and its service's change on the same day to the same model are one event.
    ...goal.modelChanges
      .filter((c, i, all) => all.findIndex((d) => d.date === c.date && d.to === c.to) === i)
      .map((c, i) => ({
        key: `m${i}`,
        kind: 'model' as const,
        date: c.date,
        label: `→ ${labels.model[c.to]}`,
      })),
    ...goal.phaseChanges.map((c, i) => ({
      key: `p${i}`,
      kind: 'phase' as const,
      date: c.date,
      label: phaseLabel[c.phase] ?? c.phase,
    })),
  ]
    .map((e) => ({ ...e, x: scales.x(parseIsoDate(e.date)) }))
    .sort((a, b) => a.x - b.x);
  const lastXInRow: number[] = [];
  return events.map((e) => {
    let row = lastXInRow.findIndex((x) => e.x - x >= minGap);
    if (row === -1) {
      row = lastXInRow.length < 2 ? lastXInRow.length : 0;
    }
    lastXInRow[row] = e.x;
    return { ...e, row };
  });
}

export interface Tick {
  value: number;
  position: number;
  label: string;
}

export function xTicks(scales: Scales, width: number): Tick[] {
  const count = Math.max(3, Math.floor(width / 80));
  return scales.x.ticks(count).map((d) => ({
    value: d.getTime(),
    position: scales.x(d),
    label: formatShortDate(d),
  }));
}

const promptTickLabels: Record<(typeof promptLevels)[number], string> = {
  independent: 'Indep.',
  gestural: 'Gestural',
  verbal: 'Verbal',
  visual: 'Visual',
  model: 'Model',
  partial_physical: 'Part. phys.',
  full_physical: 'Full phys.',
};

export function yTicks(scales: Scales, goal?: Pick<GoalDetail, 'measurementType'>): Tick[] {
  const raw = scales.raw;
  if (raw && goal) {
    if (goal.measurementType === 'prompt_level') {
      return promptLevels.map((level, i) => ({
        value: i,
        position: raw(i),
        label: promptTickLabels[level],
      }));
    }
    const values =
      goal.measurementType === 'percent'
        ? [0, 25, 50, 75, 100]
        : goal.measurementType === 'rubric'
          ? raw.ticks(6).filter((v) => Number.isInteger(v) && v >= 0)
          : raw.ticks(5).filter((v) => v >= 0);
    return values.map((v) => ({
      value: v,
      position: raw(v),
      label: goal.measurementType === 'percent' ? `${v}%` : String(v),
    }));
  }
  return SCORE_TICKS.map((s) => ({
    value: s,
    position: scales.y(s),
    label: `${Math.round(s * 100)}%`,
  }));
}

export type LegendItem =
  | { kind: 'setting'; key: Setting; label: string; color: string }
  | { kind: 'mark'; key: 'late_entry'; label: string }
  | { kind: 'probe'; key: 'teacher_probe'; label: string; path: string }
  | { kind: 'model'; key: ServiceModel; label: string; path: string }
  | {
      kind: 'line';
      key:
        | 'aim'
        | 'trend'
        | 'robust'
        | 'projection'
        | 'criterion'
        | 'model_change'
        | 'phase_change';
      label: string;
    };

/** Legend entries for what is actually on the chart, in a stable order. */
export function legendItems(
  goal: Pick<GoalDetail, 'points' | 'progress' | 'modelChanges' | 'phaseChanges'>,
  options: { robust?: boolean } = {},
): LegendItem[] {
  const settingsSeen = new Set(goal.points.map((p) => p.setting));
  // A teacher's probe carries the goal's model but is drawn as a probe, so it adds no model shape.
  const modelsSeen = new Set<ServiceModel>(
    goal.points.filter((p) => !isTeacherProbe(p)).map((p) => p.model),
  );
  const items: LegendItem[] = [];
  for (const s of ['therapy_room', 'classroom', 'other'] as const) {
    if (settingsSeen.has(s)) {
      items.push({ kind: 'setting', key: s, label: labels.setting[s], color: settingColor[s] });
    }
  }
  for (const m of ['push_in', 'pull_out', 'consult', 'split'] as const) {
    if (modelsSeen.has(m)) {
      items.push({ kind: 'model', key: m, label: labels.model[m], path: markerPath(m, 80) });
    }
  }
  if (goal.points.some(isTeacherProbe)) {
    items.push({
      kind: 'probe',
      key: 'teacher_probe',
      label: PROBE_LABEL,
      path: probeMarkerPath(90),
    });
  }
  if (goal.points.some((p) => p.late)) {
    items.push({
      kind: 'mark',
      key: 'late_entry',
      label: 'Late entry (after the report was final)',
    });
  }
  items.push({ kind: 'line', key: 'aim', label: 'Aim line' });
  if (options.robust && goal.progress.robust && goal.points.length > 0) {
    items.push({ kind: 'line', key: 'robust', label: 'Robust line (Theil–Sen)' });
  }
  if (goal.progress.trend && goal.points.length > 0) {
    items.push({ kind: 'line', key: 'trend', label: 'Trend (least squares)' });
    if (goal.progress.projectedDate) {
      items.push({
        kind: 'line',
        key: 'projection',
        label: `Projected to meet target ${formatShortDate(goal.progress.projectedDate)}`,
      });
    }
  }
  items.push({ kind: 'line', key: 'criterion', label: 'Criterion (target)' });
  if (goal.modelChanges.length > 0) {
    items.push({ kind: 'line', key: 'model_change', label: 'Model change' });
  }
  if (goal.phaseChanges.length > 0) {
    items.push({ kind: 'line', key: 'phase_change', label: 'Phase change' });
  }
  return items;
}

/** The sentence a screen reader hears instead of the picture. */
export function graphSummary(goal: GoalDetail): string {
  const domain = labels.domain[goal.domain];
  const n = goal.points.length;
  if (n === 0) {
    return `Progress graph for the ${domain} goal: no data points yet. Aim line from ${formatDate(goal.startDate)} to the target by ${formatDate(goal.targetDate)}.`;
  }
  const dates = goal.points.map((p) => p.date).sort();
  const parts = [
    `Progress graph for the ${domain} goal: ${n} data point${n === 1 ? '' : 's'} from ${formatDate(dates[0])} to ${formatDate(dates[n - 1])}.`,
  ];
  if (goal.progress.level != null) {
    parts.push(
      `Current level ${Math.round(goal.progress.level * 100)}% of the way from baseline to target.`,
    );
  }
  if (goal.progress.trend) {
    const pts = goal.progress.trend.slopePerWeek * 100;
    parts.push(
      `Trend ${pts >= 0 ? 'rising' : 'falling'} ${Math.abs(pts).toFixed(1)} points per week.`,
    );
  }
  const probes = goal.points.filter(isTeacherProbe).length;
  if (probes > 0) {
    parts.push(
      `${probes} of the points ${probes === 1 ? 'is a classroom probe' : 'are classroom probes'} recorded by the teacher.`,
    );
  }
  parts.push(`Aim line reaches the target on ${formatDate(goal.targetDate)}.`);
  if (goal.progress.projectedDate) {
    parts.push(`Projected to reach the target on ${formatDate(goal.progress.projectedDate)}.`);
  }
  if (goal.modelChanges.length > 0) {
    parts.push(
      `Model changes: ${goal.modelChanges.map((c) => `${labels.model[c.to]} from ${formatDate(c.date)}`).join('; ')}.`,
    );
  }
  return parts.join(' ');
}
