import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  breachKey,
  ChangePasswordInput,
  CreateUserInput,
  confirmsName,
  NewPassword,
  PASSWORD_MIN_LENGTH,
  passwordContextWords,
  passwordLength,
  passwordProblem,
  visibleLength,
} from '../src/password-policy';

const common = new Set(['passwordpassword', 'qwertyuiop123']);
const isCommon = (k: string) => common.has(k);

describe('password policy', () => {
  it('refuses fewer than 12 characters and accepts 12', () => {
    expect(passwordProblem('a'.repeat(11))).toBe('tooShort');
    expect(passwordProblem('tulip-orbit1')).toBeNull();
    expect(NewPassword.safeParse('short pass1').success).toBe(false);
  });

  it('accepts 64 characters and more, up to 200', () => {
    const long = Array.from({ length: 30 }, (_, i) => `step ${i} of the long walk`)
      .join(', ')
      .slice(0, 180);
    expect(long.length).toBeGreaterThan(64);
    expect(passwordProblem(long)).toBeNull();
    expect(NewPassword.parse(long)).toBe(long);
    expect(passwordProblem('x'.repeat(201))).toBe('tooLong');
    expect(passwordProblem('x'.repeat(12))).toBe('repeated');
  });

  it('counts Unicode characters, not UTF-16 units, after NFC', () => {
    // Six emoji are twelve UTF-16 units but six characters: too short.
    expect(passwordProblem('🐢🐢🐢🐢🐢🐢')).toBe('tooShort');
    expect(passwordProblem('🐢🐙'.repeat(PASSWORD_MIN_LENGTH / 2) + '🦀')).toBeNull();
    // "ñ" as n + combining tilde is one character once normalised.
    const decomposed = 'man\u0303ana-man\u0303ana';
    expect(passwordLength(decomposed)).toBe(13);
    expect(NewPassword.parse(decomposed)).toBe('mañana-mañana');
    expect(passwordProblem('пароль-длинный-очень')).toBeNull();
  });

  it('refuses a breached password whatever its case or outer spaces', () => {
    expect(passwordProblem('PasswordPassword', isCommon)).toBe('repeated');
    expect(passwordProblem('QWERTYuiop123', isCommon)).toBe('common');
    expect(passwordProblem('  qwertyuiop123 ', isCommon)).toBe('common');
    expect(passwordProblem('qwertyuiop1234', isCommon)).toBeNull();
    // NFKC: a full-width "ＡＢＣ" (a phone's keyboard) is the same password as "abc".
    expect(breachKey('ＡＢＣ')).toBe('abc');
  });

  it('refuses whitespace-only, invisible, repeated and sequential passwords', () => {
    expect(passwordProblem(' '.repeat(12))).toBe('blank');
    expect(passwordProblem('\u3000'.repeat(12))).toBe('blank');
    expect(passwordProblem('\u200b'.repeat(12))).toBe('invisible');
    expect(passwordProblem(`abc${'\u200d'.repeat(12)}`)).toBe('invisible');
    expect(passwordProblem('111111111111')).toBe('repeated');
    expect(passwordProblem('PassPassPassPass')).toBe('repeated');
    expect(passwordProblem('abcdefghijkl')).toBe('sequential');
    expect(passwordProblem('987654321098')).toBe('sequential');
    expect(passwordProblem('zyxwvutsrqpo')).toBe('sequential');
  });

  it('refuses the product, district and email names, whatever the case or width', () => {
    const contextWords = passwordContextWords({
      districtName: 'Riverbend Unified',
      email: 'j.alvarez@riverbend.k12.us',
    });
    expect(contextWords).toEqual(
      expect.arrayContaining(['carryover', 'riverbend', 'unified', 'alvarez']),
    );
    for (const p of [
      'carryover2026',
      'CarryOver-forever',
      'riverbendunified1',
      'my-alvarez-key-99',
      'ＣＡＲＲＹＯＶＥＲ２０２６',
    ])
      expect(passwordProblem(p, { contextWords }), p).toBe('context');
    expect(passwordProblem('tulip orbit canyon mild', { contextWords })).toBeNull();
  });

  it('asks the estimator last, and refuses a score under 3', () => {
    const seen: string[] = [];
    const strength = (p: string) => {
      seen.push(p);
      return p.includes('weak') ? 2 : 3;
    };
    expect(passwordProblem('a weak but long one', { strength })).toBe('weak');
    expect(passwordProblem('a strong and long one', { strength })).toBeNull();
    expect(passwordProblem('111111111111', { strength })).toBe('repeated');
    expect(seen).toEqual(['a weak but long one', 'a strong and long one']);
  });

  it('accepts only passwords of 12+ visible characters that are not one repeated chunk (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', minLength: 0, maxLength: 60 }), (s) => {
        if (passwordProblem(s) !== null) return;
        expect(visibleLength(s)).toBeGreaterThanOrEqual(PASSWORD_MIN_LENGTH);
        expect(s.trim()).not.toBe('');
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
