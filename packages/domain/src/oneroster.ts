import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import Papa from 'papaparse';
import { z } from 'zod';

// OneRoster 1.2 CSV (1EdTech's CSV binding), the rosters every student information system
// exports: the files, their column names, and one zod schema per row. Pure: text in, rows and
// errors out; the database side (packages/db, queries/import) decides what the rows change.
// A file is read with Papa Parse (BOM, CRLF, quoted commas and line breaks, extra columns),
// and every problem becomes a row error naming its file, line, column, value and reason.

export interface ImportRowError {
  file: string;
  /** The file's line where the record starts (the header is line 1); 0 for the whole bundle. */
  line: number;
  column: string;
  value: string;
  reason: string;
}

export const ONEROSTER_FILES = [
  'manifest.csv',
  'orgs.csv',
  'academicSessions.csv',
  'users.csv',
  'roles.csv',
  'classes.csv',
  'courses.csv',
  'enrollments.csv',
  'demographics.csv',
] as const;
export type OneRosterFile = (typeof ONEROSTER_FILES)[number];
export type OneRosterDataFile = Exclude<OneRosterFile, 'manifest.csv'>;

/** Columns of each file in the binding's order (what an export writes). */
export const ONEROSTER_COLUMNS: Record<OneRosterFile, readonly string[]> = {
  'manifest.csv': ['propertyName', 'value'],
  'orgs.csv': [
    'sourcedId',
    'status',
    'dateLastModified',
    'name',
    'type',
    'identifier',
    'parentSourcedId',
  ],
  'academicSessions.csv': [
    'sourcedId',
    'status',
    'dateLastModified',
    'title',
    'type',
    'startDate',
    'endDate',
    'parentSourcedId',
    'schoolYear',
  ],
  'users.csv': [
    'sourcedId',
    'status',
    'dateLastModified',
    'enabledUser',
    'username',
    'userIds',
    'givenName',
    'familyName',
    'middleName',
    'identifier',
    'email',
    'sms',
    'phone',
    'agentSourcedIds',
    'grades',
    'password',
    'userMasterIdentifier',
    'resourceSourcedIds',
    'preferredGivenName',
    'preferredMiddleName',
    'preferredFamilyName',
    'primaryOrgSourcedId',
    'pronouns',
  ],
  'roles.csv': [
    'sourcedId',
    'status',
    'dateLastModified',
    'userSourcedId',
    'roleType',
    'role',
    'beginDate',
    'endDate',
    'orgSourcedId',
    'userProfileSourcedId',
  ],
  'classes.csv': [
    'sourcedId',
    'status',
    'dateLastModified',
    'title',
    'grades',
    'courseSourcedId',
    'classCode',
    'classType',
    'location',
    'schoolSourcedId',
    'termSourcedIds',
    'subjects',
    'subjectCodes',
    'periods',
  ],
  'courses.csv': [
    'sourcedId',
    'status',
    'dateLastModified',
    'schoolYearSourcedId',
    'title',
    'courseCode',
    'grades',
    'orgSourcedId',
    'subjects',
    'subjectCodes',
  ],
  'enrollments.csv': [
    'sourcedId',
    'status',
    'dateLastModified',
    'classSourcedId',
    'schoolSourcedId',
    'userSourcedId',
    'role',
    'primary',
    'beginDate',
    'endDate',
  ],
  'demographics.csv': [
    'sourcedId',
    'status',
    'dateLastModified',
    'birthDate',
    'sex',
    'americanIndianOrAlaskaNative',
    'asian',
    'blackOrAfricanAmerican',
    'nativeHawaiianOrOtherPacificIslander',
    'white',
    'demographicRaceTwoOrMoreRaces',
    'hispanicOrLatinoEthnicity',
    'countryOfBirthCode',
    'stateOfBirthAbbreviation',
    'cityOfBirth',
    'publicSchoolResidenceStatus',
  ],
};

/**
 * Columns Carryover writes beyond the binding (the binding allows `metadata.*` extensions), so
 * an export read back into an empty database keeps what OneRoster has no field for: a staff
 * member's Carryover role and discipline, a student's IEP dates and family language. Other
 * systems leave them out.
 */
