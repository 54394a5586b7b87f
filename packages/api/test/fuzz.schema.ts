import fc from 'fast-check';
import type { z } from 'zod';

// Invalid values derived from a zod 4 schema's own definition (`schema._zod.def`), for the
// fuzz harness (fuzz.test.ts). Every generated value is checked against the field's schema, so
// the generator can only ever produce what the schema refuses.

export type Schema = z.ZodType;
type Def = {
  type: string;
  innerType?: Schema;
  in?: Schema;
  shape?: Record<string, Schema>;
  element?: Schema;
  entries?: Record<string, unknown>;
  checks?: { _zod: { def: Record<string, unknown> } }[];
  format?: string;
};
const defOf = (s: Schema) => (s as unknown as { _zod: { def: Def } })._zod.def;

/** The schema under optional/nullable/default/pipe wrappers: what a value must look like. */
export function unwrap(s: Schema): Schema {
  for (let i = 0; i < 20; i++) {
    const d = defOf(s);
    if (
      ['optional', 'nullable', 'default', 'prefault', 'readonly', 'nonoptional', 'catch'].includes(
        d.type,
      ) &&
      d.innerType
    )
      s = d.innerType;
    else if (d.type === 'pipe' && d.in) s = d.in;
    else return s;
  }
  return s;
}

function check(s: Schema, name: string): Record<string, unknown> | undefined {
  return defOf(s)
    .checks?.map((c) => c._zod.def)
    .find((c) => c.check === name);
}

/** Merged object shape of a procedure's inputs (a builder can stack several `.input()`s). */
export function shapeOf(inputs: Schema[]): Record<string, Schema> | null {
  const shape: Record<string, Schema> = {};
  for (const input of inputs) {
    const base = unwrap(input);
    const d = defOf(base);
    if (d.type !== 'object' || !d.shape) return null;
    Object.assign(shape, d.shape);
  }
  return shape;
}

export const MISSING = Symbol('missing');

/** Generators of values the field's own schema refuses, for the cases the issue names. */
export function invalidValues(
  field: Schema,
  sample: unknown,
  depth = 0,
  canBeMissing = true,
): fc.Arbitrary<unknown>[] {
  const refused = (a: fc.Arbitrary<unknown>) => a.filter((v) => !field.safeParse(v).success);
  const base = unwrap(field);
  const d = defOf(base);
  const arbs: fc.Arbitrary<unknown>[] = [];
  // Wrong types (null included unless the field takes it).
  arbs.push(
    refused(
      fc.oneof(
        fc.integer(),
        fc.boolean(),
        fc.constant(null),
        fc.constant([]),
        fc.constant({}),
        fc.string({ maxLength: 4 }),
      ),
    ),
  );
  if (canBeMissing && !field.safeParse(undefined).success) arbs.push(fc.constant(MISSING));
  switch (d.type) {
    case 'string': {
      const max = check(base, 'max_length')?.maximum as number | undefined;
      if (max !== undefined)
        arbs.push(refused(fc.string({ minLength: max + 1, maxLength: max + 40 })));
      const min = check(base, 'min_length')?.minimum as number | undefined;
      const formatted =
        d.format !== undefined || check(base, 'string_format') !== undefined || (min ?? 0) > 0;
      if (formatted) arbs.push(refused(fc.oneof(fc.constant(''), fc.string({ maxLength: 12 }))));
      break;
    }
    case 'number': {
      const lo = check(base, 'greater_than')?.value as number | undefined;
      const hi = check(base, 'less_than')?.value as number | undefined;
      if (lo !== undefined) arbs.push(refused(fc.double({ max: lo, noNaN: true })));
      if (hi !== undefined) arbs.push(refused(fc.double({ min: hi, noNaN: true })));
      if (check(base, 'number_format')) arbs.push(refused(fc.double({ noInteger: true })));
      arbs.push(refused(fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY)));
      break;
    }
    case 'enum':
      arbs.push(refused(fc.string({ minLength: 1, maxLength: 20 })));
      break;
    case 'array': {
      const max = check(base, 'max_length')?.maximum as number | undefined;
      const first = Array.isArray(sample) ? sample[0] : undefined;
      if (max !== undefined && first !== undefined)
        arbs.push(refused(fc.constant(Array.from({ length: max + 1 }, () => first))));
      if (first !== undefined && d.element && depth < 1) {
        for (const inner of invalidValues(d.element, first, depth + 1, false))
          arbs.push(refused(inner.map((v) => [...(sample as unknown[]).slice(1), v])));
      }
      break;
    }
    case 'object': {
      if (depth < 1 && d.shape && sample && typeof sample === 'object') {
        for (const [key, sub] of Object.entries(d.shape)) {
          const subSample = (sample as Record<string, unknown>)[key];
          for (const inner of invalidValues(sub, subSample, depth + 1))
            arbs.push(
              refused(
                inner.map((v) => {
                  const copy = { ...(sample as Record<string, unknown>) };
                  if (v === MISSING) delete copy[key];
                  else copy[key] = v;
                  return copy;
                }),
              ),
            );
        }
      }
      break;
    }
  }
  return arbs;
}
