import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AuraClient, type LoggedEvent, MemoryStateStore, type PlannedStep } from '@aura/client';
import { nodeSocket } from '@aura/client/node';
import type { PushPayload } from '@aura/protocol';
import {
  freePort,
  freshDatabase,
  type LocalPushService,
  RABBITMQ_URL,
  REDIS_URL,
  type ServerProcess,
  skipUnlessServing,
  spawnServer,
  startPushService,
  type TestDatabase,
  waitFor,
} from '@aura/testing';
import amqp from 'amqplib';
import { Redis } from 'ioredis';
import { email } from './support.ts';

// Two real server processes (`npm start`'s entry point) on one PostgreSQL, the real RabbitMQ
// and the real Redis of our machines: a phone that has only a push subscription hears of an
// approval a plan on the other process asks for; a client on one process hears what happened
// on the other; and a task whose process is killed (SIGKILL) mid-task completes once that
// process is started again with its executor id (DBOS recovers its own workflows).

const rabbit = await skipUnlessServing('RabbitMQ', RABBITMQ_URL, 5672);
const redis = await skipUnlessServing('Redis', REDIS_URL, 6379);
const SECRET = 'Dinner with Johanna Fairweather at Chez Panisse';
const WORDS = ['Johanna', 'Fairweather', 'Panisse', 'Dinner'];

