import {
  ADDITIVE_FIGURES,
  type Discipline,
  type FidelityFigures,
  type FidelityRow,
  type FidelityView,
} from '@carryover/domain';
import {
  Button,
  type Column,
  DataTable,
  EmptyState,
  ErrorState,
  formatDate,
  LoadingState,
  PageHeader,
  SegmentedControl,
} from '@carryover/ui';
import { useQuery } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { Link } from 'react-router';
import { useViewer } from '../auth';
import { DisciplineFilter, PeriodFilter } from '../components/Filters';
import { userMessage } from '../lib/errors';
import { useDocumentTitle } from '../lib/useDocumentTitle';
import { useTRPC, useTRPCClient } from '../trpc';

// Service fidelity: mandated vs delivered minutes per student and service, per week and for
// the period; coordinators group it by school or by therapist. Both views export as CSV.

type GroupBy = 'student' | 'school' | 'therapist';

interface TableRow {
  key: string;
  label: string;
  sub: string;
  studentId: string | null;
  figures: FidelityFigures;
  weeks: FidelityRow['weeks'];
  count: number;
}

const policyText = {
  never: 'Student absences are not owed as makeup',
  unexcused_only: 'Unexcused student absences are owed as makeup',
  always: 'Every student absence is owed as makeup',
} as const;

function sumFigures(rows: FidelityRow[]): FidelityFigures {
  // makeupsOwed and behind run through the weeks, but add up across rows.
  const keys = [...ADDITIVE_FIGURES, 'makeupsOwed', 'behind'] as const;
  const total = structuredClone(rows[0]!.figures);
  for (const k of keys) total[k] = rows.reduce((s, r) => s + r.figures[k], 0);
  for (const reason of Object.keys(total.missed) as (keyof FidelityFigures['missed'])[])
    total.missed[reason] = rows.reduce((s, r) => s + r.figures.missed[reason], 0);
  return total;
}

function tableRows(view: FidelityView, groupBy: GroupBy): TableRow[] {
  if (groupBy === 'student') {
    return view.rows.map((r) => ({
      key: `${r.studentId}/${r.discipline}`,
      label: r.studentName,
      sub: `${r.discipline} · ${r.providerName}`,
      studentId: r.studentId,
      figures: r.figures,
      weeks: r.weeks,
      count: 1,
    }));
  }
  const groups = new Map<string, FidelityRow[]>();
  for (const r of view.rows) {
    const k = groupBy === 'school' ? r.schoolName : `${r.providerName} (${r.discipline})`;
    groups.set(k, [...(groups.get(k) ?? []), r]);
  }
  return [...groups.entries()].map(([k, rows]) => ({
    key: k,
    label: k,
    sub: `${rows.length} ${rows.length === 1 ? 'service' : 'services'}`,
    studentId: null,
    figures: sumFigures(rows),
    weeks: [],
    count: rows.length,
  }));
}

const columns: Column<TableRow>[] = [
  {
    id: 'label',
    header: 'Student / service',
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

function download(filename: string, text: string) {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/csv;charset=utf-8' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export function FidelityPage() {
  useDocumentTitle('Fidelity');
  const trpc = useTRPC();
  const client = useTRPCClient();
  const me = useViewer();
  const [periodId, setPeriodId] = useState('');
  const [discipline, setDiscipline] = useState<Discipline | '' | null>(null);
  // Therapists start at their own discipline; everyone can widen it.
  const shownDiscipline = discipline ?? me.data?.discipline ?? '';
  const input =
    periodId || shownDiscipline
      ? { periodId: periodId || undefined, discipline: shownDiscipline || undefined }
      : undefined;
  const report = useQuery(trpc.fidelity.report.queryOptions(input));
  const wide = me.data?.role === 'coordinator' || me.data?.role === 'admin';
  const [groupBy, setGroupBy] = useState<GroupBy>('student');
  const [exporting, setExporting] = useState<string | null>(null);
  const [exportError, setExportError] = useState<string | null>(null);
  const rows = useMemo(
    () => (report.data && report.data.rows.length > 0 ? tableRows(report.data, groupBy) : []),
    [report.data, groupBy],
  );

  const exportCsv = async (what: 'fidelity' | 'billing') => {
    if (!report.data) return;
    setExporting(what);
    setExportError(null);
    try {
      const file =
        what === 'fidelity'
          ? await client.fidelity.csv.query(input)
          : await client.sessions.billingCsv.query({ from: report.data.from, to: report.data.to });
      download(file.filename, file.csv);
    } catch (error) {
      setExportError(userMessage(error));
    } finally {
      setExporting(null);
    }
  };

  const v = report.data;
  return (
    <>
      <PageHeader
        title="Fidelity"
        description={
          v ? (
            <p>
              {v.periodName}: {formatDate(v.from)} – {formatDate(v.to)} · {policyText[v.policy]};
              provider absences always are.
            </p>
          ) : null
        }
        actions={
          v && v.rows.length > 0 ? (
            <>
              <Button
                variant="secondary"
                busy={exporting === 'fidelity'}
                onClick={() => void exportCsv('fidelity')}
              >
                Fidelity CSV
              </Button>
              <Button
                variant="secondary"
                busy={exporting === 'billing'}
                onClick={() => void exportCsv('billing')}
              >
                Session log CSV (billing)
              </Button>
            </>
          ) : null
        }
      />
      <search className="filters" aria-label="Choose the period">
        <PeriodFilter periods={v?.periods} value={periodId} onChange={setPeriodId} />
        <DisciplineFilter value={shownDiscipline} onChange={setDiscipline} />
        {wide && (
          <SegmentedControl
            legend="Group by"
            options={[
              { value: 'student', label: 'Student' },
              { value: 'school', label: 'School' },
              { value: 'therapist', label: 'Therapist' },
            ]}
            value={groupBy}
            onChange={setGroupBy}
            columns={3}
          />
        )}
      </search>
      {exportError && (
        <p className="form-alert" role="alert">
          {exportError}
        </p>
      )}
      {report.isPending ? (
        <LoadingState label="Loading service minutes" rows={8} />
      ) : report.isError ? (
        <ErrorState
          title="Service minutes could not be loaded"
          message={userMessage(report.error)}
          onRetry={() => void report.refetch()}
          retrying={report.isFetching}
        />
      ) : rows.length === 0 ? (
        <EmptyState title="No services in this period">
          <p>Minutes appear here for the IEP services of students you can see.</p>
        </EmptyState>
      ) : (
        <DataTable
          caption={`Service minutes by ${groupBy}`}
          columns={columns}
          rows={rows}
          rowKey={(r) => r.key}
          initialSort={{ columnId: 'behind', direction: 'descending' }}
        />
      )}
    </>
  );
}
