import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** Something a suite needs from the machine, and how to get it. */
export interface Need {
  readonly what: string;
  readonly present: () => boolean;
  /** What to run to get it (Debian). */
  readonly install: string;
}

const executable = (path: string) => {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

/** A program on PATH, or in /usr/sbin where Debian puts daemons such as Dovecot. */
export function program(command: string, debianPackage = command): Need {
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), '/usr/sbin'];
  return {
    what: command,
    present: () => dirs.some((dir) => executable(join(dir, command))),
    install: `apt-get install ${debianPackage}`,
  };
}

/** An executable at a fixed path (a browser the project must not download itself). */
export function executableAt(path: string, what: string, install: string): Need {
  return { what: `${what} at ${path}`, present: () => executable(path), install };
}

/**
 * Says loudly that something a suite needs is absent and what the suite does instead; under
 * CI=true, where .ci/run installs everything, absence is a failure instead. Every gate of the
 * suites (a missing program, browser or PostgreSQL) goes through here, so they all behave alike.
 */
export function absent(why: string, instead: string): void {
  if (process.env.CI === 'true') throw new Error(`${why}; CI=true needs it`);
  process.stderr.write(`\n*** ${instead}: ${why} ***\n\n`);
}

/**
 * The skip option of a suite that needs `needs` (a string is a program): false when all are
 * present, otherwise the reason, said loudly (and a failure under CI=true).
 */
export function skipUnless(...needs: (Need | string)[]): string | false {
  const missing = needs.map((n) => (typeof n === 'string' ? program(n) : n)).filter((n) => !n.present());
  if (missing.length === 0) return false;
  const why = `${missing.map((n) => n.what).join(', ')} not installed (${missing.map((n) => n.install).join('; ')})`;
  absent(why, 'SKIPPING');
  return why;
}
