import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** What the supervisor needs to know of another process, read from /proc (Linux) or ps (macOS). */
export interface ProcessInfo {
  pid: number;
  ppid: number;
  /**
   * When it started, in the system's own units: with the pid, it names one process, so a pid
   * that was reused (after a reboot or a container restart) is not taken for the one recorded.
   */
  startTime: string;
  /** Its command line (from ps: split at spaces, so a path with spaces comes apart). */
  argv: string[];
  /** Its working directory, where the system says (Linux); a postmaster's is its data directory. */
  cwd: string | undefined;
}

/** The process, or undefined when there is none (a zombie counts as none: it will never serve). */
export function processInfo(pid: number): ProcessInfo | undefined {
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  return hasProc() ? fromProc(pid) : fromPs(pid);
}

let procMounted: boolean | undefined;
function hasProc(): boolean {
  if (procMounted === undefined) {
    try {
      readFileSync('/proc/self/stat');
      procMounted = true;
    } catch {
      procMounted = false;
    }
  }
  return procMounted;
}

function fromProc(pid: number): ProcessInfo | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The name in parentheses may itself hold spaces and parentheses: fields are counted after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  if (fields[0] === 'Z' || fields[0] === 'X') return undefined;
  return {
    pid,
    ppid: Number(fields[1]),
    startTime: fields[19] ?? '',
    argv: attempt(() => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean)) ?? [],
    cwd: attempt(() => readlinkSync(`/proc/${pid}/cwd`)),
  };
}

function fromPs(pid: number): ProcessInfo | undefined {
  const ps = (field: string) =>
    execFileSync('ps', ['-o', `${field}=`, '-p', String(pid)], { encoding: 'utf8', stdio: 'pipe' }).trim();
  try {
    const [ppid, state] = ps('ppid,stat').split(/\s+/);
    if (state?.startsWith('Z')) return undefined;
    return { pid, ppid: Number(ppid), startTime: ps('lstart'), argv: ps('command').split(' '), cwd: undefined };
  } catch {
    // ps exits 1 for a pid that is not there; without ps the last resort is signal 0.
    return aliveBySignal(pid) ? { pid, ppid: 0, startTime: '', argv: [], cwd: undefined } : undefined;
  }
}

/** Whether `pid` is a zombie: dead, and not yet reaped by its parent (init, once its own parent died). */
export function isZombie(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    if (hasProc()) {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
    }
    return execFileSync('ps', ['-o', 'stat=', '-p', String(pid)], { encoding: 'utf8', stdio: 'pipe' })
      .trim()
      .startsWith('Z');
  } catch {
    return false;
  }
}

/** Every live process this system shows (from /proc, or ps). */
export function allProcesses(): ProcessInfo[] {
  let pids: number[];
  try {
    pids = hasProc()
      ? readdirSync('/proc')
          .filter((name) => /^\d+$/.test(name))
          .map(Number)
      : execFileSync('ps', ['-axo', 'pid='], { encoding: 'utf8', stdio: 'pipe' })
          .split('\n')
          .map((line) => Number(line.trim()))
          .filter((pid) => pid > 0);
  } catch {
    return [];
  }
  return pids.map(processInfo).filter((p): p is ProcessInfo => p !== undefined);
}

/** Another user's process may hide its details (cwd needs the right to ptrace it): they are then unknown. */
function attempt<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}

function aliveBySignal(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, under another user (PostgreSQL runs as "postgres" when Aura is root).
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether `pid` is still the process recorded as `startTime` (any process with that pid, if unrecorded). */
export function sameProcess(pid: number, startTime: string | undefined): boolean {
  const info = processInfo(pid);
  return info !== undefined && (!startTime || !info.startTime || info.startTime === startTime);
}

/** Waits until `pid` is gone, or `timeoutMs` has passed; says which. Polls: it is not our child. */
export async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (let interval = 10; processInfo(pid); interval = Math.min(interval * 2, 200)) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, interval));
  }
  return true;
}
