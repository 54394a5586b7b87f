import type { ReactNode } from 'react';
import { Button } from './Button';

export interface EmptyStateProps {
  title: string;
  children?: ReactNode;
  action?: ReactNode;
}

export function EmptyState({ title, children, action }: EmptyStateProps) {
  return (
    <div className="state state--empty">
      <svg className="state__icon" viewBox="0 0 24 24" width="32" height="32" aria-hidden="true">
        <rect
          x="3"
          y="4"
          width="18"
          height="16"
          rx="2"
          fill="none"
          stroke="currentColor"
          strokeWidth="1.6"
        />
        <path d="M3 9h18" stroke="currentColor" strokeWidth="1.6" />
      </svg>
      <h2 className="state__title">{title}</h2>
      {children && <div className="state__body">{children}</div>}
      {action && <div className="state__action">{action}</div>}
    </div>
  );
}

export interface ErrorStateProps {
  title?: string;
  message?: string;
  onRetry?: () => void;
  retrying?: boolean;
}

export function ErrorState({
  title = 'Something went wrong',
  message = 'The data could not be loaded.',
  onRetry,
  retrying = false,
}: ErrorStateProps) {
  return (
    <div className="state state--error" role="alert">
      <svg className="state__icon" viewBox="0 0 24 24" width="32" height="32" aria-hidden="true">
        <path
          d="M12 2.5 22.5 21h-21Z"
          fill="none"
          stroke="currentColor"
          strokeWidth="1.8"
          strokeLinejoin="round"
        />
        <path d="M12 9v5.5M12 17v1.5" stroke="currentColor" strokeWidth="2" />
      </svg>
      <h2 className="state__title">{title}</h2>
      <p className="state__body">{message}</p>
      {onRetry && (
        <div className="state__action">
          <Button variant="secondary" onClick={onRetry} busy={retrying}>
            {retrying ? 'Retrying…' : 'Try again'}
          </Button>
        </div>
      )}
    </div>
  );
}

export interface LoadingStateProps {
  /** Read by screen readers: "Loading caseload". */
  label: string;
  /** Number of skeleton rows. */
  rows?: number;
}

export function LoadingState({ label, rows = 5 }: LoadingStateProps) {
  return (
    <div className="state state--loading" aria-busy="true">
      <p className="visually-hidden" role="status">
        {label}…
      </p>
      <div className="skeleton" aria-hidden="true">
        <div className="skeleton__bar skeleton__bar--title" />
        {Array.from({ length: rows }, (_, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: static placeholder rows
          <div key={i} className="skeleton__bar" style={{ width: `${92 - ((i * 17) % 30)}%` }} />
        ))}
      </div>
    </div>
  );
}
