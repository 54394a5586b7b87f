import { z } from 'zod';
import {
  ClockTime,
  ExpectedVersion,
  type GoalDomain,
  Id,
  IsoDate,
  routineNames,
  ServiceModel,
} from './model';

// Input schemas for routines, push-in plans, touch-base meetings, model changes and
// recommendation decisions (issue 7). The API enforces them; the web forms reuse them.

export const RoutineName = z.enum(routineNames);
export type RoutineName = z.infer<typeof RoutineName>;

/** Routine names are stored as keys ("morning_meeting"); people read words. */
export function routineWords(name: string): string {
  const words = name.replace(/_/g, ' ').trim();
  return words === 'pe' ? 'PE' : words.charAt(0).toUpperCase() + words.slice(1);
}

export const weekdayNames = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'] as const;

/** "1,2,3,4,5" → [1,2,3,4,5]; anything else is dropped. */
export function parseWeekdays(stored: string): number[] {
  return stored
    .split(',')
    .map((s) => Number(s.trim()))
    .filter((n) => Number.isInteger(n) && n >= 1 && n <= 7);
}

export function weekdaysWords(days: readonly number[]): string {
  const sorted = [...days].sort((a, b) => a - b);
  if (sorted.join(',') === '1,2,3,4,5') return 'Mon–Fri';
  return sorted.map((d) => weekdayNames[d - 1]).join(', ');
}

/** An edit (an id given) says which version it edits; a new record has none. */
function requireVersionForEdit(
  id: string | undefined,
  expectedVersion: number | undefined,
  ctx: z.RefinementCtx,
) {
  if (id !== undefined && expectedVersion === undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['expectedVersion'],
      message: 'Reload the record and try again',
    });
  }
}

export const RoutineSaveInput = z
  .object({
    classroomId: Id,
    /** Absent: a new routine. */
    routineId: Id.optional(),
    /** With `routineId`: the version the form loaded. */
    expectedVersion: ExpectedVersion.optional(),
    name: RoutineName,
    weekdays: z
      .array(z.number().int().min(1).max(7))
      .min(1, 'Choose at least one weekday')
      .max(7)
      .transform((d) => [...new Set(d)].sort((a, b) => a - b)),
    startTime: ClockTime,
    endTime: ClockTime,
  })
  .superRefine((v, ctx) => {
    requireVersionForEdit(v.routineId, v.expectedVersion, ctx);
    if (v.endTime <= v.startTime) {
      ctx.addIssue({ code: 'custom', path: ['endTime'], message: 'End after it starts' });
    }
  });
export type RoutineSaveInput = z.input<typeof RoutineSaveInput>;

export const RoutineListInput = z.object({ classroomId: Id.optional() }).optional();

const planText = (label: string, max = 1000) =>
  z.string().trim().min(3, `Describe ${label}`).max(max, `${label} is too long`);

export const PushInPlanFields = z.object({
  studentId: Id,
  routineId: Id,
  therapistRole: planText("the therapist's role"),
  teacherRole: planText("the teacher's role"),
  strategies: planText('the strategies to model'),
  activities: planText('the planned activities'),
  agreedOn: IsoDate,
  reviewOn: IsoDate,
});

function checkPlanDates(v: { agreedOn: string; reviewOn: string }, ctx: z.RefinementCtx) {
  if (v.reviewOn <= v.agreedOn) {
    ctx.addIssue({
      code: 'custom',
      path: ['reviewOn'],
      message: 'The review comes after the date it was agreed',
    });
  }
}

/** A new push-in plan is reviewed this many days after it is agreed, unless the team says otherwise. */
export const PLAN_REVIEW_DAYS = 42;

export const PushInPlanSaveInput = PushInPlanFields.extend({
  /** Absent: a new plan. Present: a draft (or agreed plan) being agreed or revised. */
  planId: Id.optional(),
  /** With `planId`: the version the form loaded. */
  expectedVersion: ExpectedVersion.optional(),
}).superRefine((v, ctx) => {
  requireVersionForEdit(v.planId, v.expectedVersion, ctx);
  checkPlanDates(v, ctx);
});
export type PushInPlanSaveInput = z.input<typeof PushInPlanSaveInput>;

export const PlanIdInput = z.object({ planId: Id });
export const PlanListInput = z.object({ studentId: Id.optional() }).optional();

export const TOUCH_BASE_MINUTES = 15;

export const ActionItemInput = z.object({
  ownerId: Id,
  text: z.string().trim().min(3, 'Say what is to be done').max(500, 'Too long'),
  dueOn: IsoDate,
});

export const TouchBaseCreateInput = z
  .object({
    metOn: IsoDate,
    startTime: ClockTime.optional(),
    participantIds: z.array(Id).max(20).default([]),
    studentIds: z.array(Id).min(1, 'Choose the students discussed').max(40),
    notes: z.string().trim().max(5000, 'Notes are too long').default(''),
    actionItems: z.array(ActionItemInput).max(20).default([]),
    /** Set after the conflict warning was shown: schedule it anyway. */
    scheduleAnyway: z.boolean().default(false),
  })
  .superRefine((v, ctx) => {
    v.actionItems.forEach((a, i) => {
      if (a.dueOn < v.metOn) {
        ctx.addIssue({
          code: 'custom',
          path: ['actionItems', i, 'dueOn'],
          message: 'Due on or after the meeting',
        });
      }
    });
  });
