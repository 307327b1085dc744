import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';
import { freePort, freshDatabase, type ServerProcess, spawnServer, type TestDatabase, waitFor } from '@aura/testing';
import { enrollDevice, runAura, startAura } from './support/harness.ts';

const AURA = fileURLToPath(new URL('../bin/aura.mjs', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'aura-backup-'));
// Embedded PostgreSQL runs as the postgres user (as root), which must be able to enter it.
chmodSync(root, 0o711);
let server: ServerProcess | undefined;
let agent: ReturnType<typeof startAura> | undefined;

after(async () => {
  agent?.child.kill('SIGTERM');
  await agent?.done;
  if (server) {
    server.child.kill('SIGTERM');
    await server.exited;
  }
  rmSync(root, { recursive: true, force: true });
});

/** The server on the embedded default, in `dataDir`: as `npm start` runs it, with nothing else given. */
const embeddedServer = (port: number, dataDir: string, pgPort: number) =>
  spawnServer({ DATABASE_URL: '', PORT: String(port), AURA_DATA_DIR: dataDir, AURA_PG_PORT: String(pgPort) }, 120_000);

/** aura backup|restore FILE with the server's variables, as an operator runs it beside the server. */
const operation = (verb: string, file: string, dataDir: string, pgPort: number) =>
  spawnSync(process.execPath, [AURA, verb, file], {
    encoding: 'utf8',
    env: { ...process.env, DATABASE_URL: '', AURA_DATA_DIR: dataDir, AURA_PG_PORT: String(pgPort) },
    timeout: 180_000,
  });

it('a backup of the embedded default, made while it runs, restores into an empty data directory with every user, audit log and waiting task intact', {
  timeout: 600_000,
}, async () => {
  const port = await freePort();
  const first = { dir: join(root, 'first'), pg: await freePort() };
  server = await embeddedServer(port, first.dir, first.pg);
  const url = server.url;
  const home = (name: string) => join(root, name);
  const aura = async (who: string, args: string[], stdin = '') => {
    const run = await runAura(url, home(who), args, { stdin });
    assert.equal(run.code, 0, `aura ${args.join(' ')} (${who}):\n${run.stdout}\n${run.stderr}`);
    return run.stdout;
  };

  // Two users, each with records, a verified audit log (the checkpoint their device pins) and,
  // for the first, a task waiting for approval that her agent got to.
  for (const who of ['alice', 'bob']) {
    await aura(who, ['register', '--email', `${who}@example.com`, '--password-stdin'], `${who} pw 1\n${who} pw 1\n`);
    await aura(who, ['context', 'add', `${who}'s secret note about the garden`]);
    await aura(who, ['people', 'add', 'John Appleseed', '--email', 'john@example.com']);
    assert.match(await aura(who, ['audit', 'verify']), /^Verified: /);
  }
  await enrollDevice(url, home('agent'), home('alice'), 'alice@example.com', 'agent');
  agent = startAura(url, home('agent'), ['agent']);
  await waitFor(
    () => (agent?.errors().includes('Agent connected') ? true : undefined),
    60_000,
    () => agent?.errors() ?? '',
  );
  const asked = JSON.parse(await aura('alice', ['--json', 'ask', 'Schedule a meeting with John tomorrow at 3pm']));
  const taskId: string = asked.taskId;
  const status = async () => JSON.parse(await aura('alice', ['--json', 'tasks', 'show', taskId])).status;
  await waitFor(async () => ((await status()) === 'waiting_approval' ? true : undefined), 60_000);
  agent.child.kill('SIGTERM');
  await agent.done;
  agent = undefined;

  // The backup, while the server runs.
  const file = join(root, 'aura.backup');
  const backup = operation('backup', file, first.dir, first.pg);
  assert.equal(backup.status, 0, backup.stderr);
  assert.match(backup.stderr, /Backed up \d+ rows of \d+ tables/);
  const text = gunzipSync(readFileSync(file)).toString('utf8');
  assert.ok(!text.includes('secret note'), 'the backup holds ciphertext only');

  // Bob writes once more after the backup: to his device, the restored server has rolled back.
  await aura('bob', ['context', 'add', 'written after the backup']);

  // The machine is lost: the server stops and its data directory is gone.
  server.child.kill('SIGTERM');
  await server.exited;
  server = undefined;
  rmSync(first.dir, { recursive: true, force: true });

  const second = { dir: join(root, 'second'), pg: await freePort() };
  const restore = operation('restore', file, second.dir, second.pg);
  assert.equal(restore.status, 0, restore.stderr);
  assert.match(restore.stderr, /Restored \d+ rows of \d+ tables/);
  server = await embeddedServer(port, second.dir, second.pg);

  // Each user's device reads its own data back, decrypted there, and its audit log extends the
  // checkpoint it pinned before the loss.
  assert.match(await aura('alice', ['context', 'list']), /alice's secret note about the garden/);
  assert.match(await aura('alice', ['people', 'list']), /John Appleseed/);
  assert.match(await aura('alice', ['audit', 'verify']), /^Verified: /);
  const rolledBack = await runAura(url, home('bob'), ['context', 'list']);
  assert.equal(rolledBack.code, 6, `${rolledBack.stdout}\n${rolledBack.stderr}`);
  assert.match(rolledBack.stderr, /a change this device made \(AURA_AUDIT_INTEGRITY\)|AURA_ROLLBACK_DETECTED/);
  // The operator hears of it: bob's device reported the refusal, by kind only.
  const metrics = await (await fetch(`${url}/metrics`)).text();
  assert.match(metrics, /^aura_client_integrity_failures_total\{[^}]*kind="audit_log"[^}]*\} 1$/m);
  assert.ok(!metrics.includes('bob'), 'the report names no one');
  // The task still waits (the metrics count it too); approved now, the agent carries it out.
  assert.match(metrics, /^aura_steps_waiting_approval(\{[^}]*\})? 1$/m);
  assert.match(metrics, /^aura_tasks\{[^}]*status="waiting_approval"[^}]*\} 1$/m);
  assert.equal(await status(), 'waiting_approval');
  agent = startAura(url, home('agent'), ['agent']);
  await waitFor(
    () => (agent?.errors().includes('Agent connected') ? true : undefined),
    60_000,
    () => agent?.errors() ?? '',
  );
  await aura('alice', ['approve', taskId]);
  await waitFor(
    async () => ((await status()) === 'completed' ? true : undefined),
    60_000,
    () => agent?.errors() ?? '',
  );
  assert.match(await aura('alice', ['calendar', 'list']), /Meeting with John Appleseed/);

  // A restore never goes over data: the second directory now holds accounts.
  const again = operation('restore', file, second.dir, second.pg);
  assert.equal(again.status, 1);
  assert.match(again.stderr, /already holds 2 accounts: a backup is restored into an empty one/);

  // A damaged or cut-off file is refused, and nothing is kept.
  const cut = join(root, 'cut.backup');
  writeFileSync(cut, gzipSync(text.split('\n').slice(0, -3).join('\n')));
  const third = { dir: join(root, 'third'), pg: await freePort() };
  const refused = operation('restore', cut, third.dir, third.pg);
  assert.equal(refused.status, 1);
  assert.match(refused.stderr, /ends before its last line: the backup is incomplete/);
  const notBackup = join(root, 'not.backup');
  writeFileSync(notBackup, 'hello');
  const junk = operation('restore', notBackup, third.dir, third.pg);
  assert.equal(junk.status, 1);
  assert.match(junk.stderr, /cannot be read as a gzipped Aura backup|is not an Aura backup/);
});

