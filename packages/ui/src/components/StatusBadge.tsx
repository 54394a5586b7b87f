import type { GoalStatus } from '@carryover/domain';
import { labels } from '@carryover/domain';

/** Each status has its own shape as well as colour, so it reads in greyscale too. */
function StatusIcon({ status }: { status: GoalStatus }) {
  switch (status) {
    case 'on_track':
      return (
        <svg viewBox="0 0 16 16" width="14" height="14" aria-hidden="true">
          <circle cx="8" cy="8" r="7" fill="currentColor" />
          <path d="M4.5 8.2 7 10.6l4.6-5" fill="none" stroke="#fff" strokeWidth="2" />
        </svg>
      );
    case 'at_risk':
      return (
        <svg viewBox="0 0 16 16" width="14" height="14" aria-hidden="true">
          <path d="M8 1 15.5 14.5H.5Z" fill="currentColor" />
          <rect x="7" y="5.5" width="2" height="5" fill="#fff" />
          <rect x="7" y="11.5" width="2" height="2" fill="#fff" />
        </svg>
      );
    case 'mastered':
      return (
        <svg viewBox="0 0 16 16" width="14" height="14" aria-hidden="true">
          <path
            d="M8 .8l2.2 4.6 5 .7-3.6 3.5.9 5L8 12.2l-4.5 2.4.9-5L.8 6.1l5-.7Z"
            fill="currentColor"
          />
        </svg>
      );
    default:
      return (
        <svg viewBox="0 0 16 16" width="14" height="14" aria-hidden="true">
          <circle
            cx="8"
            cy="8"
            r="6"
            fill="none"
            stroke="currentColor"
            strokeWidth="2"
            strokeDasharray="3 2.2"
          />
        </svg>
      );
  }
}

export interface StatusBadgeProps {
  status: GoalStatus;
}

export function StatusBadge({ status }: StatusBadgeProps) {
  return (
    <span className={`status-badge status-badge--${status}`}>
      <StatusIcon status={status} />
      <span>{labels.goalStatus[status]}</span>
    </span>
  );
}
