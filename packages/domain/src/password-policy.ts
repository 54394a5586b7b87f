import { z } from 'zod';
import { Discipline, Id, Role } from './model';

// The password policy (NIST SP 800-63B style): long rather than clever. At least 12 characters,
// counted as Unicode code points after NFC normalisation, so "ñ" typed either way is one
// character and the same password; up to 200 (the sign-in form's own cap), so passphrases of
// 64 and more are welcome; no composition rules; and never a password from the breach list.
// The list itself is data (packages/api/src/data), so this module stays pure: callers pass
// the lookup in. The demo seed's shared password is exempt because it never goes through here.

export const PASSWORD_MIN_LENGTH = 12;
/** UTF-16 units, like SignInInput's cap, so every accepted password can also sign in. */
export const PASSWORD_MAX_LENGTH = 200;

export const normalizePassword = (password: string): string => password.normalize('NFC');

/** Length in characters (code points), not UTF-16 units: an emoji is one character. */
export const passwordLength = (password: string): number => [...normalizePassword(password)].length;

/** The form a breach-list lookup compares: NFC, lower case, outer spaces ignored. */
export const breachKey = (password: string): string =>
  normalizePassword(password).trim().toLowerCase();

export const PASSWORD_MESSAGES = {
  tooShort: `Use at least ${PASSWORD_MIN_LENGTH} characters`,
  tooLong: `Use at most ${PASSWORD_MAX_LENGTH} characters`,
  common: 'This password appears in lists of breached passwords; choose another',
  sameAsCurrent: 'Choose a password different from the current one',
} as const;

export type PasswordProblem = keyof typeof PASSWORD_MESSAGES;

/**
 * What is wrong with `password` under the policy, or null when it is acceptable.
 * `isCommon` receives `breachKey(password)`.
 */
export function passwordProblem(
  password: string,
  isCommon: (key: string) => boolean = () => false,
): PasswordProblem | null {
  const normalized = normalizePassword(password);
  if (normalized.length > PASSWORD_MAX_LENGTH) return 'tooLong';
  if (passwordLength(normalized) < PASSWORD_MIN_LENGTH) return 'tooShort';
  if (isCommon(breachKey(normalized))) return 'common';
  return null;
}

/**
 * A new password: NFC-normalised, length checked. The breach list is checked by the API, which
 * holds it (the browser does not download it).
 */
export const NewPassword = z
  .string()
  .max(PASSWORD_MAX_LENGTH, PASSWORD_MESSAGES.tooLong)
  .transform(normalizePassword)
  .refine((p) => passwordLength(p) >= PASSWORD_MIN_LENGTH, PASSWORD_MESSAGES.tooShort);

export const ChangePasswordInput = z.object({
  currentPassword: z
    .string()
    .min(1, 'Enter your current password')
    .max(200, 'Password is too long'),
  newPassword: NewPassword,
});
export type ChangePasswordInput = z.input<typeof ChangePasswordInput>;

/** Roles whose work is one discipline (OT, SLP, PT). */
const needsDiscipline = (role: Role) => role === 'therapist' || role === 'assistant';

/** An admin adds a staff member to their own district (the district comes from the session). */
export const CreateUserInput = z
  .object({
    name: z.string().trim().min(1, 'Enter a name').max(120, 'Name is too long'),
    email: z
      .string()
      .trim()
      .toLowerCase()
      .max(254, 'Email is too long')
      .pipe(z.email('Enter an email address')),
    role: Role,
    discipline: Discipline.nullable().default(null),
    /** Schools served (therapists, assistants) or overseen (coordinators). */
    schoolIds: z.array(Id).max(50, 'At most 50 schools').default([]),
    /** An assistant's supervising therapist. */
    supervisorId: Id.nullable().default(null),
    password: NewPassword,
  })
  .superRefine((v, ctx) => {
    if (needsDiscipline(v.role) && !v.discipline)
      ctx.addIssue({ code: 'custom', path: ['discipline'], message: 'Choose a discipline' });
    if (!needsDiscipline(v.role) && v.discipline)
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
  });
export type CreateUserInput = z.input<typeof CreateUserInput>;

// The admin's record procedures. They live beside the account inputs because both are the
// admin's security surface; each takes an id, never a name, except the deliberate retyping
// of the name that confirms a deletion (a mutation: its input travels in the body, not a URL).

export const recordFormats = ['csv', 'json'] as const;
export const RecordFormat = z.enum(recordFormats);
export type RecordFormat = z.infer<typeof RecordFormat>;

export const ExportAccessRecordInput = z.object({
  studentId: Id,
  format: RecordFormat.default('csv'),
});
export type ExportAccessRecordInput = z.input<typeof ExportAccessRecordInput>;

export const ExportStudentRecordInput = z.object({ studentId: Id });
export type ExportStudentRecordInput = z.input<typeof ExportStudentRecordInput>;

export const DeleteStudentInput = z.object({
  studentId: Id,
  /** The student's full name, typed again. */
  confirmName: z.string().trim().min(1, "Type the student's full name to confirm").max(200),
});
export type DeleteStudentInput = z.input<typeof DeleteStudentInput>;

/** Whether a typed confirmation names the student: spacing and letter case do not matter. */
export function confirmsName(typed: string, firstName: string, lastName: string): boolean {
  const squash = (s: string) => s.normalize('NFC').trim().replace(/\s+/g, ' ').toLowerCase();
  return squash(typed) === squash(`${firstName} ${lastName}`);
}

/** A downloadable file, as the export procedures return it. */
export interface ExportedFile {
  filename: string;
  contentType: string;
  content: string;
}
