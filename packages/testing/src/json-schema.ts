import fc from 'fast-check';
import { junk } from './junk.ts';

/**
 * fast-check arbitraries from JSON Schema (the OpenAPI 3.0 dialect @fastify/swagger writes), so a
 * contract test can generate requests from the server's own document: values the schema accepts,
 * and mutants of them that it should refuse. Covered: $ref (into `root`), type (one or a list),
 * nullable, const, enum, anyOf, oneOf, allOf (of objects), object (properties, required,
 * additionalProperties), array (items, minItems, maxItems, uniqueItems), string (minLength,
 * maxLength, pattern, format uuid / date-time / date / email / byte), integer and number
 * (minimum, maximum, exclusive bounds, multipleOf), boolean and null. A schema with no type is
 * given one from its keywords, or any JSON value.
 */
export type JsonSchema = boolean | { readonly [keyword: string]: unknown };

export interface SchemaOptions {
  /** The document `$ref`s point into (`#/components/schemas/…`). */
  readonly root?: unknown;
  /** Longest unbounded string generated (a bounded one is cut to its bound or this, if smaller). */
  readonly maxLength?: number;
  /** Most items of an array, entries of a free-form object, and levels of `$ref` followed. */
  readonly maxItems?: number;
  readonly maxDepth?: number;
}

/** A value a schema should refuse, and how it was made (for a failure message). */
export interface Mutant {
  readonly value: unknown;
  readonly mutation: string;
}

type Schema = { readonly [keyword: string]: unknown };
type Context = Required<Omit<SchemaOptions, 'root'>> & { root: unknown; depth: number };

const TYPES = ['null', 'boolean', 'integer', 'number', 'string', 'array', 'object'] as const;
type TypeName = (typeof TYPES)[number];

function context(options: SchemaOptions): Context {
  return { root: options.root, maxLength: 32, maxItems: 4, maxDepth: 8, ...options, depth: 0 };
}

/** Follows a local `$ref` (`#/a/b`, with `~0` and `~1` escapes) into the root document. */
function resolve(schema: Schema, ctx: Context): Schema {
  let current = schema;
  for (let hops = 0; typeof current.$ref === 'string'; hops++) {
    const ref = current.$ref;
    if (!ref.startsWith('#') || hops > 32) throw new Error(`cannot follow $ref ${ref}`);
    let target: unknown = ctx.root;
    for (const part of ref.slice(1).split('/').filter(Boolean)) {
      const key = part.replaceAll('~1', '/').replaceAll('~0', '~');
      target = (target as Record<string, unknown> | undefined)?.[key];
    }
    if (target === undefined) throw new Error(`$ref ${ref} names nothing in the root document`);
    current = asSchema(target);
  }
  return current;
}

const asSchema = (schema: JsonSchema | unknown): Schema =>
  schema === true || schema === undefined ? {} : schema === false ? { not: {} } : (schema as Schema);

/** The types a schema admits, from `type`, or else from the keywords it uses. */
function typesOf(s: Schema): TypeName[] {
  const declared = Array.isArray(s.type) ? s.type : typeof s.type === 'string' ? [s.type] : [];
  const types = declared.filter((t): t is TypeName => (TYPES as readonly string[]).includes(t));
  if (types.length === 0) {
    if (s.properties || s.required || s.additionalProperties !== undefined) types.push('object');
    else if (s.items || s.minItems !== undefined || s.maxItems !== undefined) types.push('array');
    else if (s.pattern || s.format || s.minLength !== undefined || s.maxLength !== undefined) types.push('string');
    else if (s.minimum !== undefined || s.maximum !== undefined) types.push('number');
  }
  if (s.nullable === true && types.length > 0 && !types.includes('null')) types.push('null');
  return types;
}

const num = (value: unknown): number | undefined => (typeof value === 'number' ? value : undefined);

/** Values the schema accepts. */
export function arbitraryFromSchema(schema: JsonSchema, options: SchemaOptions = {}): fc.Arbitrary<unknown> {
  return valid(asSchema(schema), context(options));
}

