import type { Caseload } from '@carryover/domain';
import { autoSchedule, type SolveOptions } from '../schedule/solve';
import { answerJobs } from './answer-jobs';

// The auto-scheduler's worker thread: HiGHS runs synchronously for up to seconds, so it runs
// here, one solve at a time, and the server keeps answering requests.

answerJobs('schedule-worker', (job: { caseload: Caseload; options: SolveOptions }) =>
  autoSchedule(job.caseload, job.options),
);
