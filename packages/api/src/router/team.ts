import {
  districtStaffIds,
  findActionItem,
  findTouchBase,
  insertTouchBase,
  isTouchBaseParticipant,
  listTouchBases,
  loadDistrictSettings,
  newId,
  pushInSlotsOf,
  recordAuditMany,
  scopedStudentIds,
  setActionItemDone,
  staffNames,
  studentsReachedBy,
  teamPeople,
  updateAtVersion,
} from '@carryover/db';
import {
  ActionItemDoneInput,
  ActionItemUpdateInput,
  meetingDateProblem,
  parseWeekdays,
  TouchBaseCreateInput,
  TouchBaseUpdateInput,
  touchBaseConflicts,
} from '@carryover/domain';
import { TRPCError, type TRPCRouterRecord } from '@trpc/server';
import { recordDenied, recordEvent, recordStudentReads } from '../audit';
import { editorOf, writeAtVersion } from '../conflict';
import { assertStudentInScope } from '../scope';
import { fieldError, protectedProcedure, todayFor } from '../trpc';
import { parsePolicy } from './fidelity';

// Team (issue 7): touch-base meetings outside push-in time, with participants, students
// discussed, notes and action items. Students discussed must be in the author's scope; a
// meeting that overlaps a participant's push-in needs `scheduleAnyway` after the warning.

export const ACTION_ITEM_NOT_FOUND = 'Action item not found';
export const TOUCH_BASE_NOT_FOUND = 'Touch-base not found';

type TeamCtx = Parameters<typeof recordDenied>[0];

/** The action item, if the viewer owns it or was at its meeting; NOT_FOUND (audited) otherwise. */
async function actionItemOfViewer(ctx: TeamCtx, actionItemId: string, path: string) {
  const d = ctx.viewer.districtId;
  const item = await findActionItem(ctx.db, d, actionItemId);
  const allowed =
    item &&
    (item.owner_id === ctx.viewer.id ||
      (await isTouchBaseParticipant(ctx.db, d, item.touch_base_id, ctx.viewer.id)));
  if (!item || !allowed) {
    await recordDenied(ctx, { action: path, entity: 'action_item', entityId: actionItemId });
    throw new TRPCError({ code: 'NOT_FOUND', message: ACTION_ITEM_NOT_FOUND });
  }
  return item;
}