function valid(raw: Schema, ctx: Context): fc.Arbitrary<unknown> {
  const s = resolve(raw, ctx);
  if (ctx.depth > ctx.maxDepth) return fc.constant(null);
  const inner = { ...ctx, depth: ctx.depth + 1 };
  if ('not' in s && Object.keys(s).length === 1) throw new Error('the schema `false` has no values');
  if ('const' in s) return fc.constant(s.const);
  if (Array.isArray(s.enum)) return fc.constantFrom(...(s.enum as unknown[]));
  for (const key of ['anyOf', 'oneOf'] as const) {
    const branches = s[key];
    if (Array.isArray(branches)) {
      const { [key]: _branches, ...rest } = s;
      // Keywords beside the union (nullable, a description) apply to every branch.
      const arbitraries = branches.map((b) => valid({ ...rest, ...asSchema(b) }, inner));
      return s.nullable === true ? fc.oneof(...arbitraries, fc.constant(null)) : fc.oneof(...arbitraries);
    }
  }
  if (Array.isArray(s.allOf)) return valid(mergeAll(s, ctx), ctx);
  const types = typesOf(s);
  if (types.length === 0) return fc.jsonValue({ maxDepth: 2 });
  return fc.oneof(...types.map((type) => ofType(type, s, inner)));
}

/** allOf of object schemas, as one: properties and required joined (what zod's intersections emit). */
function mergeAll(s: Schema, ctx: Context): Schema {
  const { allOf, ...rest } = s;
  const parts = [rest, ...(allOf as JsonSchema[]).map((p) => resolve(asSchema(p), ctx))];
  return {
    ...Object.assign({}, ...parts),
    properties: Object.assign({}, ...parts.map((p) => p.properties ?? {})),
    required: [...new Set(parts.flatMap((p) => (p.required as string[] | undefined) ?? []))],
  };
}

function ofType(type: TypeName, s: Schema, ctx: Context): fc.Arbitrary<unknown> {
  switch (type) {
    case 'null':
      return fc.constant(null);
    case 'boolean':
      return fc.boolean();
    case 'integer':
      return integer(s);
    case 'number':
      return number(s);
    case 'string':
      return string(s, ctx);
    case 'array':
      return array(s, ctx);
    case 'object':
      return object(s, ctx);
  }
}

function bounds(s: Schema, integral: boolean) {
  const step = integral ? 1 : Number.EPSILON;
  let min = num(s.minimum) ?? Number.MIN_SAFE_INTEGER;
  let max = num(s.maximum) ?? Number.MAX_SAFE_INTEGER;
  // Draft 4 (OpenAPI 3.0) writes exclusive bounds as booleans, later drafts as numbers.
  if (s.exclusiveMinimum === true) min += step;
  if (s.exclusiveMaximum === true) max -= step;
  if (typeof s.exclusiveMinimum === 'number') min = Math.max(min, s.exclusiveMinimum + step);
  if (typeof s.exclusiveMaximum === 'number') max = Math.min(max, s.exclusiveMaximum - step);
  return { min: Math.max(min, Number.MIN_SAFE_INTEGER), max: Math.min(max, Number.MAX_SAFE_INTEGER) };
}

function integer(s: Schema): fc.Arbitrary<number> {
  const { min, max } = bounds(s, true);
  const lo = Math.ceil(min);
  const hi = Math.floor(max);
  const multiple = num(s.multipleOf);
  const any = fc.integer({ min: lo, max: hi });
  // Small values most of the time: they are the ones that name real rows and real positions.
  const small = fc.integer({ min: Math.max(lo, -3), max: Math.max(Math.max(lo, -3), Math.min(hi, 20)) });
  const base = lo <= 20 && hi >= -3 ? fc.oneof({ weight: 3, arbitrary: small }, { weight: 1, arbitrary: any }) : any;
  if (!multiple) return base;
  return fc
    .integer({ min: Math.ceil(lo / multiple), max: Math.floor(hi / multiple) })
    .map((k) => k * multiple)
    .filter((n) => Number.isSafeInteger(n));
}

