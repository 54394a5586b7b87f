import { breachKey } from '@carryover/domain';
import { COMMON_PASSWORDS_TEXT } from './common-passwords';

let common: Set<string> | undefined;

/** Whether the password (any case, NFC or not) is on the bundled list of breached passwords. */
export function isCommonPassword(password: string): boolean {
  common ??= new Set(COMMON_PASSWORDS_TEXT.split('\n'));
  return common.has(breachKey(password));
}

export const COMMON_PASSWORD_COUNT = (): number => {
  common ??= new Set(COMMON_PASSWORDS_TEXT.split('\n'));
  return common.size;
};
