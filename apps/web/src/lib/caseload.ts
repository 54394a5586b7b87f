import type { CaseloadRow, Discipline, GoalStatus } from '@carryover/domain';

export interface CaseloadFilters {
  search: string;
  status: GoalStatus | '';
  discipline: Discipline | '';
}

/** PreK before K before 1…12, whatever the spelling; unknown grades sort last. */
export function gradeRank(grade: string): number {
  const g = grade.trim().toLowerCase();
  if (g === 'prek' || g === 'pre-k' || g === 'pk') return -1;
  if (g === 'k' || g === 'kindergarten') return 0;
  const n = Number.parseInt(g, 10);
  return Number.isNaN(n) ? 99 : n;
}

const statusUrgency: Record<GoalStatus, number> = {
  at_risk: 0,
  no_data: 1,
  on_track: 2,
  mastered: 3,
};

/** The most urgent goal status of a student, as a number to sort by (lower = needs attention). */
export function urgency(row: CaseloadRow): number | null {
  if (row.goals.length === 0) return null;
  return Math.min(...row.goals.map((g) => statusUrgency[g.progress.status]));
}

export function lastDataDate(row: CaseloadRow): string | null {
  let last: string | null = null;
  for (const g of row.goals) {
    const d = g.progress.lastPoint?.date;
    if (d && (last === null || d > last)) last = d;
  }
  return last;
}

export function isAtRisk(row: CaseloadRow): boolean {
  return row.goals.some((g) => g.progress.status === 'at_risk');
}

export function filterCaseload(rows: readonly CaseloadRow[], f: CaseloadFilters): CaseloadRow[] {
  const terms = f.search.trim().toLowerCase().split(/\s+/).filter(Boolean);
  return rows.filter((row) => {
    if (terms.length > 0) {
      const haystack = `${row.name} ${row.schoolName} ${row.homeroom ?? ''}`.toLowerCase();
      if (!terms.every((t) => haystack.includes(t))) return false;
    }
    const goals = f.discipline ? row.goals.filter((g) => g.discipline === f.discipline) : row.goals;
    if (f.discipline && goals.length === 0) return false;
    if (f.status && !goals.some((g) => g.progress.status === f.status)) return false;
    return true;
  });
}

export function caseloadSummary(shown: readonly CaseloadRow[], total: number): string {
  const atRisk = shown.filter(isAtRisk).length;
  const students = `${shown.length} student${shown.length === 1 ? '' : 's'}`;
  const prefix = shown.length === total ? students : `${students} of ${total}`;
  return `${prefix} · ${atRisk} at risk`;
}
