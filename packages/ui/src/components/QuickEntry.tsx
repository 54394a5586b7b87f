import { useEffect, useId, useState } from 'react';

// Quick-entry controls for logging a session on a phone held in one hand: every control is a
// large tap target, and none needs typing. Radio groups stay native radios (arrow keys work),
// dressed as buttons.

export interface SegmentedOption<T extends string> {
  value: T;
  label: string;
}

export interface SegmentedControlProps<T extends string> {
  legend: string;
  options: readonly SegmentedOption<T>[];
  value: T | null;
  onChange: (value: T) => void;
  /** Hides the legend visually (it is still read out). */
  hideLegend?: boolean;
  error?: string | null;
  /** Lay the options out in a grid of this many columns on a phone. */
  columns?: 2 | 3 | 4;
}

export function SegmentedControl<T extends string>({
  legend,
  options,
  value,
  onChange,
  hideLegend = false,
  error,
  columns,
}: SegmentedControlProps<T>) {
  const name = useId();
  const errorId = `${name}-error`;
  return (
    <fieldset
      className={`segmented${columns ? ` segmented--cols-${columns}` : ''}${error ? ' segmented--invalid' : ''}`}
      aria-describedby={error ? errorId : undefined}
    >
      <legend className={hideLegend ? 'visually-hidden' : 'segmented__legend'}>{legend}</legend>
      <div className="segmented__options">
        {options.map((o) => (
          <label key={o.value} className="segmented__option">
            <input
              type="radio"
              name={name}
              value={o.value}
              checked={value === o.value}
              onChange={() => onChange(o.value)}
            />
            <span>{o.label}</span>
          </label>
        ))}
      </div>
      {error && (
        <p id={errorId} className="field__error">
          {error}
        </p>
      )}
    </fieldset>
  );
}

export interface TrialCounts {
  correct: number;
  prompted: number;
  incorrect: number;
}

export interface TrialCounterProps {
  /** Names the goal, e.g. "Articulation". */
  label: string;
  value: TrialCounts;
  onChange: (value: TrialCounts) => void;
}

const trialKinds = [
  { key: 'correct', label: 'Correct', mark: '✓' },
  { key: 'prompted', label: 'Prompted', mark: 'P' },
  { key: 'incorrect', label: 'Incorrect', mark: '✗' },
] as const;

/** Three big counters; the summary line is announced as it changes. */
export function TrialCounter({ label, value, onChange }: TrialCounterProps) {
  const total = value.correct + value.prompted + value.incorrect;
  const pct = total > 0 ? Math.round((100 * value.correct) / total) : null;
  return (
    <div className="trial-counter">
      <div className="trial-counter__grid">
        {trialKinds.map((k) => (
          <div key={k.key} className={`trial-counter__cell trial-counter__cell--${k.key}`}>
            <button
              type="button"
              className="trial-counter__add"
              onClick={() => onChange({ ...value, [k.key]: value[k.key] + 1 })}
              // The name holds the visible count and label, in their order (WCAG 2.5.3).
              aria-label={`${value[k.key]} ${k.label}: add a trial for ${label}`}
            >
              {/* Drawn by CSS from data-mark: a symbol, not words, so not part of the name. */}
              <span className="trial-counter__mark" data-mark={k.mark} aria-hidden="true" />
              <span className="trial-counter__count" aria-hidden="true">
                {value[k.key]}
              </span>{' '}
              <span className="trial-counter__label" aria-hidden="true">
                {k.label}
              </span>
            </button>
            <button
              type="button"
              className="trial-counter__undo"
              disabled={value[k.key] === 0}
              onClick={() => onChange({ ...value, [k.key]: Math.max(0, value[k.key] - 1) })}
              aria-label={`−1 ${k.label}: remove a trial for ${label}`}
            >
              −1
            </button>
          </div>
        ))}
      </div>
      <p className="trial-counter__summary" aria-live="polite">
        {total === 0
          ? 'No trials yet'
          : `${value.correct} of ${total} correct (${pct}%)${value.prompted ? ` · ${value.prompted} with prompt` : ''}`}
      </p>
    </div>
  );
}

