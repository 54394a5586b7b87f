import type { ComparisonGoal, GasScore } from '@carryover/domain';
import { assembleComparisonInput } from '../queries/comparison';
import { type DemoOptions, generateDemoRows } from './generate';
import type { MemorySink } from './writer';

/** The comparison's rows from an in-memory district, as `loadComparisonInput` reads them. */
export function comparisonInputFromSink(
  sink: MemorySink,
  asOf?: string,
  /** Sessions voided after generation (`DemoResult.voidedSessionIds`): they count nowhere. */
  voidedSessionIds: readonly string[] = [],
): { goals: ComparisonGoal[]; gas: GasScore[] } {
  const voided = new Set(voidedSessionIds);
  const sessions = new Map(sink.rows('therapy_session').map((s) => [s.id, s]));
  const delivered = sink
    .rows('session_student')
    .filter((r) => r.attendance === 'delivered' || r.attendance === 'makeup')
    .filter((r) => !voided.has(r.session_id))
    .map((r) => {
      const s = sessions.get(r.session_id)!;
      return { service_id: r.service_id, session_date: s.session_date, minutes: s.minutes };
    });
  return assembleComparisonInput(
    {
      goal: sink.rows('goal'),
      student: sink.rows('student'),
      service: sink.rows('service'),
      model_change: sink.rows('model_change').filter((c) => c.goal_id !== null),
      goal_phase_change: sink.rows('goal_phase_change'),
      observation: sink
        .rows('observation')
        .filter((o) => o.session_id === null || !voided.has(o.session_id)),
      delivered,
      gas: finalGasOf(sink),
    },
    asOf,
  );
}

/** The scores of final reports, as `loadComparisonRows` reads them (introduced goals only). */
function finalGasOf(sink: MemorySink) {
  const periods = new Map(sink.rows('reporting_period').map((p) => [p.id, p]));
  const finals = new Map(
    sink
      .rows('progress_report')
      .filter((r) => r.status === 'final')
      .map((r) => [r.id, periods.get(r.period_id)!]),
  );
  return sink.rows('progress_report_goal').flatMap((line) => {
    const period = finals.get(line.report_id);
    if (!period || line.status_code === 'not_yet_introduced') return [];
    return [
      {
        goal_id: line.goal_id,
        period_id: period.id,
        ends_on: period.ends_on,
        gas_score: line.gas_score,
      },
    ];
  });
}

/**
 * A simulated district straight into the comparison's input, with no database: the demo
 * generator's rows, kept in memory. For validation studies over hundreds of districts.
 */
export async function simulateComparisonInput(
  options: Omit<DemoOptions, 'passwordHash'> & { today: string },
): Promise<{ goals: ComparisonGoal[]; gas: GasScore[] }> {
  // The studies measure rates over hundreds of districts: drafting every report would cost
  // more than the rest of a district, and they read no GAS.
  const { sink } = await generateDemoRows({ ...options, passwordHash: 'x' }, { reports: false });
  return comparisonInputFromSink(sink, options.today);
}
