import type { GoalDetail, Setting } from '@carryover/domain';
import { formatRawValue, labels } from '@carryover/domain';
import { useEffect, useId, useRef, useState } from 'react';
import { formatDate, formatRaw, formatScore } from '../format';
import {
  aimSegment,
  eventMarkers,
  graphSummary,
  type LegendItem,
  layoutFor,
  legendItems,
  levelMarks,
  makeScales,
  measureAxisAvailable,
  measureAxisTitle,
  plotPoints,
  projection,
  robustSegment,
  type Segment,
  settingColor,
  trendSegment,
  xTicks,
  Y_AXIS_TITLE_X,
  Y_TICK_GAP,
  type YAxisMode,
  yTicks,
} from './geometry';

export interface GoalGraphProps {
  goal: GoalDetail;
  /** Drawing width in px. Omitted: follows the container, so text stays legible on a phone. */
  width?: number;
  /**
   * `print`: for a printed report. A fixed drawing that scales with the page, no buttons, the
   * legend under the chart, and each setting told apart by fill as well as colour (solid,
   * open, dotted), so the graph still reads when printed in black and white.
   */
  variant?: 'screen' | 'print';
}

/**
 * How a setting's points are filled in print: colour alone is lost on a black-and-white printer,
 * so the classroom's are open and the other settings' carry a white dot.
 */
export const settingFill: Record<Setting, 'solid' | 'open' | 'dotted'> = {
  therapy_room: 'solid',
  classroom: 'open',
  other: 'dotted',
};

/** One data point's marker: its model's shape in its setting's colour (and, in print, fill). */
function PointMark({
  path,
  x,
  y,
  color,
  fill,
  className,
  testId,
}: {
  path: string;
  x: number;
  y: number;
  color: string;
  fill: 'solid' | 'open' | 'dotted' | null;
  className: string;
  testId?: string | undefined;
}) {
  if (fill === 'open') {
    return (
      <path
        data-testid={testId}
        className={`${className} ${className}--open`}
        d={path}
        transform={`translate(${x} ${y})`}
        fill="#fff"
        // Inline, so it wins over the white halo every point has in the style sheet.
        style={{ stroke: color }}
      />
    );
  }
  return (
    <g transform={`translate(${x} ${y})`} data-testid={testId}>
      <path className={className} d={path} fill={color} />
      {fill === 'dotted' && <circle className="gg-point-dot" cx={0} cy={0} r={1.8} />}
    </g>
  );
}

function useContainerWidth(fixed: number | undefined) {
  const ref = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(fixed ?? 640);
  useEffect(() => {
    if (fixed !== undefined) return;
    const el = ref.current;
    if (!el || typeof ResizeObserver === 'undefined') return;
    const observer = new ResizeObserver((entries) => {
      const w = entries[0]?.contentRect.width;
      if (w && w > 0) setWidth(Math.max(280, Math.round(w)));
    });
    observer.observe(el);
    return () => observer.disconnect();
  }, [fixed]);
  return { ref, width: fixed ?? width };
}

function SegmentLine({ s, className }: { s: Segment; className: string }) {
  return <line className={className} x1={s.x1} y1={s.y1} x2={s.x2} y2={s.y2} />;
}

