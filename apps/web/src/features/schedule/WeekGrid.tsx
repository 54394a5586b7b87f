import type { Weekday } from '@carryover/domain';
import { type PointerEvent, useRef, useState } from 'react';
import { clock, dayName, durationWords, shortDay, snap } from './time';

// The week as a grid: days across, time down. A session moves by dragging it and resizes by
// dragging its lower edge (pointer events, so mouse, pen and touch alike); pressing it (or
// Enter on it) opens the edit form, which is the keyboard's way to do the same.

/** Pixels per minute: a 30-minute session is 66 px tall, room for its three lines. */
const PX_PER_MIN = 2.2;
/** Shortest session a resize leaves. */
const MIN_MINUTES = 10;

export interface GridItem {
  id: string;
  day: Weekday;
  start: number;
  end: number;
  model: 'push_in' | 'pull_out';
  /** Students as shown on the grid ("Ana R."). */
  students: string[];
  /** Push-in: routine and classroom; pull-out: the room. */
  place: string;
  /** Why this week's occurrence is cancelled, or null. */
  cancelled: string | null;
  /** Conflicts the server reported for it (0 when none). */
  conflicts: number;
  /** Waiting for the server, or for a reason to save a conflict anyway. */
  pending: boolean;
}

export interface GridDay {
  day: Weekday;
  date: string;
  /** The school calendar's closure that day ("Thanksgiving"), or null. */
  closed: string | null;
}

export interface Placement {
  day: Weekday;
  start: number;
  end: number;
}

interface Drag {
  id: string;
  mode: 'move' | 'resize';
  x: number;
  y: number;
  origin: Placement;
  moved: boolean;
}

export function itemLabel(item: GridItem): string {
  const parts = [
    `${dayName(item.day)} ${clock(item.start)}–${clock(item.end)}`,
    durationWords(item.end - item.start),
    item.model === 'push_in' ? 'push-in' : 'pull-out',
    item.place,
    item.students.join(', '),
  ];
  if (item.cancelled) parts.push(`cancelled: ${item.cancelled}`);
  if (item.conflicts > 0)
    parts.push(`${item.conflicts} conflict${item.conflicts === 1 ? '' : 's'}`);
  return parts.join(' · ');
}

/** Side-by-side lanes for sessions that overlap on one day (a conflict must stay visible). */
function lanes(items: GridItem[]): Map<string, { lane: number; of: number }> {
  const out = new Map<string, { lane: number; of: number }>();
  const sorted = [...items].sort((a, b) => a.start - b.start || a.end - b.end);
  let cluster: { item: GridItem; lane: number }[] = [];
  let clusterEnd = -1;
  const close = () => {
    const of = Math.max(1, ...cluster.map((c) => c.lane + 1));
    for (const c of cluster) out.set(c.item.id, { lane: c.lane, of });
    cluster = [];
  };
  for (const item of sorted) {
    if (item.start >= clusterEnd) close();
    const used = new Set(cluster.filter((c) => c.item.end > item.start).map((c) => c.lane));
    let lane = 0;
    while (used.has(lane)) lane++;
    cluster.push({ item, lane });
    clusterEnd = Math.max(clusterEnd, item.end);
  }
  close();
  return out;
}

