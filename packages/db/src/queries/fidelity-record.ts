// The row both the fidelity summaries and the schedule's planned occurrences produce, in a module
// of its own so queries/schedule.ts need not import the summaries that import it.

/** One student's record of one session. */
export interface FidelityRecordRow {
  student_id: string;
  service_id: string | null;
  attendance: string;
  session_date: string;
  minutes: number;
  model: string;
  group_size: number;
  provider_discipline: string | null;
  /** When the session began ("HH:MM"); absent on planned records. */
  start_time?: string;
  /** A planned occurrence of the stored schedule, not logged (queries/schedule.ts). */
  scheduled?: boolean;
}
