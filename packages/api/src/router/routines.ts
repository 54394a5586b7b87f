import {
  canEditClassroom,
  findRoutine,
  listClassroomRoutines,
  newId,
  recordAuditMany,
  saveRoutine,
} from '@carryover/db';
import { parseWeekdays, RoutineListInput, RoutineSaveInput } from '@carryover/domain';
import { TRPCError, type TRPCRouterRecord } from '@trpc/server';
import { recordDenied } from '../audit';
import { editorOf, writeAtVersion } from '../conflict';
import { fieldError, protectedProcedure } from '../trpc';

// Classroom routines (issue 7): each classroom's routines with weekdays and times, edited by
// its teacher, the therapists of its school or an admin. Out-of-scope classrooms are NOT_FOUND.

export const CLASSROOM_NOT_FOUND = 'Classroom not found';
export const ROUTINE_NOT_FOUND = 'Routine not found';

export const routinesRouter = {
  list: protectedProcedure.input(RoutineListInput).query(async ({ ctx, input }) => {
    const { classrooms, routines } = await listClassroomRoutines(
      ctx.db,
      ctx.viewer,
      input?.classroomId,
    );
    const editable = await Promise.all(
      classrooms.map((c) => canEditClassroom(ctx.db, ctx.viewer, c.id)),
    );
    return classrooms.map((c, i) => ({
      id: c.id,
      name: c.name,
      grade: c.grade,
      schoolName: c.school_name,
      teacherName: c.teacher_name ?? null,
      canEdit: editable[i] ?? false,
      routines: routines
        .filter((r) => r.classroom_id === c.id)
        .map((r) => ({
          id: r.id,
          name: r.name,
          weekdays: parseWeekdays(r.weekdays),
          startTime: r.start_time,
          endTime: r.end_time,
          version: Number(r.version),
        })),
    }));
  }),

  save: protectedProcedure.input(RoutineSaveInput).mutation(async ({ ctx, input, path }) => {
    const d = ctx.viewer.districtId;
    if (!(await canEditClassroom(ctx.db, ctx.viewer, input.classroomId))) {
      await recordDenied(ctx, { action: path, entity: 'classroom', entityId: input.classroomId });
      throw new TRPCError({ code: 'NOT_FOUND', message: CLASSROOM_NOT_FOUND });
    }
    const id = input.routineId ?? newId();
    if (input.routineId) {
      const existing = await findRoutine(ctx.db, d, input.routineId);
      if (!existing) {
        await recordDenied(ctx, { action: path, entity: 'routine', entityId: input.routineId });
        throw new TRPCError({ code: 'NOT_FOUND', message: ROUTINE_NOT_FOUND });
      }
      if (existing.classroom_id !== input.classroomId) {
        await recordDenied(ctx, { action: path, entity: 'routine', entityId: input.routineId });
        fieldError('routineId', 'This routine belongs to another classroom');
      }
    }
    const target = { action: path, entity: 'routine', entityId: id };
    const version = await writeAtVersion(ctx, target, async (trx) => {
      const saved = await saveRoutine(
        trx,
        {
          district_id: d,
          id,
          classroom_id: input.classroomId,
          name: input.name,
          weekdays: input.weekdays.join(','),
          start_time: input.startTime,
          end_time: input.endTime,
        },
        // The schema requires expectedVersion with a routineId.
        input.routineId ? (input.expectedVersion ?? 0) : null,
        editorOf(ctx),
      );
      await recordAuditMany(trx, [
        {
          districtId: d,
          actorId: ctx.viewer.id,
          action: path,
          entity: 'routine',
          entityId: id,
          studentId: null,
          outcome: 'ok',
          at: ctx.now().toISOString(),
        },
      ]);
      return saved.version;
    });
    return { id, version };
  }),
} satisfies TRPCRouterRecord;
