export type SortDirection = 'ascending' | 'descending';
export type SortValue = string | number | null | undefined;

const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });

/** Compares two sort values; missing values always go last, whichever the direction. */
export function compareSortValues(a: SortValue, b: SortValue, direction: SortDirection): number {
  const aMissing = a == null || (typeof a === 'number' && Number.isNaN(a));
  const bMissing = b == null || (typeof b === 'number' && Number.isNaN(b));
  if (aMissing || bMissing) return aMissing === bMissing ? 0 : aMissing ? 1 : -1;
  const base =
    typeof a === 'number' && typeof b === 'number' ? a - b : collator.compare(String(a), String(b));
  return direction === 'ascending' ? base : -base;
}

/** A stable sort by one accessor; returns a new array. */
export function sortRows<T>(
  rows: readonly T[],
  accessor: (row: T) => SortValue,
  direction: SortDirection,
): T[] {
  return rows
    .map((row, index) => ({ row, index, value: accessor(row) }))
    .sort((x, y) => compareSortValues(x.value, y.value, direction) || x.index - y.index)
    .map((x) => x.row);
}

/** Clicking the sorted column flips it; another column starts ascending. */
export function nextSort(
  current: { columnId: string; direction: SortDirection } | null,
  columnId: string,
): { columnId: string; direction: SortDirection } {
  if (current?.columnId === columnId) {
    return { columnId, direction: current.direction === 'ascending' ? 'descending' : 'ascending' };
  }
  return { columnId, direction: 'ascending' };
}
