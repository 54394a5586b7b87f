import Papa from 'papaparse';

// The one CSV writer of every export (fidelity, billing, the record of access, the Outcomes
// strata made in the browser). Papa Parse writes the CSV (every field quoted, quotes doubled,
// CRLF); this module adds the formula neutralisation. It lives here, in the pure domain package,
// because both the server and the browser import it: Papa Parse's writer is plain string work
// with no Node built-ins (csv-stringify's Node build needs `Buffer`, its browser build a polyfill).

export type CsvValue = string | number | boolean | null | undefined;

/** Characters that make a spreadsheet read a cell as a formula (OWASP "CSV injection"). */
const FORMULA_START = new Set(['=', '+', '-', '@', '\t', '\r']);

/**
 * Characters after which a reader may start a new cell: separators of comma-, semicolon-, tab-
 * and pipe-separated readers, line breaks, and quotes (a reader that mis-splits a quoted field
 * sees a cell start after them).
 */
const CELL_BOUNDARY = new Set([',', ';', '\t', '|', '\r', '\n', '"', "'"]);

/**
 * Text a spreadsheet reads as text, whatever separator it splits on: a formula character at the
 * start of the text, or right after a possible cell boundary, gets a `'` before it (OWASP). Numbers
 * are left alone, so -5 stays a number.
 */
export function neutraliseFormulas(value: CsvValue): string {
  if (value === null || value === undefined) return '';
  if (typeof value !== 'string') return String(value);
  let out = '';
  for (let i = 0; i < value.length; i++) {
    const c = value[i] as string;
    const startsCell = i === 0 || CELL_BOUNDARY.has(value[i - 1] as string);
    out += startsCell && FORMULA_START.has(c) ? `'${c}` : c;
  }
  return out;
}

const UNPARSE: Papa.UnparseConfig = { quotes: true, newline: '\r\n', header: false };

/** CSV records, each ending CRLF, every field quoted and neutralised; '' for no records. */
export function csvRecords(records: readonly (readonly CsvValue[])[]): string {
  if (records.length === 0) return '';
  const cells = records.map((r) => r.map(neutraliseFormulas));
  return `${Papa.unparse(cells, UNPARSE)}\r\n`;
}

/** A whole CSV document: the header, then the records. */
export function csvDocument(
  header: readonly string[],
  records: readonly (readonly CsvValue[])[],
): string {
  return csvRecords([header, ...records]);
}
