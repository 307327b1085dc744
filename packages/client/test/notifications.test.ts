import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AuraClient, type LoggedEvent, MemoryStateStore, type PlannedStep } from '@aura/client';
import { nodeSocket } from '@aura/client/node';
import type { PushPayload } from '@aura/protocol';
import {
  dumpDatabase,
  type LocalPushService,
  type Smtp,
  startPushService,
  startSmtp,
  startTestServer,
  type TestServer,
  waitFor,
} from '@aura/testing';
import { email, rejectsWith } from './support.ts';

// Notices reach every device of a user: over the notification WebSocket (resumed from the log
// after a reconnect), by Web Push to a device that only has a subscription, and by email with a
// link only. The push service here is a local one that checks the VAPID JWT and decrypts each
// payload with the subscription's keys, as a browser vendor's would.

const SECRET = 'Meeting with John Appleseed about the Bistro Paul lease';
const open = (url: string) => AuraClient.open({ server: url, store: new MemoryStateStore(), openSocket: nodeSocket });

let server: TestServer & { url: string };
let push: LocalPushService;
let smtp: Smtp;
let laptop: AuraClient;
let phone: AuraClient;
let address: string;

const step = (id: string): PlannedStep => ({
  id,
  action: 'calendar.create',
  params: { title: SECRET },
  dependsOn: [],
  requiresApproval: true,
  why: SECRET,
});

/** A follow() that collects events until stopped. */
function follower(client: AuraClient, after?: number) {
  const events: LoggedEvent[] = [];
  const controller = new AbortController();
  let connected = false;
  const done = client.notifications.follow((e) => events.push(e), {
    signal: controller.signal,
    ...(after === undefined ? {} : { after }),
    onConnected: () => {
      connected = true;
    },
  });
  return {
    events,
    ready: () => waitFor(() => connected, 10_000),
    async stop() {
      controller.abort();
      await done;
    },
  };
}

const pushesTo = (endpoint: string) =>
  push.received.filter((m) => endpoint.endsWith(m.subscription)).map((m) => JSON.parse(m.payload) as PushPayload);

before(async () => {
  push = await startPushService();
  smtp = await startSmtp();
  const s = await startTestServer(
    {
      AURA_SMTP_URL: `smtp://${encodeURIComponent(smtp.username)}:${encodeURIComponent(smtp.password)}@127.0.0.1:${smtp.port}`,
      AURA_SMTP_CA_FILE: smtp.caFile,
      AURA_PUBLIC_URL: 'https://aura.example.org',
    },
    { orchestration: true },
  );
  server = Object.assign(s, { url: await s.app.listen({ host: '127.0.0.1', port: 0 }) });
  address = email();
  laptop = await open(server.url);
  await laptop.register(address, 'pw for notices');
  phone = await open(server.url);
  const ticket = await phone.requestEnrollment(address, 'phone');
  await laptop.approveEnrollment(ticket.code);
  await ticket.wait({ intervalMs: 50 });
});
after(async () => {
  await server?.close();
  await push?.close();
  await smtp?.stop();
});

