import type { Table, Updater, VisibilityState } from '@tanstack/react-table';
import { useCallback, useState } from 'react';

// Which columns a table shows is the user's choice, kept on this device (localStorage) per
// table, so Caseload and Workload open as they were left. A column choice holds no student data,
// so it stays at sign-out.

const STORAGE_PREFIX = 'carryover.columns.';

function readVisibility(table: string): VisibilityState {
  try {
    const parsed: unknown = JSON.parse(localStorage.getItem(STORAGE_PREFIX + table) ?? '{}');
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return {};
    return Object.fromEntries(
      Object.entries(parsed).filter((entry): entry is [string, boolean] => {
        return typeof entry[1] === 'boolean';
      }),
    );
  } catch {
    return {};
  }
}

/** TanStack Table's column visibility, remembered on this device under `table`'s name. */
export function useRememberedColumns(
  table: string,
): [VisibilityState, (updater: Updater<VisibilityState>) => void] {
  const [visibility, setVisibility] = useState(() => readVisibility(table));
  const update = useCallback(
    (updater: Updater<VisibilityState>) =>
      setVisibility((current) => {
        const next = typeof updater === 'function' ? updater(current) : updater;
        try {
          localStorage.setItem(STORAGE_PREFIX + table, JSON.stringify(next));
        } catch {
          // Storage full or refused (private mode): the choice lasts until the page closes.
        }
        return next;
      }),
    [table],
  );
  return [visibility, update];
}

/** A "Columns" disclosure with a checkbox per column the user may hide. */
export function ColumnChooser<T>({ table }: { table: Table<T> }) {
  const hideable = table.getAllLeafColumns().filter((c) => c.getCanHide());
  const hidden = hideable.filter((c) => !c.getIsVisible()).length;
  return (
    <details className="column-chooser">
      <summary>Columns{hidden > 0 ? ` (${hidden} hidden)` : ''}</summary>
      <fieldset>
        <legend>Show these columns</legend>
        {hideable.map((column) => (
          <label key={column.id} className="column-chooser__option">
            <input
              type="checkbox"
              checked={column.getIsVisible()}
              onChange={column.getToggleVisibilityHandler()}
            />
            {typeof column.columnDef.header === 'string' ? column.columnDef.header : column.id}
          </label>
        ))}
        {hidden > 0 && (
          <button
            type="button"
            className="btn btn--ghost btn--small"
            onClick={() => table.resetColumnVisibility(true)}
          >
            Show all
          </button>
        )}
      </fieldset>
    </details>
  );
}