export const CARRYOVER_USER_EXTENSIONS = [
  'metadata.carryover.role',
  'metadata.carryover.discipline',
  'metadata.carryover.iepStart',
  'metadata.carryover.iepAnnualReview',
  'metadata.carryover.iepReevaluation',
  'metadata.carryover.familyLanguage',
] as const;

/** Columns a file must have; the rest of the binding's columns may be missing or empty. */
const REQUIRED_COLUMNS: Record<OneRosterFile, readonly string[]> = {
  'manifest.csv': ['propertyName', 'value'],
  'orgs.csv': ['sourcedId', 'status', 'dateLastModified', 'name', 'type'],
  'academicSessions.csv': [
    'sourcedId',
    'status',
    'dateLastModified',
    'title',
    'type',
    'startDate',
    'endDate',
  ],
  'users.csv': ['sourcedId', 'status', 'dateLastModified', 'givenName', 'familyName'],
  'roles.csv': ['sourcedId', 'status', 'dateLastModified', 'userSourcedId', 'role', 'orgSourcedId'],
  'classes.csv': [
    'sourcedId',
    'status',
    'dateLastModified',
    'title',
    'courseSourcedId',
    'schoolSourcedId',
  ],
  'courses.csv': ['sourcedId', 'status', 'dateLastModified', 'title', 'orgSourcedId'],
  'enrollments.csv': [
    'sourcedId',
    'status',
    'dateLastModified',
    'classSourcedId',
    'schoolSourcedId',
    'userSourcedId',
    'role',
  ],
  'demographics.csv': ['sourcedId', 'status', 'dateLastModified'],
};

// --- field schemas -------------------------------------------------------------------------

const blankToUndefined = (v: unknown) => (v === '' ? undefined : v);

function realDate(s: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d;
}

/** A calendar date YYYY-MM-DD that exists (no February 30). */
export const CsvDate = z
  .string()
  .refine(realDate, { message: 'must be a real date written YYYY-MM-DD' });
const optionalDate = z.preprocess(blankToUndefined, CsvDate.optional());
const required = (what: string) => z.string().min(1, { message: `${what} is required` });
const optionalText = z.preprocess(blankToUndefined, z.string().optional());
const sourcedId = required('sourcedId').max(255, { message: 'is longer than 255 characters' });
const optionalRef = z.preprocess(blankToUndefined, sourcedId.optional());

export const OneRosterStatus = z.enum(['active', 'tobedeleted'], {
  message: 'must be active or tobedeleted',
});
/** ISO 8601 date-time of the record's last change (or a bare date). */
const DateTime = z
  .string()
  .refine(
    (s) =>
      /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(s) && realDate(s.slice(0, 10)),
    {
      message: 'must be an ISO 8601 date-time (2026-09-01T12:00:00Z)',
    },
  );

/** Columns every data file shares. In bulk mode status and dateLastModified may be blank. */
const base = {
  sourcedId,
  status: z.preprocess(blankToUndefined, OneRosterStatus.optional()),
  dateLastModified: z.preprocess(blankToUndefined, DateTime.optional()),
};

export const OrgRow = z.object({
  ...base,
  name: required('name'),
  type: z.enum(['department', 'school', 'district', 'local', 'state', 'national'], {
    message: 'must be one of department, school, district, local, state, national',
  }),
  identifier: optionalText,
  parentSourcedId: optionalRef,
});

export const AcademicSessionRow = z.object({
  ...base,
  title: required('title'),
  type: z.enum(['gradingPeriod', 'semester', 'schoolYear', 'term'], {
    message: 'must be one of gradingPeriod, semester, schoolYear, term',
  }),
  startDate: CsvDate,
  endDate: CsvDate,
  parentSourcedId: optionalRef,
  schoolYear: optionalText,
});

