import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AuraClient, MemoryStateStore, type PlannedStep, type TaskDetail } from '@aura/client';
import { freePort, type ServerProcess, spawnServer, waitFor } from '@aura/testing';
import pg from 'pg';

// `npm start` on the embedded database, crossed by kill -9: the real server in its own process,
// its real PostgreSQL, and a second server that must not touch a data directory in use.

const dataDir = mkdtempSync(join(tmpdir(), 'aura-restart-'));
const pgDir = join(dataDir, 'postgres');
let env: Record<string, string>;
let server: ServerProcess | undefined;
let laptop: AuraClient;
const tasks: TaskDetail[] = [];

/** Every process of a PostgreSQL cluster runs in its data directory: this finds the cluster's. */
function clusterProcesses(): number[] {
  const dir = realpathSync(pgDir);
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((pid) => {
      try {
        return readlinkSync(`/proc/${pid}/cwd`) === dir;
      } catch {
        return false;
      }
    })
    .map(Number);
}

const postmasterPid = () => Number(readFileSync(join(pgDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
const alive = (pid: number) => clusterProcesses().includes(pid);
const health = async (s: ServerProcess) => (await fetch(`${s.url}/health`)).status;

async function killServer(s: ServerProcess) {
  s.child.kill('SIGKILL');
  await s.exited;
}

/** What the start printed that is about these tasks, line by line. */
const linesAbout = (output: string, taskId: string) => output.split('\n').filter((line) => line.includes(taskId));

const waitingStep = (id: string): PlannedStep => ({
  id,
  action: 'test.restart',
  params: {},
  dependsOn: [],
  requiresApproval: true,
  why: `step ${id}`,
});

before(async () => {
  env = {
    AURA_DATA_DIR: dataDir,
    AURA_PG_PORT: String(await freePort()),
    PORT: String(await freePort()),
    DATABASE_URL: '',
    AURA_RATE_LIMIT_DEFAULT: '100000',
  };
});

after(async () => {
  if (server && server.child.exitCode === null) await killServer(server);
  // Whatever a failed assertion left: this directory's PostgreSQL, found by its own pids.
  for (const pid of clusterProcesses()) process.kill(pid, 'SIGKILL');
  await waitFor(
    () => clusterProcesses().length === 0,
    20_000,
    () => `cluster still up: ${clusterProcesses()}`,
  );
  rmSync(dataDir, { recursive: true, force: true });
});

describe('npm start after kill -9', { timeout: 300_000, skip: process.platform !== 'linux' && 'reads /proc' }, () => {
  it('kill -9 leaves PostgreSQL running; the next start stops it and comes back with the data and the workflows', async () => {
    server = await spawnServer(env);
    laptop = await AuraClient.open({ server: server.url, store: new MemoryStateStore() });
    await laptop.register(`restart-${crypto.randomUUID()}@example.com`, 'restart test pw');
    for (let i = 0; i < 3; i++)
      tasks.push(await laptop.tasks.submit({ request: { text: `restart ${i}` }, steps: [waitingStep('s1')] }));
    for (const task of tasks)
      await waitFor(async () => (await laptop.tasks.show(task.id)).status === 'waiting_approval', 30_000);

    const orphan = postmasterPid();
    await killServer(server);
    assert.ok(alive(orphan), 'the PostgreSQL of a killed server outlives it (what the next start must handle)');
    // The last task as if the kill came between its row and its workflow's start: DBOS has no trace of it.
    const db = new pg.Client({ connectionString: `postgres://aura:aura@127.0.0.1:${env.AURA_PG_PORT}/aura` });
    await db.connect();
    const forgotten = await db.query("DELETE FROM dbos.workflow_status WHERE workflow_uuid LIKE '%' || $1", [
      tasks[2]?.id,
    ]);
    await db.end();
    assert.equal(forgotten.rowCount, 1);

    server = await spawnServer(env);
    // spawnServer returns at the "listening" line; the banner's last lines may still be on their way.
    const restarted = server;
    const out = await waitFor(() => /Press Ctrl-C to stop\.\n/.test(restarted.output()) && restarted.output());
    assert.match(out, new RegExp(`Stopping the embedded PostgreSQL \\(pid ${orphan}, `));
    assert.doesNotMatch(out, /TypeError|Cannot read properties|could not start/);
    assert.doesNotMatch(out, /already exists in queue/);
    assert.match(out, /unfinished tasks: 2 resumed, 1 started late/);
    for (const task of tasks)
      assert.ok(linesAbout(out, task.id).length <= 1, `one line at most about ${task.id}:\n${out}`);
    assert.ok(!alive(orphan), 'the old postmaster is gone');
    assert.notEqual(postmasterPid(), orphan);

    assert.equal(await health(server), 200);
    // Same port, same account, same session: the data and the waiting workflows survived.
    for (const task of tasks) assert.equal((await laptop.tasks.show(task.id)).status, 'waiting_approval');
    const [first] = tasks;
    assert.ok(first);
    await laptop.tasks.decide(first.id, 'approve');
    await waitFor(
      async () => (await laptop.tasks.show(first.id)).steps[0]?.status === 'dispatched',
      30_000,
      () => 'the resumed workflow did not go on to dispatch the approved step',
    );
  });

  it('a second server on the same live data directory is refused, and the first keeps serving', async () => {
    assert.ok(server);
    const postmaster = postmasterPid();
    const lock = readFileSync(join(dataDir, 'aura.pid'), 'utf8');
    await assert.rejects(spawnServer({ ...env, AURA_PG_PORT: String(await freePort()), PORT: '0' }), (error: Error) => {
      assert.match(error.message, /exited with 1 before listening/);
      assert.match(
        error.message,
        new RegExp(`another Aura server \\(pid ${server?.child.pid}\\) is using the data directory ${dataDir}`),
      );
      assert.match(error.message, /What to do: stop that server first/);
      assert.doesNotMatch(error.message, /TypeError|Stopping the embedded PostgreSQL/);
      return true;
    });
    assert.equal(await health(server), 200);
    assert.equal(postmasterPid(), postmaster, 'its PostgreSQL was left alone');
    assert.ok(alive(postmaster));
    assert.equal(readFileSync(join(dataDir, 'aura.pid'), 'utf8'), lock, 'and so was its lock');
  });

  it('SIGTERM stops the server and its PostgreSQL, exits 0, and frees the data directory', async () => {
    assert.ok(server);
    server.child.kill('SIGTERM');
    assert.equal(await server.exited, 0, server.output());
    assert.match(server.output(), /SIGTERM: stopping…\n[\s\S]*Stopped\.\n$/);
    assert.deepEqual(clusterProcesses(), []);
    assert.throws(() => readFileSync(join(dataDir, 'aura.pid')), /ENOENT/);
  });

  it('kill -9 of the server and its PostgreSQL together (a power cut): the stale pid file does not stop the next start', async () => {
    server = await spawnServer(env);
    const postmaster = postmasterPid();
    await killServer(server);
    process.kill(postmaster, 'SIGKILL');
    // Its backends notice the postmaster is gone and leave: until then the shared memory is theirs.
    await waitFor(
      () => clusterProcesses().length === 0,
      20_000,
      () => `still running: ${clusterProcesses()}`,
    );
    assert.equal(postmasterPid(), postmaster, 'postmaster.pid is left behind, naming a dead pid');

    server = await spawnServer(env);
    assert.doesNotMatch(server.output(), /Stopping the embedded PostgreSQL|TypeError/);
    assert.equal(await health(server), 200);
    assert.equal((await laptop.tasks.show(tasks[1]?.id ?? '')).status, 'waiting_approval');
    server.child.kill('SIGINT');
    assert.equal(await server.exited, 0, server.output());
  });

  it('a postmaster.pid naming a zombie (a postmaster killed with its Aura, never reaped by init) is cleared', async () => {
    // The shell's `sleep 0.5` ends after the shell has become `sleep 30`, which never reaps it: a
    // zombie, which PostgreSQL's kill(pid, 0) takes for a live postmaster. (A child that ended at
    // once could be reaped by the shell before its exec, and the zombie never come.)
    const parent = spawn('sh', ['-c', 'sleep 0.5 & echo $!; exec sleep 30'], { stdio: ['ignore', 'pipe', 'ignore'] });
    const zombie = Number(
      await new Promise<string>((resolve) => parent.stdout.once('data', (d) => resolve(String(d)))),
    );
    await waitFor(
      () => readFileSync(`/proc/${zombie}/stat`, 'utf8').split(') ')[1]?.startsWith('Z') ?? false,
      10_000,
      () => `pid ${zombie} did not become a zombie`,
    );
    try {
      writeFileSync(join(pgDir, 'postmaster.pid'), `${zombie}\n${pgDir}\n0\n${env.AURA_PG_PORT}\n`);
      server = await spawnServer(env);
      assert.match(server.output(), new RegExp(`its PostgreSQL \\(pid ${zombie}\\) is dead`));
      assert.equal(await health(server), 200);
      server.child.kill('SIGTERM');
      assert.equal(await server.exited, 0, server.output());
    } finally {
      parent.kill('SIGKILL');
    }
  });

  it('a postmaster.pid whose pid now belongs to another program (a reboot reused it) is cleared', async () => {
    // This test's own pid: alive, and not PostgreSQL, so PostgreSQL would refuse to start over it.
    writeFileSync(join(pgDir, 'postmaster.pid'), `${process.pid}\n${pgDir}\n0\n${env.AURA_PG_PORT}\n`);
    server = await spawnServer(env);
    assert.match(server.output(), new RegExp(`its pid ${process.pid} is now another program`));
    assert.equal(await health(server), 200);
    server.child.kill('SIGTERM');
    assert.equal(await server.exited, 0, server.output());
    assert.deepEqual(clusterProcesses(), []);
  });
});
