import { loadStudentDetail } from '@carryover/db';
import type { StudentDetail } from '@carryover/domain';
import { TRPCError, type TRPCRouterRecord } from '@trpc/server';
import { STUDENT_NOT_FOUND, studentProcedure } from '../scope';
import { todayFor } from '../trpc';
import { studentDetail } from '../views';

export const studentRouter = {
  get: studentProcedure.query(async ({ ctx, input }): Promise<StudentDetail> => {
    const data = await loadStudentDetail(ctx.db, ctx.viewer.districtId, input.studentId);
    if (!data) throw new TRPCError({ code: 'NOT_FOUND', message: STUDENT_NOT_FOUND });
    return studentDetail(data, todayFor(ctx));
  }),
} satisfies TRPCRouterRecord;