export function GoalGraph({ goal, width: fixedWidth, variant = 'screen' }: GoalGraphProps) {
  const print = variant === 'print';
  const { ref, width } = useContainerWidth(fixedWidth ?? (print ? PRINT_WIDTH : undefined));
  const [showTable, setShowTable] = useState(false);
  const [showRobust, setShowRobust] = useState(false);
  const canMeasure = measureAxisAvailable(goal);
  // The goal's own measure first: "75% of trials" reads as 75%, not as 92% of the way.
  const [yMode, setYMode] = useState<YAxisMode>('measure');
  const mode: YAxisMode = canMeasure ? yMode : 'progress';
  const tableId = useId();
  const titleId = useId();
  const axisName = useId();

  // The tick labels' text depends on the y domain only, so a first layout finds them and the
  // second leaves room for the widest.
  const tickLabels = yTicks(makeScales(goal, layoutFor(width), mode), goal).map((t) => t.label);
  const layout = layoutFor(width, tickLabels);
  const { height, margin } = layout;
  const scales = makeScales(goal, layout, mode);
  const points = plotPoints(goal, scales);
  const aim = aimSegment(goal, scales);
  const trend = trendSegment(goal, scales);
  const ols = showRobust ? robustSegment(goal, scales) : null;
  const projected = projection(goal, scales);
  const levels = levelMarks(goal, scales);
  const events = eventMarkers(goal, scales);
  const plotRight = width - margin.right;
  const criterionY = scales.y(1);
  const plotBottom = height - margin.bottom;
  const domainLabel = labels.domain[goal.domain];

  return (
    <figure className={print ? 'goal-graph goal-graph--print' : 'goal-graph'}>
      <figcaption id={titleId} className="visually-hidden">
        {domainLabel} goal progress
      </figcaption>
      {canMeasure && (
        <fieldset className="goal-graph__axis-choice">
          <legend>Show the data as</legend>
          {(
            [
              ['measure', measureAxisTitle(goal)],
              ['progress', '% of the way to target'],
            ] as const
          ).map(([value, text]) => (
            <label key={value}>
              <input
                type="radio"
                name={axisName}
                value={value}
                checked={mode === value}
                onChange={() => setYMode(value)}
              />{' '}
              {text}
            </label>
          ))}
        </fieldset>
      )}
      <div className="goal-graph__layout">
        <div className="goal-graph__chart" ref={ref}>
          <svg
            role="img"
            aria-label={graphSummary(goal)}
            viewBox={`0 0 ${width} ${height}`}
            width="100%"
            preserveAspectRatio="xMidYMid meet"
            className="goal-graph__svg"
          >
            <g className="gg-grid">
              {yTicks(scales, goal).map((t) => (
                <g key={t.value}>
                  <line
                    x1={margin.left}
                    x2={width - margin.right}
                    y1={t.position}
                    y2={t.position}
                  />
                  <text x={margin.left - Y_TICK_GAP} y={t.position} dy="0.32em" textAnchor="end">
                    {t.label}
                  </text>
                </g>
              ))}
              {xTicks(scales, width).map((t) => (
                <g key={t.value}>
                  <line
                    className="gg-xtick"
                    x1={t.position}
                    x2={t.position}
                    y1={plotBottom}
                    y2={plotBottom + 5}
                  />
                  <text x={t.position} y={plotBottom + 18} textAnchor="middle">
                    {t.label}
                  </text>
                </g>
              ))}
              <line
                className="gg-axis"
                x1={margin.left}
                x2={width - margin.right}
                y1={plotBottom}
                y2={plotBottom}
              />
              <line
                className="gg-axis"
                x1={margin.left}
                x2={margin.left}
                y1={margin.top}
                y2={plotBottom}
              />
              <text
                className="gg-axis-label"
                transform={`translate(${Y_AXIS_TITLE_X} ${(margin.top + plotBottom) / 2}) rotate(-90)`}
                textAnchor="middle"
                data-testid="y-axis-title"
              >
                {mode === 'measure' ? measureAxisTitle(goal) : '% of the way to target'}
              </text>
              <text
                className="gg-axis-label"
                x={width - margin.right}
                y={height - 2}
                textAnchor="end"
              >
                Date
              </text>
            </g>

            <g>
              {events.map((e) => (
                <g key={e.key} className={`gg-event gg-event--${e.kind}`}>
                  <line x1={e.x} x2={e.x} y1={18 + e.row * 14} y2={plotBottom} />
                  <text
                    x={e.x + 3}
                    y={13 + e.row * 14}
                    textAnchor={e.x > width - 90 ? 'end' : 'start'}
                    dx={e.x > width - 90 ? -6 : 0}
                  >
                    {e.label}
                  </text>
                </g>
              ))}
              <line
                className="gg-criterion"
                x1={margin.left}
                x2={width - margin.right}
                y1={criterionY}
                y2={criterionY}
              />
              <text className="gg-line-label" x={plotRight - 4} y={criterionY - 5} textAnchor="end">
                {goal.measurementType === 'prompt_level'
                  ? // A prompt level's number is its rank: "Criterion 0 prompt level" meant none.
                    `Criterion: ${formatRawValue(goal, goal.target)}`
                  : `Criterion ${formatRaw(goal.target, goal.unit)}`}
              </text>
              <SegmentLine s={aim} className="gg-aim" />
              <text className="gg-line-label" x={aim.x2 - 4} y={aim.y2 + 14} textAnchor="end">
                Aim
              </text>
              {ols && <SegmentLine s={ols} className="gg-robust" />}
              {trend && <SegmentLine s={trend} className="gg-trend" />}
              {projected?.segment && (
                <SegmentLine s={projected.segment} className="gg-projection" />
              )}
              {projected && (
                <g className="gg-projection-mark">
                  <circle cx={projected.x} cy={projected.y} r={5} />
                  <text
                    className="gg-line-label"
                    x={projected.x}
                    y={projected.y + 18}
                    textAnchor={projected.x > width - 110 ? 'end' : 'middle'}
                  >
                    {`Projected ${formatDate(projected.date)}`}
                  </text>
                </g>
              )}
              {levels.map((l) => (
                <line
                  key={l.setting}
                  className="gg-level"
                  x1={plotRight - 14}
                  x2={plotRight}
                  y1={l.y}
                  y2={l.y}
                  stroke={l.color}
                >
                  <title>{l.label}</title>
                </line>
              ))}
              {points.map((p) => (
                <PointMark
                  key={p.key}
                  className={p.probe ? 'gg-point gg-point--probe' : 'gg-point'}
                  testId={p.probe ? 'teacher-probe' : undefined}
                  path={p.path}
                  x={p.cx}
                  y={p.cy}
                  color={p.color}
                  fill={print ? settingFill[p.setting] : null}
                />
              ))}
              {points
                .filter((p) => p.late)
                .map((p) => (
                  <circle
                    key={`late-${p.key}`}
                    className="gg-late"
                    data-testid="late-entry"
                    cx={p.cx}
                    cy={p.cy}
                    r={9}
                  >
                    <title>Late entry</title>
                  </circle>
                ))}
            </g>
          </svg>
          {goal.points.length === 0 && <p className="goal-graph__empty">No data points yet.</p>}
        </div>
        <GraphLegend items={legendItems(goal, { robust: showRobust })} print={print} />
      </div>
      <LevelSummary goal={goal} />
      <p className="goal-graph__mastery" data-testid="mastery-rule">
        {goal.masteryRuleText}
      </p>
      {!print && (
        <GraphControls
          goal={goal}
          showRobust={showRobust}
          setShowRobust={setShowRobust}
          showTable={showTable}
          setShowTable={setShowTable}
          tableId={tableId}
        />
      )}
    </figure>
  );
}

