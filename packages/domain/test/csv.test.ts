import fc from 'fast-check';
import Papa from 'papaparse';
import { describe, expect, it } from 'vitest';
import { type CsvValue, csvDocument, csvRecords, neutraliseFormulas } from '../src/csv';

// What a spreadsheet would see: the CSV split on each separator it might be set to, with and
// without quote handling, and every cell's leading quotes stripped (Excel drops them), as well as
// the CRLF record ends a confused quote-aware reader leaves at a cell's start.
const FORMULA = /^[=+\-@\t\r]/;
function cellsSeenBy(csv: string, delimiter: string): string[] {
  const naive = csv.split(/\r\n|\r|\n/).flatMap((line) => line.split(delimiter));
  const quoteAware = Papa.parse<string[]>(csv, { delimiter, newline: '\r\n' }).data.flat();
  return [...naive, ...quoteAware].map((cell) => cell.replace(/^("|\r\n)+/, ''));
}

const tricky = fc.string({
  unit: fc.constantFrom(
    '=',
    '+',
    '-',
    '@',
    '\t',
    '\r',
    '\n',
    ',',
    ';',
    '|',
    '"',
    "'",
    ' ',
    'a',
    '1',
  ),
  maxLength: 12,
});

describe('CSV writer', () => {
  it('quotes every field, doubles quotes, ends each record CRLF', () => {
    expect(
      csvDocument(
        ['name', 'n'],
        [
          ['say "hi"', 3],
          [null, undefined],
        ],
      ),
    ).toBe('"name","n"\r\n"say ""hi""","3"\r\n"",""\r\n');
    expect(csvRecords([])).toBe('');
  });

  it('neutralises formula starts per OWASP, and keeps negative numbers numbers', () => {
    expect(neutraliseFormulas('=HYPERLINK("x")')).toBe(`'=HYPERLINK("x")`);
    for (const c of ['=', '+', '-', '@', '\t', '\r'])
      expect(neutraliseFormulas(`${c}1`)).toBe(`'${c}1`);
    expect(neutraliseFormulas(-5)).toBe('-5');
    expect(neutraliseFormulas('2026-11-30')).toBe('2026-11-30');
    // A cell a `;`- or tab-separated reader would start inside the text.
    expect(neutraliseFormulas('Ava;=cmd()')).toBe("Ava;'=cmd()");
    expect(neutraliseFormulas('Ava\t+1')).toBe("Ava\t'+1");
  });

  it('no reader splitting on , ; tab or | sees a formula, whatever the text', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(tricky, { minLength: 1, maxLength: 4 }), { maxLength: 4 }),
        (rows) => {
          const csv = csvRecords(rows);
          for (const delimiter of [',', ';', '\t', '|'])
            for (const cell of cellsSeenBy(csv, delimiter)) expect(cell).not.toMatch(FORMULA);
        },
      ),
    );
  });

  it('a comma reader reads back exactly the neutralised text', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(tricky, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 4 }),
        (rows: CsvValue[][]) => {
          const parsed = Papa.parse<string[]>(csvRecords(rows), {
            delimiter: ',',
            newline: '\r\n',
          }).data;
          expect(parsed.slice(0, rows.length)).toEqual(rows.map((r) => r.map(neutraliseFormulas)));
        },
      ),
    );
  });
});
