import { loadWorkloadCounts, loadWorkloadMinutes, type WorkloadMinutes } from '@carryover/db';
import {
  dayNumber,
  missedCategory,
  missedReasons,
  quantileSorted,
  WorkloadInput,
} from '@carryover/domain';
import type { TRPCRouterRecord } from '@trpc/server';
import { type Context, roles, type Viewer } from '../trpc';
import { type Resolved, resolvePeriod, scopeRows } from './fidelity';

// Per therapist, for a coordinator's schools (an admin's district): students, open goals,
// minutes mandated and delivered in the period (the fidelity report's own figures: a reporting
// period's kept summaries summed per therapist, any other span summed in the database), sessions
// per week — each beside the team median.

export interface WorkloadRow {
  providerId: string;
  name: string;
  discipline: string | null;
  students: number;
  goals: number;
  mandated: number;
  mandatedToDate: number;
  delivered: number;
  behind: number;
  sessions: number;
  sessionsPerWeek: number;
}

type Metric = 'students' | 'goals' | 'mandated' | 'delivered' | 'behind' | 'sessionsPerWeek';
const METRICS: Metric[] = [
  'students',
  'goals',
  'mandated',
  'delivered',
  'behind',
  'sessionsPerWeek',
];

/**
 * The fidelity report's period figures summed per therapist from the kept summaries of a
 * reporting period (each row finished for today): the same sums `loadWorkloadMinutes` makes in
 * SQL for any other span.
 */
async function workloadMinutesFromSummaries(
  ctx: Pick<Context, 'db' | 'now' | 'log'> & { viewer: Viewer },
  resolved: Resolved,
): Promise<WorkloadMinutes[]> {
  const out = new Map<string, WorkloadMinutes & { ids: Set<string> }>();
  for await (const rows of scopeRows(ctx, resolved, undefined)) {
    for (const r of rows) {
      let m = out.get(r.providerId);
      if (!m) {
        m = {
          provider_id: r.providerId,
          provider_name: r.providerName,
          students: 0,
          mandated: 0,
          mandated_to_date: 0,
          delivered: 0,
          behind: 0,
          ids: new Set(),
        };
        out.set(r.providerId, m);
      }
      m.ids.add(r.studentId);
      m.mandated += r.figures.mandated;
      m.mandated_to_date += r.figures.mandatedToDate;
      m.delivered += r.figures.delivered + r.figures.makeupDelivered;
      m.behind += r.figures.behind;
    }
  }
  return [...out.values()].map(({ ids, ...m }) => ({ ...m, students: ids.size }));
}

export function teamMedians(rows: readonly WorkloadRow[]): Record<Metric, number | null> {
  const out = {} as Record<Metric, number | null>;
  for (const m of METRICS) {
    const sorted = rows.map((r) => r[m]).sort((a, b) => a - b);
    out[m] = sorted.length > 0 ? quantileSorted(sorted, sorted.length, 0.5) : null;
  }
  return out;
}

export const workloadRouter = {
  /** Aggregates per therapist; no one student's record leaves, so no per-student audit. */
  team: roles('coordinator', 'admin')
    .meta({ cost: 'heavyRead' })
    .input(WorkloadInput)
    .query(async ({ ctx, input }) => {
      const resolved = await resolvePeriod(
        ctx,
        input?.periodId ? { periodId: input.periodId } : undefined,
      );
      const view = { ...resolved.period, today: resolved.today };
      const upTo = [view.today, view.to].sort()[0]!; // ISO dates: the earlier one
      const [counts, minutes] = await Promise.all([
        loadWorkloadCounts(ctx.db, ctx.viewer, { today: view.today, from: view.from, to: upTo }),
        resolved.period.id
          ? workloadMinutesFromSummaries(ctx, resolved)
          : loadWorkloadMinutes(
              ctx.db,
              ctx.viewer,
              view,
              missedReasons.filter((r) => missedCategory(r, resolved.policy) === 'accounted'),
            ),
      ]);
      const rows = new Map<string, WorkloadRow>();
      const row = (id: string) => {
        let r = rows.get(id);
        if (!r) {
          const s = counts.staff.find((x) => x.id === id);
          r = {
            providerId: id,
            name: s?.name ?? 'Unknown provider',
            discipline: s?.discipline ?? null,
            students: 0,
            goals: 0,
            mandated: 0,
            mandatedToDate: 0,
            delivered: 0,
            behind: 0,
            sessions: 0,
            sessionsPerWeek: 0,
          };
          rows.set(id, r);
        }
        return r;
      };
      for (const m of minutes) {
        const r = row(m.provider_id);
        if (r.name === 'Unknown provider') r.name = m.provider_name;
        r.students = m.students;
        r.mandated = m.mandated;
        r.mandatedToDate = m.mandated_to_date;
        r.delivered = m.delivered;
        r.behind = m.behind;
      }
      for (const g of counts.goals) {
        const r = row(g.provider_id);
        r.goals = g.goals;
      }
      const weeks =
        upTo >= view.from ? Math.max(1, (dayNumber(upTo) - dayNumber(view.from) + 1) / 7) : 1;
      for (const s of counts.sessions) {
        const r = row(s.provider_id);
        r.sessions = s.sessions;
      }
      // Assistants log sessions under their supervisor's services; the view is per therapist.
      const assistants = new Set(
        counts.staff.filter((s) => s.role === 'assistant').map((s) => s.id),
      );
      const out: WorkloadRow[] = [...rows.values()]
        .filter((r) => !assistants.has(r.providerId))
        .map((r) => ({
          ...r,
          sessionsPerWeek: Math.round((r.sessions / weeks) * 10) / 10,
        }))
        .sort((a, b) => a.name.localeCompare(b.name) || a.providerId.localeCompare(b.providerId));
      return {
        from: view.from,
        to: view.to,
        today: view.today,
        periodName: resolved.period.name,
        periods: resolved.periods,
        weeks: Math.round(weeks * 10) / 10,
        rows: out,
        median: teamMedians(out),
      };
    }),
} satisfies TRPCRouterRecord;
