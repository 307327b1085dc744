import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { AuraClient } from '@aura/client';
import { FileStateStore } from '@aura/client/node';
import {
  dumpDatabase,
  forms,
  freePort,
  migratedDatabase,
  type ServerProcess,
  spawnServer,
  type TestDatabase,
  waitFor,
} from '@aura/testing';
import { enrollDevice, runAura, startAura } from './support/harness.ts';

// The spec's request flow with real processes: the server (on PostgreSQL, with DBOS), three
// installs of the `aura` command (a laptop that asks, a phone that approves, an agent), and the
// server killed with SIGKILL while a task waits for approval and again while a step runs.
const root = mkdtempSync(join(tmpdir(), 'aura-agent-e2e-'));
const homes = { laptop: join(root, 'laptop'), phone: join(root, 'phone'), agent: join(root, 'agent') };
const runs = join(root, 'runs.log');
const email = `agent-e2e-${Date.now()}@example.com`;
let db: TestDatabase;
let server: ServerProcess;
let port: number;
let agent: ReturnType<typeof startAura> | undefined;
const serverLogs: string[] = [];

const env = {
  AURA_APPROVAL_TIMEOUT_SECONDS: '600',
  AURA_STEP_TIMEOUT_SECONDS: '60',
  AURA_STEP_RETRY_INITIAL_MS: '200',
  AURA_RATE_LIMIT_DEFAULT: '100000',
  AURA_EXECUTOR_ID: 'e2e-executor',
};
const startServer = async () => {
  server = await spawnServer({ DATABASE_URL: db.url, PORT: String(port), ...env });
};
const url = () => `http://127.0.0.1:${port}`;

async function aura(home: string, args: string[]) {
  const run = await runAura(url(), home, args);
  assert.equal(run.code, 0, `aura ${args.join(' ')}: ${run.stderr}`);
  return run.stdout;
}
const json = async <T>(home: string, args: string[]) => JSON.parse(await aura(home, ['--json', ...args])) as T;
type Task = { status: string; steps: { id: string; status: string; attempts: number }[] };
const task = (id: string) => json<Task>(homes.laptop, ['tasks', 'show', id]);
const untilStatus = (id: string, status: string, timeoutMs = 60_000) =>
  waitFor(
    async () => (await task(id)).status === status,
    timeoutMs,
    () => `waiting for ${status}; agent said:\n${agent?.errors() ?? ''}`,
  );

function startAgent() {
  agent = startAura(url(), homes.agent, ['agent'], { env: { AURA_AGENT_RECONNECT_MAX_MS: '1000' } });
  return waitFor(
    () => agent?.errors().includes('Agent connected'),
    60_000,
    () => agent?.errors() ?? '',
  );
}
async function stopAgent() {
  agent?.child.kill('SIGTERM');
  await agent?.done;
}

before(async () => {
  db = await migratedDatabase();
  port = await freePort();
  await startServer();
});

after(async () => {
  await stopAgent().catch(() => {});
  server?.child.kill('SIGTERM');
  await server?.exited;
  await db?.drop();
  rmSync(root, { recursive: true, force: true });
});