export interface StepperProps {
  label: string;
  value: number;
  onChange: (value: number) => void;
  unit?: string;
  step?: number;
}

/** A count with big − and + buttons (frequency data). */
export function Stepper({ label, value, onChange, unit = '', step = 1 }: StepperProps) {
  return (
    <div className="stepper">
      <button
        type="button"
        className="stepper__button"
        onClick={() => onChange(Math.max(0, value - step))}
        disabled={value <= 0}
        aria-label={`${label}: minus ${step}`}
      >
        −
      </button>
      <output className="stepper__value" aria-live="polite" aria-label={label}>
        {value}
        {unit && <span className="stepper__unit"> {unit}</span>}
      </output>
      <button
        type="button"
        className="stepper__button"
        onClick={() => onChange(value + step)}
        aria-label={`${label}: plus ${step}`}
      >
        +
      </button>
    </div>
  );
}

export interface DurationValue {
  seconds: number;
  /** Epoch ms when the running timer was started; null when stopped. */
  runningSince: number | null;
}

export interface DurationTimerProps {
  label: string;
  value: DurationValue;
  onChange: (value: DurationValue) => void;
}

export function durationSeconds(v: DurationValue, now = Date.now()): number {
  return v.seconds + (v.runningSince === null ? 0 : Math.floor((now - v.runningSince) / 1000));
}

export function formatDuration(seconds: number): string {
  const m = Math.floor(seconds / 60);
  const s = seconds % 60;
  return `${m}:${String(s).padStart(2, '0')}`;
}

/** Start/stop timer that keeps running across re-renders (the start time is in the value). */
export function DurationTimer({ label, value, onChange }: DurationTimerProps) {
  const [, tick] = useState(0);
  useEffect(() => {
    if (value.runningSince === null) return;
    const id = setInterval(() => tick((n) => n + 1), 500);
    return () => clearInterval(id);
  }, [value.runningSince]);
  const seconds = durationSeconds(value);
  const running = value.runningSince !== null;
  return (
    <div className="duration-timer">
      <span className="duration-timer__time" role="timer" aria-label={`${label} duration`}>
        {formatDuration(seconds)}
      </span>
      <button
        type="button"
        className={`duration-timer__toggle${running ? ' duration-timer__toggle--running' : ''}`}
        aria-pressed={running}
        onClick={() =>
          onChange(
            running
              ? { seconds: durationSeconds(value), runningSince: null }
              : { seconds: value.seconds, runningSince: Date.now() },
          )
        }
      >
        {running ? 'Stop' : seconds > 0 ? 'Resume' : 'Start'}
      </button>
      <button
        type="button"
        className="stepper__button"
        disabled={running || seconds === 0}
        onClick={() => onChange({ seconds: 0, runningSince: null })}
        aria-label={`${label}: reset timer`}
      >
        ↺
      </button>
    </div>
  );
}

export interface UnsentBannerProps {
  count: number;
  online: boolean;
  sending: boolean;
  onRetry: () => void;
}

/** What is kept on the device and not yet on the server. */
export function UnsentBanner({ count, online, sending, onRetry }: UnsentBannerProps) {
  if (count === 0) {
    return (
      <p className="unsent unsent--clear" role="status">
        <span aria-hidden="true">✓</span> Everything is sent
        {online ? '' : ' · you are offline; new entries are kept on this device'}
      </p>
    );
  }
  return (
    <div className="unsent" role="status">
      <p>
        <strong>
          {count} {count === 1 ? 'session' : 'sessions'} not sent yet
        </strong>
        <span>
          {' '}
          ·{' '}
          {online
            ? sending
              ? 'sending…'
              : 'will retry shortly'
            : 'offline — kept on this device, sent when you are back online'}
        </span>
      </p>
      {online && !sending && (
        <button type="button" className="btn btn--secondary btn--small" onClick={onRetry}>
          Send now
        </button>
      )}
    </div>
  );
}
