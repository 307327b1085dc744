import fc from 'fast-check';

/**
 * The malformed inputs every parser and validator of Aura must refuse cleanly (a typed error,
 * a 4xx, a fallback), never by crashing or hanging: one table, so a suite that checks bad
 * input checks all of it, and a case found in one place is tried everywhere.
 */
export interface Junk<T> {
  readonly name: string;
  readonly value: T;
}

/** Big enough to find a missing size limit, small enough to build in a few milliseconds. */
export const HUGE = 4 * 1024 * 1024;
const DEEP = 50_000;

const deepArray = (depth: number): unknown => {
  let value: unknown = [];
  for (let i = 0; i < depth; i++) value = [value];
  return value;
};
const deepObject = (depth: number): unknown => {
  let value: unknown = {};
  for (let i = 0; i < depth; i++) value = { a: value };
  return value;
};

/** Strings that are valid JavaScript strings but no sane name, id, word or document. */
export const junkStrings: readonly Junk<string>[] = [
  { name: 'the empty string', value: '' },
  { name: 'a NUL byte', value: '\0' },
  { name: 'a NUL byte inside', value: 'a\0b' },
  { name: 'only whitespace', value: ' \t\r\n' },
  { name: 'newlines only', value: '\n\n' },
  { name: 'a lone surrogate', value: '\uD800' },
  { name: 'non-UTF-8 bytes, decoded', value: new TextDecoder().decode(new Uint8Array([0xff, 0xfe, 0xc3, 0x28])) },
  { name: 'a right-to-left override', value: '\u202Eevil' },
  { name: 'control characters', value: '\x01\x1b[2J\x7f' },
  { name: 'a huge string', value: 'x'.repeat(HUGE) },
  { name: 'deeply nested brackets', value: '['.repeat(DEEP) },
];

/** Byte strings: empty, zeros, not UTF-8, not the length anything expects, huge. */
export const junkBytes: readonly Junk<Uint8Array>[] = [
  { name: 'no bytes', value: new Uint8Array(0) },
  { name: 'one zero byte', value: new Uint8Array(1) },
  { name: 'NUL bytes', value: new Uint8Array(64) },
  { name: 'bytes that are not UTF-8', value: new Uint8Array([0xff, 0xfe, 0xc3, 0x28, 0xa0, 0xa1]) },
  { name: 'all ones', value: new Uint8Array(33).fill(0xff) },
  { name: 'huge', value: new Uint8Array(HUGE).fill(0x61) },
];

/** Texts where JSON of some shape was expected: not JSON, cut off, of another shape, huge, deep. */
export const junkJson: readonly Junk<string>[] = [
  { name: 'no text at all', value: '' },
  { name: 'null', value: 'null' },
  { name: 'a number', value: '42' },
  { name: 'a string', value: '"ok"' },
  { name: 'an empty array', value: '[]' },
  { name: 'an empty object', value: '{}' },
  { name: 'not JSON at all', value: 'not json at all' },
  { name: 'HTML', value: '<html><body>502 Bad Gateway</body></html>' },
  { name: 'cut-off JSON', value: '{"tasks": [{"id": ' },
  { name: 'JSON with trailing garbage', value: '{"a":1}}' },
  { name: "JavaScript's NaN, which JSON has not", value: '{"n": NaN}' },
  { name: 'a NUL byte', value: '\0' },
  { name: 'deeply nested arrays', value: `${'['.repeat(DEEP)}${']'.repeat(DEEP)}` },
  { name: 'a huge string that is not JSON', value: 'x'.repeat(HUGE) },
  { name: 'a huge JSON string', value: JSON.stringify('x'.repeat(HUGE)) },
];

/** Values of every type but the one expected: a function given any of them must refuse it. */
export const junkValues: readonly Junk<unknown>[] = [
  { name: 'undefined', value: undefined },
  { name: 'null', value: null },
  { name: 'false', value: false },
  { name: 'true', value: true },
  { name: 'zero', value: 0 },
  { name: 'minus zero', value: -0 },
  { name: 'a negative number', value: -1 },
  { name: 'a fraction', value: 0.5 },
  { name: 'NaN', value: Number.NaN },
  { name: 'Infinity', value: Number.POSITIVE_INFINITY },
  { name: 'minus Infinity', value: Number.NEGATIVE_INFINITY },
  { name: 'past the safe integers', value: 2 ** 53 + 2 },
  { name: 'a bigint', value: 10n },
  { name: 'a symbol', value: Symbol('junk') },
  { name: 'a function', value: () => 'junk' },
  { name: 'an empty array', value: [] },
  { name: 'an empty object', value: {} },
  { name: 'an object without a prototype', value: Object.create(null) },
  { name: 'an invalid date', value: new Date(Number.NaN) },
  { name: 'an error', value: new Error('junk') },
  { name: 'deeply nested arrays', value: deepArray(DEEP) },
  { name: 'deeply nested objects', value: deepObject(DEEP) },
];

const valuesOf = <T>(table: readonly Junk<T>[]) => table.map((j) => j.value);

/**
 * fast-check arbitraries over the tables, mixed with fast-check's own generators, so a property
 * test tries both the cases known to break parsers and random ones.
 */
export const junk = {
  string: (): fc.Arbitrary<string> =>
    fc.oneof(fc.constantFrom(...valuesOf(junkStrings)), fc.string({ unit: 'binary' }), fc.string()),
  bytes: (): fc.Arbitrary<Uint8Array> =>
    fc.oneof(fc.constantFrom(...valuesOf(junkBytes)), fc.uint8Array({ maxLength: 256 })),
  json: (): fc.Arbitrary<string> =>
    fc.oneof(fc.constantFrom(...valuesOf(junkJson)), fc.json(), fc.string({ unit: 'binary' })),
  value: (): fc.Arbitrary<unknown> => fc.oneof(fc.constantFrom(...valuesOf(junkValues)), fc.anything()),
};
