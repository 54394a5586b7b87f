import { z } from 'zod';
import { Discipline, Id, Role } from './model';
import { checkStaff } from './people';

// The password policy (NIST SP 800-63B style): long rather than clever. At least 12 characters,
// counted as Unicode code points after NFKC normalisation (the form scrypt hashes), so "ñ"
// typed either way and a full-width "Ａ" typed on a phone are the same password; up to 200
// (the sign-in form's own cap), so passphrases of 64 and more are welcome; no composition
// rules. Refused: whitespace-only or mostly invisible passwords, one chunk repeated, a run of
// consecutive characters, the product's, district's or user's own name, anything on the
// breach list, and anything the strength estimator (zxcvbn-ts, in the API) rates guessable.
// The breach list and the estimator's dictionaries are data the API holds, so this module
// stays pure: callers pass those checks in. The demo seed's shared password is exempt because
// it never goes through here.

export const PASSWORD_MIN_LENGTH = 12;
/** UTF-16 units, like SignInInput's cap, so every accepted password can also sign in. */
export const PASSWORD_MAX_LENGTH = 200;
/** zxcvbn's scale is 0–4; 3 is "safely unguessable: moderate protection from offline attacks". */
export const PASSWORD_MIN_STRENGTH = 3;

export const normalizePassword = (password: string): string => password.normalize('NFKC');

/** Length in characters (code points), not UTF-16 units: an emoji is one character. */
export const passwordLength = (password: string): number => [...normalizePassword(password)].length;

/** The form a breach-list lookup compares: NFKC, lower case, outer spaces ignored. */
export const breachKey = (password: string): string =>
  normalizePassword(password).trim().toLowerCase();

// Whitespace, separators, controls, format characters (zero-width space, joiners, direction
// marks), combining marks on their own and unassigned code points: nothing a reader can see.
const INVISIBLE = /[\s\p{Z}\p{Cc}\p{Cf}\p{Cn}\p{Co}\p{Cs}\p{M}\u3164\u115F\u1160\uFFA0]/u;

/** Characters a person can see: what the minimum length counts. */
export const visibleLength = (password: string): number =>
  [...normalizePassword(password)].filter((c) => !INVISIBLE.test(c)).length;

export const PASSWORD_MESSAGES = {
  tooShort: `Use at least ${PASSWORD_MIN_LENGTH} characters`,
  tooLong: `Use at most ${PASSWORD_MAX_LENGTH} characters`,
  blank: 'A password of only spaces is not a password',
  invisible: `Use at least ${PASSWORD_MIN_LENGTH} visible characters: spaces and invisible characters do not count`,
  repeated: 'A password that repeats one character or chunk is easy to guess',
  sequential: 'A run like "abcdef" or "123456" is easy to guess',
  context: 'Leave out the name of Carryover, your district or your email',
  common: 'This password appears in lists of breached passwords; choose another',
  weak: 'This password is easy to guess; add a few uncommon words',
  sameAsCurrent: 'Choose a password different from the current one',
} as const;

export type PasswordProblem = keyof typeof PASSWORD_MESSAGES;

/** Words a user's password must not contain: the product, their district and their email. */
export function passwordContextWords(context: {
  districtName?: string | null;
  email?: string | null;
  name?: string | null;
}): string[] {
  const words = new Set<string>(['carryover']);
  const add = (text: string | null | undefined) => {
    if (!text) return;
    const lower = normalizePassword(text).toLowerCase();
    const parts = lower.split(/[^\p{L}\p{N}]+/u).filter((w) => w.length >= 3);
    for (const w of parts) words.add(w);
    const joined = parts.join('');
    if (joined.length >= 3) words.add(joined);
  };
  add(context.districtName);
  add(context.email?.split('@')[0]);
  add(context.name);
  return [...words];
}

function isRepeated(chars: readonly string[]): boolean {
  const n = chars.length;
  for (let unit = 1; unit <= n / 2; unit++) {
    if (n % unit !== 0) continue;
    if (chars.every((c, i) => c === chars[i % unit])) return true;
  }
  return false;
}

/** Every step +1 or every step −1 in code point (digits wrap: …8901…), like "abcdefghijkl". */
function isSequential(chars: readonly string[]): boolean {
  if (chars.length < 3) return false;
  const step = (a: string, b: string) => {
    const d = (b.codePointAt(0) ?? 0) - (a.codePointAt(0) ?? 0);
    if (a === '9' && b === '0') return 1;
    if (a === '0' && b === '9') return -1;
    return d;
  };
  const first = step(chars[0] as string, chars[1] as string);
  if (first !== 1 && first !== -1) return false;
  for (let i = 2; i < chars.length; i++)
    if (step(chars[i - 1] as string, chars[i] as string) !== first) return false;
  return true;
}

export interface PasswordChecks {
  /** Receives `breachKey(password)`. */
  isCommon?: (key: string) => boolean;
  /** From `passwordContextWords`; compared in lower case. */
  contextWords?: readonly string[];
  /** A strength score 0–4 (zxcvbn's scale) for the normalised password and the context words. */
  strength?: (password: string, contextWords: readonly string[]) => number;
}

