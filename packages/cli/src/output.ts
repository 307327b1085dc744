import { type ErrorCode, isAuraError } from '@aura/errors';

/** Exit codes a script can branch on; the README lists them. */
export const EXIT = { ok: 0, failed: 1, usage: 2, notLoggedIn: 3, authFailed: 4, unreachable: 5, tampered: 6 } as const;

const exitFor: Partial<Record<ErrorCode, number>> = {
  AURA_NOT_LOGGED_IN: EXIT.notLoggedIn,
  AURA_UNAUTHENTICATED: EXIT.notLoggedIn,
  AURA_SESSION_REVOKED: EXIT.notLoggedIn,
  AURA_REFRESH_TOKEN_INVALID: EXIT.notLoggedIn,
  AURA_REFRESH_TOKEN_REUSED: EXIT.notLoggedIn,
  AURA_CRYPTO_SRP_BAD_PROOF: EXIT.authFailed,
  AURA_SERVER_UNREACHABLE: EXIT.unreachable,
  AURA_CRYPTO_DECRYPT_FAILED: EXIT.tampered,
  AURA_ROLLBACK_DETECTED: EXIT.tampered,
  AURA_SERVER_MISBEHAVED: EXIT.tampered,
  AURA_CRYPTO_KDF_TOO_WEAK: EXIT.tampered,
  AURA_CRYPTO_KDF_TOO_COSTLY: EXIT.tampered,
  AURA_CRYPTO_SRP_BAD_PUBLIC_VALUE: EXIT.tampered,
  AURA_AUDIT_INTEGRITY: EXIT.tampered,
  AURA_VAULT_INCONSISTENT: EXIT.tampered,
  AURA_DEVICE_LIST_TAMPERED: EXIT.tampered,
  AURA_KDF_PARAMS_TAMPERED: EXIT.tampered,
};

export class UsageError extends Error {}

/** A command given words it has no form for: main answers with the command's forms from the table. */
export class UsageHelp extends UsageError {
  constructor(
    readonly noun: string,
    detail = '',
  ) {
    super(detail);
  }
}

export function fail(error: unknown, json: boolean): number {
  if (error instanceof UsageError) {
    process.stderr.write(`aura: ${error.message}\nRun "aura help" for the commands.\n`);
    return EXIT.usage;
  }
  if (isAuraError(error)) {
    if (json) process.stdout.write(`${JSON.stringify({ error: { code: error.code, message: error.message } })}\n`);
    process.stderr.write(`aura: ${error.message} (${error.code})\n`);
    return exitFor[error.code] ?? EXIT.failed;
  }
  process.stderr.write(`aura: unexpected error: ${(error as Error)?.message ?? String(error)}\n`);
  return EXIT.failed;
}

export const jsonText = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

export function printJson(value: unknown): void {
  process.stdout.write(jsonText(value));
}

type Row = Record<string, string>;

/** How a result reads to a person: a sentence on stderr, an answer on stdout, or a table. */
export type Human = { sentence: string } | { text: string } | { table: Row[]; columns: string[] };

/**
 * A command's result: with --json the result itself, as JSON on stdout, and nothing else; without,
 * what it says to a person. A result given as a function is worked out only for --json (it may
 * cost a request that the person's sentence does not need).
 */
export async function render(result: unknown, view: { json: boolean } & (Human | { parts: Human[] })): Promise<void> {
  if (view.json) return printJson(typeof result === 'function' ? await result() : result);
  for (const part of 'parts' in view ? view.parts : [view]) {
    if ('sentence' in part) progress(part.sentence);
    else if ('text' in part) process.stdout.write(part.text);
    else printTable(part.table, part.columns);
  }
}

/** A plain aligned table for people; --json for machines. */
function printTable(rows: Row[], columns: string[]): void {
  if (rows.length === 0) {
    process.stdout.write('(none)\n');
    return;
  }
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (cells: string[]) =>
    `${cells
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd()}\n`;
  process.stdout.write(line(columns.map((c) => c.toUpperCase())));
  for (const row of rows) process.stdout.write(line(columns.map((c) => row[c] ?? '')));
}

export const progress = (line: string) => process.stderr.write(`${line}\n`);

/** A count kept on one line of stderr ("Re-encrypting 3/10") while long work runs; nothing with --json. */
export function counter(label: string, json: boolean) {
  return {
    step: (done: number, total: number) => {
      if (!json) process.stderr.write(`\r${label} ${done}/${total}`);
    },
    end: () => {
      if (!json) process.stderr.write('\n');
    },
  };
}

const MINUTE = 60_000;
const CLOCK = {
  weekday: 'short',
  day: 'numeric',
  month: 'short',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
} as const;
const clock = new Intl.DateTimeFormat('en-GB', CLOCK);
const clockWithYear = new Intl.DateTimeFormat('en-GB', { ...CLOCK, year: 'numeric' });

/**
 * The one way the command line shows a moment: "Wed 2 Dec 15:00" in this machine's zone (the
 * year only when it is not this one), or "in 5 min" / "12 min ago" when it is within the hour.
 * `relative: false` for a time a person plans by (a meeting), where "in 40 min" hides the clock.
 */
export function when(at: string | number | Date, { relative = true, now = Date.now() } = {}): string {
  const date = new Date(at);
  const ms = date.getTime();
  if (Number.isNaN(ms)) return String(at);
  const minutes = Math.round((ms - now) / MINUTE);
  if (relative && Math.abs(minutes) < 60) {
    if (minutes === 0) return 'just now';
    return minutes > 0 ? `in ${minutes} min` : `${-minutes} min ago`;
  }
  const format = date.getFullYear() === new Date(now).getFullYear() ? clock : clockWithYear;
  const part = Object.fromEntries(format.formatToParts(date).map((p) => [p.type, p.value]));
  return `${part.weekday} ${part.day} ${part.month}${part.year ? ` ${part.year}` : ''} ${part.hour}:${part.minute}`;
}