it('with your own PostgreSQL (DATABASE_URL), a backup restores into a new, empty database', {
  timeout: 300_000,
}, async () => {
  const [from, into] = [await freshDatabase(), await freshDatabase()];
  const port = await freePort();
  const env = (db: TestDatabase) => ({ ...process.env, DATABASE_URL: db.url });
  try {
    let running = await spawnServer({ DATABASE_URL: from.url, PORT: String(port) });
    const home = join(root, 'carol');
    const ok = async (args: string[], stdin = '') => {
      const run = await runAura(running.url, home, args, { stdin });
      assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
      return run.stdout;
    };
    await ok(['register', '--email', 'carol@example.com', '--password-stdin'], 'carol pw 1\ncarol pw 1\n');
    await ok(['context', 'add', 'carol keeps this']);
    const file = join(root, 'external.backup');
    const backup = spawnSync(process.execPath, [AURA, 'backup', file], { encoding: 'utf8', env: env(from) });
    assert.equal(backup.status, 0, backup.stderr);
    running.child.kill('SIGTERM');
    await running.exited;
    const restore = spawnSync(process.execPath, [AURA, 'restore', file], { encoding: 'utf8', env: env(into) });
    assert.equal(restore.status, 0, restore.stderr);
    running = await spawnServer({ DATABASE_URL: into.url, PORT: String(port) });
    try {
      assert.match(await ok(['context', 'list']), /carol keeps this/);
      assert.match(await ok(['audit', 'verify']), /^Verified: /);
    } finally {
      running.child.kill('SIGTERM');
      await running.exited;
    }
  } finally {
    await from.drop();
    await into.drop();
  }
});