/**
 * What is wrong with `password` under the policy, or null when it is acceptable. A function
 * as the second argument is the breach-list lookup alone (no context, no estimator).
 */
export function passwordProblem(
  password: string,
  checks: PasswordChecks | ((key: string) => boolean) = {},
): PasswordProblem | null {
  const {
    isCommon,
    contextWords = [],
    strength,
  } = typeof checks === 'function' ? { isCommon: checks } : checks;
  const normalized = normalizePassword(password);
  if (normalized.length > PASSWORD_MAX_LENGTH) return 'tooLong';
  if (normalized.length > 0 && normalized.trim() === '') return 'blank';
  const length = passwordLength(normalized);
  if (length < PASSWORD_MIN_LENGTH) return 'tooShort';
  if (visibleLength(normalized) < PASSWORD_MIN_LENGTH) return 'invisible';
  const lower = [...normalized.toLowerCase()].filter((c) => !INVISIBLE.test(c));
  if (isRepeated(lower)) return 'repeated';
  if (isSequential(lower)) return 'sequential';
  const text = lower.join('');
  if (contextWords.some((w) => w.length >= 3 && text.includes(w.toLowerCase()))) return 'context';
  if (isCommon?.(breachKey(normalized))) return 'common';
  if (strength && strength(normalized, contextWords) < PASSWORD_MIN_STRENGTH) return 'weak';
  return null;
}

/**
 * A new password: NFKC-normalised, length checked. The breach list and the estimator run in
 * the API, which holds their data (the browser does not download it).
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

// Multi-factor sign-in, sessions and setup links: the inputs of the account and auth
// procedures that carry them.

/** A code from an authenticator app (RFC 6238: six digits, a new one every 30 s). */
export const TotpCode = z
  .string()
  .trim()
  .regex(/^\d{6}$/, 'Enter the 6-digit code from your authenticator app');

/** Recovery codes are shown as `xxxxx-xxxxx` (lower-case letters and digits). */
export const RECOVERY_CODE_PATTERN = /^[a-z0-9]{5}-[a-z0-9]{5}$/;
export const normalizeRecoveryCode = (code: string): string => {
  const squashed = code.trim().toLowerCase().replace(/[\s-]/g, '');
  return squashed.length === 10 ? `${squashed.slice(0, 5)}-${squashed.slice(5)}` : squashed;
};

/** The second step of sign-in: an authenticator code, or one of the recovery codes. */
export const VerifyMfaInput = z.object({
  code: z
    .string()
    .trim()
    .min(1, 'Enter the code from your authenticator app')
    .max(32, 'That is not a code')
    .refine(
      (c) => /^\d{6}$/.test(c) || RECOVERY_CODE_PATTERN.test(normalizeRecoveryCode(c)),
      'Enter the 6-digit code from your app, or a recovery code like abcde-12345',
    ),
});
export type VerifyMfaInput = z.input<typeof VerifyMfaInput>;

export const ConfirmMfaInput = z.object({ code: TotpCode });
export type ConfirmMfaInput = z.input<typeof ConfirmMfaInput>;

export const DisableMfaInput = z.object({
  currentPassword: z
    .string()
    .min(1, 'Enter your current password')
    .max(200, 'Password is too long'),
});
export type DisableMfaInput = z.input<typeof DisableMfaInput>;

/** A session as the Account page names it: the SHA-256 of its token, never the token. */
export const EndSessionInput = z.object({
  sessionId: z.string().regex(/^[0-9a-f]{64}$/, 'Choose one of your sessions'),
});
export type EndSessionInput = z.input<typeof EndSessionInput>;

export const SetUserActiveInput = z.object({ userId: Id, active: z.boolean() });
export type SetUserActiveInput = z.input<typeof SetUserActiveInput>;

/** A setup link's secret: `<district id>.<43 base64url characters>`. */
export const SetupToken = z
  .string()
  .max(200, 'This setup link is not valid')
  .regex(/^[A-Za-z0-9_-]{1,100}\.[A-Za-z0-9_-]{43}$/, 'This setup link is not valid');

export const SetupLinkInput = z.object({ token: SetupToken });
export type SetupLinkInput = z.input<typeof SetupLinkInput>;

export const CompleteSetupInput = z.object({ token: SetupToken, password: NewPassword });
export type CompleteSetupInput = z.input<typeof CompleteSetupInput>;

/** Whether a district's policy makes `role` sign in with a second factor. */
export function mfaRequiredFor(role: Role, policy: { mfaRequiredRoles: readonly Role[] }): boolean {
  return policy.mfaRequiredRoles.includes(role);
}

/** Roles whose work is one discipline (OT, SLP, PT). */

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
  .superRefine(checkStaff);
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

/** How long a one-time setup link (a new account's first password) stays valid. */
export const SETUP_LINK_HOURS = 24;