export function WeekGrid({
  days,
  items,
  today,
  selectedId,
  onSelect,
  onMove,
}: {
  days: GridDay[];
  /** Marks today's column. */
  today: string;
  items: GridItem[];
  selectedId: string | null;
  onSelect: (id: string) => void;
  onMove: (id: string, to: Placement) => void;
}) {
  const first = Math.min(7 * 60 + 30, ...items.map((i) => i.start));
  const last = Math.max(15 * 60 + 30, ...items.map((i) => i.end));
  const top = Math.floor(first / 60) * 60;
  const bottom = Math.ceil(last / 60) * 60;
  const height = (bottom - top) * PX_PER_MIN;
  const hours: number[] = [];
  for (let h = top; h < bottom; h += 60) hours.push(h);

  const columns = useRef(new Map<Weekday, HTMLDivElement>());
  const drag = useRef<Drag | null>(null);
  const dragged = useRef(false);
  const [preview, setPreview] = useState<(Placement & { id: string }) | null>(null);

  const dayAt = (clientX: number, fallback: Weekday): Weekday => {
    let best = fallback;
    let bestDistance = Number.POSITIVE_INFINITY;
    for (const [day, el] of columns.current) {
      const r = el.getBoundingClientRect();
      if (clientX >= r.left && clientX < r.right) return day;
      const distance = Math.min(Math.abs(clientX - r.left), Math.abs(clientX - r.right));
      if (distance < bestDistance) {
        bestDistance = distance;
        best = day;
      }
    }
    return best;
  };

  const placementFor = (d: Drag, e: PointerEvent): Placement => {
    const delta = snap((e.clientY - d.y) / PX_PER_MIN);
    const length = d.origin.end - d.origin.start;
    if (d.mode === 'resize') {
      const end = Math.min(bottom, Math.max(d.origin.start + MIN_MINUTES, d.origin.end + delta));
      return { ...d.origin, end };
    }
    const start = Math.min(bottom - length, Math.max(top, d.origin.start + delta));
    return { day: dayAt(e.clientX, d.origin.day), start, end: start + length };
  };

  const begin = (item: GridItem, mode: Drag['mode']) => (e: PointerEvent<HTMLElement>) => {
    if (e.button !== 0 || item.cancelled) return;
    e.stopPropagation();
    // A drag whose click never came (released elsewhere) must not swallow this press's click.
    dragged.current = false;
    // The button keeps the pointer while it is dragged, even outside its column.
    (e.currentTarget.closest('.week-grid__item') as HTMLElement | null)?.setPointerCapture(
      e.pointerId,
    );
    drag.current = {
      id: item.id,
      mode,
      x: e.clientX,
      y: e.clientY,
      origin: { day: item.day, start: item.start, end: item.end },
      moved: false,
    };
  };
  const move = (e: PointerEvent<HTMLElement>) => {
    const d = drag.current;
    if (!d) return;
    if (!d.moved && Math.hypot(e.clientX - d.x, e.clientY - d.y) < 4) return;
    d.moved = true;
    setPreview({ id: d.id, ...placementFor(d, e) });
  };
  const end = (e: PointerEvent<HTMLElement>) => {
    const d = drag.current;
    drag.current = null;
    if (!d?.moved) return;
    dragged.current = true;
    const to = placementFor(d, e);
    setPreview(null);
    if (to.day !== d.origin.day || to.start !== d.origin.start || to.end !== d.origin.end)
      onMove(d.id, to);
  };

  const shown = items.map((item) => (preview?.id === item.id ? { ...item, ...preview } : item));
  const lane = new Map<string, { lane: number; of: number }>();
  for (const d of days)
    for (const [id, l] of lanes(shown.filter((i) => i.day === d.day))) lane.set(id, l);
  const column = new Map(days.map((d, i) => [d.day, i]));
  const width = 100 / Math.max(1, days.length);

  return (
    <div className="week-grid" style={{ ['--week-grid-days' as string]: days.length }}>
      <div className="week-grid__head">
        <span />
        {days.map((d) => (
          <div
            key={d.day}
            className={`week-grid__day-head${d.date === today ? ' week-grid__day-head--today' : ''}`}
          >
            <strong>{dayName(d.day)}</strong> {shortDay(d.date)}
            {d.date === today && <span className="visually-hidden"> (today)</span>}
            {d.closed && <span className="week-grid__closed">Closed: {d.closed}</span>}
          </div>
        ))}
      </div>
      <div className="week-grid__body" style={{ height }}>
        <div className="week-grid__hours" aria-hidden="true">
          {hours.map((h) => (
            <span key={h} style={{ top: (h - top) * PX_PER_MIN }}>
              {clock(h)}
            </span>
          ))}
        </div>
        {/* One layer for every session, so a session dragged to another day stays the same
            element (and keeps the pointer) rather than moving between column elements. */}
        <div className="week-grid__days">
          {days.map((d) => (
            <div
              key={d.day}
              ref={(el) => {
                if (el) columns.current.set(d.day, el);
                else columns.current.delete(d.day);
              }}
              className={`week-grid__col${d.closed ? ' week-grid__col--closed' : ''}`}
              style={{ backgroundSize: `100% ${60 * PX_PER_MIN}px` }}
            />
          ))}
          {shown.map((item) => {
            const l = lane.get(item.id) ?? { lane: 0, of: 1 };
            const col = column.get(item.day) ?? 0;
            const classes = [
              'week-grid__item',
              `week-grid__item--${item.model === 'push_in' ? 'push-in' : 'pull-out'}`,
              item.cancelled ? 'week-grid__item--cancelled' : '',
              item.conflicts > 0 ? 'week-grid__item--conflict' : '',
              item.pending ? 'week-grid__item--pending' : '',
              preview?.id === item.id ? 'week-grid__item--dragging' : '',
              selectedId === item.id ? 'week-grid__item--selected' : '',
            ];
            return (
              <button
                key={item.id}
                type="button"
                className={classes.filter(Boolean).join(' ')}
                data-session-id={item.id}
                // Named by what it shows (the visible words first, for speech input), with the
                // day, model and conflicts a sighted user reads from the grid added unseen.
                title={itemLabel(item)}
                aria-pressed={selectedId === item.id}
                style={{
                  top: (item.start - top) * PX_PER_MIN,
                  height: Math.max(18, (item.end - item.start) * PX_PER_MIN),
                  left: `calc(${width * col + (width * l.lane) / l.of}% + 2px)`,
                  width: `calc(${width / l.of}% - 4px)`,
                }}
                onPointerDown={begin(item, 'move')}
                onPointerMove={move}
                onPointerUp={end}
                onPointerCancel={() => {
                  drag.current = null;
                  setPreview(null);
                }}
                onClick={() => {
                  if (dragged.current) {
                    dragged.current = false;
                    return;
                  }
                  onSelect(item.id);
                }}
              >
                <span className="week-grid__time">
                  {clock(item.start)} · {durationWords(item.end - item.start)}
                  {item.conflicts > 0 && (
                    <span className="week-grid__warn" aria-hidden="true">
                      {' '}
                      ⚠ {item.conflicts}
                    </span>
                  )}
                </span>
                <span className="week-grid__students">{item.students.join(', ')}</span>
                <span className="week-grid__place">
                  {item.cancelled ? `Not this week: ${item.cancelled}` : item.place}
                </span>
                <span className="visually-hidden">
                  {`, ${dayName(item.day)} until ${clock(item.end)}, ${
                    item.model === 'push_in' ? 'push-in' : 'pull-out'
                  }${
                    item.conflicts > 0
                      ? `, ${item.conflicts} conflict${item.conflicts === 1 ? '' : 's'}`
                      : ''
                  }`}
                </span>
                {!item.cancelled && (
                  <span
                    className="week-grid__resize"
                    aria-hidden="true"
                    onPointerDown={begin(item, 'resize')}
                  />
                )}
              </button>
            );
          })}
        </div>
      </div>
    </div>
  );
}
