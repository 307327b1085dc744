import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, describe, it } from 'node:test';
import type { BusEvent, EventType } from '@aura/protocol';
import { RABBITMQ_URL, skipUnlessServing, tcpProxy, waitFor } from '@aura/testing';
import amqp from 'amqplib';
import fc from 'fast-check';
import type { EventBus } from '../src/events/bus.ts';
import { MemoryEventBus } from '../src/events/memory-bus.ts';
import { RabbitMqEventBus } from '../src/events/rabbitmq-bus.ts';
import { topicMatches } from '../src/events/topic.ts';

// The event bus, both implementations through the one interface, the RabbitMQ one against the
// real broker of our machines (127.0.0.1:5672): routing, fan-out, shared queues, redelivery,
// and a connection cut mid-stream (through a TCP proxy, so the shared broker keeps running).

const rabbit = await skipUnlessServing('RabbitMQ', RABBITMQ_URL, 5672);

const event = (userId: string, type: EventType = 'audit.appended', index = 0): BusEvent => ({
  id: randomUUID(),
  seq: index + 1,
  type,
  userId,
  at: new Date().toISOString(),
  notice:
    type === 'audit.appended'
      ? { type: 'audit', index, eventType: 'vault', action: 'store', result: 'success', actorType: 'device' }
      : { type: 'task', event: 'approval_requested', taskId: randomUUID(), stepId: 's1' },
});

/** What a subscriber received, in order. */
function collector() {
  const got: BusEvent[] = [];
  return { got, handler: (e: BusEvent) => void got.push(e) };
}

let inProcess: MemoryEventBus | undefined;
const buses: { name: string; skip: string | false; make: () => Promise<EventBus> }[] = [
  // One process has one in-process bus: a second "server" in the same process shares it.
  { name: 'in process', skip: false, make: async () => (inProcess ??= new MemoryEventBus()) },
  {
    name: 'RabbitMQ (real broker)',
    skip: rabbit,
    make: () => RabbitMqEventBus.connect({ url: RABBITMQ_URL, processName: 'test' }),
  },
];

for (const { name, skip, make } of buses) {
  describe(`the event bus, ${name}`, { skip }, () => {
    const open: EventBus[] = [];
    const bus = async () => {
      const b = await make();
      open.push(b);
      return b;
    };
    after(async () => {
      for (const b of new Set(open)) await b.close();
    });

    it('routes by user.<id>.<type>: a pattern gets what it names and nothing else, in order', async () => {
      const b = await bus();
      const alice = randomUUID();
      const bob = randomUUID();
      const tasks = collector();
      const everything = collector();
      await b.subscribe(`user.${alice}.task.#`, tasks.handler);
      await b.subscribe(`user.${alice}.#`, everything.handler);
      const sent = [
        event(alice, 'task.approval_requested'),
        event(bob, 'task.approval_requested'),
        event(alice, 'audit.appended', 1),
        event(alice, 'task.completed'),
      ];
      for (const e of sent) await b.publish(e);
      await waitFor(() => tasks.got.length === 2 && everything.got.length === 3, 10_000);
      assert.deepEqual(
        tasks.got.map((e) => e.id),
        [sent[0]?.id, sent[3]?.id],
      );
      assert.deepEqual(
        everything.got.map((e) => e.id),
        [sent[0]?.id, sent[2]?.id, sent[3]?.id],
      );
      // Bob's event reached neither: a fence event published after it arrives with nothing before it.
      const fence = event(alice, 'task.failed');
      await b.publish(fence);
      await waitFor(() => tasks.got.at(-1)?.id === fence.id, 10_000);
      assert.equal(tasks.got.length, 3);
      assert.deepEqual(tasks.got[0], sent[0], 'the event arrives as it was sent');
    });

    it('a named queue hands each event to one of its consumers; private ones each get every event', async () => {
      const a = await bus();
      const b = await bus();
      const user = randomUUID();
      const queue = `aura.test.shared.${randomUUID()}`;
      const workerA = collector();
      const workerB = collector();
      const viewerA = collector();
      const viewerB = collector();
      const subs = [
        await a.subscribe(`user.${user}.#`, workerA.handler, { queue }),
        await b.subscribe(`user.${user}.#`, workerB.handler, { queue }),
      ];
      await a.subscribe(`user.${user}.#`, viewerA.handler);
      await b.subscribe(`user.${user}.#`, viewerB.handler);
      const sent = Array.from({ length: 20 }, (_, i) => event(user, 'audit.appended', i));
      for (const e of sent) await (sent.indexOf(e) % 2 ? a : b).publish(e);
      await waitFor(() => viewerA.got.length === 20 && viewerB.got.length === 20, 10_000);
      await waitFor(() => workerA.got.length + workerB.got.length === 20, 10_000);
      const handled = [...workerA.got, ...workerB.got].map((e) => e.id).sort();
      assert.deepEqual(handled, sent.map((e) => e.id).sort(), 'each event handled once among the workers');
      if (name !== 'in process') {
        assert.ok(workerA.got.length > 0 && workerB.got.length > 0, 'both workers share the load');
        for (const s of subs) await s.close();
        await deleteQueue(queue);
      }
    });

    it('a handler that throws gets the event again; an event published twice is handled once', async () => {
      const b = await bus();
      const user = randomUUID();
      const handled: string[] = [];
      let failures = 0;
      await b.subscribe(`user.${user}.#`, (e) => {
        if (failures === 0) {
          failures++;
          throw new Error('a handler failing once');
        }
        handled.push(e.id);
      });
      const once = event(user);
      await b.publish(once);
      await b.publish(once);
      const fence = event(user);
      await b.publish(fence);
      await waitFor(() => handled.includes(once.id) && handled.includes(fence.id), 10_000);
      assert.equal(failures, 1);
      assert.deepEqual(
        handled.filter((id) => id === once.id),
        [once.id],
      );
    });
  });
}

