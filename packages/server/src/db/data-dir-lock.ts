import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { processInfo, sameProcess } from './processes.ts';
import { StartupError } from './startup-error.ts';

export interface DataDirLock {
  readonly path: string;
  /** Removes the lock file, if it is still ours. Safe to call twice. */
  release(): void;
}

/** `<dataDir>/aura.pid`: the pid of the Aura process using the data directory, then its start time. */
export const lockPath = (dataDir: string) => join(dataDir, 'aura.pid');

function holder(path: string): { pid: number; startTime: string } | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  const [pid, startTime = ''] = text.split('\n');
  return { pid: Number(pid), startTime };
}

/**
 * Claims the data directory for this process, or refuses when another live Aura holds it. A lock
 * left by a process that is gone (kill -9, a crash, a reboot) is taken over. The file is written
 * aside and renamed into place, then read back: of two processes taking over the same stale lock
 * at once, the one whose rename landed last wins and the other sees it and refuses. (PostgreSQL's
 * own postmaster.pid still guards the one window this leaves.)
 */
export function lockDataDir(dataDir: string): DataDirLock {
  const path = lockPath(dataDir);
  const me = { pid: process.pid, startTime: processInfo(process.pid)?.startTime ?? '' };
  refuseIfHeld(path, dataDir);
  const aside = `${path}.${process.pid}`;
  writeFileSync(aside, `${me.pid}\n${me.startTime}\n`, { mode: 0o644 });
  renameSync(aside, path);
  refuseIfHeld(path, dataDir);

  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    process.off('exit', release);
    if (holder(path)?.pid === me.pid) rmSync(path, { force: true });
  };
  // process.exit() anywhere still frees the directory; only kill -9 leaves the file, and the next
  // start sees its process gone.
  process.on('exit', release);
  return { path, release };
}

function refuseIfHeld(path: string, dataDir: string) {
  const other = holder(path);
  if (!other || other.pid === process.pid || !sameProcess(other.pid, other.startTime)) return;
  throw new StartupError(
    `another Aura server (pid ${other.pid}) is using the data directory ${dataDir}`,
    `stop that server first (Ctrl-C in its terminal, or kill ${other.pid}), or give this one its own ` +
      'AURA_DATA_DIR (and AURA_PG_PORT, PORT). The running server is left as it is.',
  );
}
