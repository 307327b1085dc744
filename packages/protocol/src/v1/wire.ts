import type * as z from 'zod';

/** A schema of one body on the wire, as a reader holds it: it parses to `T` or says why not. */
export type WireSchema<T = unknown> = z.ZodType<T>;

const MAX_PROBLEMS = 3;
const MAX_LENGTH = 300;

/**
 * Why a body did not parse, in one line a person can read: the first few fields and their
 * problems. Zod's messages name what was expected, not what came, and what came (key names of
 * an object with extra keys) is cut short and stripped of control characters, so a hostile
 * answer cannot flood a log or drive a terminal.
 */
export function problemsOf(error: z.ZodError): string {
  const issues = error.issues;
  const parts = issues.slice(0, MAX_PROBLEMS).map((issue) => {
    const path = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('');
    return `${path ? path.slice(path.startsWith('.') ? 1 : 0) : 'the body'}: ${issue.message}`;
  });
  if (issues.length > MAX_PROBLEMS) parts.push(`and ${issues.length - MAX_PROBLEMS} more`);
  const line = parts.join('; ').replace(/\p{Cc}/gu, '?');
  return line.length > MAX_LENGTH ? `${line.slice(0, MAX_LENGTH)}…` : line;
}
