import { formatInstantDate, formatInstantDateTime } from '@carryover/ui';
import { useDistrictZone } from '../auth';

/**
 * A stored instant (a signature, a finalisation, a void, an export) shown as the district's
 * date — or date and time — in its own zone: signed at 7 pm in Chicago reads as that day.
 */
export function DistrictDate({ at, withTime = false }: { at: string | null; withTime?: boolean }) {
  const zone = useDistrictZone();
  return <>{withTime ? formatInstantDateTime(at, zone) : formatInstantDate(at, zone)}</>;
}
