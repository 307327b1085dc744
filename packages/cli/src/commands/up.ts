import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { constants } from 'node:os';
import { fileURLToPath } from 'node:url';
import { UsageError, UsageHelp } from '../output.ts';

const FORWARDED = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * How to run the server (the CLI may not import it): its start script, which runs the server
 * built to JavaScript as `npm start` does, building it first when a source is newer; its
 * operations' entry point through tsx. A packed install (npm run pack:cli) has the command line
 * only, and says where the server is.
 */
export function serverCommand(entry: 'start' | 'ops' = 'start'): string[] {
  try {
    // Resolved from this package, not the working directory, so `aura up` works from anywhere.
    const path = fileURLToPath(import.meta.resolve(`@aura/server/${entry}`));
    return entry === 'start' ? [path] : ['--import', import.meta.resolve('tsx'), path];
  } catch {
    throw new UsageError(
      'this install has the command line only; run the server from an Aura checkout (npm start) and point --server at it',
    );
  }
}

/**
 * `aura up` is `npm start`: the server in a child process (the CLI may not import the server).
 * This process stands for it: the child's output is ours, a signal sent to us goes on to it,
 * and its exit code becomes ours.
 */
export async function up(): Promise<number> {
  return runServerEntry(serverCommand());
}

/**
 * `aura backup FILE` and `aura restore FILE`: the server's own operations, run like `aura up`
 * with this process's variables (DATABASE_URL, or AURA_DATA_DIR and AURA_PG_PORT).
 */
export function operation(verb: 'backup' | 'restore', file: string | undefined): Promise<number> {
  if (!file) throw new UsageError(`name the backup file: aura ${verb} FILE`);
  return runServerEntry([...serverCommand('ops'), verb, file]);
}

/** `aura server-key rotate log|token`: the server's own operation, with every server process stopped. */
export function rotateServerKey(which: string | undefined): Promise<number> {
  if (which !== 'log' && which !== 'token')
    throw new UsageHelp(
      'server-key',
      'name the key: aura server-key rotate log (the audit log) or token (access tokens)',
    );
  return runServerEntry([...serverCommand('ops'), 'server-key', 'rotate', which]);
}

async function runServerEntry(args: string[]): Promise<number> {
  const child = spawn(process.execPath, args, { stdio: 'inherit' });
  const forward = (signal: NodeJS.Signals) => child.kill(signal);
  for (const signal of FORWARDED) process.on(signal, forward);
  try {
    const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
    return code ?? 128 + (signal ? constants.signals[signal] : 0);
  } finally {
    for (const signal of FORWARDED) process.off(signal, forward);
  }
}
