import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  breachKey,
  ChangePasswordInput,
  CreateUserInput,
  confirmsName,
  NewPassword,
  PASSWORD_MIN_LENGTH,
  passwordLength,
  passwordProblem,
} from '../src/password-policy';

const common = new Set(['passwordpassword', 'qwertyuiop123']);
const isCommon = (k: string) => common.has(k);

describe('password policy', () => {
  it('refuses fewer than 12 characters and accepts 12', () => {
    expect(passwordProblem('a'.repeat(11))).toBe('tooShort');
    expect(passwordProblem('a'.repeat(12))).toBeNull();
    expect(NewPassword.safeParse('short pass1').success).toBe(false);
  });

  it('accepts 64 characters and more, up to 200', () => {
    const long = 'correct horse battery staple, '.repeat(6).slice(0, 180);
    expect(long.length).toBeGreaterThan(64);
    expect(passwordProblem(long)).toBeNull();
    expect(NewPassword.parse(long)).toBe(long);
    expect(passwordProblem('x'.repeat(201))).toBe('tooLong');
  });

  it('counts Unicode characters, not UTF-16 units, after NFC', () => {
    // Six emoji are twelve UTF-16 units but six characters: too short.
    expect(passwordProblem('🐢🐢🐢🐢🐢🐢')).toBe('tooShort');
    expect(passwordProblem('🐢'.repeat(PASSWORD_MIN_LENGTH))).toBeNull();
    // "ñ" as n + combining tilde is one character once normalised.
    const decomposed = 'man\u0303ana-man\u0303ana';
    expect(passwordLength(decomposed)).toBe(13);
    expect(NewPassword.parse(decomposed)).toBe('mañana-mañana');
    expect(passwordProblem('пароль-длинный-очень')).toBeNull();
  });

  it('refuses a breached password whatever its case or outer spaces', () => {
    expect(passwordProblem('PasswordPassword', isCommon)).toBe('common');
    expect(passwordProblem('  qwertyuiop123 ', isCommon)).toBe('common');
    expect(passwordProblem('qwertyuiop1234', isCommon)).toBeNull();
    expect(breachKey('ＡＢＣ')).toBe('ａｂｃ'); // NFC, not NFKC: full-width stays full-width
  });

  it('any string of 12 to 200 characters outside the list is accepted (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', minLength: 12, maxLength: 60 }), (s) => {
        fc.pre(s.length <= 200 && passwordLength(s) >= 12);
        expect(passwordProblem(s)).toBeNull();
      }),
    );
  });

  it('names the field in the account and admin inputs', () => {
    const change = ChangePasswordInput.safeParse({ currentPassword: '', newPassword: 'short' });
    expect(change.success).toBe(false);
    const paths = change.error!.issues.map((i) => i.path[0]);
    expect(paths).toEqual(expect.arrayContaining(['currentPassword', 'newPassword']));

    const base = {
      name: 'New Person',
      email: 'New@Example.test',
      password: 'a long enough password',
    };
    expect(CreateUserInput.parse({ ...base, role: 'teacher' })).toMatchObject({
      email: 'new@example.test',
      discipline: null,
      schoolIds: [],
    });
    const therapist = CreateUserInput.safeParse({ ...base, role: 'therapist' });
    expect(therapist.error?.issues.map((i) => i.path[0])).toEqual(['discipline']);
    const assistant = CreateUserInput.safeParse({ ...base, role: 'assistant', discipline: 'OT' });
    expect(assistant.error?.issues.map((i) => i.path[0])).toEqual(['supervisorId']);
  });

  it('confirms a deletion only with the student’s full name', () => {
    expect(confirmsName('  ava   LOPEZ ', 'Ava', 'Lopez')).toBe(true);
    expect(confirmsName('Ava', 'Ava', 'Lopez')).toBe(false);
    expect(confirmsName('Ava Lopes', 'Ava', 'Lopez')).toBe(false);
  });
});