describe('notifications', () => {
  let phoneEndpoint = '';

  it('a phone with only a push subscription learns of a waiting approval, sealed, within a second', async (t) => {
    const subscription = push.subscribe();
    phoneEndpoint = subscription.endpoint;
    await phone.notifications.subscribePush(subscription);
    const { rows } = await server.pool.query("SELECT value->>'publicKey' AS key FROM server_keys WHERE name = 'vapid'");
    assert.equal(await phone.notifications.vapidKey(), rows[0]?.key);

    const task = await laptop.tasks.submit({ request: { text: SECRET }, steps: [step('s1')] });
    const submitted = Date.now();
    await waitFor(
      () => pushesTo(phoneEndpoint).some((p) => p.type === 'task.approval_requested'),
      10_000,
      () => `pushes: ${JSON.stringify(push.received.map((m) => m.payload))}; refused: ${JSON.stringify(push.refused)}`,
    );
    const message = push.received.find((m) => JSON.parse(m.payload).type === 'task.approval_requested');
    assert.ok(message);
    assert.ok(message.at - submitted < 1000, `the push came ${message.at - submitted} ms after the plan`);
    t.diagnostic(`push received ${message.at - submitted} ms after the plan was accepted`);
    assert.deepEqual(push.refused, [], 'every message carried a valid VAPID JWT and decrypted');
    assert.equal(message.headers.urgency, 'high');
    assert.ok(message.headers.topic, 'a topic, so the decision replaces the request still queued');
    // What the push service holds is ciphertext; what the phone decrypts is ids and the sealed step.
    const payload = JSON.parse(message.payload) as PushPayload;
    assert.equal(payload.notice.type === 'task' && payload.notice.taskId, task.id);
    for (const text of [message.body.toString('latin1'), message.payload])
      for (const word of ['John', 'Appleseed', 'Bistro', 'lease']) assert.ok(!text.includes(word), `${word} in push`);
    assert.ok(payload.sealed, 'the step travels sealed to the devices');
    const opened = phone.tasks.openStep({ taskId: task.id, stepId: 's1', ciphertext: payload.sealed });
    assert.equal(opened.why, SECRET, 'the phone opens the sealed step with the account key');
  });

  it('an approval on the phone clears the prompt on the laptop, which follows over the WebSocket', async () => {
    const follow = follower(laptop);
    await follow.ready();
    const task = await laptop.tasks.submit({ request: { text: SECRET }, steps: [step('s1')] });
    await waitFor(() => follow.events.some((e) => e.type === 'task.approval_requested'), 10_000);
    await phone.tasks.decide(task.id, 'approve');
    await waitFor(
      () => follow.events.some((e) => e.type === 'task.approval_decided' && e.notice.type === 'task'),
      10_000,
      () => JSON.stringify(follow.events.map((e) => e.type)),
    );
    const decided = follow.events.find((e) => e.type === 'task.approval_decided');
    assert.deepEqual(decided?.notice, {
      type: 'task',
      event: 'approval_decided',
      taskId: task.id,
      stepId: 's1',
      decision: 'approve',
    });
    // The phone's push for the decision has the same topic as the request it replaces.
    await waitFor(() => pushesTo(phoneEndpoint).some((p) => p.type === 'task.approval_decided'), 10_000);
    const topics = push.received
      .filter((m) => {
        const p = JSON.parse(m.payload) as PushPayload;
        return p.notice.type === 'task' && p.notice.taskId === task.id;
      })
      .map((m) => m.headers.topic);
    assert.equal(new Set(topics).size, 1, `one topic for the step: ${topics}`);
    await follow.stop();
    const seqs = follow.events.map((e) => e.seq);
    assert.deepEqual(
      seqs,
      [...seqs].sort((a, b) => a - b),
      'in log order',
    );
  });

  it('a device that reconnects gets what it missed from the log, in order, each once', async () => {
    const first = follower(laptop);
    await first.ready();
    await laptop.vault.put('contexts', { text: 'first' });
    await waitFor(() => first.events.length > 0, 10_000);
    await first.stop();
    const cursor = Math.max(...first.events.map((e) => e.seq));
    // While it is away: three writes, each an audit entry and so an event.
    for (const text of ['one', 'two', 'three']) await laptop.vault.put('contexts', { text });
    const missed = (await laptop.notifications.log({ after: cursor })).events;
    assert.ok(missed.length >= 3, JSON.stringify(missed));
    const second = follower(laptop, cursor);
    await second.ready();
    await waitFor(() => second.events.length >= missed.length, 10_000);
    assert.deepEqual(
      second.events.slice(0, missed.length).map((e) => e.id),
      missed.map((e) => e.id),
    );
    await laptop.vault.put('contexts', { text: 'live again' });
    await waitFor(() => second.events.length > missed.length, 10_000);
    await second.stop();
    assert.equal(new Set(second.events.map((e) => e.id)).size, second.events.length, 'none twice');
  });

  it('an expired subscription is removed when the push service says it is gone', async () => {
    push.expire(phoneEndpoint);
    await laptop.tasks.submit({ request: { text: SECRET }, steps: [step('s1')] });
    await waitFor(async () => (await phone.notifications.deliveries()).some((d) => d.outcome === 'expired'), 10_000);
    const { rows } = await server.pool.query('SELECT 1 FROM push_subscriptions WHERE device_id = $1', [
      phone.session?.deviceId,
    ]);
    assert.equal(rows.length, 0);
    await rejectsWith(() => phone.notifications.unsubscribePush(), 'AURA_NOT_FOUND');
  });

  it('email notices, when turned on, hold a link and none of the content', async () => {
    await laptop.notifications.setEmail(true);
    await laptop.tasks.submit({ request: { text: SECRET }, steps: [step('s1')] });
    await waitFor(
      () => smtp.received.length > 0,
      15_000,
      () => JSON.stringify(server.logs.slice(-5)),
    );
    const mail = smtp.received[0];
    assert.deepEqual(mail?.to, [address]);
    assert.match(mail?.raw ?? '', /https:\/\/aura\.example\.org\//);
    for (const word of ['John', 'Appleseed', 'Bistro', 'lease'])
      assert.ok(!mail?.raw.includes(word), `${word} in email`);
    await laptop.notifications.setEmail(false);
  });

  it('preferences are sealed: the server keeps them and cannot read them', async () => {
    await laptop.notifications.saveSettings({
      show: { task: true, audit: false },
      quietHours: { from: '22:00', to: '07:00' },
    });
    assert.deepEqual((await phone.notifications.settings()).quietHours, { from: '22:00', to: '07:00' });
    const dump = await dumpDatabase(server.db.url);
    assert.ok(!dump.includes('22:00'), 'quiet hours are not in the database in the clear');
    for (const word of ['John', 'Appleseed', 'Bistro', 'lease'])
      assert.ok(!dump.includes(word), `${word} in the database`);
  });
});
