import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type AuraClient, AuraClient as Client, MemoryStateStore, type TaskDetail } from '@aura/client';
import { isAuraError } from '@aura/errors';
import { startTestServer, type TestServer } from '../../server/test/support/server.ts';
import { Agent, LocalCalendar, PluginHost, understand } from '../src/index.ts';

// The whole request flow in one process: the real server (PostgreSQL + DBOS), a laptop that asks,
// a phone that approves, and an agent device that plans and executes through the built-in plugins.
let server: TestServer & { url: string };
let laptop: AuraClient;
let phone: AuraClient;
let agentDevice: AuraClient;
let agent: Agent;
const home = mkdtempSync(join(tmpdir(), 'aura-orch-'));
const address = `orch-${crypto.randomUUID()}@example.com`;

async function enroll(existing: AuraClient, name: string) {
  const device = await Client.open({ server: server.url, store: new MemoryStateStore() });
  const ticket = await device.requestEnrollment(address, name);
  await existing.approveEnrollment(ticket.code);
  await ticket.wait({ intervalMs: 50 });
  return device;
}

async function until(task: string, statuses: string[], client = laptop, timeoutMs = 30_000): Promise<TaskDetail> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const t = await client.tasks.show(task);
    if (statuses.includes(t.status)) return t;
    if (Date.now() > deadline) throw new Error(`task ${task} is ${t.status}, not ${statuses.join('/')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

before(async () => {
  const s = await startTestServer(
    { AURA_APPROVAL_TIMEOUT_SECONDS: '3', AURA_STEP_RETRY_INITIAL_MS: '100', AURA_STEP_TIMEOUT_SECONDS: '20' },
    { orchestration: true },
  );
  server = Object.assign(s, { url: await s.app.listen({ host: '127.0.0.1', port: 0 }) });
  laptop = await Client.open({ server: server.url, store: new MemoryStateStore() });
  await laptop.register(address, 'orchestration pw');
  phone = await enroll(laptop, 'phone');
  agentDevice = await enroll(laptop, 'agent');
  const host = await PluginHost.load(join(home, 'plugins.yaml'), agentDevice.vault);
  agent = new Agent({ client: agentDevice, host, journalPath: join(home, 'journal.json'), log: () => {} });
  await agent.start();
});

after(async () => {
  await agent?.stop();
  await server?.close();
  rmSync(home, { recursive: true, force: true });
});

describe('orchestration', () => {
  it('schedule a meeting: plan, approval from another device, the event in the local calendar, audited', async () => {
    await laptop.vault.put('relationships', {
      name: 'John Appleseed',
      relationship: 'colleague',
      email: 'john@example.com',
    });
    const host = await PluginHost.load(join(home, 'plugins.yaml'), laptop.vault);
    const { decision } = await understand(laptop.vault, 'Schedule a meeting with John tomorrow at 3pm', { host });
    assert.equal(decision.status, 'ready', decision.reasoning.join(' '));
    assert.deepEqual(
      decision.plan.map((s) => [s.action, s.requiresApproval]),
      [
        ['calendar.find_free_time', false],
        ['calendar.create_event', true],
      ],
    );
    const task = await laptop.tasks.submit({
      request: { text: 'Schedule a meeting with John tomorrow at 3pm' },
      steps: decision.plan,
    });
    const waiting = await until(task.id, ['waiting_approval']);
    assert.equal(waiting.steps[0]?.status, 'succeeded');
    assert.equal(waiting.steps[1]?.status, 'waiting_approval');
    await phone.tasks.decide(task.id, 'approve');
    const done = await until(task.id, ['completed', 'failed', 'cancelled']);
    assert.equal(done.status, 'completed', JSON.stringify(done.steps.map((s) => [s.id, s.status, s.result])));
    const events = await new LocalCalendar(laptop.vault).all();
    assert.deepEqual(
      events.map((e) => e.title),
      ['Meeting with John Appleseed'],
    );
    assert.equal((await laptop.audit.verify()).valid, true);
    const { entries } = await laptop.audit.entries();
    const actions = entries.filter((e) => e.eventType === 'task').map((e) => e.action);
    for (const a of ['submit', 'start', 'approval_requested', 'approve', 'dispatch', 'execute', 'complete'])
      assert.ok(actions.includes(a), `${a} in ${actions.join(', ')}`);
  });

  it('a rejection cancels; an approval that never comes expires and cancels', async () => {
    const steps = [
      {
        id: 's1',
        action: 'lists.add_item',
        params: { list: 'shopping', item: 'milk' },
        dependsOn: [],
        requiresApproval: true,
        why: 'add milk',
      },
    ];
    const rejected = await laptop.tasks.submit({ request: { text: 'add milk' }, steps });
    await until(rejected.id, ['waiting_approval']);
    await phone.tasks.decide(rejected.id, 'reject');
    const r = await until(rejected.id, ['cancelled', 'completed', 'failed']);
    assert.equal(r.status, 'cancelled');
    assert.deepEqual(r.reason, { why: 'rejected', stepId: 's1' });
    const expired = await laptop.tasks.submit({ request: { text: 'add milk' }, steps });
    const e = await until(expired.id, ['cancelled', 'completed', 'failed'], laptop, 15_000);
    assert.equal(e.status, 'cancelled');
    assert.deepEqual(e.reason, { why: 'expired', stepId: 's1' });
    await assert.rejects(
      () => phone.tasks.decide(expired.id, 'approve'),
      (error: unknown) => isAuraError(error) && error.code === 'AURA_TASK_NOT_WAITING',
    );
  });
});