/** A printed graph's drawing width: wide enough for its labels, scaled down to the page. */
const PRINT_WIDTH = 640;

function GraphControls({
  goal,
  showRobust,
  setShowRobust,
  showTable,
  setShowTable,
  tableId,
}: {
  goal: GoalDetail;
  showRobust: boolean;
  setShowRobust: (f: (v: boolean) => boolean) => void;
  showTable: boolean;
  setShowTable: (f: (v: boolean) => boolean) => void;
  tableId: string;
}) {
  return (
    <>
      <button
        type="button"
        className="btn btn--ghost btn--small goal-graph__toggle"
        aria-pressed={showRobust}
        onClick={() => setShowRobust((v) => !v)}
        disabled={!goal.progress.robust}
      >
        {showRobust ? 'Hide robust (Theil–Sen) line' : 'Show robust (Theil–Sen) line'}
      </button>
      <button
        type="button"
        className="btn btn--ghost btn--small goal-graph__toggle"
        aria-expanded={showTable}
        aria-controls={tableId}
        onClick={() => setShowTable((v) => !v)}
        disabled={goal.points.length === 0}
      >
        {showTable ? 'Hide data table' : 'Show data table'}
      </button>
      <div id={tableId} hidden={!showTable}>
        {showTable && <GraphDataTable goal={goal} />}
      </div>
    </>
  );
}

/** Level per setting and the carryover gap, in words under the chart. */
function LevelSummary({ goal }: { goal: GoalDetail }) {
  const { levelBySetting, carryoverGap } = goal.progress;
  const parts = (['therapy_room', 'classroom', 'other'] as const)
    .filter((s) => levelBySetting[s] !== undefined)
    .map((s) => (
      <span key={s} className="goal-graph__level">
        <svg width="14" height="10" viewBox="0 0 14 10" aria-hidden="true">
          <rect x="0" y="3" width="14" height="4" fill={settingColor[s]} />
        </svg>
        {labels.setting[s]} level {formatScore(levelBySetting[s])}
      </span>
    ));
  if (parts.length === 0) return null;
  const gap = carryoverGap == null ? null : Math.round(carryoverGap * 100);
  return (
    <p className="goal-graph__levels">
      {parts}
      {gap !== null && (
        <strong className="goal-graph__gap">
          Carryover gap{' '}
          {gap > 0
            ? `${gap} pts (classroom behind)`
            : gap < 0
              ? `${-gap} pts (classroom ahead)`
              : 'none'}
        </strong>
      )}
    </p>
  );
}