it('request → plan → approval from another device → the event in the local calendar; notified and audited', {
  timeout: 240_000,
}, async () => {
  const registered = await runAura(url(), homes.laptop, ['register', '--email', email, '--password-stdin'], {
    stdin: 'agent e2e pw\nagent e2e pw\n',
  });
  assert.equal(registered.code, 0, registered.stderr);
  await enrollDevice(url(), homes.phone, homes.laptop, email, 'phone');
  await enrollDevice(url(), homes.agent, homes.laptop, email, 'agent');
  writeFileSync(
    join(homes.agent, 'plugins.yaml'),
    [
      'plugins:',
      '  calendar: { enabled: true }',
      '  reminders: { enabled: true }',
      '  lists: { enabled: true }',
      '  contacts: { enabled: true }',
      '  counting:',
      `    module: ${JSON.stringify(fileURLToPath(new URL('../../agent/test/fixtures/counting-plugin.mjs', import.meta.url)))}`,
      `    config: { file: ${JSON.stringify(runs)} }`,
      'permissions: {}',
      '',
    ].join('\n'),
  );
  await aura(homes.laptop, [
    'people',
    'add',
    'John Appleseed',
    '--relationship',
    'colleague',
    '--email',
    'john@example.com',
  ]);
  await startAgent();

  // The laptop listens to its notifications while it asks.
  const state = JSON.parse(readFileSync(join(homes.laptop, 'state.json'), 'utf8'));
  const notices: string[] = [];
  const stream = new AbortController();
  void fetch(`${url()}/api/v1/notifications`, {
    headers: { authorization: `Bearer ${state.session.accessToken}` },
    signal: stream.signal,
  })
    .then(async (res) => {
      const reader = res.body?.getReader();
      for (;;) {
        const chunk = await reader?.read();
        if (!chunk || chunk.done) break;
        notices.push(new TextDecoder().decode(chunk.value));
      }
    })
    .catch(() => {});

  // The phone follows its notifications live, as `aura notifications follow` does.
  const follow = startAura(url(), homes.phone, ['--json', 'notifications', 'follow']);
  await waitFor(
    () => follow.errors().includes('following your notifications'),
    30_000,
    () => follow.errors(),
  );
  const asked = await json<{ taskId: string; plan: { action: string; requiresApproval: boolean }[] }>(homes.laptop, [
    'ask',
    'Schedule a meeting with John tomorrow at 3pm',
  ]);
  assert.ok(asked.taskId);
  const watch = startAura(url(), homes.laptop, ['tasks', 'watch', asked.taskId]);
  assert.deepEqual(
    asked.plan.map((s) => [s.action, s.requiresApproval]),
    [
      ['calendar.find_free_time', false],
      ['calendar.create_event', true],
    ],
  );
  await untilStatus(asked.taskId, 'waiting_approval');
  assert.match(
    await aura(homes.laptop, ['tasks', 'show', asked.taskId]),
    /calendar\.create_event \[approval\]: waiting for your approval/,
  );
  await aura(homes.phone, ['approve', asked.taskId]);
  await untilStatus(asked.taskId, 'completed');
  const events = await json<{ title: string }[]>(homes.laptop, ['calendar', 'list']);
  assert.deepEqual(
    events.map((e) => e.title),
    ['Meeting with John Appleseed'],
  );
  await waitFor(() => notices.join('').includes('"event":"completed"'), 10_000);
  stream.abort();
  // `aura tasks watch` ended by itself when the task did, having shown each change.
  const watched = await watch.done;
  assert.equal(watched.code, 0, watched.stderr);
  assert.match(watched.stdout, new RegExp(`task ${asked.taskId}: (running|waiting_approval)`));
  assert.match(watched.stdout, /step \S+ approved/);
  assert.match(watched.stdout, /completed/);
  // The phone's follow heard the approval request with its step, sealed; Ctrl-C ends it cleanly.
  await waitFor(
    () => follow.output().includes('"task.completed"'),
    10_000,
    () => follow.errors(),
  );
  follow.child.kill('SIGINT');
  const followed = await follow.done;
  assert.equal(followed.code, 0, followed.stderr);
  const lines = followed.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { type: string; sealed?: string });
  assert.ok(
    lines.some((e) => e.type === 'task.approval_requested' && e.sealed),
    followed.stdout,
  );
  // The log, in words, opened on this device: the step that asked for approval, by name.
  assert.match(
    await aura(homes.phone, ['notifications', 'list', '--limit', '1000']),
    new RegExp(`task ${asked.taskId} step \\S+ approval requested: calendar\\.create_event`),
  );
  const seen = notices.join('');
  assert.match(seen, /"event":"approval_requested"/);
  assert.match(seen, /"event":"step_succeeded"/);
  assert.match(await aura(homes.laptop, ['audit', 'verify']), /^Verified: \d+ entries/);
  const log = await json<{ eventType: string; action: string }[]>(homes.laptop, ['audit', 'log']);
  const actions = log.filter((e) => e.eventType === 'task').map((e) => e.action);
  for (const a of ['submit', 'approval_requested', 'approve', 'dispatch', 'execute', 'complete'])
    assert.ok(actions.includes(a), `${a} in ${actions.join(', ')}`);
  assert.match(await aura(homes.laptop, ['tasks', 'list']), new RegExp(`${asked.taskId}\\s+completed`));
});

