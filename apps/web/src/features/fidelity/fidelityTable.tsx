import type {
  FidelityFigures,
  FidelityGroup,
  FidelityPageRow,
  FidelityWeekLine,
} from '@carryover/domain';
import { type Column, formatDate } from '@carryover/ui';
import { Link } from 'react-router';

// The fidelity table's rows (per student, or totals by school or therapist), columns and week details.

export type GroupBy = 'student' | 'school' | 'therapist';

interface TableRow {
  key: string;
  label: string;
  sub: string;
  studentId: string | null;
  figures: FidelityFigures;
  weeks: FidelityWeekLine[];
  count: number;
}

export const policyText = {
  never: 'Student absences are not owed as makeup',
  unexcused_only: 'Unexcused student absences are owed as makeup',
  always: 'Every student absence is owed as makeup',
} as const;

export function studentRows(rows: FidelityPageRow[]): TableRow[] {
  return rows.map((r) => ({
    key: `${r.studentId}/${r.discipline}`,
    label: r.studentName,
    sub: `${r.discipline} · ${r.providerName}`,
    studentId: r.studentId,
    figures: r.figures,
    weeks: r.weeks,
    count: 1,
  }));
}

export function groupRows(groups: FidelityGroup[]): TableRow[] {
  return groups.map((g) => ({
    key: g.key,
    label: g.label,
    sub: `${g.services} ${g.services === 1 ? 'service' : 'services'}`,
    studentId: null,
    figures: g.figures,
    weeks: [],
    count: g.services,
  }));
}

/** What the first column lists, by the "Group by" choice. */
export const LABEL_HEADER: Record<GroupBy, string> = {
  student: 'Student / service',
  school: 'School',
  therapist: 'Therapist',
};

export const columns: Column<TableRow>[] = [
  {
    id: 'label',
    header: LABEL_HEADER.student,
    cell: (r) => (
      <span className="stacked">
        {r.studentId ? (
          <Link to={`/students/${encodeURIComponent(r.studentId)}`}>{r.label}</Link>
        ) : (
          <span>{r.label}</span>
        )}
        <span className="muted small">{r.sub}</span>
        {r.weeks.length > 0 && <WeekDetails row={r} />}
      </span>
    ),
    sortValue: (r) => r.label,
  },
  {
    id: 'behind',
    header: 'Behind',
    cell: (r) =>
      r.figures.behind > 0 ? (
        <strong className="behind">{r.figures.behind} min</strong>
      ) : (
        <span className="on-pace">On pace</span>
      ),
    sortValue: (r) => r.figures.behind,
    align: 'end',
  },
  {
    id: 'mandated',
    header: 'Mandated',
    cell: (r) => (
      <span className="stacked">
        <span>{r.figures.mandated}</span>
        <span className="muted small nowrap">{r.figures.mandatedToDate} to date</span>
      </span>
    ),
    sortValue: (r) => r.figures.mandated,
    align: 'end',
  },
  {
    id: 'delivered',
    header: 'Delivered',
    cell: (r) => (
      <span className="stacked">
        <span>{r.figures.delivered + r.figures.makeupDelivered}</span>
        {r.figures.makeupDelivered > 0 && (
          <span className="muted small nowrap">incl. {r.figures.makeupDelivered} makeup</span>
        )}
      </span>
    ),
    sortValue: (r) => r.figures.delivered + r.figures.makeupDelivered,
    align: 'end',
  },
  {
    id: 'missed',
    header: 'Missed',
    cell: (r) => (
      <span className="stacked">
        <span>{r.figures.missedTotal}</span>
        {r.figures.missedTotal > 0 && (
          <span className="muted small nowrap">
            {r.figures.owed} owed · {r.figures.accounted} excused
          </span>
        )}
      </span>
    ),
    sortValue: (r) => r.figures.missedTotal,
    align: 'end',
  },
  {
    id: 'owed',
    header: 'Makeups owed',
    cell: (r) => r.figures.makeupsOwed,
    sortValue: (r) => r.figures.makeupsOwed,
    align: 'end',
  },
  {
    id: 'scheduled',
    header: 'Scheduled',
    cell: (r) => r.figures.scheduled,
    sortValue: (r) => r.figures.scheduled,
    align: 'end',
  },
  {
    id: 'remaining',
    header: 'Remaining',
    cell: (r) => r.figures.remaining,
    sortValue: (r) => r.figures.remaining,
    align: 'end',
  },
];

function WeekDetails({ row }: { row: TableRow }) {
  return (
    <details className="week-details">
      <summary>By week</summary>
      <table className="data-table data-table--compact">
        <caption className="visually-hidden">{row.label}, minutes by week</caption>
        <thead>
          <tr>
            <th scope="col">Week of</th>
            <th scope="col" className="num">
              Mandated
            </th>
            <th scope="col" className="num">
              Delivered
            </th>
            <th scope="col" className="num">
              Missed
            </th>
            <th scope="col" className="num">
              Behind
            </th>
          </tr>
        </thead>
        <tbody>
          {row.weeks.map((w) => (
            <tr key={w.weekStart}>
              <th scope="row">{formatDate(w.from)}</th>
              <td className="num">{w.mandated}</td>
              <td className="num">{w.delivered + w.makeupDelivered}</td>
              <td className="num">{w.missedTotal}</td>
              <td className="num">{w.behind}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </details>
  );
}
