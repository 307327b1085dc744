import * as z from 'zod';

// Every C0 control (tab and line breaks too: a name is one line), DEL, and the C1 controls. NUL
// is the one PostgreSQL refuses outright (22021); the rest have no place in a name and can drive
// a terminal.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching them is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
// The bidirectional embeddings, overrides and isolates: a device name shown in an approval
// prompt must read as it is stored ("Trojan Source", CVE-2021-42574).
const BIDI = /[\u202a-\u202e\u2066-\u2069]/;
// U+FFFD is what a decoder leaves of bytes that were not UTF-8: text that was damaged on the way.
const REPLACEMENT = /\ufffd/;

/** A string with no lone surrogate: one cannot be stored as UTF-8, so PostgreSQL would refuse it. */
const wellFormed = (s: string) => (s as string & { isWellFormed(): boolean }).isWellFormed();

/** Why a line of text is refused, or undefined when it is fine. */
export function textProblem(s: string): string | undefined {
  if (CONTROL.test(s)) return 'must be one line with no control characters (such as NUL, tab or a line break)';
  if (!wellFormed(s)) return 'must be well-formed Unicode (no unpaired surrogates)';
  if (BIDI.test(s)) return 'must not contain bidirectional override or isolate characters';
  if (REPLACEMENT.test(s)) return 'must not contain U+FFFD (text that was not valid UTF-8 on its way here)';
  return undefined;
}

/**
 * One line of text a person typed or a client composed (a name, a ticket, an action, a canonical
 * JSON statement), refused at the edge when it holds what PostgreSQL or a terminal cannot take, or
 * what would display as something else, so it never reaches SQL as a 500 nor a prompt as a lie.
 * With `min` ≥ 1 it must also hold more than white space.
 */
export function plainText(options: { min?: number; max: number }) {
  const min = options.min ?? 0;
  return z
    .string()
    .min(min)
    .max(options.max)
    .superRefine((s, ctx) => {
      const problem = textProblem(s);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
      else if (min > 0 && s.trim().length === 0) ctx.addIssue({ code: 'custom', message: 'must not be blank' });
    });
}

/** The same checks for a string a schema already shapes (an email). */
export const noControlCharacters = (s: string) => textProblem(s) === undefined;

/**
 * A whole number in a query string, written as digits only. `z.coerce.number()` would read the
 * empty string `?start=` as 0 and also take `1e3`, `0x10` or ` 7 `; a query that means
 * something else than it says is refused instead.
 */
export function queryInteger(options: { min: number; max: number }) {
  return z
    .string()
    .regex(/^\d{1,16}$/, { message: 'must be a whole number written in digits' })
    .transform(Number)
    .pipe(z.int().min(options.min).max(options.max));
}

const OFFSET = /([+-])(\d\d):?(\d\d)$/;

const inRange = (s: string) => {
  const year = Number(s.slice(0, 4));
  const offset = OFFSET.exec(s);
  const minutes = offset ? Number(offset[2]) * 60 + Number(offset[3]) : 0;
  return year >= 1 && minutes <= 14 * 60 && Number(offset?.[3] ?? 0) < 60 && !Number.isNaN(Date.parse(s));
};
const RANGE = { message: 'must be a date between the years 0001 and 9999 with an offset within ±14:00' };

/**
 * An ISO 8601 instant with an offset, in the range both JavaScript and PostgreSQL hold: years
 * 0001–9999 and offsets within ±14:00 (the widest any zone uses; PostgreSQL refuses beyond
 * ±15:59). Year 0000 or +16:00 would otherwise pass the format check and fail in SQL.
 */
export const Timestamp = z.iso.datetime({ offset: true }).refine(inRange, RANGE);

/** The same range, in UTC ("Z") only: the form a device signs. */
export const UtcTimestamp = z.iso.datetime().refine(inRange, RANGE);