export const UserRow = z.object({
  ...base,
  enabledUser: z.preprocess(
    blankToUndefined,
    z.enum(['true', 'false'], { message: 'must be true or false' }).optional(),
  ),
  username: optionalText,
  givenName: required('givenName'),
  familyName: required('familyName'),
  preferredGivenName: optionalText,
  preferredFamilyName: optionalText,
  email: z.preprocess(
    blankToUndefined,
    z
      .string()
      .regex(/^[^@\s]+@[^@\s]+\.[^@\s]+$/, { message: 'must be an email address' })
      .optional(),
  ),
  grades: optionalText,
  primaryOrgSourcedId: optionalRef,
  'metadata.carryover.role': optionalText,
  'metadata.carryover.discipline': optionalText,
  'metadata.carryover.iepStart': optionalDate,
  'metadata.carryover.iepAnnualReview': optionalDate,
  'metadata.carryover.iepReevaluation': optionalDate,
  /** A student's family's preferred language tag (en, es…): their parent letters' language. */
  'metadata.carryover.familyLanguage': z.preprocess(
    blankToUndefined,
    z
      .string()
      .regex(/^[a-z]{2,3}(-[A-Z]{2})?$/, { message: 'must be a language tag such as en or es' })
      .optional(),
  ),
});

/** OneRoster 1.2 role names (roles.csv `role`). */
export const oneRosterRoles = [
  'administrator',
  'aide',
  'counselor',
  'districtAdministrator',
  'guardian',
  'parent',
  'principal',
  'proctor',
  'relative',
  'siteAdministrator',
  'student',
  'systemAdministrator',
  'teacher',
] as const;

export const RoleRow = z.object({
  ...base,
  userSourcedId: sourcedId,
  roleType: z.preprocess(
    blankToUndefined,
    z.enum(['primary', 'secondary'], { message: 'must be primary or secondary' }).optional(),
  ),
  role: z.enum(oneRosterRoles, { message: `must be one of ${oneRosterRoles.join(', ')}` }),
  beginDate: optionalDate,
  endDate: optionalDate,
  orgSourcedId: sourcedId,
});

export const ClassRow = z.object({
  ...base,
  title: required('title'),
  grades: optionalText,
  courseSourcedId: sourcedId,
  classCode: optionalText,
  classType: z.preprocess(
    blankToUndefined,
    z.enum(['homeroom', 'scheduled'], { message: 'must be homeroom or scheduled' }).optional(),
  ),
  schoolSourcedId: sourcedId,
});

export const CourseRow = z.object({
  ...base,
  title: required('title'),
  orgSourcedId: sourcedId,
});

export const EnrollmentRow = z.object({
  ...base,
  classSourcedId: sourcedId,
  schoolSourcedId: sourcedId,
  userSourcedId: sourcedId,
  role: z.enum(['administrator', 'proctor', 'student', 'teacher'], {
    message: 'must be one of administrator, proctor, student, teacher',
  }),
  primary: z.preprocess(
    blankToUndefined,
    z.enum(['true', 'false'], { message: 'must be true or false' }).optional(),
  ),
  beginDate: optionalDate,
  endDate: optionalDate,
});

export const DemographicRow = z.object({
  ...base,
  birthDate: optionalDate,
});

export type OrgRow = z.infer<typeof OrgRow>;
export type AcademicSessionRow = z.infer<typeof AcademicSessionRow>;
export type UserRow = z.infer<typeof UserRow>;
export type RoleRow = z.infer<typeof RoleRow>;
export type ClassRow = z.infer<typeof ClassRow>;
export type CourseRow = z.infer<typeof CourseRow>;
export type EnrollmentRow = z.infer<typeof EnrollmentRow>;
export type DemographicRow = z.infer<typeof DemographicRow>;

const ROW_SCHEMAS = {
  'orgs.csv': OrgRow,
  'academicSessions.csv': AcademicSessionRow,
  'users.csv': UserRow,
  'roles.csv': RoleRow,
  'classes.csv': ClassRow,
  'courses.csv': CourseRow,
  'enrollments.csv': EnrollmentRow,
  'demographics.csv': DemographicRow,
} as const;

export interface Lined<T> {
  /** Where the record starts in its file (header = line 1). */
  line: number;
  row: T;
}

export type ImportMode = 'bulk' | 'delta';