it('a request sent while the agent is offline waits for it', { timeout: 120_000 }, async () => {
  await stopAgent();
  const sent = await json<{ requestId: string }>(homes.laptop, ['ask', '--via-agent', 'add milk to my shopping list']);
  assert.ok(sent.requestId);
  await startAgent();
  const list = await waitFor(
    async () => {
      const records = await json<{ data: { type?: string; text: string; fields?: { items?: string[] } } }[]>(
        homes.laptop,
        ['context', 'list'],
      );
      return records.find((r) => r.data.type === 'list' && r.data.fields?.items?.includes('milk'));
    },
    60_000,
    () => agent?.errors() ?? '',
  );
  assert.equal(list.data.text, 'shopping');
});

it('SIGKILL while a task waits for approval, and while a step runs: it resumes, nothing runs twice', {
  timeout: 300_000,
}, async () => {
  const asked = await json<{ taskId: string }>(homes.laptop, ['ask', 'Schedule a meeting with John on friday at 10am']);
  await untilStatus(asked.taskId, 'waiting_approval');
  server.child.kill('SIGKILL');
  await server.exited;
  serverLogs.push(server.output());
  await startServer();
  assert.equal((await task(asked.taskId)).status, 'waiting_approval', 'still waiting after the restart');
  await aura(homes.phone, ['approve', asked.taskId]);
  await untilStatus(asked.taskId, 'completed');
  const titles = (
    await json<{ title: string; start: string }[]>(homes.laptop, [
      'calendar',
      'list',
      '--from',
      '2000-01-01',
      '--to',
      '2100-01-01',
    ])
  ).map((e) => e.title);
  assert.deepEqual(titles, ['Meeting with John Appleseed', 'Meeting with John Appleseed'], 'one event per task');

  // A slow step (a third-party plugin that counts its runs), and the server killed while it runs.
  const laptop = await AuraClient.open({ server: url(), store: new FileStateStore(join(homes.laptop, 'state.json')) });
  const slow = await laptop.tasks.submit({
    request: { text: 'slow' },
    steps: [
      { id: 's1', action: 'test.slow', params: { ms: 3000 }, dependsOn: [], requiresApproval: false, why: 'slow' },
    ],
  });
  const key = `test.slow ${slow.id}/s1`;
  // The plugin writes the file at its first run.
  const count = () =>
    existsSync(runs)
      ? readFileSync(runs, 'utf8')
          .split('\n')
          .filter((l) => l === key).length
      : 0;
  await waitFor(() => count() === 1, 60_000);
  server.child.kill('SIGKILL');
  await server.exited;
  serverLogs.push(server.output());
  await startServer();
  await untilStatus(slow.id, 'completed', 90_000);
  assert.equal(count(), 1, 'the step ran once');
  const done = await task(slow.id);
  assert.equal(done.steps[0]?.status, 'succeeded');

  // Zero knowledge after all of it: the database and the server's output hold no plaintext.
  await stopAgent();
  serverLogs.push(server.output());
  const dump = `${await dumpDatabase(db.url)}\n${serverLogs.join('\n')}`;
  for (const secret of ['Schedule a meeting', 'Meeting with John', 'Appleseed', 'shopping list', 'milk', 'test.slow'])
    for (const form of forms(secret)) assert.ok(!dump.includes(form), `the server holds "${secret}"`);
});
