import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  migratedDatabase,
  type ProcessRun,
  type ServerProcess,
  spawnServer,
  startProcess,
  type TestDatabase,
  waitFor,
} from '@aura/testing';

const AURA = fileURLToPath(new URL('../../bin/aura.mjs', import.meta.url));

/** The real server as its own process, on a fresh migrated database. */
export async function serverForCli(
  env: Record<string, string> = {},
): Promise<{ server: ServerProcess; db: TestDatabase; stop(): Promise<void> }> {
  const db = await migratedDatabase();
  const server = await spawnServer({ DATABASE_URL: db.url, ...env });
  return {
    server,
    db,
    async stop() {
      server.child.kill('SIGTERM');
      await server.exited;
      await db.drop();
    },
  };
}

/**
 * A file's suite: the server started before its tests and an install (`home`) of its own,
 * both gone after them; `aura(args)` runs a command there that must exit 0 and gives its stdout.
 */
export function cliSuite(prefix: string, env: Record<string, string> = {}) {
  const home = mkdtempSync(join(tmpdir(), `aura-${prefix}-`));
  let started: Awaited<ReturnType<typeof serverForCli>> | undefined;
  before(async () => {
    started = await serverForCli(env);
  });
  after(async () => {
    await started?.stop();
    rmSync(home, { recursive: true, force: true });
  });
  const suite = {
    home,
    get cli() {
      if (!started) throw new Error('the suite has not started');
      return started;
    },
    async aura(args: string[], stdin = ''): Promise<string> {
      const run = await runAura(suite.cli.server.url, home, args, { stdin });
      assert.equal(run.code, 0, `aura ${args.join(' ')}: ${run.stderr}`);
      return run.stdout;
    },
  };
  return suite;
}

export type AuraRun = ProcessRun;

/** Starts `aura --server URL ARGS` for the install in `home`, feeding `stdin`. */
export function startAura(
  serverUrl: string,
  home: string,
  args: string[],
  options: { stdin?: string; env?: Record<string, string> } = {},
): { child: ChildProcess; done: Promise<AuraRun>; output: () => string; errors: () => string } {
  const started = startProcess(process.execPath, [AURA, '--server', serverUrl, ...args], {
    env: { ...process.env, AURA_HOME: home, ...options.env },
    ...(options.stdin === undefined ? {} : { stdin: options.stdin }),
  });
  return { child: started.child, done: started.done, output: started.stdout, errors: started.stderr };
}

export const runAura = (
  serverUrl: string,
  home: string,
  args: string[],
  options: { stdin?: string; env?: Record<string, string> } = {},
) => startAura(serverUrl, home, args, options).done;

export const homeIn = (root: string, name: string) => join(root, name);

/** Enrolls the install in `home` as a device of the account, approved from `approverHome`. */
export async function enrollDevice(serverUrl: string, home: string, approverHome: string, email: string, name: string) {
  const enroll = startAura(serverUrl, home, ['--json', 'device', 'enroll', '--email', email, '--name', name]);
  const code = await waitFor(
    () => /"code": "([0-9A-Z-]+)"/.exec(enroll.output())?.[1],
    30_000,
    () => enroll.output(),
  );
  const fingerprint = /"fingerprint": "([0-9a-f ]+)"/.exec(enroll.output())?.[1];
  // As a person would: the fingerprint the approving device shows is the one the new device shows.
  const approved = await runAura(serverUrl, approverHome, ['device', 'approve', code, '--yes']);
  if (approved.code !== 0) throw new Error(`device approve failed: ${approved.stderr}`);
  if (!fingerprint || !approved.stderr.includes(fingerprint))
    throw new Error(`device approve showed another fingerprint than ${fingerprint}: ${approved.stderr}`);
  const done = await enroll.done;
  if (done.code !== 0) throw new Error(`enroll failed: ${done.stderr}`);
}
