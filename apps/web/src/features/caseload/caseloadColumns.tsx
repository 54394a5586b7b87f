import type { CaseloadRow, CaseloadSort } from '@carryover/domain';
import { labels } from '@carryover/domain';
import { formatDate, MinutesBar, StatusBadge } from '@carryover/ui';
import type { ColumnDef } from '@tanstack/react-table';
import { Link } from 'react-router';
import { lastDataDate } from '../../lib/caseload';

// The caseload table's columns, and which of them the server sorts.

export const iepEventLabel = {
  annual_review: 'Annual review',
  re_evaluation: 'Re-evaluation',
} as const;

/** Columns whose order the server keeps; the others are computed per student and not sortable. */
export const serverSorts: Record<string, CaseloadSort> = {
  name: 'name',
  grade: 'grade',
  school: 'school',
  nextIep: 'nextIep',
};

export const columns: ColumnDef<CaseloadRow>[] = [
  {
    id: 'name',
    header: 'Student',
    size: 150,
    // An accessor makes the column sortable; the rows arrive already sorted by the server.
    accessorFn: (r) => r.name,
    // The row's name: always shown.
    enableHiding: false,
    cell: ({ row: { original: r } }) => (
      <Link to={`/students/${encodeURIComponent(r.studentId)}`}>{r.name}</Link>
    ),
  },
  {
    id: 'grade',
    header: 'Grade',
    size: 90,
    accessorFn: (r) => r.grade,
    cell: ({ row }) => row.original.grade,
  },
  {
    id: 'school',
    header: 'School',
    size: 140,
    accessorFn: (r) => r.schoolName,
    cell: ({ row }) => row.original.schoolName,
  },
  {
    id: 'goals',
    header: 'Goals',
    size: 330,
    enableSorting: false,
    cell: ({ row: { original: r } }) =>
      r.goals.length === 0 ? (
        <span className="muted">No goals</span>
      ) : (
        <ul className="goal-list">
          {r.goals.map((g) => (
            <li key={g.id}>
              <StatusBadge status={g.progress.status} />
              <span>
                {labels.domain[g.domain]} <span className="muted">({g.discipline})</span>
                {g.alerts.map((a) => (
                  <span key={a.rule} className="goal-list__alert" title={a.explanation}>
                    {' '}
                    · {a.title}
                  </span>
                ))}
              </span>
            </li>
          ))}
        </ul>
      ),
  },
  {
    id: 'lastData',
    header: 'Last data',
    size: 110,
    enableSorting: false,
    cell: ({ row }) => formatDate(lastDataDate(row.original)),
  },
  {
    id: 'minutes',
    header: 'Minutes this week',
    size: 170,
    enableSorting: false,
    cell: ({ row: { original: r } }) => (
      <span className="stacked">
        <MinutesBar delivered={r.minutesDeliveredThisWeek} mandated={r.minutesMandatedThisWeek} />
        {r.minutesBehind > 0 && (
          <Link className="small behind" to="/fidelity">
            {r.minutesBehind} min behind this period
          </Link>
        )}
      </span>
    ),
  },
  {
    id: 'nextIep',
    header: 'Next IEP date',
    size: 150,
    accessorFn: (r) => r.nextIepDate,
    cell: ({ row: { original: r } }) =>
      r.nextIepDate ? (
        <span className="stacked">
          <span>{formatDate(r.nextIepDate)}</span>
          {r.nextIepEvent && <span className="muted small">{iepEventLabel[r.nextIepEvent]}</span>}
        </span>
      ) : (
        '—'
      ),
  },
];
