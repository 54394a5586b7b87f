import { answerJobs } from './answer-jobs';
import { type ComparisonJob, runComparisonJob } from './comparison-job';

// The Outcomes worker thread: one comparison at a time (see pool.ts).

answerJobs('outcomes-worker', (job: ComparisonJob) => runComparisonJob(job));
