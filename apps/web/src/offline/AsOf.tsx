import { useDistrictZone } from '../auth';
import { useOnline } from './queue';

/** "Mon 30 Nov, 08:12" on the district's clock, like every other time the app shows. */
function formatAsOf(at: number, timeZone: string): string {
  const options: Intl.DateTimeFormatOptions = {
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    hour: '2-digit',
    minute: '2-digit',
  };
  try {
    return new Intl.DateTimeFormat(undefined, { ...options, timeZone }).format(at);
  } catch {
    return new Intl.DateTimeFormat(undefined, { ...options, timeZone: 'UTC' }).format(at);
  }
}

/** When the app opened: answers older than this came from the copy kept on the device. */
const OPENED_AT = Date.now();

/**
 * "As of Mon 30 Nov, 08:12": shown when a page's data may be old — offline, or read from the
 * copy kept on this device at start-up and not yet refreshed.
 */
export function AsOf({ updatedAt }: { updatedAt: number }) {
  const online = useOnline();
  const zone = useDistrictZone();
  if (!updatedAt || (online && updatedAt >= OPENED_AT)) return null;
  return (
    <p className="as-of" data-testid="as-of">
      {online ? 'Kept on this device' : 'Offline'} · as of {formatAsOf(updatedAt, zone)}
    </p>
  );
}
