import { z } from 'zod';
import { addDays } from './dates';
import { Discipline, ExpectedVersion, Id, IsoDate, Role, ServiceModel } from './model';

// People, students and services entered by hand (issue 14): the inputs of the People and
// Students pages, shared by the forms and the server (and by an import, which writes through
// the same query functions). Every message names what to fix.

/** Roles whose work is one discipline (OT, SLP, PT). */
export const roleHasDiscipline = (role: Role) => role === 'therapist' || role === 'assistant';

const name = (what: string, label: string) =>
  z.string().trim().min(1, `Enter ${what}`).max(120, `${label} is too long`);

/** A staff member as the People page edits them; the password is theirs to set (setup link). */
export const StaffFields = z.object({
  name: name('a name', 'The name'),
  email: z
    .string()
    .trim()
    .toLowerCase()
    .max(254, 'Email is too long')
    .pipe(z.email('Enter an email address')),
  role: Role,
  discipline: Discipline.nullable().default(null),
  /** Schools served (therapists, assistants, teachers) or overseen (coordinators). */
  schoolIds: z.array(Id).max(50, 'At most 50 schools').default([]),
  /** An assistant's supervising therapist. */
  supervisorId: Id.nullable().default(null),
});

/** A staff member's role, discipline and supervisor agree (any staff form, the admin's too). */
export function checkStaff(
  v: { role: Role; discipline: Discipline | null; supervisorId: string | null },
  ctx: z.RefinementCtx,
) {
  if (roleHasDiscipline(v.role) && !v.discipline)
    ctx.addIssue({ code: 'custom', path: ['discipline'], message: 'Choose a discipline' });
  if (!roleHasDiscipline(v.role) && v.discipline)
    ctx.addIssue({
      code: 'custom',
      path: ['discipline'],
      message: 'Only therapists and assistants have a discipline',
    });
  if (v.role === 'assistant' && !v.supervisorId)
    ctx.addIssue({
      code: 'custom',
      path: ['supervisorId'],
      message: 'Choose the supervising therapist',
    });
  if (v.role !== 'assistant' && v.supervisorId)
    ctx.addIssue({
      code: 'custom',
      path: ['supervisorId'],
      message: 'Only assistants have a supervisor',
    });
}

export const StaffCreateInput = StaffFields.superRefine(checkStaff);
export type StaffCreateInput = z.input<typeof StaffCreateInput>;

export const StaffUpdateInput = StaffFields.extend({
  userId: Id,
  expectedVersion: ExpectedVersion,
}).superRefine(checkStaff);
export type StaffUpdateInput = z.input<typeof StaffUpdateInput>;

export const StaffSetupLinkInput = z.object({ userId: Id });

const Grade = z
  .string()
  .trim()
  .regex(/^(PreK|K|[1-9]|1[0-2])$/i, 'Use PreK, K or 1 to 12');

/**
 * The family's preferred language, as a language tag (`en`, `es`, `es-MX`): the parent letter
 * is printed in it when the web app has a message catalogue for it, in English otherwise.
 */
export const FamilyLanguage = z
  .string({ error: 'Choose a language' })
  .trim()
  .regex(/^[a-z]{2,3}(-[A-Z]{2})?$/, 'Use a language tag such as en or es');

/** The student's own facts; the school and homeroom change only through a transfer. */
export const StudentFields = z.object({
  firstName: name('a first name', 'The first name'),
  lastName: name('a last name', 'The last name'),
  dateOfBirth: IsoDate,
  grade: Grade,
  iepStart: IsoDate,
  iepAnnualReview: IsoDate,
  iepReevaluation: IsoDate,
  /** Left out: unchanged on an edit, English on a new student. */
  familyLanguage: FamilyLanguage.optional(),
});

/** Zod runs the cross-field checks even when a field failed: compare only real dates. */
const datesValid = (...dates: string[]) => dates.every((d) => IsoDate.safeParse(d).success);

