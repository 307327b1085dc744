import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type AuraClient, AuraClient as Client, MemoryStateStore } from '@aura/client';
import { FileStateStore } from '@aura/client/node';
import { type TestServer, waitFor } from '@aura/testing';
import { ended, enroll, orchestratedServer } from './support/account.ts';

// The journal's promise with a real crash: the agent, in a process of its own, is killed with
// SIGKILL while a step runs, and a new agent over the same home and journal never runs it again.
let server: TestServer & { url: string };
let laptop: AuraClient;
const home = mkdtempSync(join(tmpdir(), 'aura-agent-killed-'));
const runs = join(home, 'runs.log');
const address = `killed-${crypto.randomUUID()}@example.com`;
let agent: { child: ChildProcess; output: () => string; exited: Promise<unknown> } | undefined;

const ran = (key: string) =>
  existsSync(runs)
    ? readFileSync(runs, 'utf8')
        .split('\n')
        .filter((l) => l === key).length
    : 0;

function startAgent() {
  let output = '';
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', fileURLToPath(new URL('./support/agent-process.ts', import.meta.url)), home, server.url],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout?.on('data', (d) => {
    output += String(d);
  });
  child.stderr?.on('data', (d) => {
    output += String(d);
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  agent = { child, output: () => output, exited };
  return waitFor(
    () => output.includes('Agent connected'),
    60_000,
    () => output,
  );
}

before(async () => {
  server = await orchestratedServer({ AURA_STEP_RETRY_INITIAL_MS: '100', AURA_STEP_TIMEOUT_SECONDS: '3' });
  laptop = await Client.open({ server: server.url, store: new MemoryStateStore() });
  await laptop.register(address, 'killed agent pw');
  // The agent's device state lives in its home, where the agent's process finds it.
  await enroll(laptop, server.url, address, 'agent', new FileStateStore(join(home, 'state.json')));
  writeFileSync(
    join(home, 'plugins.yaml'),
    `plugins:\n  counting:\n    module: ${JSON.stringify(fileURLToPath(new URL('./fixtures/counting-plugin.mjs', import.meta.url)))}\n    config: { file: ${JSON.stringify(runs)} }\npermissions: {}\n`,
  );
});

after(async () => {
  agent?.child.kill('SIGKILL');
  await agent?.exited;
  await server?.close();
  rmSync(home, { recursive: true, force: true });
});

it('the agent killed with SIGKILL in the middle of a step, restarted over its journal: the step ran once', {
  timeout: 120_000,
}, async () => {
  await startAgent();
  const slow = (ms: number) => ({
    id: 's1',
    action: 'test.slow',
    params: { ms },
    dependsOn: [],
    requiresApproval: false,
    why: 'slow',
  });
  // Longer than the test: the step is still running when the agent dies.
  const task = await laptop.tasks.submit({ request: { text: 'slow' }, steps: [slow(600_000)] });
  const key = `test.slow ${task.id}/s1`;
  await waitFor(
    () => ran(key) === 1,
    30_000,
    () => agent?.output() ?? '',
  );
  agent?.child.kill('SIGKILL');
  await agent?.exited;
  const first = agent?.output();
  // The server gives up on the attempt that died and dispatches the step again, with no agent
  // to take it: the new agent finds a later attempt of the step it was running.
  await waitFor(async () => ((await laptop.tasks.show(task.id)).steps[0]?.attempts ?? 0) >= 2, 30_000);

  await startAgent();
  const done = await ended(laptop, task.id, () => agent?.output() ?? '');
  assert.equal(
    ran(key),
    1,
    `the step ran once, not again after the restart; the first agent said:\n${first}\nthe second:\n${agent?.output()}`,
  );
  // Whether it took effect is unknown to the new agent, so it says so rather than guess.
  assert.equal(done.status, 'failed');
  assert.match(done.steps[0]?.result?.error ?? '', /stopped while this step ran/);
  assert.equal(done.steps[0]?.result?.retryable, false);

  // The restarted agent is otherwise at work: a new step runs, once.
  const next = await laptop.tasks.submit({ request: { text: 'quick' }, steps: [slow(10)] });
  const finished = await ended(laptop, next.id, () => agent?.output() ?? '');
  assert.equal(finished.status, 'completed');
  assert.equal(ran(`test.slow ${next.id}/s1`), 1);
});
