import {
  draftNarrative,
  type GasResult,
  type IsoDate,
  judgeProgress,
  type PeriodSummary,
  type ProgressPoint,
  type ReportStatusCode,
  summarizePeriod,
} from '@carryover/domain';
import type { Goal } from '../schema';
import { goalSpecOf, type ObservationPoint, pointOf } from './goal-summaries';

// A progress report's lines as drafted from the data: shared by the API's `reports.generate`
// and the demo seed's finalised past reports, so both draft exactly the same way.

export interface DraftedReportLine<G extends Goal = Goal> {
  goal: G;
  statusCode: ReportStatusCode;
  gas: GasResult;
  summary: PeriodSummary;
  narrative: string;
  /** The goal's points up to the date judged, oldest first. */
  points: ProgressPoint[];
}

export interface DraftPeriod {
  name: string;
  starts_on: string;
  ends_on: string;
}

/**
 * What the data says for each goal that had started by the period's end. A period still under
 * way is judged as of today, not against where the aim line will be at its end.
 */
export function draftReportLines<G extends Goal>(
  firstName: string,
  goals: readonly G[],
  observations: readonly (ObservationPoint & { late_entry?: number | null })[],
  period: DraftPeriod,
  today: IsoDate,
): DraftedReportLine<G>[] {
  const asOf = period.ends_on < today ? period.ends_on : today;
  const p = { name: period.name, startsOn: period.starts_on, endsOn: asOf };
  return goals
    .filter((g) => g.start_date <= period.ends_on)
    .map((goal) => {
      const spec = goalSpecOf(goal);
      const points = observations
        .filter((o) => o.goal_id === goal.id)
        .flatMap((o) => pointOf(spec, o) ?? []);
      // One judgement: the status code, the GAS and the narrative all come from it.
      const judgement = judgeProgress(spec, points, asOf);
      const { statusCode, gas } = judgement;
      const summary = summarizePeriod(spec, points, p);
      const narrative = draftNarrative({
        firstName,
        goal: spec,
        period: { ...p, endsOn: period.ends_on },
        summary,
        judgement,
      });
      const upTo = points
        .filter((pt) => pt.date <= asOf)
        .sort((a, b) => a.date.localeCompare(b.date));
      return { goal, statusCode, gas, summary, narrative, points: upTo };
    });
}