export interface OneRosterBundle {
  /** `file.*` of the manifest: how each file present is to be read. */
  modes: Partial<Record<OneRosterDataFile, ImportMode>>;
  orgs: Lined<OrgRow>[];
  academicSessions: Lined<AcademicSessionRow>[];
  users: Lined<UserRow>[];
  roles: Lined<RoleRow>[];
  classes: Lined<ClassRow>[];
  courses: Lined<CourseRow>[];
  enrollments: Lined<EnrollmentRow>[];
  demographics: Lined<DemographicRow>[];
  /** Rows per file as read (valid or not). */
  rowCounts: Partial<Record<OneRosterFile, number>>;
  errors: ImportRowError[];
}

// --- reading CSV ---------------------------------------------------------------------------

export interface CsvTable {
  header: string[];
  records: Lined<Record<string, string>>[];
}

/**
 * Reads one CSV file with Papa Parse, one record at a time: a UTF-8 BOM dropped, any line
 * ending, quoted commas, quotes and line breaks kept, blank lines skipped. Each record
 * remembers the line it starts on (a quoted line break makes a record span lines). Header
 * names are trimmed, cells too. Nothing but the record in hand is held, so a file of tens of
 * MB is never in memory twice over (as rows of cells and again as records). Returns how many
 * records (after the header) there were.
 */
export function eachCsvRecord(
  text: string,
  onHeader: (header: string[]) => void,
  onRecord: (line: number, row: Record<string, string>) => void,
): number {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  let header: string[] | null = null;
  let count = 0;
  let line = 1;
  let at = 0;
  Papa.parse<string[]>(body, {
    header: false,
    skipEmptyLines: false,
    step: (result) => {
      const end = result.meta.cursor;
      // Blank lines before this record belong to it in the cursor's count: skip over them.
      let start = at;
      while (start < end && (body[start] === '\n' || body[start] === '\r')) {
        if (body[start] === '\n') line++;
        else if (body[start + 1] !== '\n') line++;
        start++;
      }
      const cells = result.data;
      if (!(cells.length === 1 && cells[0] === '')) {
        if (header === null) {
          header = cells.map((h) => h.trim());
          onHeader(header);
        } else {
          const row: Record<string, string> = {};
          header.forEach((name, c) => {
            row[name] = (cells[c] ?? '').trim();
          });
          count++;
          onRecord(line, row);
        }
      }
      for (let i = start; i < end; i++) {
        if (body[i] === '\n') line++;
        else if (body[i] === '\r' && body[i + 1] !== '\n') line++;
      }
      at = end;
    },
  });
  if (header === null) onHeader([]);
  return count;
}

/** Reads one CSV file whole (see eachCsvRecord): its header and every record with its line. */
export function readCsv(text: string): CsvTable {
  let header: string[] = [];
  const records: Lined<Record<string, string>>[] = [];
  eachCsvRecord(
    text,
    (h) => {
      header = h;
    },
    (line, row) => {
      records.push({ line, row });
    },
  );
  return { header, records };
}

function headerErrors(file: OneRosterFile, header: string[]): ImportRowError[] {
  const errors: ImportRowError[] = [];
  for (const column of REQUIRED_COLUMNS[file])
    if (!header.includes(column))
      errors.push({
        file,
        line: 1,
        column,
        value: header.join(','),
        reason: `the header has no ${column} column`,
      });
  const seen = new Set<string>();
  for (const column of header) {
    if (seen.has(column))
      errors.push({ file, line: 1, column, value: column, reason: 'the column appears twice' });
    seen.add(column);
  }
  return errors;
}

