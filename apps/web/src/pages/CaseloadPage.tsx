import type { CaseloadRow, GoalStatus } from '@carryover/domain';
import { goalStatuses, labels } from '@carryover/domain';
import {
  Button,
  type Column,
  DataTable,
  EmptyState,
  ErrorState,
  formatDate,
  LoadingState,
  MinutesBar,
  minutesRatio,
  PageHeader,
  StatusBadge,
} from '@carryover/ui';
import { useQuery } from '@tanstack/react-query';
import { useDeferredValue, useMemo, useState } from 'react';
import { Link } from 'react-router';
import { DisciplineFilter } from '../components/Filters';
import { OpenActionItems } from '../components/OpenActionItems';
import {
  type CaseloadFilters,
  caseloadSummary,
  filterCaseload,
  gradeRank,
  lastDataDate,
  urgency,
} from '../lib/caseload';
import { userMessage } from '../lib/errors';
import { useDocumentTitle } from '../lib/useDocumentTitle';
import { useTRPC } from '../trpc';

const iepEventLabel = { annual_review: 'Annual review', re_evaluation: 'Re-evaluation' } as const;

const columns: Column<CaseloadRow>[] = [
  {
    id: 'name',
    header: 'Student',
    cell: (r) => <Link to={`/students/${encodeURIComponent(r.studentId)}`}>{r.name}</Link>,
    sortValue: (r) => r.name,
  },
  { id: 'grade', header: 'Grade', cell: (r) => r.grade, sortValue: (r) => gradeRank(r.grade) },
  { id: 'school', header: 'School', cell: (r) => r.schoolName, sortValue: (r) => r.schoolName },
  {
    id: 'goals',
    header: 'Goals',
    cell: (r) =>
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
    sortValue: urgency,
  },
  {
    id: 'lastData',
    header: 'Last data',
    cell: (r) => formatDate(lastDataDate(r)),
    sortValue: lastDataDate,
  },
  {
    id: 'minutes',
    header: 'Minutes this week',
    cell: (r) => (
      <span className="stacked">
        <MinutesBar delivered={r.minutesDeliveredThisWeek} mandated={r.minutesMandatedThisWeek} />
        {r.minutesBehind > 0 && (
          <Link className="small behind" to="/fidelity">
            {r.minutesBehind} min behind this period
          </Link>
        )}
      </span>
    ),
    sortValue: (r) => minutesRatio(r.minutesDeliveredThisWeek, r.minutesMandatedThisWeek),
  },
  {
    id: 'nextIep',
    header: 'Next IEP date',
    cell: (r) =>
      r.nextIepDate ? (
        <span className="stacked">
          <span>{formatDate(r.nextIepDate)}</span>
          {r.nextIepEvent && <span className="muted small">{iepEventLabel[r.nextIepEvent]}</span>}
        </span>
      ) : (
        '—'
      ),
    sortValue: (r) => r.nextIepDate,
  },
];

const emptyFilters: CaseloadFilters = { search: '', status: '', discipline: '' };

export function CaseloadPage() {
  useDocumentTitle('Caseload');
  const trpc = useTRPC();
  const caseload = useQuery({
    ...trpc.caseload.list.queryOptions({ limit: 200 }),
    select: (page) => page.items,
  });
  const [filters, setFilters] = useState<CaseloadFilters>(emptyFilters);
  const deferredFilters = useDeferredValue(filters);
  const rows = caseload.data;
  const shown = useMemo(
    () => (rows ? filterCaseload(rows, deferredFilters) : []),
    [rows, deferredFilters],
  );
  const filtered = filters.search !== '' || filters.status !== '' || filters.discipline !== '';

  return (
    <>
      <PageHeader
        title="Caseload"
        description={
          rows ? (
            <p role="status" className="caseload-count">
              {caseloadSummary(shown, rows.length)}
            </p>
          ) : null
        }
      />
      <OpenActionItems />
      <search className="filters" aria-label="Filter students">
        <label className="filters__search">
          Search
          <input
            type="search"
            placeholder="Student, school or homeroom"
            value={filters.search}
            onChange={(e) => setFilters((f) => ({ ...f, search: e.target.value }))}
          />
        </label>
        <label>
          Goal status
          <select
            value={filters.status}
            onChange={(e) =>
              setFilters((f) => ({ ...f, status: e.target.value as GoalStatus | '' }))
            }
          >
            <option value="">All statuses</option>
            {goalStatuses.map((s) => (
              <option key={s} value={s}>
                {labels.goalStatus[s]}
              </option>
            ))}
          </select>
        </label>
        <DisciplineFilter
          value={filters.discipline}
          onChange={(discipline) => setFilters((f) => ({ ...f, discipline }))}
        />
        {filtered && (
          <Button variant="ghost" onClick={() => setFilters(emptyFilters)}>
            Clear filters
          </Button>
        )}
      </search>

      {caseload.isPending ? (
        <LoadingState label="Loading caseload" rows={8} />
      ) : caseload.isError ? (
        <ErrorState
          title="The caseload could not be loaded"
          message={userMessage(caseload.error)}
          onRetry={() => void caseload.refetch()}
          retrying={caseload.isFetching}
        />
      ) : caseload.data.length === 0 ? (
        <EmptyState title="No students yet">
          <p>Students appear here once you are assigned to serve them.</p>
        </EmptyState>
      ) : shown.length === 0 ? (
        <EmptyState
          title="No students match these filters"
          action={
            <Button variant="secondary" onClick={() => setFilters(emptyFilters)}>
              Clear filters
            </Button>
          }
        />
      ) : (
        <DataTable
          caption="Students on your caseload"
          columns={columns}
          rows={shown}
          rowKey={(r) => r.studentId}
          initialSort={{ columnId: 'name', direction: 'ascending' }}
        />
      )}
    </>
  );
}