describe('two server processes behind real brokers', { skip: rabbit || redis }, () => {
  let db: TestDatabase;
  let push: LocalPushService;
  let env: Record<string, string>;
  let a: ServerProcess;
  let b: ServerProcess;
  let laptop: AuraClient;
  let phone: AuraClient;
  let phoneEndpoint = '';
  const broker: string[] = [];
  let spy: amqp.ChannelModel | undefined;

  // Each process keeps its port across a restart, as a process behind a load balancer would.
  const ports: Record<string, string> = {};
  const start = async (executor: string) => {
    ports[executor] ??= String(await freePort());
    return spawnServer({ ...env, AURA_EXECUTOR_ID: executor, PORT: ports[executor] });
  };
  const open = (url: string) => AuraClient.open({ server: url, store: new MemoryStateStore(), openSocket: nodeSocket });
  const step = (id: string): PlannedStep => ({
    id,
    action: 'calendar.create',
    params: { title: SECRET },
    dependsOn: [],
    requiresApproval: true,
    why: SECRET,
  });

  before(async () => {
    db = await freshDatabase();
    push = await startPushService();
    env = {
      DATABASE_URL: db.url,
      AMQP_URL: RABBITMQ_URL,
      REDIS_URL,
      AURA_STEP_RETRY_INITIAL_MS: '100',
      AURA_RATE_LIMIT_DEFAULT: '100000',
    };
    [a, b] = await Promise.all([start('scale-a'), start('scale-b')]);
    laptop = await open(a.url);
    const address = email();
    await laptop.register(address, 'pw for two servers');
    // The phone talks to B only.
    phone = await open(b.url);
    const ticket = await phone.requestEnrollment(address, 'phone');
    await laptop.approveEnrollment(ticket.code);
    await ticket.wait({ intervalMs: 50 });
    const subscription = push.subscribe();
    phoneEndpoint = subscription.endpoint;
    await phone.notifications.subscribePush(subscription);
    // A spy on the broker: every message about this user, as the exchange routes it.
    spy = await amqp.connect(RABBITMQ_URL);
    const channel = await spy.createChannel();
    const { queue } = await channel.assertQueue('', { exclusive: true });
    await channel.bindQueue(queue, 'aura.events', `user.${laptop.session?.userId}.#`);
    await channel.consume(queue, (m) => m && broker.push(m.content.toString('utf8')), { noAck: true });
  });
  after(async () => {
    await spy?.close();
    for (const s of [a, b]) if (s && s.child.exitCode === null) s.child.kill('SIGTERM');
    await Promise.all([a?.exited, b?.exited]);
    await push?.close();
    await db?.drop();
  });

  const pushes = () =>
    push.received
      .filter((m) => phoneEndpoint.endsWith(m.subscription))
      .map((m) => ({ at: m.at, payload: JSON.parse(m.payload) as PushPayload }));

  it('the push-only phone hears of a waiting approval planned on the other process within a second', async (t) => {
    const task = await laptop.tasks.submit({ request: { text: SECRET }, steps: [step('s1')] });
    const submitted = Date.now();
    await waitFor(
      () =>
        pushes().find(
          (p) =>
            p.payload.type === 'task.approval_requested' &&
            p.payload.notice.type === 'task' &&
            p.payload.notice.taskId === task.id,
        ),
      10_000,
      () => `refused: ${JSON.stringify(push.refused)}\nA:${a.output()}\nB:${b.output()}`,
    );
    const heard = pushes().find((p) => p.payload.type === 'task.approval_requested');
    assert.ok(heard);
    assert.ok(heard.at - submitted < 1000, `the push came ${heard.at - submitted} ms after the plan`);
    t.diagnostic(`push received ${heard.at - submitted} ms after the plan was accepted`);
    assert.equal(
      push.received.filter((m) => JSON.parse(m.payload).type === 'task.approval_requested').length,
      1,
      'one push for one event, though two processes consume the bus',
    );
    const sealed = heard.payload.sealed ?? '';
    assert.equal(phone.tasks.openStep({ taskId: task.id, stepId: 's1', ciphertext: sealed }).why, SECRET);
    await phone.tasks.decide(task.id, 'reject');
  });

  it('a WebSocket client on A hears what a device did on B', async () => {
    const task = await laptop.tasks.submit({ request: { text: SECRET }, steps: [step('s1')] });
    const events: LoggedEvent[] = [];
    const controller = new AbortController();
    let ready = false;
    const following = laptop.notifications.follow((e) => events.push(e), {
      signal: controller.signal,
      onConnected: () => {
        ready = true;
      },
    });
    await waitFor(() => ready, 10_000);
    await phone.tasks.decide(task.id, 'reject');
    await waitFor(
      () =>
        events.find(
          (e) => e.type === 'task.approval_decided' && e.notice.type === 'task' && e.notice.taskId === task.id,
        ),
      10_000,
      () => JSON.stringify(events.map((e) => e.type)),
    );
    controller.abort();
    await following;
  });

  it('a task survives SIGKILL of the process running it: A, started again with its executor id, completes it', async () => {
    const task = await laptop.tasks.submit({ request: { text: SECRET }, steps: [step('s1')] });
    await waitFor(async () => (await laptop.tasks.show(task.id)).status === 'waiting_approval', 10_000);
    a.child.kill('SIGKILL');
    await a.exited;
    // The decision goes to B while A is gone; the workflow is A's and waits in PostgreSQL.
    await phone.tasks.decide(task.id, 'approve');
    a = await start('scale-a');
    // The agent (the phone, on B) claims the step once A's recovered workflow dispatches it.
    const dispatch = await waitFor(
      async () => (await phone.tasks.claim()).dispatches.find((d) => d.taskId === task.id),
      30_000,
      () => a.output(),
    );
    const planned = await phone.tasks.verifyDispatch(dispatch);
    assert.equal(planned.why, SECRET);
    await phone.tasks.report(dispatch, { ok: true, output: { eventId: 'e1' } });
    await waitFor(
      async () => (await laptop.tasks.show(task.id)).status === 'completed',
      30_000,
      () => a.output(),
    );
  });

  it('neither the broker nor Redis carries any of the user text', async () => {
    await waitFor(() => broker.length > 0, 10_000);
    for (const body of broker) for (const word of WORDS) assert.ok(!body.includes(word), `${word} crossed the broker`);
    const client = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
    await client.connect();
    try {
      const keys = await client.keys('aura-*');
      assert.ok(keys.length > 0, 'the rate limits are counted in Redis');
      for (const key of keys) {
        const type = await client.type(key);
        const value =
          type === 'string' ? await client.getBuffer(key) : Buffer.from(JSON.stringify(await client.hgetall(key)));
        for (const word of WORDS) {
          assert.ok(!key.includes(word), `${word} in a Redis key`);
          assert.ok(!value?.toString('latin1').includes(word), `${word} in Redis under ${key}`);
        }
      }
    } finally {
      client.disconnect();
    }
  });
});
