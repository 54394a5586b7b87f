import { z } from 'zod';
import { ClockTime, GoalPhase } from './model';
import { eachCsvRecord, type ImportRowError, type Lined, readCsv } from './oneroster';
import { RoutineName } from './routines';

// IEP services and goals as CSV (issue 14, README "Bringing your district in"). IEP systems
// export them in no single standard; this pair is shaped after Ed-Fi's special-education
// descriptors (a service: student, discipline, minutes per week or month, delivery model,
// begin and end dates, provider; a goal: student, discipline, domain, goal text, measurement,
// baseline, target, criterion, target date). A `mapping.csv` (file, column, from) renames a
// district's own column names to these. Students and providers are named by the sourcedIds of
// the OneRoster import (or Carryover's own ids). Pure: text in, rows and errors out.

/** The files `import services` reads; a bundle's other files (a whole export's roster) are not its. */
export const IEP_FILES = ['routines.csv', 'services.csv', 'goals.csv', 'mapping.csv'] as const;

export const SERVICES_COLUMNS = [
  'sourcedId',
  'status',
  'studentSourcedId',
  'discipline',
  'minutes',
  'per',
  'model',
  'minutesByModel',
  'startDate',
  'endDate',
  'providerSourcedId',
  'providerRole',
] as const;

export const GOALS_COLUMNS = [
  'sourcedId',
  'status',
  'studentSourcedId',
  'serviceSourcedId',
  'discipline',
  'domain',
  'goalText',
  'measurement',
  'direction',
  'baseline',
  'target',
  'rubricMax',
  'criterion',
  'startDate',
  'targetDate',
  'routines',
  'phase',
] as const;

/**
 * `routines.csv` (optional): the classroom routines goals link to, by the class's OneRoster
 * sourcedId and the routine's name. Carryover's export writes it so that goals naming routines
 * read back into an empty database; a district's own IEP export can leave it out.
 */
export const ROUTINES_COLUMNS = [
  'classSourcedId',
  'name',
  'weekdays',
  'startTime',
  'endTime',
] as const;

const REQUIRED = {
  'services.csv': [
    'sourcedId',
    'studentSourcedId',
    'discipline',
    'minutes',
    'per',
    'model',
    'startDate',
    'endDate',
    'providerSourcedId',
  ],
  'routines.csv': ['classSourcedId', 'name', 'weekdays', 'startTime', 'endTime'],
  'goals.csv': [
    'sourcedId',
    'studentSourcedId',
    'discipline',
    'domain',
    'goalText',
    'measurement',
    'baseline',
    'target',
    'targetDate',
  ],
} as const;

const blank = (v: unknown) => (v === '' ? undefined : v);
const word = (v: unknown) =>
  typeof v === 'string'
    ? v
        .trim()
        .toLowerCase()
        .replace(/[\s-]+/g, '_')
    : v;

/** Ed-Fi style descriptor words as well as the short codes. */
const DISCIPLINE_WORDS: Record<string, string> = {
  ot: 'OT',
  occupational_therapy: 'OT',
  slp: 'SLP',
  speech: 'SLP',
  speech_language_pathology: 'SLP',
  speech_language_therapy: 'SLP',
  speech_or_language_impairment_services: 'SLP',
  pt: 'PT',
  physical_therapy: 'PT',
};
const discipline = z.preprocess(
  (v) => DISCIPLINE_WORDS[String(word(v))] ?? v,
  z.enum(['OT', 'SLP', 'PT'], {
    message:
      'must be OT, SLP or PT (or Occupational Therapy, Speech-Language Pathology, Physical Therapy)',
  }),
);
const date = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, { message: 'must be a real date written YYYY-MM-DD' })
  .refine(
    (s) => {
      const d = new Date(`${s}T00:00:00Z`);
      return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
    },
    { message: 'must be a real date written YYYY-MM-DD' },
  );
const id = z.string().min(1, { message: 'is required' });
const status = z.preprocess(
  blank,
  z.enum(['active', 'tobedeleted'], { message: 'must be active or tobedeleted' }).optional(),
);
const model = z.preprocess(
  word,
  z.enum(['push_in', 'pull_out', 'consult', 'split'], {
    message: 'must be push-in, pull-out, consult or split',
  }),
);

/** `push_in=60;pull_out=30`: a split service's minutes per model. */
const minutesByModel = z.preprocess(
  blank,
  z
    .string()
    .transform((s, ctx) => {
      const out: { model: 'push_in' | 'pull_out' | 'consult'; minutes: number }[] = [];
      for (const part of s.split(';').filter((p) => p.trim())) {
        const [m, n] = part.split('=').map((x) => x.trim());
        const parsedModel = z.enum(['push_in', 'pull_out', 'consult']).safeParse(word(m));
        const minutes = Number(n);
        if (!parsedModel.success || !Number.isInteger(minutes) || minutes <= 0) {
          ctx.addIssue({
            code: 'custom',
            message: 'write each part as model=minutes, e.g. push_in=60;pull_out=30',
          });
          return z.NEVER;
        }
        out.push({ model: parsedModel.data, minutes });
      }
      return out;
    })
    .optional(),
);

