import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Notification } from '@aura/protocol';
import {
  RABBITMQ_URL,
  type ServerPair,
  skipUnlessServing,
  startServerPair,
  type TestServer,
  TestUser,
  waitFor,
} from '@aura/testing';
import amqp from 'amqplib';

// Two server processes' worth of app on one PostgreSQL and the real RabbitMQ (127.0.0.1:5672):
// a client listening on B hears what a write on A did, and what crosses the broker is metadata
// the server has anyway, never the user's text.

const rabbit = await skipUnlessServing('RabbitMQ', RABBITMQ_URL, 5672);

describe('notices cross server processes through RabbitMQ (real broker)', { skip: rabbit }, () => {
  let pair: ServerPair;
  let a: TestServer;
  let b: TestServer;
  let user: TestUser;

  before(async () => {
    pair = await startServerPair(
      { AMQP_URL: RABBITMQ_URL },
      { a: { AURA_EXECUTOR_ID: 'server-a' }, b: { AURA_EXECUTOR_ID: 'server-b' } },
    );
    ({ a, b } = pair);
    user = await new TestUser((o) => a.app.inject(o)).register();
    await user.login();
  });
  after(() => pair?.close());

  /** The user's notification stream on B, as its events arrive. */
  async function listenOnB() {
    const res = await b.app.inject({
      method: 'GET',
      url: '/api/v1/notifications',
      headers: user.auth,
      payloadAsStream: true,
    });
    assert.equal(res.statusCode, 200);
    const notices: Notification[] = [];
    let text = '';
    const stream = res.stream();
    stream.on('data', (chunk: Buffer) => {
      text += String(chunk);
      for (let end = text.indexOf('\n\n'); end >= 0; end = text.indexOf('\n\n')) {
        const data = /^data: (.*)$/m.exec(text.slice(0, end))?.[1];
        if (data) notices.push(JSON.parse(data));
        text = text.slice(end + 2);
      }
    });
    return {
      notices,
      close: () => {
        stream.destroy();
        res.raw.res.destroy();
      },
    };
  }

  it("a write on A reaches the user's stream on B; the broker carries no plaintext of it", async () => {
    // A spy on the broker: every message of this user, as the exchange routes it.
    const connection = await amqp.connect(RABBITMQ_URL);
    const channel = await connection.createChannel();
    const { queue } = await channel.assertQueue('', { exclusive: true });
    await channel.bindQueue(queue, 'aura.events', `user.${user.userId}.#`);
    const seen: string[] = [];
    await channel.consume(queue, (m) => m && seen.push(m.content.toString('utf8')), { noAck: true });

    const stream = await listenOnB();
    try {
      const secret = 'Lunch with John at Bistro Paul on Friday';
      const record = user.record('contexts', secret);
      const stored = await a.app.inject({
        method: 'POST',
        url: '/api/v1/context',
        headers: user.auth,
        payload: record,
      });
      assert.equal(stored.statusCode, 201, stored.body);
      await waitFor(
        () => stream.notices.some((n) => n.type === 'audit' && n.eventType === 'vault'),
        10_000,
        () => `B heard: ${JSON.stringify(stream.notices)}`,
      );
      await waitFor(() => seen.length > 0, 10_000);
      for (const body of seen) {
        for (const word of ['Lunch', 'John', 'Bistro', secret]) assert.ok(!body.includes(word), `${word} in ${body}`);
        assert.ok(!body.includes(record.encryptedData), 'not even the ciphertext crosses the broker');
      }
    } finally {
      stream.close();
      await connection.close();
    }
  });
});