function LegendSwatch({ item, print }: { item: LegendItem; print: boolean }) {
  if (item.kind === 'setting') {
    const fill = print ? settingFill[item.key] : 'solid';
    return (
      <svg width="18" height="14" viewBox="0 0 18 14" aria-hidden="true">
        <rect
          x="1.5"
          y="1.5"
          width="15"
          height="11"
          rx="3"
          fill={fill === 'open' ? '#fff' : item.color}
          stroke={fill === 'open' ? item.color : 'none'}
          strokeWidth={fill === 'open' ? 2 : 0}
        />
        {fill === 'dotted' && <circle className="gg-point-dot" cx="9" cy="7" r="2.2" />}
      </svg>
    );
  }
  if (item.kind === 'model') {
    return (
      <svg width="18" height="14" viewBox="-9 -7 18 14" aria-hidden="true">
        <path d={item.path} className="gg-legend-shape" />
      </svg>
    );
  }
  if (item.kind === 'probe') {
    return (
      <svg width="18" height="18" viewBox="-9 -9 18 18" aria-hidden="true">
        <path d={item.path} className="gg-legend-shape" />
      </svg>
    );
  }
  if (item.kind === 'mark') {
    return (
      <svg width="18" height="18" viewBox="-9 -9 18 18" aria-hidden="true">
        <circle className="gg-late" cx="0" cy="0" r="7" />
      </svg>
    );
  }
  if (item.key === 'projection') {
    return (
      <svg width="26" height="14" viewBox="0 0 26 14" aria-hidden="true">
        <line className="gg-projection" x1="1" x2="18" y1="7" y2="7" />
        <circle className="gg-projection-dot" cx="20" cy="7" r="4" />
      </svg>
    );
  }
  const cls = {
    aim: 'gg-aim',
    trend: 'gg-trend',
    robust: 'gg-robust',
    projection: 'gg-projection',
    criterion: 'gg-criterion',
    model_change: 'gg-event--model',
    phase_change: 'gg-event--phase',
  }[item.key];
  const vertical = item.key === 'model_change' || item.key === 'phase_change';
  return (
    <svg width="26" height="14" viewBox="0 0 26 14" aria-hidden="true" className={cls}>
      {vertical ? <line x1="13" x2="13" y1="0" y2="14" /> : <line x1="1" x2="25" y1="7" y2="7" />}
    </svg>
  );
}

function GraphLegend({ items, print }: { items: LegendItem[]; print: boolean }) {
  // Each group's title labels its list; titles are not headings, so the legend never breaks the
  // page's heading order (a graph sits under an h2 in a report, under an h3 on a student page).
  const idPrefix = useId();
  const groups: { title: string; items: LegendItem[] }[] = [
    {
      title: print ? 'Setting (colour and fill)' : 'Setting (colour)',
      items: items.filter((i) => i.kind === 'setting'),
    },
    { title: 'Model (shape)', items: items.filter((i) => i.kind === 'model') },
    { title: 'Marks', items: items.filter((i) => i.kind === 'probe' || i.kind === 'mark') },
    { title: 'Lines', items: items.filter((i) => i.kind === 'line') },
  ];
  return (
    <div className="goal-graph__legend">
      {groups
        .filter((g) => g.items.length > 0)
        .map((g, i) => (
          <div key={g.title} className="legend-group">
            <p className="legend-group__title" id={`${idPrefix}-legend-${i}`}>
              {g.title}
            </p>
            <ul aria-labelledby={`${idPrefix}-legend-${i}`}>
              {g.items.map((item) => (
                <li key={`${item.kind}-${item.key}`}>
                  <LegendSwatch item={item} print={print} />
                  <span>{item.label}</span>
                </li>
              ))}
            </ul>
          </div>
        ))}
    </div>
  );
}

function GraphDataTable({ goal }: { goal: GoalDetail }) {
  const rows = [...goal.points].sort((a, b) => a.date.localeCompare(b.date));
  return (
    <div className="table-scroll">
      <table className="data-table data-table--compact">
        <caption className="visually-hidden">{labels.domain[goal.domain]} goal data points</caption>
        <thead>
          <tr>
            <th scope="col">Date</th>
            <th scope="col">Setting</th>
            <th scope="col">Model</th>
            <th scope="col" className="num">
              Value
            </th>
            <th scope="col" className="num">
              Score
            </th>
            <th scope="col">Recorded by</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((p, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: two points can share date, setting and model
            <tr key={`${p.date}-${i}`}>
              <td>
                {formatDate(p.date)}
                {p.late && <span className="muted small"> (late entry)</span>}
              </td>
              <td>{labels.setting[p.setting]}</td>
              <td>{labels.model[p.model]}</td>
              <td className="num">{formatRaw(p.raw, goal.unit)}</td>
              <td className="num">{formatScore(p.score)}</td>
              <td>
                {p.recordedBy
                  ? `${p.recordedBy.name} (${p.recordedBy.role === 'teacher' ? 'teacher, classroom probe' : labels.role[p.recordedBy.role].toLowerCase()})`
                  : '—'}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