function number(s: Schema): fc.Arbitrary<number> {
  const { min, max } = bounds(s, false);
  const multiple = num(s.multipleOf);
  if (multiple) return integer({ ...s, minimum: min / multiple, maximum: max / multiple }).map((k) => k * multiple);
  return fc.double({ min, max, noNaN: true, noDefaultInfinity: true }).map((n) => (Object.is(n, -0) ? 0 : n));
}

const DATE = fc.date({
  min: new Date('1970-01-01T00:00:00Z'),
  max: new Date('2999-12-31T23:59:59Z'),
  noInvalidDate: true,
});

// Building a pattern's arbitrary takes fast-check a tenth of a second: a document repeats a few
// patterns (base64, uuid, date-time) hundreds of times, so each is built once.
const matching = new Map<string, fc.Arbitrary<string>>();
const stringMatching = (pattern: string) => {
  let found = matching.get(pattern);
  if (!found) {
    found = fc.stringMatching(new RegExp(pattern));
    matching.set(pattern, found);
  }
  return found;
};

function string(s: Schema, ctx: Context): fc.Arbitrary<string> {
  const minLength = num(s.minLength) ?? 0;
  const maxLength = num(s.maxLength) ?? Number.POSITIVE_INFINITY;
  const fits = (v: string) => [...v].length >= minLength && [...v].length <= maxLength;
  if (typeof s.pattern === 'string') {
    // fast-check makes strings the pattern matches; the length bounds are checked after.
    return stringMatching(s.pattern).filter(fits);
  }
  switch (s.format) {
    case 'uuid':
      return fc.uuid();
    case 'date-time':
      return DATE.map((d) => d.toISOString());
    case 'date':
      return DATE.map((d) => d.toISOString().slice(0, 10));
    case 'email':
      return fc.emailAddress().filter(fits);
    case 'byte':
      return fc.base64String({ maxLength: Math.min(maxLength, ctx.maxLength * 2) }).filter(fits);
  }
  const longest = Math.max(minLength, Math.min(maxLength, minLength + ctx.maxLength));
  return fc.oneof(
    { weight: 4, arbitrary: fc.string({ minLength, maxLength: longest }) },
    { weight: 1, arbitrary: fc.string({ minLength, maxLength: longest, unit: 'grapheme' }).filter(fits) },
  );
}

function array(s: Schema, ctx: Context): fc.Arbitrary<unknown[]> {
  const minLength = num(s.minItems) ?? 0;
  const maxLength = Math.max(
    minLength,
    Math.min(num(s.maxItems) ?? Number.POSITIVE_INFINITY, minLength + ctx.maxItems),
  );
  const items = valid(asSchema(s.items), ctx);
  if (s.uniqueItems === true)
    return fc.uniqueArray(items, { minLength, maxLength, selector: (v) => JSON.stringify(v) });
  return fc.array(items, { minLength, maxLength });
}

function object(s: Schema, ctx: Context): fc.Arbitrary<Record<string, unknown>> {
  const properties = (s.properties ?? {}) as Record<string, JsonSchema>;
  const required = ((s.required as string[] | undefined) ?? []).filter((k) => k in properties);
  const known = fc.record(
    Object.fromEntries(Object.entries(properties).map(([key, schema]) => [key, valid(asSchema(schema), ctx)])),
    { requiredKeys: required },
  );
  const extra = s.additionalProperties;
  if (extra === false || extra === undefined || extra === true) return known;
  // A map (additionalProperties: schema): a few entries of it, under names the properties do not use.
  const entries = fc.dictionary(
    fc.string({ minLength: 1, maxLength: 12 }).filter((k) => !(k in properties)),
    valid(asSchema(extra), ctx),
    { maxKeys: ctx.maxItems },
  );
  return fc.tuple(known, entries).map(([k, e]) => ({ ...e, ...k }));
}

/**
 * Values the schema should refuse: a valid value with one thing broken at one place (a required
 * property dropped, a value of the wrong type, a junk string from the shared table, an unknown
 * key, a string or array past its bounds, a number out of range, a miss of an enum or pattern).
 */
