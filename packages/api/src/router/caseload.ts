import {
  type CaseloadFilters,
  type CaseloadPageStudent,
  caseloadPageStudents,
  countCaseload,
  loadCaseloadFigures,
} from '@carryover/db';
import {
  CaseloadListInput,
  type CaseloadPage,
  type CaseloadRow,
  type CaseloadSortKey,
  caseloadFilterFingerprint,
  decodeCaseloadCursor,
  encodeCaseloadCursor,
  weekEnd,
  weekStart,
} from '@carryover/domain';
import type { TRPCRouterRecord } from '@trpc/server';
import { recordStudentReads } from '../audit';
import { heavyForDistrictViewers } from '../rate-limit';
import { listScopeViewer } from '../scope';
import { protectedProcedure, todayFor } from '../trpc';
import { caseloadRows } from '../views';
import { minutesByStudent } from './fidelity';

/**
 * With a goal-status filter, how many students one request may examine. Status is computed from
 * each student's observations, so a rare status could otherwise make one request compute the
 * whole district; past this budget the page comes back short (even empty) with a cursor to go on.
 */
export const STATUS_SCAN_BUDGET = 1000;

/** Batch size while looking for students with a goal of some status. */
const STATUS_SCAN_BATCH = 100;

const firstPageDefaults = CaseloadListInput.unwrap().parse({});

export const caseloadRouter = {
  /**
   * One page of the students the viewer may see, in a stable order (`sort`, then last name, first
   * name, id), with goal progress, this ISO week's minutes (delivered: the fidelity report's
   * delivered and makeup minutes of this week in the current period; mandated: the weekly sum of the services active today, a
   * monthly mandate counting 12/52 of its minutes), minutes behind and the next IEP date — all
   * computed for the page's students only, and only they are audited. Pass `nextCursor` back as
   * `cursor` for the next page; `total` comes with the first page unless a status filter is set.
   */
  list: protectedProcedure
    .meta({ cost: heavyForDistrictViewers })
    .input(CaseloadListInput)
    .query(async ({ ctx, input: rawInput, path }): Promise<CaseloadPage> => {
      const input = rawInput ?? firstPageDefaults;
      const today = todayFor(ctx);
      const window = { today, weekStart: weekStart(today), weekEnd: weekEnd(today) };
      const filters: CaseloadFilters = {
        search: input.search || undefined,
        discipline: input.discipline,
        schoolId: input.schoolId,
        grade: input.grade,
      };
      // The input schema has already refused a cursor of another sort or filter.
      let after: CaseloadSortKey | null = input.cursor
        ? (decodeCaseloadCursor(input.cursor)?.key ?? null)
        : null;
      const page = { sort: input.sort, order: input.order, limit: input.limit };
      const scope = await listScopeViewer(ctx);
      const figuresFor = async (students: CaseloadPageStudent[]) =>
        caseloadRows(
          {
            students,
            ...(await loadCaseloadFigures(
              ctx.db,
              ctx.viewer.districtId,
              window,
              students.map((s) => s.id),
            )),
          },
          { today, discipline: input.discipline, status: input.status },
        );

      // The first page's total is one count over the whole scope (25,000 students for a
      // district's coordinator): started now, it runs beside the page's own statements on
      // Postgres's pool instead of after them. Its error, if any, surfaces where it is awaited.
      const totalQuery =
        input.cursor || input.status
          ? Promise.resolve(null)
          : countCaseload(ctx.db, scope, today, filters);
      totalQuery.catch(() => {});

      const items: CaseloadRow[] = [];
      let nextKey: CaseloadSortKey | null = null;
      let minutesQuery: ReturnType<typeof minutesByStudent> | undefined;
      if (!input.status) {
        // One more than the page shows tells whether another page exists.
        const students = await caseloadPageStudents(ctx.db, scope, today, filters, {
          ...page,
          after,
          limit: input.limit + 1,
        });
        const shown = students.slice(0, input.limit);
        if (students.length > input.limit) nextKey = shown.at(-1)?.sortKey ?? null;
        // The page's students are known: their minutes are read beside their figures.
        minutesQuery = minutesByStudent(
          ctx,
          input.discipline,
          shown.map((s) => s.id),
        );
        minutesQuery.catch(() => {});
        items.push(...(await figuresFor(shown)));
      } else {
        // Examine candidates in order, a batch at a time, keeping those with a goal of the status.
        let examined = 0;
        for (;;) {
          const batchSize = Math.max(input.limit, STATUS_SCAN_BATCH);
          const batch = await caseloadPageStudents(ctx.db, scope, today, filters, {
            ...page,
            after,
            limit: batchSize,
          });
          examined += batch.length;
          const keyOf = new Map(batch.map((s) => [s.id, s.sortKey]));
          for (const row of await figuresFor(batch)) {
            if (items.length === input.limit) break;
            items.push(row);
          }
          if (items.length === input.limit) {
            // Resume after the last row shown: the rest of this batch is examined again.
            nextKey = keyOf.get(items.at(-1)!.studentId) ?? null;
            break;
          }
          if (batch.length < batchSize) break; // the scope is exhausted
          after = batch.at(-1)!.sortKey;
          if (examined >= STATUS_SCAN_BUDGET) {
            nextKey = after;
            break;
          }
        }
      }

      // "Minutes behind" and this week's delivered minutes are the fidelity report's own figures
      // for the current period (its kept summaries), read for this page's students only.
      const minutes = await (minutesQuery ??
        minutesByStudent(
          ctx,
          input.discipline,
          items.map((r) => r.studentId),
        ));
      for (const row of items) {
        const m = minutes.get(row.studentId);
        row.minutesBehind = m?.behind ?? 0;
        row.minutesDeliveredThisWeek = m?.thisWeek ?? 0;
      }

      const total = await totalQuery;
      await recordStudentReads(
        ctx,
        path,
        items.map((r) => r.studentId),
      );
      return {
        items,
        nextCursor: nextKey
          ? encodeCaseloadCursor({
              sort: input.sort,
              order: input.order,
              filters: caseloadFilterFingerprint(input),
              key: nextKey,
            })
          : null,
        total,
      };
    }),
} satisfies TRPCRouterRecord;
