import { labels, type ServiceModel } from '@carryover/domain';
import { scaleLinear } from 'd3-scale';
import { useId } from 'react';
import { markerPath } from '../goal-graph/geometry';

// Per-model estimates with their intervals (dot and whisker), one block per outcome, the
// model's marker shape as on the goal graph (push-in circle, pull-out square, consult triangle,
// split diamond). A table gives the same numbers for screen readers and for reading exactly.

export interface EstimateRow {
  model: ServiceModel;
  estimate: number | null;
  low: number | null;
  high: number | null;
  /** Units behind the figure, e.g. "42 students · 88 episodes". */
  support?: string;
}

export interface EstimateGroup {
  id: string;
  label: string;
  rows: EstimateRow[];
}

export interface EstimateChartProps {
  title: string;
  groups: EstimateGroup[];
  /** The x axis's label, with its unit. */
  axisLabel: string;
  format: (v: number) => string;
  /** Shown instead of a dot when a row has no estimate. */
  insufficientLabel?: string;
}

const ROW = 30;
const GROUP_GAP = 30;
const LEFT = 112;
const RIGHT = 24;
const TOP = 10;
const AXIS = 46;
const WIDTH = 640;

/** Rounded bounds that hold every interval and zero. */
export function estimateDomain(groups: EstimateGroup[]): [number, number] {
  let lo = 0;
  let hi = 0;
  for (const g of groups)
    for (const r of g.rows)
      for (const v of [r.low, r.high, r.estimate])
        if (v !== null && Number.isFinite(v)) {
          lo = Math.min(lo, v);
          hi = Math.max(hi, v);
        }
  if (lo === hi) return [-1, 1];
  const pad = (hi - lo) * 0.08;
  return [lo - pad, hi + pad];
}

export function EstimateChart({
  title,
  groups,
  axisLabel,
  format,
  insufficientLabel = 'Insufficient data',
}: EstimateChartProps) {
  const titleId = useId();
  const models = [...new Set(groups.flatMap((g) => g.rows.map((r) => r.model)))];
  const rowsHeight = groups.reduce((s, g) => s + (g.rows.length + 1) * ROW, 0);
  const height = TOP + rowsHeight + GROUP_GAP * (groups.length - 1) + AXIS;
  const x = scaleLinear()
    .domain(estimateDomain(groups))
    .range([LEFT, WIDTH - RIGHT])
    .nice();
  const ticks = x.ticks(6);
  const plotBottom = height - AXIS;
  let y = TOP;
  const blocks = groups.map((g) => {
    const top = y;
    y += (g.rows.length + 1) * ROW + GROUP_GAP;
    return { g, top };
  });

  return (
    <figure className="estimate-chart">
      <figcaption id={titleId} className="estimate-chart-title">
        {title}
      </figcaption>
      <svg
        viewBox={`0 0 ${WIDTH} ${height}`}
        role="img"
        aria-labelledby={titleId}
        className="estimate-chart-svg"
      >
        <title>{title}</title>
        {ticks.map((t) => (
          <g key={t}>
            <line
              x1={x(t)}
              x2={x(t)}
              y1={TOP}
              y2={plotBottom}
              className={t === 0 ? 'ec-zero' : 'ec-grid'}
            />
            <text x={x(t)} y={plotBottom + 16} textAnchor="middle" className="ec-tick">
              {format(t)}
            </text>
          </g>
        ))}
        <text x={(LEFT + WIDTH - RIGHT) / 2} y={height - 6} textAnchor="middle" className="ec-axis">
          {axisLabel}
        </text>
        {blocks.map(({ g, top }) => (
          <g key={g.id}>
            <text x={4} y={top + ROW * 0.6} className="ec-group">
              {g.label}
            </text>
            {g.rows.map((r, i) => {
              const cy = top + ROW * (i + 1) + ROW / 2;
              const has = r.estimate !== null && Number.isFinite(r.estimate);
              return (
                <g key={r.model} className={`ec-row ec-${r.model}`}>
                  <text x={LEFT - 10} y={cy + 4} textAnchor="end" className="ec-label">
                    {labels.model[r.model]}
                  </text>
                  {has && r.low !== null && r.high !== null && (
                    <>
                      <line x1={x(r.low)} x2={x(r.high)} y1={cy} y2={cy} className="ec-whisker" />
                      <line
                        x1={x(r.low)}
                        x2={x(r.low)}
                        y1={cy - 6}
                        y2={cy + 6}
                        className="ec-whisker"
                      />
                      <line
                        x1={x(r.high)}
                        x2={x(r.high)}
                        y1={cy - 6}
                        y2={cy + 6}
                        className="ec-whisker"
                      />
                    </>
                  )}
                  {has ? (
                    <path
                      d={markerPath(r.model, 110)}
                      transform={`translate(${x(r.estimate!)},${cy})`}
                      className="ec-marker"
                    />
                  ) : (
                    <text x={LEFT + 4} y={cy + 4} className="ec-insufficient">
                      {insufficientLabel}
                    </text>
                  )}
                </g>
              );
            })}
          </g>
        ))}
      </svg>
      <ul className="ec-legend" aria-label="Legend">
        {models.map((m) => (
          <li key={m}>
            <svg width="18" height="18" viewBox="-9 -9 18 18" aria-hidden="true">
              <path d={markerPath(m, 80)} className="ec-marker" />
            </svg>
            {labels.model[m]}
          </li>
        ))}
        <li>
          <svg width="26" height="18" viewBox="0 0 26 18" aria-hidden="true">
            <line x1="2" x2="24" y1="9" y2="9" className="ec-whisker" />
            <line x1="2" x2="2" y1="4" y2="14" className="ec-whisker" />
            <line x1="24" x2="24" y1="4" y2="14" className="ec-whisker" />
          </svg>
          95% interval
        </li>
      </ul>
      <details className="ec-table">
        <summary>Show as a table</summary>
        <table className="data-table data-table--compact">
          <caption className="visually-hidden">{title}</caption>
          <thead>
            <tr>
              <th scope="col">Outcome</th>
              <th scope="col">Model</th>
              <th scope="col" className="num">
                Estimate
              </th>
              <th scope="col" className="num">
                95% interval
              </th>
              <th scope="col">Behind it</th>
            </tr>
          </thead>
          <tbody>
            {groups.flatMap((g) =>
              g.rows.map((r) => (
                <tr key={`${g.id}/${r.model}`}>
                  <th scope="row">{g.label}</th>
                  <td>{labels.model[r.model]}</td>
                  <td className="num">
                    {r.estimate === null ? insufficientLabel : format(r.estimate)}
                  </td>
                  <td className="num nowrap">
                    {r.low === null || r.high === null
                      ? '—'
                      : `${format(r.low)} to ${format(r.high)}`}
                  </td>
                  <td>{r.support ?? ''}</td>
                </tr>
              )),
            )}
          </tbody>
        </table>
      </details>
    </figure>
  );
}