export function mutantFromSchema(schema: JsonSchema, options: SchemaOptions = {}): fc.Arbitrary<Mutant> {
  const found = mutant(asSchema(schema), context(options));
  if (!found) throw new Error('this schema accepts every value: it has no mutants');
  return found;
}

const SAMPLES: Readonly<Record<TypeName, unknown>> = {
  null: null,
  boolean: true,
  integer: 7,
  number: 0.5,
  string: 'not what was asked for',
  array: ['x'],
  object: { unexpected: true },
};

/** Values of the types the schema does not admit (an integer is also a number). */
function wrongTypes(types: TypeName[]): unknown[] {
  return (Object.entries(SAMPLES) as [TypeName, unknown][])
    .filter(([t]) => !types.includes(t) && !(t === 'integer' && types.includes('number')))
    .map(([, v]) => v);
}

function mutant(raw: Schema, ctx: Context): fc.Arbitrary<Mutant> | undefined {
  const s = resolve(raw, ctx);
  const inner = { ...ctx, depth: ctx.depth + 1 };
  const options: fc.Arbitrary<Mutant>[] = [];
  const at = (mutation: string) => (value: unknown) => ({ value, mutation });
  const types = Array.isArray(s.anyOf) || Array.isArray(s.oneOf) ? unionTypes(s, ctx) : typesOf(s);
  const wrong = wrongTypes(types);
  if (types.length > 0 && wrong.length > 0)
    options.push(fc.constantFrom(...wrong).map(at('a value of the wrong type')));
  if ('const' in s) options.push(fc.constant(`${JSON.stringify(s.const)}?`).map(at('not the constant')));
  if (Array.isArray(s.enum)) {
    const allowed = new Set((s.enum as unknown[]).map((v) => JSON.stringify(v)));
    options.push(
      fc
        .oneof(fc.constantFrom('', 'other', 'NULL'), junk.string(), fc.string())
        .filter((v) => !allowed.has(JSON.stringify(v)))
        .map(at('a string not in the enum')),
    );
  }
  if (ctx.depth <= ctx.maxDepth && !('const' in s) && !Array.isArray(s.enum)) {
    if (types.includes('string')) options.push(...stringMutants(s));
    if (types.includes('integer') || types.includes('number')) options.push(...numberMutants(s, types));
    if (types.includes('array')) options.push(...arrayMutants(s, inner));
    if (types.includes('object')) options.push(...objectMutants(s, inner));
  }
  return options.length > 0 ? fc.oneof(...options) : undefined;
}

function unionTypes(s: Schema, ctx: Context): TypeName[] {
  const branches = (s.anyOf ?? s.oneOf) as JsonSchema[];
  const types = new Set(branches.flatMap((b) => typesOf(resolve(asSchema(b), ctx))));
  if (s.nullable === true) types.add('null');
  return [...types];
}

function stringMutants(s: Schema): fc.Arbitrary<Mutant>[] {
  const out: fc.Arbitrary<Mutant>[] = [fc.oneof(junk.string()).map((value) => ({ value, mutation: 'a junk string' }))];
  const minLength = num(s.minLength);
  const maxLength = num(s.maxLength);
  if (maxLength !== undefined) {
    out.push(
      fc
        .integer({ min: maxLength + 1, max: maxLength + 64 })
        .map((n) => ({ value: 'A'.repeat(n), mutation: `longer than maxLength ${maxLength}` })),
    );
  }
  if (minLength !== undefined && minLength > 0) {
    out.push(
      fc
        .integer({ min: 0, max: minLength - 1 })
        .map((n) => ({ value: 'A'.repeat(n), mutation: `shorter than minLength ${minLength}` })),
    );
  }
  if (typeof s.pattern === 'string') {
    const pattern = new RegExp(s.pattern);
    out.push(
      fc
        .oneof(fc.string(), junk.string(), fc.constantFrom('!', '%%', ' spaced ', '\u00e9'))
        .filter((v) => !pattern.test(v))
        .map((value) => ({ value, mutation: `not matching ${s.pattern}` })),
    );
  }
  if (s.format === 'uuid' || s.format === 'date-time' || s.format === 'email' || s.format === 'date') {
    out.push(
      fc
        .constantFrom('yesterday', '12345', 'not-a-uuid', '2024-13-45T25:61:61Z', '@', 'a@', '0000-00-00')
        .map((value) => ({ value, mutation: `not a ${s.format}` })),
    );
  }
  return out;
}

