import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { LocalCalendar, understand } from '@aura/assistant';
import { type AuraClient, AuraClient as Client, type Dispatch, MemoryStateStore, type TaskDetail } from '@aura/client';
import { bytesToHex, generateEd25519KeyPair, sha256, sign } from '@aura/crypto';
import { isAuraError } from '@aura/errors';
import { approvalStatement } from '@aura/protocol';
import { dumpDatabase, forms, type TestServer, waitFor } from '@aura/testing';
import { Agent, DEFAULT_PLUGINS_YAML, ListsPlugin, PluginHost, RemindersPlugin } from '../src/index.ts';
import { enroll as enrollAt, orchestratedServer, startAgent } from './support/account.ts';

// The whole request flow in one process: the real server (PostgreSQL + DBOS), a laptop that asks,
// a phone that approves, and an agent device that plans and executes through the built-in plugins.
let server: TestServer & { url: string };
let laptop: AuraClient;
let phone: AuraClient;
let agentDevice: AuraClient;
let agent: Agent;
const home = mkdtempSync(join(tmpdir(), 'aura-orch-'));
const address = `orch-${crypto.randomUUID()}@example.com`;
const runs = join(home, 'runs.log');
const ran = (action: string, task: string) =>
  readFileSync(runs, 'utf8')
    .split('\n')
    .filter((l) => l.startsWith(`${action} ${task}/`)).length;

// Each device's state, kept by name: a test signs with a device's own key, or revokes it by id.
const stores = new Map<string, MemoryStateStore>();
function enroll(existing: AuraClient, name: string) {
  const store = new MemoryStateStore();
  stores.set(name, store);
  return enrollAt(existing, server.url, address, name, store);
}

async function until(task: string, statuses: string[], client = laptop, timeoutMs = 30_000): Promise<TaskDetail> {
  let status = '';
  return waitFor(
    async () => {
      const t = await client.tasks.show(task);
      status = t.status;
      return statuses.includes(t.status) ? t : undefined;
    },
    timeoutMs,
    () => `task ${task} is ${status}, not ${statuses.join('/')}`,
    100,
  );
}