/** Reads and checks the rows of one data file; duplicates of `sourcedId` are errors. */
export function readOneRosterFile<F extends keyof typeof ROW_SCHEMAS>(
  file: F,
  text: string,
  mode: ImportMode,
): { rows: Lined<z.infer<(typeof ROW_SCHEMAS)[F]>>[]; count: number; errors: ImportRowError[] } {
  const schema = ROW_SCHEMAS[file] as unknown as z.ZodType<z.infer<(typeof ROW_SCHEMAS)[F]>>;
  const rows: Lined<z.infer<(typeof ROW_SCHEMAS)[F]>>[] = [];
  const errors: ImportRowError[] = [];
  let headerOk = false;
  const firstLine = new Map<string, number>();
  // Each record is checked as it is read and only its parsed row kept.
  const count = eachCsvRecord(
    text,
    (header) => {
      errors.push(...headerErrors(file, header));
      headerOk = errors.length === 0;
    },
    (line, row) => {
      if (!headerOk) return;
      const id = row.sourcedId ?? '';
      const before = id ? firstLine.get(id) : undefined;
      if (before !== undefined) {
        errors.push({
          file,
          line,
          column: 'sourcedId',
          value: id,
          reason: `duplicate sourcedId: line ${before} has it too`,
        });
        return;
      }
      if (id) firstLine.set(id, line);
      const parsed = schema.safeParse(row);
      if (!parsed.success) {
        for (const issue of parsed.error.issues) {
          const column = String(issue.path[0] ?? '');
          errors.push({ file, line, column, value: row[column] ?? '', reason: issue.message });
        }
        return;
      }
      if (mode === 'delta') {
        for (const column of ['status', 'dateLastModified'])
          if (!row[column])
            errors.push({
              file,
              line,
              column,
              value: '',
              reason: `${column} is required in a delta file`,
            });
      }
      rows.push({ line, row: parsed.data });
    },
  );
  return { rows, count, errors };
}

/** The manifest's `file.*` modes; missing or unknown values are errors. */
function readManifest(
  text: string | undefined,
  present: ReadonlySet<string>,
): { modes: OneRosterBundle['modes']; errors: ImportRowError[] } {
  const file = 'manifest.csv';
  const errors: ImportRowError[] = [];
  const modes: OneRosterBundle['modes'] = {};
  if (text === undefined) {
    errors.push({ file, line: 0, column: '', value: '', reason: 'manifest.csv is missing' });
    return { modes, errors };
  }
  const { header, records } = readCsv(text);
  errors.push(...headerErrors(file, header));
  if (errors.length > 0) return { modes, errors };
  const props = new Map<string, { value: string; line: number }>();
  for (const { line, row } of records)
    props.set(row.propertyName as string, { value: row.value as string, line });
  const version = props.get('oneroster.version');
  if (version && !version.value.startsWith('1.2'))
    errors.push({
      file,
      line: version.line,
      column: 'value',
      value: version.value,
      reason: 'this importer reads OneRoster 1.2',
    });
  for (const data of ONEROSTER_FILES) {
    if (data === 'manifest.csv') continue;
    const key = `file.${data.replace(/\.csv$/, '')}`;
    const prop = props.get(key);
    const value = prop?.value ?? 'absent';
    if (value !== 'bulk' && value !== 'delta' && value !== 'absent') {
      errors.push({
        file,
        line: prop?.line ?? 0,
        column: 'value',
        value,
        reason: `${key} must be bulk, delta or absent`,
      });
      continue;
    }
    if (value === 'absent') {
      if (present.has(data))
        errors.push({
          file,
          line: prop?.line ?? 0,
          column: 'value',
          value,
          reason: `${data} is in the bundle but the manifest says ${key} is absent`,
        });
      continue;
    }
    if (!present.has(data)) {
      errors.push({
        file: data,
        line: 0,
        column: '',
        value: '',
        reason: `the manifest lists ${data} (${value}) but the bundle has no such file`,
      });
      continue;
    }
    modes[data] = value;
  }
  return { modes, errors };
}

/**
 * Reads a OneRoster 1.2 CSV bundle (file name → text): the manifest, then each file it lists.
 * Checks each row on its own and `sourcedId`s within a file; references across files (and to
 * what earlier imports brought in) are the importer's to check.
 */
export function readOneRoster(files: Readonly<Record<string, string>>): OneRosterBundle {
  const present = new Set(Object.keys(files));
  const { modes, errors } = readManifest(files['manifest.csv'], present);
  const bundle: OneRosterBundle = {
    modes,
    orgs: [],
    academicSessions: [],
    users: [],
    roles: [],
    classes: [],
    courses: [],
    enrollments: [],
    demographics: [],
    rowCounts: {},
    errors,
  };
  const read = <F extends keyof typeof ROW_SCHEMAS>(file: F) => {
    const mode = modes[file];
    const text = files[file];
    if (!mode || text === undefined) return [];
    const result = readOneRosterFile(file, text, mode);
    bundle.rowCounts[file] = result.count;
    errors.push(...result.errors);
    return result.rows;
  };
  bundle.orgs = read('orgs.csv');
  bundle.academicSessions = read('academicSessions.csv');
  bundle.users = read('users.csv');
  bundle.roles = read('roles.csv');
  bundle.classes = read('classes.csv');
  bundle.courses = read('courses.csv');
  bundle.enrollments = read('enrollments.csv');
  bundle.demographics = read('demographics.csv');
  return bundle;
}