function checkStudent(v: z.output<typeof StudentFields>, ctx: z.RefinementCtx) {
  if (!datesValid(v.dateOfBirth, v.iepStart, v.iepAnnualReview, v.iepReevaluation)) return;
  if (v.dateOfBirth >= v.iepStart)
    ctx.addIssue({
      code: 'custom',
      path: ['dateOfBirth'],
      message: 'The date of birth comes before the IEP starts',
    });
  if (v.iepAnnualReview <= v.iepStart || v.iepAnnualReview > addDays(v.iepStart, 366))
    ctx.addIssue({
      code: 'custom',
      path: ['iepAnnualReview'],
      message: 'The annual review is within a year after the IEP starts',
    });
  if (v.iepReevaluation <= v.iepStart || v.iepReevaluation > addDays(v.iepStart, 3 * 366))
    ctx.addIssue({
      code: 'custom',
      path: ['iepReevaluation'],
      message: 'The reevaluation is within three years after the IEP starts',
    });
}

export const StudentCreateInput = StudentFields.extend({
  schoolId: Id,
  homeroomId: Id.nullable().default(null),
}).superRefine(checkStudent);
export type StudentCreateInput = z.input<typeof StudentCreateInput>;

export const StudentUpdateInput = StudentFields.extend({
  studentId: Id,
  expectedVersion: ExpectedVersion,
}).superRefine(checkStudent);
export type StudentUpdateInput = z.input<typeof StudentUpdateInput>;

export const STUDENT_PAGE_DEFAULT = 50;

export const StudentListInput = z.object({
  search: z.string().trim().max(100, 'Search is too long').optional(),
  schoolId: Id.optional(),
  /** The last row of the previous page: last name, first name, id. */
  cursor: z.tuple([z.string().max(200), z.string().max(200), Id]).nullish(),
  limit: z.number().int().min(1).max(200).default(STUDENT_PAGE_DEFAULT),
});
export type StudentListInput = z.input<typeof StudentListInput>;

export const ServiceFields = z.object({
  discipline: Discipline,
  /** Null: the service waits on the coordinator's "Needs a provider" list. */
  providerId: Id.nullable().default(null),
  minutes: z
    .number({ error: 'Enter the minutes' })
    .int('Whole minutes')
    .min(1, 'At least 1 minute')
    .max(3000, 'At most 3,000 minutes'),
  per: z.enum(['week', 'month']),
  model: ServiceModel,
  startDate: IsoDate,
  endDate: IsoDate,
});

function checkService(v: z.output<typeof ServiceFields>, ctx: z.RefinementCtx) {
  const dated = datesValid(v.startDate, v.endDate);
  if (dated && v.endDate < v.startDate)
    ctx.addIssue({
      code: 'custom',
      path: ['endDate'],
      message: 'The service ends after it starts',
    });
  else if (dated && v.endDate > addDays(v.startDate, 3 * 366))
    ctx.addIssue({
      code: 'custom',
      path: ['endDate'],
      message: 'A service runs at most three years',
    });
  if (v.model === 'split')
    ctx.addIssue({
      code: 'custom',
      path: ['model'],
      message: 'Enter a split service as one service per model',
    });
}

export const ServiceCreateInput = ServiceFields.extend({ studentId: Id }).superRefine(checkService);
export type ServiceCreateInput = z.input<typeof ServiceCreateInput>;

export const ServiceUpdateInput = ServiceFields.extend({
  serviceId: Id,
  expectedVersion: ExpectedVersion,
}).superRefine(checkService);
export type ServiceUpdateInput = z.input<typeof ServiceUpdateInput>;

const Reason = z
  .string()
  .trim()
  .min(3, 'Say why, in a few words')
  .max(500, 'The reason is too long');

/** A move to another school and/or homeroom, from `effectiveOn` (the first day there). */
export const TransferStudentInput = z.object({
  studentId: Id,
  toSchoolId: Id,
  toHomeroomId: Id.nullable().default(null),
  effectiveOn: IsoDate,
  reason: Reason,
});
export type TransferStudentInput = z.input<typeof TransferStudentInput>;

/** A student leaves a service: its last day is the day before `exitOn`. */
export const ExitServiceInput = z.object({
  serviceId: Id,
  exitOn: IsoDate,
  reason: Reason,
});
export type ExitServiceInput = z.input<typeof ExitServiceInput>;

/** Why a transfer or exit cannot take effect on `date`, or null: within a year back, not ahead. */
export function moveDateProblem(date: string, today: string): string | null {
  if (date > today) return 'A move takes effect today or earlier';
  if (date < addDays(today, -366)) return 'A move takes effect within the last year';
  return null;
}