before(async () => {
  server = await orchestratedServer({
    AURA_APPROVAL_TIMEOUT_SECONDS: '3',
    AURA_STEP_RETRY_INITIAL_MS: '100',
    AURA_STEP_TIMEOUT_SECONDS: '20',
  });
  laptop = await Client.open({ server: server.url, store: new MemoryStateStore() });
  await laptop.register(address, 'orchestration pw');
  phone = await enroll(laptop, 'phone');
  agentDevice = await enroll(laptop, 'agent');
  writeFileSync(
    join(home, 'plugins.yaml'),
    `${DEFAULT_PLUGINS_YAML.replace('permissions: {}', '')}  counting:\n    module: ${JSON.stringify(fileURLToPath(new URL('./fixtures/counting-plugin.mjs', import.meta.url)))}\n    config: { file: ${JSON.stringify(runs)} }\npermissions: {}\n`,
  );
  agent = await startAgent(agentDevice, await PluginHost.load(join(home, 'plugins.yaml'), agentDevice.vault), home);
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

  it('a slot taken between planning and approval: the booking step fails and says why, nothing is double-booked', async () => {
    const text = 'Schedule a call with John the day after tomorrow at 11am';
    const host = await PluginHost.load(join(home, 'plugins.yaml'), laptop.vault);
    const { decision } = await understand(laptop.vault, text, { host });
    await host.close();
    assert.equal(decision.status, 'ready', decision.reasoning.join(' ') + decision.questions.join(' '));
    const create = decision.plan.find((s) => s.action === 'calendar.create_event');
    const start = create?.params.start as string;
    const task = await laptop.tasks.submit({ request: { text }, steps: decision.plan });
    await until(task.id, ['waiting_approval']);
    // While the plan waits for approval, the phone books the same hour.
    const calendar = new LocalCalendar(phone.vault);
    await calendar.create({
      title: 'Dentist',
      start,
      end: new Date(Date.parse(start) + 60 * 60_000).toISOString(),
      attendees: [],
    });
    await phone.tasks.decide(task.id, 'approve');
    const done = await until(task.id, ['completed', 'failed', 'cancelled']);
    assert.equal(done.status, 'failed');
    const failed = done.steps.find((s) => s.status === 'failed');
    assert.equal(failed?.action, 'calendar.create_event');
    assert.match(failed?.result?.error ?? '', /now taken by "Dentist".*added after the plan was made/);
    const then = await calendar.eventsBetween(start, new Date(Date.parse(start) + 60_000).toISOString());
    assert.deepEqual(
      then.map((e) => e.title),
      ['Dentist'],
    );
  });

  it('lists take items off as people name them; a to-do has no time and is never due', async () => {
    const lists = new ListsPlugin(laptop.vault);
    const ctx = (key: string) => ({ taskId: key, stepId: 's1', idempotencyKey: key });
    for (const item of ['Eggs', 'oat milk', 'eggs'])
      await lists.executeAction('lists.add_item', { list: 'groceries', item }, ctx(item));
    assert.deepEqual(await lists.executeAction('lists.show', { list: 'groceries' }, ctx('show')), {
      list: 'groceries',
      items: ['Eggs', 'oat milk'],
    });
    const removed = await lists.executeAction('lists.remove_item', { list: 'groceries', item: 'egg' }, ctx('rm1'));
    assert.deepEqual(removed, { list: 'groceries', removed: ['Eggs'], items: ['oat milk'] });
    // Again (a retried step, or an item that is not there): done, and said, with nothing lost.
    const again = (await lists.executeAction('lists.remove_item', { list: 'groceries', item: 'egg' }, ctx('rm2'))) as {
      items: string[];
      message: string;
    };
    assert.deepEqual(again.items, ['oat milk']);
    assert.match(again.message, /egg is not on your groceries list \(it has oat milk\)/);

    const reminders = new RemindersPlugin(laptop.vault);
    await reminders.executeAction('reminders.create', { text: 'renew the passport', at: null }, ctx('todo'));
    const soon = new Date(Date.now() - 60_000).toISOString();
    await reminders.executeAction('reminders.create', { text: 'call the bank', at: soon }, ctx('timed'));
    const due = await reminders.due();
    assert.deepEqual(
      due.map((r) => r.text),
      ['call the bank'],
    );
    const listed = (await reminders.executeAction('reminders.list', {}, ctx('list'))) as {
      reminders: { text: string; at: string | null }[];
    };
    assert.deepEqual(
      listed.reminders.map((r) => [r.text, r.at]),
      [['renew the passport', null]],
      'the told reminder is done; the to-do stays open',
    );
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

  it('a step that fails twice then succeeds is retried and completes; one that always fails fails the task', async () => {
    const step = (action: string) => ({
      id: 's1',
      action,
      params: {},
      dependsOn: [],
      requiresApproval: false,
      why: action,
    });
    const flaky = await laptop.tasks.submit({ request: { text: 'flaky' }, steps: [step('test.flaky')] });
    const f = await until(flaky.id, ['completed', 'failed', 'cancelled']);
    assert.equal(f.status, 'completed');
    assert.equal(f.steps[0]?.attempts, 3);
    assert.deepEqual(f.steps[0]?.result, { ok: true, output: { runs: 3 } });
    assert.equal(ran('test.flaky', flaky.id), 3);
    const broken = await laptop.tasks.submit({ request: { text: 'broken' }, steps: [step('test.broken')] });
    const b = await until(broken.id, ['completed', 'failed', 'cancelled']);
    assert.equal(b.status, 'failed');
    assert.equal(b.steps[0]?.attempts, 3);
    assert.equal(b.steps[0]?.result?.error, 'broken, as always');
    assert.deepEqual(b.reason, { why: 'step failed', stepId: 's1' });
    assert.equal(ran('test.broken', broken.id), 3);
  });

  it('forged, altered, replayed and revoked-device approvals: refused by the server, and by the agent without it', async () => {
    const step = (id: string) => ({
      id,
      action: 'lists.add_item',
      params: { list: 'groceries', item: `item ${id}` },
      dependsOn: [],
      requiresApproval: true,
      why: 'add to a list',
    });
    const a = await laptop.tasks.submit({ request: { text: 'A' }, steps: [step('s1')] });
    const b = await laptop.tasks.submit({ request: { text: 'B' }, steps: [step('s1')] });
    await until(a.id, ['waiting_approval']);
    await until(b.id, ['waiting_approval']);
    const wire = async (id: string) =>
      (await laptop.api.request<{ steps: { ciphertext: string }[] }>('GET', `/api/v1/tasks/${id}`)).steps[0]
        ?.ciphertext ?? '';
    const hash = async (id: string) => bytesToHex(sha256(new Uint8Array(Buffer.from(await wire(id), 'base64'))));
    const secretOf = async (name: string) => {
      const state = await (stores.get(name) as MemoryStateStore).load();
      return {
        id: state.device?.deviceId ?? '',
        key: new Uint8Array(Buffer.from(state.device?.signing.secretKey ?? '', 'base64')),
      };
    };
    const phoneKey = await secretOf('phone');
    const expiresAt = new Date(Date.now() + 3_600_000).toISOString();
    const signed = async (
      taskId: string,
      key: Uint8Array,
      over: Partial<{ taskId: string; decision: 'approve' | 'reject'; expiresAt: string }> = {},
    ) =>
      Buffer.from(
        sign(
          key,
          'approval',
          approvalStatement({
            taskId: over.taskId ?? taskId,
            stepId: 's1',
            stepHash: await hash(over.taskId ?? taskId),
            decision: over.decision ?? 'approve',
            expiresAt: over.expiresAt ?? expiresAt,
          }),
        ),
      ).toString('base64');
    const post = (taskId: string, body: Record<string, unknown>) =>
      assert.rejects(
        () =>
          laptop.api.request('POST', `/api/v1/tasks/${taskId}/steps/s1/decision`, {
            decision: 'approve',
            expiresAt,
            ...body,
          }),
        (e: unknown) => isAuraError(e) && e.code === 'AURA_APPROVAL_INVALID',
      );
    // Forged: a key that is no device of the account, under the phone's id.
    const stranger = generateEd25519KeyPair();
    await post(a.id, { deviceId: phoneKey.id, signature: await signed(a.id, stranger.secretKey) });
    // Altered: the phone signed a rejection, or another expiry.
    await post(a.id, { deviceId: phoneKey.id, signature: await signed(a.id, phoneKey.key, { decision: 'reject' }) });
    await post(a.id, {
      deviceId: phoneKey.id,
      signature: await signed(a.id, phoneKey.key, { expiresAt: new Date(Date.now() + 7_200_000).toISOString() }),
    });
    // Replayed: the phone's approval of task B's step, offered for task A's.
    await post(a.id, { deviceId: phoneKey.id, signature: await signed(a.id, phoneKey.key, { taskId: b.id }) });
    // Revoked: a tablet that signed before it was revoked.
    const tablet = await enroll(laptop, 'tablet');
    await tablet.tasks.certifyThisDevice();
    const tabletKey = await secretOf('tablet');
    const tabletSignature = await signed(a.id, tabletKey.key);
    await laptop.revokeDevice(tabletKey.id);
    await post(a.id, { deviceId: tabletKey.id, signature: tabletSignature });
    assert.equal((await laptop.tasks.show(a.id)).steps[0]?.status, 'waiting_approval', 'nothing was decided');

    // The agent's own check, given what a lying server would send (the server's check bypassed).
    const ciphertextB = await wire(b.id);
    const dispatch = (approval: Record<string, unknown> | null) =>
      ({ taskId: b.id, stepId: 's1', attempt: 1, requiresApproval: true, ciphertext: ciphertextB, approval }) as Record<
        string,
        unknown
      >;
    const approval = (deviceId: string, signature: string, over: Record<string, unknown> = {}) => ({
      deviceId,
      decision: 'approve',
      expiresAt,
      signature,
      decidedAt: new Date().toISOString(),
      ...over,
    });
    const refused = (d: unknown, why: RegExp) =>
      assert.rejects(
        () => agentDevice.tasks.verifyDispatch(d as never),
        (e: unknown) => isAuraError(e) && e.code === 'AURA_APPROVAL_INVALID' && why.test(e.message),
      );
    await refused(dispatch(null), /needs approval and has none/);
    // The server's flag says no approval is needed; the step's own ciphertext says it is.
    await refused({ ...dispatch(null), requiresApproval: false }, /needs approval and has none/);
    await refused(dispatch(approval(phoneKey.id, await signed(a.id, phoneKey.key))), /signature does not match/);
    await refused(
      dispatch(
        approval(phoneKey.id, await signed(b.id, phoneKey.key), {
          expiresAt: new Date(Date.now() + 60_000).toISOString(),
        }),
      ),
      /signature does not match/,
    );
    await refused(
      dispatch(approval(phoneKey.id, await signed(b.id, phoneKey.key), { decision: 'reject' })),
      /not approved/,
    );
    await refused(dispatch(approval(tabletKey.id, await signed(b.id, tabletKey.key))), /revoked/);
    // A device the server slipped into the account: its key is not certified by the account key.
    const intruder = generateEd25519KeyPair();
    const intruderId = crypto.randomUUID();
    const status = await laptop.status();
    const userId = status.loggedIn ? status.userId : '';
    await server.pool.query(
      'INSERT INTO devices (id, user_id, name, sealing_public_key, signing_public_key, certificate) VALUES ($1, $2, $3, $4, $5, $6)',
      [intruderId, userId, 'intruder', Buffer.alloc(32, 7), Buffer.from(intruder.publicKey), Buffer.alloc(32, 1)],
    );
    await refused(dispatch(approval(intruderId, await signed(b.id, intruder.secretKey))), /not certified/);
    // The genuine approval passes the same check.
    const ok = await agentDevice.tasks.verifyDispatch(
      dispatch(approval(phoneKey.id, await signed(b.id, phoneKey.key))) as unknown as Dispatch,
    );
    assert.equal(ok.action, 'lists.add_item');
    for (const t of [a.id, b.id]) await phone.tasks.decide(t, 'reject');
  });

  it('a plan that skips an approval the agent requires, and a server marking several steps waiting, are refused', async () => {
    // Made on a device whose rules allowed it: this agent's plugins.yaml says "ask".
    const unasked = await laptop.tasks.submit({
      request: { text: 'unasked' },
      steps: [
        {
          id: 's1',
          action: 'calendar.create_event',
          params: { title: 'Sneaky', start: '2031-01-01T10:00:00.000Z', durationMinutes: 30 },
          dependsOn: [],
          requiresApproval: false,
          why: 'no approval asked',
        },
      ],
    });
    const failed = await until(unasked.id, ['completed', 'failed', 'cancelled']);
    assert.equal(failed.status, 'failed');
    assert.equal(failed.steps[0]?.attempts, 1, 'not retried');
    assert.match(failed.steps[0]?.result?.error ?? '', /needs your approval here/);
    assert.ok(!(await new LocalCalendar(laptop.vault).all()).some((e) => e.title === 'Sneaky'));

    const two = (id: string) => ({
      id,
      action: 'lists.add_item',
      params: { list: 'two', item: id },
      dependsOn: [],
      requiresApproval: true,
      why: 'add',
    });
    const task = await laptop.tasks.submit({ request: { text: 'two steps' }, steps: [two('s1'), two('s2')] });
    await until(task.id, ['waiting_approval']);
    // A lying server shows both steps as waiting, hoping for two signatures at once.
    await server.pool.query(`UPDATE task_steps SET status = 'waiting_approval' WHERE task_id = $1`, [task.id]);
    await assert.rejects(
      () => phone.tasks.decide(task.id, 'approve'),
      (e: unknown) => isAuraError(e) && e.code === 'AURA_SERVER_MISBEHAVED',
    );
    await phone.tasks.decide(task.id, 'reject', { stepId: 's1' });
  });

  it('two agents of one user: each step runs on one of them, each request is planned once', async () => {
    const second = await enroll(laptop, 'agent-2');
    const host = await PluginHost.load(join(home, 'plugins.yaml'), second.vault);
    const other = new Agent({ client: second, host, journalPath: join(home, 'journal-2.json'), log: () => {} });
    await other.start();
    try {
      const slow = (n: number) => ({
        id: 's1',
        action: 'test.slow',
        params: { ms: 50 + n },
        dependsOn: [],
        requiresApproval: false,
        why: 'slow',
      });
      const tasks = await Promise.all(
        [0, 1, 2, 3].map((n) => laptop.tasks.submit({ request: { text: `two ${n}` }, steps: [slow(n)] })),
      );
      for (const t of tasks) assert.equal((await until(t.id, ['completed', 'failed'])).status, 'completed');
      for (const t of tasks) assert.equal(ran('test.slow', t.id), 1, 'ran once, on one agent');
      const before = (await laptop.tasks.list(200)).length;
      await laptop.tasks.postRequest('add eggs to my shopping list');
      await waitFor(
        async () => (await laptop.tasks.list(200)).length !== before,
        20_000,
        () => 'for the request to be planned',
        100,
      );
      // A second plan of the same request would be an absence of an event, not an event: both
      // agents get this long to make one before the count is taken.
      await new Promise((r) => setTimeout(r, 1500));
      const planned = await Promise.all(
        (await laptop.tasks.list(200)).slice(0, 3).map(async (t) => (await laptop.tasks.show(t.id)).request.text),
      );
      assert.equal(planned.filter((text) => text === 'add eggs to my shopping list').length, 1);
      // Revoking the second agent's device cuts its connection: the next step runs on the first.
      const revoked = (await (stores.get('agent-2') as MemoryStateStore).load()).device?.deviceId ?? '';
      await laptop.revokeDevice(revoked);
      const later = await laptop.tasks.submit({ request: { text: 'after revoke' }, steps: [slow(9)] });
      assert.equal((await until(later.id, ['completed', 'failed'])).status, 'completed');
      assert.equal(ran('test.slow', later.id), 1);
    } finally {
      await other.stop();
    }
  });

  it('no plaintext of requests, plans, results or event titles in the database, the logs or the metrics', async () => {
    const metrics = (await server.app.inject('/metrics')).body;
    assert.match(metrics, /^# HELP /m);
    const everything = `${await dumpDatabase(server.db.url)}\n${server.logs.join('')}\n${metrics}`;
    for (const secret of [
      'Schedule a meeting',
      'Meeting with John Appleseed',
      'Appleseed',
      'groceries',
      'lists.add_item',
      'calendar.create_event',
      'broken, as always',
      'flaky failure',
    ])
      for (const form of forms(secret)) assert.ok(!everything.includes(form), `the server holds "${secret}"`);
    // The dump is real: the audit entries' public fields are there (in the leaf bytes, as hex).
    assert.ok(forms('approval_requested').some((f) => everything.includes(f)));
  });
});