export type TouchBaseCreateInput = z.input<typeof TouchBaseCreateInput>;

export const ActionItemDoneInput = z.object({ actionItemId: Id, done: z.boolean() });

/** A touch-base's notes, edited after the meeting. */
export const TouchBaseUpdateInput = z.object({
  touchBaseId: Id,
  expectedVersion: ExpectedVersion,
  notes: z.string().trim().max(5000, 'Notes are too long'),
});
export type TouchBaseUpdateInput = z.input<typeof TouchBaseUpdateInput>;

/** An action item's wording and due date. */
export const ActionItemUpdateInput = z.object({
  actionItemId: Id,
  expectedVersion: ExpectedVersion,
  text: ActionItemInput.shape.text,
  dueOn: IsoDate,
});
export type ActionItemUpdateInput = z.input<typeof ActionItemUpdateInput>;

export const ModelSplit = z.object({
  push_in: z.number().int().min(0).max(2000),
  pull_out: z.number().int().min(0).max(2000),
  consult: z.number().int().min(0).max(2000).default(0),
});
export type ModelSplit = z.input<typeof ModelSplit>;

const reason = z
  .string()
  .trim()
  .min(3, 'Say why the model changes (it is kept with the change)')
  .max(1000, 'Reason is too long');

export const ModelChangeInput = z
  .object({
    studentId: Id,
    goalId: Id.optional(),
    serviceId: Id.optional(),
    toModel: ServiceModel,
    /** For a service changed to `split`: its minutes per model, summing to the mandate. */
    split: ModelSplit.optional(),
    changedOn: IsoDate,
    reason,
  })
  .superRefine((v, ctx) => {
    if ((v.goalId === undefined) === (v.serviceId === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['goalId'], message: 'Change a goal or a service' });
    }
    if (v.serviceId && v.toModel === 'split' && !v.split) {
      ctx.addIssue({ code: 'custom', path: ['split'], message: 'Give the minutes per model' });
    }
    if (v.split && v.toModel !== 'split') {
      ctx.addIssue({
        code: 'custom',
        path: ['split'],
        message: 'Only a split has minutes per model',
      });
    }
    if (v.split) {
      const used = [v.split.push_in, v.split.pull_out, v.split.consult ?? 0].filter((m) => m > 0);
      if (used.length < 2) {
        ctx.addIssue({
          code: 'custom',
          path: ['split'],
          message: 'A split names minutes in two models or more',
        });
      }
    }
  });
export type ModelChangeInput = z.input<typeof ModelChangeInput>;

export const recommendationRules = [
  'push_in_for_carryover',
  'split_for_flat_push_in',
  'push_in_for_functional_goal',
] as const;
export const RecommendationRule = z.enum(recommendationRules);
export type RecommendationRule = z.infer<typeof RecommendationRule>;

export const RecommendationAcceptInput = z.object({
  studentId: Id,
  goalId: Id,
  rule: RecommendationRule,
});
export type RecommendationAcceptInput = z.input<typeof RecommendationAcceptInput>;

export const RecommendationDismissInput = RecommendationAcceptInput.extend({
  reason: z.string().trim().min(3, 'Say why (it is kept)').max(1000, 'Reason is too long'),
});
export type RecommendationDismissInput = z.input<typeof RecommendationDismissInput>;

/** Routines where a goal of each domain is naturally worked on (docs/domain.md "make it make sense"). */
export const DOMAIN_ROUTINE_MATCH: Record<GoalDomain, readonly string[]> = {
  self_care: ['arrival', 'lunch', 'snack', 'dismissal'],
  classroom_participation: ['morning_meeting', 'centers', 'reading', 'math'],
  fine_motor: ['writing', 'art', 'centers'],
  handwriting: ['writing'],
  sensory_regulation: ['arrival', 'morning_meeting', 'recess', 'pe'],
  executive_function: ['arrival', 'math', 'centers', 'dismissal'],
  articulation: ['morning_meeting', 'reading'],
  expressive_language: ['morning_meeting', 'reading', 'centers'],
  receptive_language: ['reading', 'math', 'morning_meeting'],
  fluency: ['morning_meeting', 'reading'],
  social_communication: ['lunch', 'recess', 'centers'],
  gross_motor: ['pe', 'recess'],
  mobility: ['arrival', 'lunch', 'dismissal', 'recess'],
};

/**
 * A picker's label for each classroom: its name, and where two classrooms in the list share a
 * name ("Grade 2 · Garcia" for two Garcias), the teacher's full name after it.
 */
export function classroomLabels(
  classrooms: readonly { id: string; name: string; teacherName: string | null }[],
): Map<string, string> {
  const byName = new Map<string, Set<string>>();
  for (const c of classrooms) {
    const ids = byName.get(c.name) ?? new Set<string>();
    ids.add(c.id);
    byName.set(c.name, ids);
  }
  const labels = new Map<string, string>();
  for (const c of classrooms) {
    const shared = (byName.get(c.name)?.size ?? 0) > 1;
    labels.set(c.id, shared ? `${c.name} · ${c.teacherName ?? 'no teacher named'}` : c.name);
  }
  return labels;
}