/** Removes a durable queue a test made on the shared broker. */
async function deleteQueue(queue: string) {
  const connection = await amqp.connect(RABBITMQ_URL);
  const channel = await connection.createChannel();
  await channel.deleteQueue(queue);
  await connection.close();
}

describe('the RabbitMQ bus across a lost connection (real broker, through a TCP proxy)', { skip: rabbit }, () => {
  it('publishes during an outage wait for the broker; a durable queue loses nothing and handles nothing twice', async () => {
    const broker = new URL(RABBITMQ_URL);
    const proxy = await tcpProxy({ host: broker.hostname, port: Number(broker.port || 5672) });
    const url = `amqp://${broker.username}:${broker.password}@127.0.0.1:${proxy.port}`;
    const states: string[] = [];
    const bus = await RabbitMqEventBus.connect({
      url,
      publishTimeoutMs: 30_000,
      onConnectionChange: (state) => states.push(state),
    });
    const user = randomUUID();
    const queue = `aura.test.outage.${randomUUID()}`;
    const handled: string[] = [];
    await bus.subscribe(`user.${user}.#`, (e) => void handled.push(e.id), { queue });
    const sent = Array.from({ length: 200 }, (_, i) => event(user, 'audit.appended', i));
    try {
      const publishing = (async () => {
        for (const [i, e] of sent.entries()) {
          if (i === 60) {
            proxy.cut();
            setTimeout(() => proxy.restore(), 300);
          }
          await bus.publish(e);
        }
      })();
      await publishing;
      await waitFor(
        () => new Set(handled).size === sent.length,
        30_000,
        () => `${new Set(handled).size} handled`,
      );
      assert.ok(states.includes('disconnected') && states.at(-1) === 'connected', states.join(','));
      assert.ok(proxy.accepted >= 2, 'it reconnected');
      assert.equal(handled.length, new Set(handled).size, 'no event handled twice');
    } finally {
      await bus.close();
      await proxy.close();
      await deleteQueue(queue);
    }
  });
});

describe('topic patterns mean the same in process as in RabbitMQ (real broker)', { skip: rabbit }, () => {
  it('property: for generated patterns and keys, topicMatches routes exactly as the broker does', async () => {
    const connection = await amqp.connect(RABBITMQ_URL);
    const channel = await connection.createConfirmChannel();
    const exchange = `aura.test.topic.${randomUUID()}`;
    await channel.assertExchange(exchange, 'topic', { durable: false });
    const word = fc.constantFrom('a', 'b', 'user', 'x1');
    const pattern = fc.array(fc.oneof(word, fc.constantFrom('*', '#')), { minLength: 1, maxLength: 5 });
    const key = fc.array(word, { minLength: 1, maxLength: 5 });
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.uniqueArray(pattern, { minLength: 1, maxLength: 4, selector: (p) => p.join('.') }),
          fc.array(key, { minLength: 1, maxLength: 8 }),
          async (patterns, keys) => {
            const queues: string[] = [];
            for (const p of patterns) {
              const { queue } = await channel.assertQueue('', { exclusive: true });
              await channel.bindQueue(queue, exchange, p.join('.'));
              queues.push(queue);
            }
            for (const [i, k] of keys.entries()) channel.publish(exchange, k.join('.'), Buffer.from(String(i)));
            await channel.waitForConfirms();
            for (const [q, queue] of queues.entries()) {
              const routed: number[] = [];
              for (let m = await channel.get(queue, { noAck: true }); m; m = await channel.get(queue, { noAck: true }))
                routed.push(Number(m.content.toString()));
              const p = patterns[q]?.join('.') ?? '';
              const expected = keys.flatMap((k, i) => (topicMatches(p, k.join('.')) ? [i] : []));
              assert.deepEqual(routed, expected, `pattern ${p}`);
              await channel.deleteQueue(queue);
            }
          },
        ),
        { numRuns: 40 },
      );
    } finally {
      await channel.deleteExchange(exchange);
      await connection.close();
    }
  });
});
