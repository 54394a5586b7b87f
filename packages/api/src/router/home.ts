import { listPlans, openActionItems, teacherStudentsWithTherapy } from '@carryover/db';
import { isoWeekday, labels, type ServiceModel } from '@carryover/domain';
import type { TRPCRouterRecord } from '@trpc/server';
import { recordStudentReads } from '../audit';
import { protectedProcedure, todayFor } from '../trpc';
import { planView } from './plans';

// Home (issue 7): everyone's open action items; for a teacher, the students in their classes
// with therapy and today's push-in sessions in routine order, each with its agreed roles and
// strategies; for a therapist, their own push-ins today: the agreed plans whose routine meets on
// today's weekday. The stored schedule's sessions for today are `schedule.today`.

export const homeRouter = {
  get: protectedProcedure.query(async ({ ctx, path }) => {
    const today = todayFor(ctx);
    const weekday = isoWeekday(today);
    const d = ctx.viewer.districtId;
    const actionItems = (await openActionItems(ctx.db, d, ctx.viewer.id)).map((a) => ({
      id: a.id,
      text: a.text,
      dueOn: a.due_on,
      overdue: a.due_on < today,
      metOn: a.met_on,
    }));
    const role = ctx.viewer.role;
    const plans =
      role === 'teacher' || role === 'therapist' || role === 'assistant'
        ? await listPlans(ctx.db, ctx.viewer, today)
        : [];
    const mine =
      role === 'therapist' ? plans.filter((p) => p.therapist_id === ctx.viewer.id) : plans;
    const pushInsToday = mine
      .map((p) => planView(p, today))
      .filter((p) => p.status === 'agreed' && p.weekdays.includes(weekday))
      .sort(
        (a, b) =>
          a.startTime.localeCompare(b.startTime) || a.studentName.localeCompare(b.studentName),
      );
    const studentRows =
      role === 'teacher' ? await teacherStudentsWithTherapy(ctx.db, d, ctx.viewer.id, today) : [];
    const students: {
      id: string;
      name: string;
      classroom: string;
      services: {
        discipline: string;
        model: string;
        minutes: number;
        per: string;
        provider: string;
      }[];
    }[] = [];
    for (const r of studentRows) {
      let s = students.find((x) => x.id === r.id);
      if (!s) {
        s = {
          id: r.id,
          name: `${r.first_name} ${r.last_name}`,
          classroom: r.classroom_name,
          services: [],
        };
        students.push(s);
      }
      s.services.push({
        discipline: r.discipline,
        model: labels.model[r.model as ServiceModel] ?? r.model,
        minutes: r.minutes,
        per: r.per,
        provider: r.provider_name,
      });
    }
    await recordStudentReads(ctx, path, [
      ...new Set([...students.map((s) => s.id), ...pushInsToday.map((p) => p.studentId)]),
    ]);
    return {
      today,
      role,
      actionItems,
      pushInsToday,
      students,
      plansToAcknowledge:
        role === 'teacher'
          ? plans.filter((p) => !p.acknowledged_at && (p.status ?? 'agreed') === 'agreed').length
          : 0,
    };
  }),
} satisfies TRPCRouterRecord;
