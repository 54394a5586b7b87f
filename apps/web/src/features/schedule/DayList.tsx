import type { Weekday } from '@carryover/domain';
import { Button, EmptyState, SegmentedControl } from '@carryover/ui';
import { clock, dayName, durationWords, shortDay } from './time';
import { type GridDay, type GridItem, itemLabel } from './WeekGrid';

// The week on a phone: a day picker and that day's sessions as cards, each opening the same
// edit form as the grid.

export function DayList({
  days,
  items,
  day,
  onDay,
  selectedId,
  onSelect,
}: {
  days: GridDay[];
  items: GridItem[];
  day: Weekday;
  onDay: (day: Weekday) => void;
  selectedId: string | null;
  onSelect: (id: string) => void;
}) {
  const shown = days.find((d) => d.day === day) ?? days[0];
  const list = items.filter((i) => i.day === shown?.day).sort((a, b) => a.start - b.start);
  return (
    <div className="stack">
      <div className="day-picker">
        <SegmentedControl
          legend="Day"
          hideLegend
          options={days.map((d) => ({ value: String(d.day), label: dayName(d.day) }))}
          value={String(shown?.day ?? 0)}
          onChange={(v) => onDay(Number(v) as Weekday)}
        />
      </div>
      {shown && (
        <h2 className="day-list__heading">
          {dayName(shown.day)} {shortDay(shown.date)}
        </h2>
      )}
      {shown?.closed && (
        <p className="form-alert" role="status">
          Closed: {shown.closed}
        </p>
      )}
      {list.length === 0 ? (
        <EmptyState title="No sessions planned this day" />
      ) : (
        <ul className="day-list" aria-label={`Sessions on ${shown ? dayName(shown.day) : ''}`}>
          {list.map((item) => (
            <li
              key={item.id}
              className={[
                'section-card',
                'planned-card',
                item.cancelled ? 'planned-card--cancelled' : '',
                item.conflicts > 0 ? 'planned-card--conflict' : '',
              ]
                .filter(Boolean)
                .join(' ')}
            >
              <h3>
                {clock(item.start)}–{clock(item.end)}{' '}
                <span className="muted">· {durationWords(item.end - item.start)}</span>
              </h3>
              <p>{item.students.join(', ')}</p>
              <p className="muted">
                {item.model === 'push_in' ? 'Push-in' : 'Pull-out'} · {item.place}
              </p>
              {item.cancelled && (
                <p>
                  <strong>Cancelled:</strong> {item.cancelled}
                </p>
              )}
              {item.conflicts > 0 && (
                <p className="week-grid__warn">
                  ⚠ {item.conflicts} conflict{item.conflicts === 1 ? '' : 's'}
                </p>
              )}
              <div className="planned-card__actions">
                <Button
                  variant="secondary"
                  size="small"
                  aria-label={`Edit ${itemLabel(item)}`}
                  aria-pressed={selectedId === item.id}
                  onClick={() => onSelect(item.id)}
                >
                  Edit
                </Button>
              </div>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