/**
 * The CSV files of a zip (fflate), by their base name, as bytes; folders inside the zip are
 * looked through (exports often wrap the files in one); `keep` picks files by base name.
 * Throws on a file that is no zip.
 */
export function unzipCsvBytes(
  zip: Uint8Array,
  keep: (name: string) => boolean = () => true,
): Record<string, Uint8Array> {
  const baseName = (path: string) => path.split('/').pop() as string;
  // Only the entries wanted are inflated: a roster import need not hold the goals file.
  const entries = unzipSync(zip, {
    filter: (f) => f.name.toLowerCase().endsWith('.csv') && keep(baseName(f.name)),
  });
  const files: Record<string, Uint8Array> = {};
  for (const [path, bytes] of Object.entries(entries)) {
    const name = baseName(path);
    if (name.startsWith('._')) continue; // macOS resource forks
    files[name] = bytes;
  }
  return files;
}

/** The CSV files of a zip decoded as UTF-8 text. */
export function unzipCsvFiles(zip: Uint8Array): Record<string, string> {
  const files: Record<string, string> = {};
  for (const [name, bytes] of Object.entries(unzipCsvBytes(zip))) files[name] = strFromU8(bytes);
  return files;
}

/** A zip of CSV files (fflate), for an export the browser or a user downloads as one file. */
export function zipCsvFiles(files: Readonly<Record<string, string>>): Uint8Array {
  const entries: Record<string, Uint8Array> = {};
  for (const [name, text] of Object.entries(files)) entries[name] = strToU8(text);
  return zipSync(entries);
}

/** The manifest a OneRoster 1.2 export writes: every file bulk (or absent), from `source`. */
export function oneRosterManifest(
  present: readonly OneRosterDataFile[],
  source: string,
): string[][] {
  const rows: string[][] = [
    ['manifest.version', '1.0'],
    ['oneroster.version', '1.2'],
  ];
  for (const file of ONEROSTER_FILES) {
    if (file === 'manifest.csv') continue;
    rows.push([`file.${file.replace(/\.csv$/, '')}`, present.includes(file) ? 'bulk' : 'absent']);
  }
  rows.push(['source.systemName', source], ['source.systemCode', '']);
  return rows;
}

/** The errors as a CSV-ready table (header, then rows), for the shared CSV writer. */
export function importErrorRecords(errors: readonly ImportRowError[]): string[][] {
  return errors.map((e) => [e.file, String(e.line), e.column, e.value, e.reason]);
}
export const IMPORT_ERROR_HEADER = ['file', 'line', 'column', 'value', 'reason'] as const;

/** The Import page's upload: the zip as base64 (a request body is at most 1 MB). */
export const ImportZipInput = z.object({
  kind: z.enum(['oneroster', 'services'], { message: 'Choose a roster or a services import' }),
  zipBase64: z
    .string()
    .min(1, { message: 'Choose a zip file' })
    .regex(/^[A-Za-z0-9+/]+={0,2}$/, { message: 'Choose a zip file' })
    // A refinement, not .max(): the request body limit (1 MB) refuses larger uploads before
    // parsing, and a fuzzer need not build megabyte strings to prove this message.
    .refine((s) => s.length <= 1_000_000, {
      message: 'The zip is too large for the page: use `carryover import`',
    }),
  dryRun: z.boolean(),
});
export type ImportZipInput = z.infer<typeof ImportZipInput>;

/** The query of POST /import/run (the zip is the body): what it holds, and dry run or apply. */
export const ImportRunParams = z.object({
  kind: ImportZipInput.shape.kind,
  dryRun: z
    .enum(['true', 'false'], { message: 'Say true or false' })
    .transform((v) => v === 'true'),
});
export type ImportRunParams = z.input<typeof ImportRunParams>;