export const ServiceCsvRow = z
  .object({
    sourcedId: id,
    status,
    studentSourcedId: id,
    discipline,
    minutes: z.coerce
      .number({ message: 'must be a whole number of minutes' })
      .int({ message: 'must be a whole number of minutes' })
      .min(1, { message: 'must be at least 1' })
      .max(3000, { message: 'must be at most 3000' }),
    per: z.preprocess(word, z.enum(['week', 'month'], { message: 'must be week or month' })),
    model,
    minutesByModel,
    startDate: date,
    endDate: date,
    /** Blank: the service waits for a provider (the Students page's "Needs a provider"). */
    providerSourcedId: z.preprocess(blank, z.string().optional()),
    providerRole: z.preprocess(
      (v) => word(blank(v)),
      z.enum(['therapist', 'assistant'], { message: 'must be therapist or assistant' }).optional(),
    ),
  })
  .superRefine((row, ctx) => {
    if (row.endDate < row.startDate)
      ctx.addIssue({
        code: 'custom',
        path: ['endDate'],
        message: `ends before it starts (${row.startDate})`,
      });
    if (row.model === 'split') {
      const sum = (row.minutesByModel ?? []).reduce((n, p) => n + p.minutes, 0);
      if (sum !== row.minutes)
        ctx.addIssue({
          code: 'custom',
          path: ['minutesByModel'],
          message: `a split service lists its minutes per model, adding up to ${row.minutes}`,
        });
    }
  });
export type ServiceCsvRow = z.output<typeof ServiceCsvRow>;

/** Goal rows: the fields the goal form checks (GoalFields) are checked again by the importer. */
export const GoalCsvRow = z.object({
  sourcedId: id,
  status,
  studentSourcedId: id,
  serviceSourcedId: z.preprocess(blank, z.string().optional()),
  discipline,
  domain: z.preprocess(word, z.string()),
  goalText: z.string(),
  measurement: z.preprocess(word, z.string()),
  direction: z.preprocess(
    (v) => word(blank(v)),
    z.enum(['up', 'down'], { message: 'must be up or down' }).optional(),
  ),
  baseline: z.coerce.number({ message: 'must be a number' }),
  target: z.coerce.number({ message: 'must be a number' }),
  rubricMax: z.preprocess(blank, z.coerce.number({ message: 'must be a number' }).optional()),
  criterion: z.preprocess(
    blank,
    z.coerce
      .number({ message: 'must be a number of consecutive sessions (1 to 10)' })
      .int({ message: 'must be a number of consecutive sessions (1 to 10)' })
      .optional(),
  ),
  startDate: z.preprocess(blank, date.optional()),
  targetDate: date,
  routines: z.preprocess(blank, z.string().optional()),
  /** A new goal's phase (default intervention); a later sync never changes it (the team does). */
  phase: z.preprocess(
    (v) => word(blank(v)),
    z
      .enum(GoalPhase.options, { message: `must be one of ${GoalPhase.options.join(', ')}` })
      .optional(),
  ),
});
export type GoalCsvRow = z.output<typeof GoalCsvRow>;

/** A routine: weekdays as ISO numbers `1;2;3;4;5` (commas are read too), times HH:MM. */
export const RoutineCsvRow = z
  .object({
    classSourcedId: id,
    name: z.preprocess(
      word,
      z.enum(RoutineName.options, {
        message: `must be a routine Carryover knows: ${RoutineName.options.join(', ')}`,
      }),
    ),
    weekdays: z.string().transform((s, ctx) => {
      const days = s
        .split(/[;,]/)
        .map((p) => p.trim())
        .filter(Boolean)
        .map(Number);
      if (days.length === 0 || days.some((n) => !Number.isInteger(n) || n < 1 || n > 7)) {
        ctx.addIssue({ code: 'custom', message: 'write ISO weekday numbers, e.g. 1;2;3;4;5' });
        return z.NEVER;
      }
      return [...new Set(days)].sort((a, b) => a - b);
    }),
    startTime: ClockTime,
    endTime: ClockTime,
  })
  .superRefine((row, ctx) => {
    if (row.endTime <= row.startTime)
      ctx.addIssue({ code: 'custom', path: ['endTime'], message: 'must be after startTime' });
  });
export type RoutineCsvRow = z.output<typeof RoutineCsvRow>;

/** The goal form's field names → the goals.csv columns, for errors from GoalFields. */
export const GOAL_FIELD_COLUMNS: Record<string, string> = {
  text: 'goalText',
  measurementType: 'measurement',
  masteryRule: 'criterion',
  routineIds: 'routines',
  currentModel: 'serviceSourcedId',
};

export interface IepBundle {
  routines: Lined<RoutineCsvRow>[];
  services: Lined<ServiceCsvRow>[];
  goals: Lined<GoalCsvRow>[];
  errors: ImportRowError[];
  rowCounts: Record<string, number>;
}

