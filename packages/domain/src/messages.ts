import { z } from 'zod';

// Every validation message a person may read. A schema's own message (a field's "Enter your
// password") wins; whatever a schema leaves to zod gets these words instead of zod's defaults
// ("Too small: expected string to have >=1 characters", "Invalid ISO date"). Set once, for the
// API and the web forms alike, when the package is first imported.

type RawIssue = Parameters<NonNullable<Parameters<typeof z.config>[0]>['customError'] & {}>[0];

const plural = (n: number | bigint, one: string, many = `${one}s`) =>
  `${n} ${Number(n) === 1 ? one : many}`;

const formatWords: Record<string, string> = {
  date: 'Enter a date as YYYY-MM-DD',
  datetime: 'Enter a date and time',
  time: 'Enter a time as HH:MM',
  email: 'Enter an email address',
  url: 'Enter a web address, such as https://example.org',
  uuid: 'Check this reference: it is not one Carryover made',
  regex: 'Check the format of this entry',
};

const typeWords: Record<string, string> = {
  number: 'Enter a number',
  int: 'Enter a whole number',
  string: 'Enter text',
  boolean: 'Choose yes or no',
  array: 'Choose one or more',
  date: 'Enter a date',
};

/** The words for an issue a schema did not word itself. */
export function humanIssueMessage(issue: RawIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined || issue.input === null) return 'This is required';
      if (issue.expected === 'number' && Number.isNaN(issue.input)) return 'Enter a number';
      return typeWords[issue.expected] ?? 'Check this entry';
    case 'too_small': {
      const n = issue.minimum;
      const exclusive = issue.inclusive === false;
      switch (issue.origin) {
        case 'string':
          return Number(n) <= 1 ? 'Fill this in' : `Use at least ${plural(n, 'character')}`;
        case 'array':
        case 'set':
          return Number(n) <= 1 ? 'Choose at least one' : `Choose at least ${n}`;
        case 'date':
          return 'Choose a later date';
        default:
          return exclusive ? `Enter a number above ${n}` : `Enter ${n} or more`;
      }
    }
    case 'too_big': {
      const n = issue.maximum;
      const exclusive = issue.inclusive === false;
      switch (issue.origin) {
        case 'string':
          return `Use at most ${plural(n, 'character')}`;
        case 'array':
        case 'set':
          return `Choose at most ${n}`;
        case 'date':
          return 'Choose an earlier date';
        default:
          return exclusive ? `Enter a number below ${n}` : `Enter ${n} or less`;
      }
    }
    case 'invalid_format':
      return formatWords[issue.format] ?? 'Check the format of this entry';
    case 'not_multiple_of':
      return Number(issue.divisor) === 1
        ? 'Enter a whole number'
        : `Enter a multiple of ${issue.divisor}`;
    case 'unrecognized_keys':
      return `This form does not take ${issue.keys.length === 1 ? 'the field' : 'the fields'} ${issue.keys.join(', ')}`;
    case 'invalid_value':
      return 'Choose one of the options';
    case 'invalid_union':
    case 'invalid_key':
    case 'invalid_element':
    case 'custom':
      return 'Check this entry';
    default:
      return 'Check this entry';
  }
}

z.config({ customError: (issue) => humanIssueMessage(issue) });
