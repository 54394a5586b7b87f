import { type Discipline, disciplines } from '@carryover/domain';
import { formatDate } from '@carryover/ui';

// The filter selects several report pages share, each a labelled <select> for a <search> bar.

/** "Discipline": all disciplines ('') or one. */
export function DisciplineFilter({
  value,
  onChange,
}: {
  value: string;
  onChange: (discipline: Discipline | '') => void;
}) {
  return (
    <label>
      Discipline
      <select value={value} onChange={(e) => onChange(e.target.value as Discipline | '')}>
        <option value="">All disciplines</option>
        {disciplines.map((d) => (
          <option key={d} value={d}>
            {d}
          </option>
        ))}
      </select>
    </label>
  );
}

/** "Period": the current reporting period ('') or one of `periods`. */
export function PeriodFilter({
  periods,
  value,
  onChange,
}: {
  periods: readonly { id: string; name: string; from: string; to: string }[] | undefined;
  value: string;
  onChange: (periodId: string) => void;
}) {
  return (
    <label>
      Period
      <select value={value} onChange={(e) => onChange(e.target.value)}>
        <option value="">Current period</option>
        {periods?.map((p) => (
          <option key={p.id} value={p.id}>
            {p.name} ({formatDate(p.from)} – {formatDate(p.to)})
          </option>
        ))}
      </select>
    </label>
  );
}