/** `mapping.csv`: file, column (ours), from (theirs). */
function readMapping(text: string | undefined, errors: ImportRowError[]) {
  const map = new Map<string, Map<string, string>>();
  if (text === undefined) return map;
  const { header, records } = readCsv(text);
  for (const c of ['file', 'column', 'from'])
    if (!header.includes(c))
      errors.push({
        file: 'mapping.csv',
        line: 1,
        column: c,
        value: header.join(','),
        reason: `the header has no ${c} column`,
      });
  for (const { line, row } of records) {
    const file = row.file ?? '';
    const ours = row.column ?? '';
    const known =
      file === 'services.csv' ? SERVICES_COLUMNS : file === 'goals.csv' ? GOALS_COLUMNS : null;
    if (!known) {
      errors.push({
        file: 'mapping.csv',
        line,
        column: 'file',
        value: file,
        reason: 'must be services.csv or goals.csv',
      });
      continue;
    }
    if (!(known as readonly string[]).includes(ours)) {
      errors.push({
        file: 'mapping.csv',
        line,
        column: 'column',
        value: ours,
        reason: `${file} has no column ${ours}`,
      });
      continue;
    }
    const m = map.get(file) ?? new Map<string, string>();
    m.set(row.from ?? '', ours);
    map.set(file, m);
  }
  return map;
}

function readFile<S extends z.ZodType>(
  file: 'services.csv' | 'goals.csv' | 'routines.csv',
  text: string,
  schema: S,
  rename: Map<string, string> | undefined,
  errors: ImportRowError[],
): { rows: Lined<z.output<S>>[]; count: number } {
  const rows: Lined<z.output<S>>[] = [];
  const first = new Map<string, number>();
  let headerOk = false;
  let shown = (column: string) => column;
  // Each record is checked as it is read and only its parsed row kept.
  const count = eachCsvRecord(
    text,
    (theirHeader) => {
      const header = theirHeader.map((h) => rename?.get(h) ?? h);
      const theirs = new Map(header.map((h, i) => [h, theirHeader[i] as string]));
      shown = (column: string) => theirs.get(column) ?? column;
      for (const c of REQUIRED[file])
        if (!header.includes(c)) {
          errors.push({
            file,
            line: 1,
            column: c,
            value: theirHeader.join(','),
            reason: `the header has no ${c} column (add it, or map yours to it in mapping.csv)`,
          });
        }
      headerOk = !errors.some((e) => e.file === file && e.line === 1);
    },
    (line, raw) => {
      if (!headerOk) return;
      const row: Record<string, string> = {};
      for (const [k, v] of Object.entries(raw)) row[rename?.get(k) ?? k] = v;
      const key =
        file === 'routines.csv'
          ? `${row.classSourcedId ?? ''} ${word(row.name ?? '')}`
          : (row.sourcedId ?? '');
      const before = first.get(key);
      if (key && before !== undefined) {
        errors.push({
          file,
          line,
          column: shown(file === 'routines.csv' ? 'name' : 'sourcedId'),
          value: file === 'routines.csv' ? (row.name ?? '') : key,
          reason:
            file === 'routines.csv'
              ? `the class has this routine already on line ${before}`
              : `duplicate sourcedId: line ${before} has it too`,
        });
        return;
      }
      if (key) first.set(key, line);
      const parsed = schema.safeParse(row);
      if (!parsed.success) {
        for (const issue of parsed.error.issues) {
          const column = String(issue.path[0] ?? '');
          errors.push({
            file,
            line,
            column: shown(column),
            value: row[column] ?? '',
            reason: issue.message,
          });
        }
        return;
      }
      rows.push({ line, row: parsed.data as z.output<S> });
    },
  );
  return { rows, count };
}

/** Reads `routines.csv`, `services.csv`, `goals.csv` (any may be missing) and `mapping.csv`. */
export function readIepBundle(files: Readonly<Record<string, string>>): IepBundle {
  const errors: ImportRowError[] = [];
  const mapping = readMapping(files['mapping.csv'], errors);
  const bundle: IepBundle = { routines: [], services: [], goals: [], errors, rowCounts: {} };
  if (
    files['services.csv'] === undefined &&
    files['goals.csv'] === undefined &&
    files['routines.csv'] === undefined
  )
    errors.push({
      file: 'services.csv',
      line: 0,
      column: '',
      value: '',
      reason: 'the bundle has none of services.csv, goals.csv, routines.csv',
    });
  if (files['routines.csv'] !== undefined) {
    const r = readFile('routines.csv', files['routines.csv'], RoutineCsvRow, undefined, errors);
    bundle.routines = r.rows;
    bundle.rowCounts['routines.csv'] = r.count;
  }
  if (files['services.csv'] !== undefined) {
    const r = readFile(
      'services.csv',
      files['services.csv'],
      ServiceCsvRow,
      mapping.get('services.csv'),
      errors,
    );
    bundle.services = r.rows;
    bundle.rowCounts['services.csv'] = r.count;
  }
  if (files['goals.csv'] !== undefined) {
    const r = readFile(
      'goals.csv',
      files['goals.csv'],
      GoalCsvRow,
      mapping.get('goals.csv'),
      errors,
    );
    bundle.goals = r.rows;
    bundle.rowCounts['goals.csv'] = r.count;
  }
  return bundle;
}
