import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import * as domain from '../src/index';

// Every zod schema the package exports, fed bad input of every kind: no message may be one of
// zod's own defaults, which read like a stack trace to a therapist filling in a form.

const zodDefault =
  /^Invalid input|^Invalid (ISO|string|option|key|element|email|URL|UUID|date|number|value)|^Too (small|big)|expected .* to (have|be)|^Unrecognized key|received (undefined|string|number|null|object|array|boolean|NaN)|^Invalid$|^Required$/;

const schemas = (Object.entries(domain) as [string, unknown][]).filter(
  (entry): entry is [string, z.ZodType] => entry[1] instanceof z.ZodType,
);

const scalars: unknown[] = [
  undefined,
  null,
  '',
  ' ',
  'x',
  'not-a-date',
  '2026-02-30',
  -1,
  0.5,
  1e12,
  Number.NaN,
  true,
  [],
  [''],
  {},
  'x'.repeat(20_000),
];

type Def = { type: string; [key: string]: unknown };
const defOf = (schema: unknown) => (schema as { _zod: { def: Def } })._zod.def;

/** Bad inputs for a schema: the scalars, and for objects and arrays each part made bad in turn. */
function badInputs(schema: unknown, depth: number): unknown[] {
  const def = defOf(schema);
  const inner = def.innerType ?? (def.type === 'pipe' ? def.in : undefined);
  if (inner) return badInputs(inner, depth);
  if (depth === 0) return scalars;
  if (def.type === 'object') {
    const shape = def.shape as Record<string, unknown>;
    const out: unknown[] = [...scalars];
    for (const [key, part] of Object.entries(shape)) {
      for (const bad of badInputs(part, depth - 1)) out.push({ [key]: bad });
    }
    out.push({ notAField: 1 });
    return out;
  }
  if (def.type === 'array') {
    return [...scalars, ...badInputs(def.element, depth - 1).map((bad) => [bad])];
  }
  return scalars;
}

describe('validation messages are written for people', () => {
  it('finds the schemas to walk', () => {
    expect(schemas.length).toBeGreaterThan(40);
  });

  it('never shows a zod default message, for any bad input to any exported schema', () => {
    const leaks = new Map<string, string>();
    let issues = 0;
    for (const [name, schema] of schemas) {
      for (const input of badInputs(schema, 2)) {
        const result = schema.safeParse(input);
        if (result.success) continue;
        for (const issue of result.error.issues) {
          issues++;
          if (zodDefault.test(issue.message))
            leaks.set(
              `${name} ${issue.path.join('.')}: ${issue.message}`,
              JSON.stringify(input)?.slice(0, 80) ?? 'undefined',
            );
        }
      }
    }
    expect(issues).toBeGreaterThan(1000);
    expect([...leaks.keys()]).toEqual([]);
  });

  it('words the common cases plainly', () => {
    expect(domain.IsoDate.safeParse('2026-02-30').error?.issues[0]?.message).toBe(
      'Enter a date as YYYY-MM-DD',
    );
    expect(z.string().min(1).safeParse('').error?.issues[0]?.message).toBe('Fill this in');
    expect(z.object({ a: z.number() }).safeParse({}).error?.issues[0]?.message).toBe(
      'This is required',
    );
    expect(z.number().max(10).safeParse(11).error?.issues[0]?.message).toBe('Enter 10 or less');
  });
});