function numberMutants(s: Schema, types: TypeName[]): fc.Arbitrary<Mutant>[] {
  const out: fc.Arbitrary<Mutant>[] = [];
  const minimum = num(s.minimum);
  const maximum = num(s.maximum);
  if (maximum !== undefined && maximum < Number.MAX_SAFE_INTEGER)
    out.push(fc.integer({ min: 1, max: 1000 }).map((d) => ({ value: maximum + d, mutation: `above ${maximum}` })));
  if (minimum !== undefined && minimum > Number.MIN_SAFE_INTEGER)
    out.push(fc.integer({ min: 1, max: 1000 }).map((d) => ({ value: minimum - d, mutation: `below ${minimum}` })));
  if (types.includes('integer') && !types.includes('number'))
    out.push(fc.constantFrom(0.5, 1.25, 1e21, 2 ** 53 + 2).map((value) => ({ value, mutation: 'not an integer' })));
  out.push(fc.constantFrom(1e308, -1e308).map((value) => ({ value, mutation: 'an extreme number' })));
  return out;
}

function arrayMutants(s: Schema, ctx: Context): fc.Arbitrary<Mutant>[] {
  const out: fc.Arbitrary<Mutant>[] = [];
  const items = asSchema(s.items);
  const minItems = num(s.minItems) ?? 0;
  const maxItems = num(s.maxItems);
  const one = valid(items, ctx);
  if (maxItems !== undefined) {
    // Items made once and repeated: a long array of distinct values would take long to build.
    out.push(
      fc.tuple(one, fc.integer({ min: 1, max: 8 })).map(([item, more]) => ({
        value: Array.from({ length: maxItems + more }, () => item),
        mutation: `more than maxItems ${maxItems}`,
      })),
    );
  }
  if (minItems > 0) {
    out.push(
      fc
        .array(one, { maxLength: minItems - 1 })
        .map((value) => ({ value, mutation: `fewer than minItems ${minItems}` })),
    );
  }
  const item = mutant(items, ctx);
  if (item) {
    const base = array({ ...s, minItems: Math.max(minItems, 1) }, ctx);
    out.push(
      fc.tuple(base, item, fc.nat()).map(([list, m, i]) => {
        const copy = [...list];
        const at = i % copy.length;
        copy[at] = m.value;
        return { value: copy, mutation: `[${at}]: ${m.mutation}` };
      }),
    );
  }
  return out;
}

function objectMutants(s: Schema, ctx: Context): fc.Arbitrary<Mutant>[] {
  const out: fc.Arbitrary<Mutant>[] = [];
  const properties = (s.properties ?? {}) as Record<string, JsonSchema>;
  const required = ((s.required as string[] | undefined) ?? []).filter((k) => k in properties);
  const base = object(s, ctx);
  if (required.length > 0) {
    out.push(
      fc.tuple(base, fc.constantFrom(...required)).map(([value, key]) => {
        const { [key]: _dropped, ...rest } = value;
        return { value: rest, mutation: `without required ${key}` };
      }),
    );
  }
  if (s.additionalProperties === false) {
    out.push(
      fc
        .tuple(base, fc.string({ minLength: 1, maxLength: 16 }), fc.jsonValue({ maxDepth: 1 }))
        .filter(([, key]) => !(key in properties) && key !== '__proto__')
        .map(([value, key, extra]) => ({ value: { ...value, [key]: extra }, mutation: `an unknown key ${key}` })),
    );
  }
  const inside = Object.entries(properties).flatMap(([key, schema]) => {
    const m = mutant(asSchema(schema), ctx);
    return m
      ? [
          fc.tuple(base, m).map(([value, { value: broken, mutation }]) => ({
            value: { ...value, [key]: broken },
            mutation: `${key}: ${mutation}`,
          })),
        ]
      : [];
  });
  if (inside.length > 0) out.push(fc.oneof(...inside));
  return out;
}
