import { loadCaseload } from '@carryover/db';
import { CaseloadListInput, type CaseloadRow, weekEnd, weekStart } from '@carryover/domain';
import type { TRPCRouterRecord } from '@trpc/server';
import { recordStudentReads } from '../audit';
import { protectedProcedure, todayFor } from '../trpc';
import { caseloadRows } from '../views';
import { minutesBehindByStudent } from './fidelity';

export const caseloadRouter = {
  /**
   * Every student the viewer may see, with goal progress, this ISO week's minutes (delivered:
   * sessions Monday–Sunday attended as delivered or makeup; mandated: the weekly sum of the
   * services active today, a monthly mandate counting 12/52 of its minutes) and the next IEP date.
   */
  list: protectedProcedure.input(CaseloadListInput).query(async ({ ctx, input, path }) => {
    const today = todayFor(ctx);
    const data = await loadCaseload(
      ctx.db,
      ctx.viewer,
      { today, weekStart: weekStart(today), weekEnd: weekEnd(today) },
      { search: input?.search || undefined, discipline: input?.discipline },
    );
    const rows: CaseloadRow[] = caseloadRows(data, {
      today,
      discipline: input?.discipline,
      status: input?.status,
    });
    // "Minutes behind" is the fidelity report's own figure for the current period.
    const behind = await minutesBehindByStudent(ctx, input?.discipline);
    for (const row of rows) row.minutesBehind = behind.get(row.studentId) ?? 0;
    await recordStudentReads(
      ctx,
      path,
      rows.map((r) => r.studentId),
    );
    return rows;
  }),
} satisfies TRPCRouterRecord;
