import { type PasswordChecks, passwordContextWords } from '@carryover/domain';
import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import * as common from '@zxcvbn-ts/language-common';
import * as en from '@zxcvbn-ts/language-en';
import { isCommonPassword } from '../data/breached';

// The password strength estimator: zxcvbn-ts with its common and English dictionaries
// (passwords, names, Wikipedia words, keyboard patterns, dates, l33t). Built on first use: the
// dictionaries take a moment to index and most processes never set a password.

let estimator: ZxcvbnFactory | undefined;

function zxcvbn(): ZxcvbnFactory {
  estimator ??= new ZxcvbnFactory({
    dictionary: { ...common.dictionary, ...en.dictionary },
    graphs: common.adjacencyGraphs,
    translations: en.translations,
    // Past 64 characters a passphrase is long enough; estimating more only costs time.
    maxLength: 64,
  });
  return estimator;
}

/**
 * Indexes the dictionaries now (about a second of CPU) rather than inside the first request
 * that sets a password, which would stall every other request meanwhile.
 */
export function warmPasswordEstimator(): void {
  zxcvbn().check('warm-up', []);
}

/** zxcvbn's 0–4 score, with the context words as extra dictionary entries. */
export function passwordStrength(password: string, contextWords: readonly string[]): number {
  return zxcvbn().check(password, [...contextWords]).score;
}

/** Every check of the policy, for a password that `user` of `districtName` sets. */
export function passwordChecksFor(user: {
  email: string;
  name?: string | null;
  districtName: string;
}): PasswordChecks {
  return {
    isCommon: isCommonPassword,
    contextWords: passwordContextWords(user),
    strength: passwordStrength,
  };
}