export const teamRouter = {
  people: protectedProcedure.query(async ({ ctx }) => {
    const rows = await teamPeople(ctx.db, ctx.viewer);
    return rows.map((r) => ({ id: r.id, name: r.name, role: r.role, discipline: r.discipline }));
  }),

  /** Students the viewer may put on a touch-base agenda. */
  students: protectedProcedure.query(async ({ ctx, path }) => {
    const rows = await ctx.db
      .selectFrom('student')
      .select(['id', 'first_name', 'last_name'])
      .where('district_id', '=', ctx.viewer.districtId)
      .where('id', 'in', scopedStudentIds(ctx.db, ctx.viewer, todayFor(ctx)))
      .orderBy('last_name')
      .orderBy('first_name')
      .limit(500)
      .execute();
    await recordStudentReads(
      ctx,
      path,
      rows.map((r) => r.id),
    );
    return rows.map((r) => ({ id: r.id, name: `${r.first_name} ${r.last_name}` }));
  }),

  list: protectedProcedure.query(async ({ ctx, path }) => {
    const data = await listTouchBases(ctx.db, ctx.viewer);
    await recordStudentReads(ctx, path, [...new Set(data.students.map((s) => s.id))]);
    const today = todayFor(ctx);
    return data.meetings.map((m) => ({
      id: m.id,
      metOn: m.met_on,
      startTime: m.start_time,
      notes: m.notes,
      version: Number(m.version),
      upcoming: m.met_on >= today,
      participants: data.participants
        .filter((p) => p.touch_base_id === m.id)
        .map((p) => ({ id: p.id, name: p.name, role: p.role })),
      students: data.students
        .filter((s) => s.touch_base_id === m.id)
        .map((s) => ({ id: s.id, name: `${s.first_name} ${s.last_name}` })),
      actionItems: data.items
        .filter((a) => a.touch_base_id === m.id)
        .map((a) => ({
          id: a.id,
          text: a.text,
          ownerId: a.owner_id,
          ownerName: a.owner_name,
          dueOn: a.due_on,
          doneOn: a.done_on,
          version: Number(a.version),
        })),
    }));
  }),

  create: protectedProcedure.input(TouchBaseCreateInput).mutation(async ({ ctx, input, path }) => {
    const d = ctx.viewer.districtId;
    const studentIds = [...new Set(input.studentIds)];
    for (const id of studentIds) await assertStudentInScope(ctx, id, path);
    const participantIds = [...new Set([ctx.viewer.id, ...input.participantIds])];
    const known = await districtStaffIds(ctx.db, d, participantIds);
    if (participantIds.some((id) => !known.has(id))) {
      await recordDenied(ctx, { action: path, entity: 'touch_base' });
      fieldError('participantIds', 'Choose participants from your team');
    }
    // Participants hear the students' names and notes: each must work at the students' school
    // or have them in scope, or the meeting would show them a record they may not see.
    const today = todayFor(ctx);
    const reach = await studentsReachedBy(ctx.db, d, participantIds, studentIds, today);
    const outsiders = participantIds.filter((id) => studentIds.some((s) => !reach.get(id)?.has(s)));
    if (outsiders.length > 0) {
      await recordDenied(ctx, { action: path, entity: 'touch_base' });
      const names = await staffNames(ctx.db, d, outsiders);
      fieldError(
        'participantIds',
        `${outsiders.map((id) => names.get(id) ?? id).join(', ')} does not work with these students: invite staff of their school`,
      );
    }
    const yearEnd = parsePolicy(await loadDistrictSettings(ctx.db, d)).yearEnd;
    const dateProblem = meetingDateProblem(input.metOn, today, yearEnd);
    if (dateProblem) fieldError('metOn', dateProblem);
    if (input.actionItems.some((a) => !participantIds.includes(a.ownerId))) {
      fieldError('actionItems', 'An action item belongs to one of the participants');
    }
    const slots = await pushInSlotsOf(ctx.db, d, participantIds);
    const names = await staffNames(ctx.db, d, participantIds);
    const conflicts = touchBaseConflicts(
      { date: input.metOn, startTime: input.startTime ?? null, participantIds },
      slots.map((s) => ({
        planId: s.id,
        routineName: s.routine_name,
        classroom: s.classroom_name,
        weekdays: parseWeekdays(s.weekdays),
        startTime: s.start_time,
        endTime: s.end_time,
        staffIds: [s.therapist_id, ...(s.teacher_id ? [s.teacher_id] : [])],
        studentName: `${s.first_name} ${s.last_name}`,
      })),
      names,
    );
    if (conflicts.length > 0 && !input.scheduleAnyway) {
      throw new TRPCError({
        code: 'BAD_REQUEST',
        message: 'This time overlaps push-in',
        cause: Object.assign(new Error('push-in conflict'), {
          issues: conflicts.map((c) => ({ path: ['startTime'], message: c.message })),
        }),
      });
    }
    const id = newId();
    const at = ctx.now().toISOString();
    await ctx.db.transaction().execute(async (trx) => {
      await insertTouchBase(trx, {
        districtId: d,
        id,
        metOn: input.metOn,
        startTime: input.startTime ?? null,
        notes: input.notes,
        createdBy: ctx.viewer.id,
        createdAt: at,
        participantIds,
        studentIds,
        actionItems: input.actionItems.map((a) => ({ id: newId(), ...a })),
      });
      await recordAuditMany(
        trx,
        studentIds.map((studentId) => ({
          districtId: d,
          actorId: ctx.viewer.id,
          action: path,
          entity: 'touch_base',
          entityId: id,
          studentId,
          outcome: 'ok' as const,
          at,
        })),
      );
    });
    return { id };
  }),

  setActionItemDone: protectedProcedure
    .input(ActionItemDoneInput)
    .mutation(async ({ ctx, input, path }) => {
      const d = ctx.viewer.districtId;
      const item = await actionItemOfViewer(ctx, input.actionItemId, path);
      // Ticked done offline, an item may be sent again (a retry after a lost answer): it stays
      // done on the day it was first ticked, and its version does not move again.
      if (input.done && item.done_on !== null) return { id: item.id, duplicate: true };
      await ctx.db.transaction().execute(async (trx) => {
        await setActionItemDone(trx, d, item.id, input.done ? todayFor(ctx) : null, editorOf(ctx));
        await recordEvent(
          { ...ctx, db: trx },
          { action: path, entity: 'action_item', entityId: item.id },
          'ok',
        );
      });
      return { id: item.id, duplicate: false };
    }),

  /** A meeting's notes, edited by its participants at the version they loaded. */
  updateTouchBase: protectedProcedure
    .input(TouchBaseUpdateInput)
    .mutation(async ({ ctx, input, path }) => {
      const d = ctx.viewer.districtId;
      const found = await findTouchBase(ctx.db, d, input.touchBaseId);
      const allowed =
        found &&
        (found.meeting.created_by === ctx.viewer.id ||
          (await isTouchBaseParticipant(ctx.db, d, found.meeting.id, ctx.viewer.id)));
      if (!found || !allowed) {
        await recordDenied(ctx, {
          action: path,
          entity: 'touch_base',
          entityId: input.touchBaseId,
        });
        throw new TRPCError({ code: 'NOT_FOUND', message: TOUCH_BASE_NOT_FOUND });
      }
      const at = ctx.now().toISOString();
      const target = { action: path, entity: 'touch_base', entityId: found.meeting.id };
      const version = await writeAtVersion(ctx, target, async (trx) => {
        const saved = await updateAtVersion(
          trx,
          'touch_base',
          { district_id: d, id: found.meeting.id },
          input.expectedVersion,
          { notes: input.notes },
          editorOf(ctx),
        );
        // The notes are about the students discussed: a write of each one's record.
        await recordAuditMany(
          trx,
          found.studentIds.map((studentId) => ({
            districtId: d,
            actorId: ctx.viewer.id,
            action: path,
            entity: 'touch_base',
            entityId: found.meeting.id,
            studentId,
            outcome: 'ok' as const,
            at,
          })),
        );
        return saved.version;
      });
      return { id: found.meeting.id, version };
    }),

  /** An action item's wording and due date, by its owner or a participant, at its version. */
  updateActionItem: protectedProcedure
    .input(ActionItemUpdateInput)
    .mutation(async ({ ctx, input, path }) => {
      const d = ctx.viewer.districtId;
      const item = await actionItemOfViewer(ctx, input.actionItemId, path);
      const meeting = await findTouchBase(ctx.db, d, item.touch_base_id);
      if (meeting && input.dueOn < meeting.meeting.met_on) {
        fieldError('dueOn', 'Due on or after the meeting');
      }
      const target = { action: path, entity: 'action_item', entityId: item.id };
      const version = await writeAtVersion(ctx, target, async (trx) => {
        const saved = await updateAtVersion(
          trx,
          'action_item',
          { district_id: d, id: item.id },
          input.expectedVersion,
          { text: input.text, due_on: input.dueOn },
          editorOf(ctx),
        );
        await recordEvent(
          { ...ctx, db: trx },
          { action: path, entity: 'action_item', entityId: item.id },
          'ok',
        );
        return saved.version;
      });
      return { id: item.id, version };
    }),
} satisfies TRPCRouterRecord;
