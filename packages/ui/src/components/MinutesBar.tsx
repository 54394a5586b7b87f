export interface MinutesBarProps {
  delivered: number;
  mandated: number;
  /** What the numbers cover, for the accessible text: "this week". */
  period?: string;
}

export function minutesRatio(delivered: number, mandated: number): number | null {
  if (mandated <= 0) return null;
  return delivered / mandated;
}

export function MinutesBar({ delivered, mandated, period = 'this week' }: MinutesBarProps) {
  const ratio = minutesRatio(delivered, mandated);
  if (ratio === null) {
    return <span className="minutes-bar minutes-bar--none">No minutes due {period}</span>;
  }
  const pct = Math.min(1, ratio) * 100;
  const state = ratio >= 1 ? 'met' : ratio >= 0.5 ? 'partial' : 'low';
  return (
    <span className={`minutes-bar minutes-bar--${state}`}>
      <span className="minutes-bar__text">
        {delivered} / {mandated} min
        <span className="visually-hidden"> delivered {period}</span>
      </span>
      <span className="minutes-bar__track" aria-hidden="true">
        <span className="minutes-bar__fill" style={{ width: `${pct}%` }} />
      </span>
    </span>
  );
}
