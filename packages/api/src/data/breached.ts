import { readFileSync } from 'node:fs';
import { breachKey } from '@carryover/domain';

// common-passwords.txt, one a line: the most common passwords seen in public breach corpora,
// most common first: the top 5,000 of the zxcvbn-ts common list (@zxcvbn-ts/language-common
// 4.1.3, MIT, from public breach compilations) plus every entry of 12 or more characters from its
// full 49,233 (the only ones a 12-character minimum lets through). Lower-cased, NFC. Shipped with
// the source, never downloaded at run time; a data file rather than a 5,300-line string in
// TypeScript. Regenerate from that package's src/passwords.json (see README, "Security and
// privacy").
const LIST = new URL('./common-passwords.txt', import.meta.url);

let common: Set<string> | undefined;

/** The list, read once on first use. */
function commonPasswords(): Set<string> {
  common ??= new Set(
    readFileSync(LIST, 'utf8')
      .split('\n')
      .filter((line) => line !== ''),
  );
  return common;
}

/** Whether the password (any case, NFC or not) is on the bundled list of breached passwords. */
export function isCommonPassword(password: string): boolean {
  return commonPasswords().has(breachKey(password));
}

export const COMMON_PASSWORD_COUNT = (): number => commonPasswords().size;
