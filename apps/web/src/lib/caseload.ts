import type {
  CaseloadListInput,
  CaseloadRow,
  CaseloadSort,
  Discipline,
  GoalStatus,
} from '@carryover/domain';
import { CASELOAD_PAGE_DEFAULT } from '@carryover/domain';

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

const plural = (n: number, word: string) =>
  `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`;

/**
 * "12 students · 3 at risk" when everything is loaded; "50 of 25,000 students shown · 4 at risk
 * among them" while more pages remain. `total` is null when the server could not count cheaply
 * (a goal-status filter).
 */
export function caseloadSummary(
  loaded: readonly CaseloadRow[],
  total: number | null,
  hasMore: boolean,
): string {
  const atRisk = loaded.filter(isAtRisk).length;
  if (!hasMore) return `${plural(loaded.length, 'student')} · ${atRisk} at risk`;
  const shown =
    total === null
      ? `${plural(loaded.length, 'student')} shown so far`
      : `${loaded.length.toLocaleString('en-US')} of ${plural(total, 'student')} shown`;
  return `${shown} · ${atRisk} at risk among them`;
}

/** What the Caseload page's filters and sort hold. */
export interface CaseloadView {
  search: string;
  status: GoalStatus | '';
  discipline: Discipline | '';
  grade: string;
  sort: CaseloadSort;
  order: 'asc' | 'desc';
}

/** The page as it opens: no filter, by last name. */
export const openingCaseloadView: CaseloadView = {
  search: '',
  status: '',
  discipline: '',
  grade: '',
  sort: 'name',
  order: 'asc',
};

/**
 * `caseload.list`'s input for a view of the page. One function for the page and for the data
 * fetched while the session is checked (openingPageData.ts), so both ask with the same query key.
 */
export function caseloadListInput(view: CaseloadView): CaseloadListInput {
  return {
    search: view.search || undefined,
    status: view.status || undefined,
    discipline: view.discipline || undefined,
    grade: view.grade || undefined,
    sort: view.sort,
    order: view.order,
    limit: CASELOAD_PAGE_DEFAULT,
  };
}

/** The cursor of the page after `page`. */
export const nextCaseloadCursor = (page: { nextCursor: string | null }) => page.nextCursor;
