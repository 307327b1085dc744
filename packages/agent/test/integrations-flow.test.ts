import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { understand } from '@aura/assistant';
import { type AuraClient, AuraClient as Client, MemoryStateStore, type TaskDetail } from '@aura/client';
import {
  DOVECOT,
  dumpDatabase,
  forms,
  type Imap,
  OPENSSL,
  RADICALE,
  type Radicale,
  type Smtp,
  skipUnless,
  startDovecot,
  startRadicale,
  startSmtp,
  type TestServer,
  waitFor,
} from '@aura/testing';
import { type Agent, loadPluginHost, savePluginCredentials } from '../src/index.ts';
import { CalDavPlugin } from '../src/integrations/caldav.ts';
import { ENDED, enroll, orchestratedServer, startAgent } from './support/account.ts';

// The spec's request flow with CalDAV (Radicale) and SMTP (smtp-server) enabled: the real
// server with DBOS, a laptop that asks, a phone that approves, and an agent that runs the steps.
let server: TestServer & { url: string };
let radicale: Radicale;
let smtp: Smtp;
let imap: Imap;
let laptop: AuraClient;
let phone: AuraClient;
let agent: Agent;
const home = mkdtempSync(join(tmpdir(), 'aura-integrations-'));
const address = `integrations-${crypto.randomUUID()}@example.com`;
const plugins = join(home, 'plugins.yaml');
const caBundle = join(home, 'ca.pem');

/** Approves whatever waits, from the phone, until the task ends. */
async function approveUntilDone(id: string): Promise<TaskDetail> {
  let status = '';
  return waitFor(
    async () => {
      const t = await laptop.tasks.show(id);
      status = t.status;
      if (ENDED.includes(t.status)) return t;
      if (t.status === 'waiting_approval') await phone.tasks.decide(id, 'approve').catch(() => {});
      return undefined;
    },
    60_000,
    () => `task ${id} still ${status}`,
    100,
  );
}

async function plan(text: string) {
  const host = await loadPluginHost(plugins, laptop.vault);
  try {
    const { decision } = await understand(laptop.vault, text, { host });
    assert.equal(decision.status, 'ready', decision.reasoning.join(' ') + decision.questions.join(' '));
    return { decision, submit: () => laptop.tasks.submit({ request: { text }, steps: decision.plan }) };
  } finally {
    await host.close();
  }
}
async function ask(text: string) {
  const { decision, submit } = await plan(text);
  return { decision, task: await submit() };
}

const skip = skipUnless(RADICALE, DOVECOT, OPENSSL);
before(async () => {
  if (skip) return;
  radicale = await startRadicale();
  smtp = await startSmtp();
  // One mail account: the same login for sending (SMTP) and reading (IMAP).
  imap = await startDovecot({ username: smtp.username, password: smtp.password });
  server = await orchestratedServer({ AURA_STEP_RETRY_INITIAL_MS: '100', AURA_STEP_TIMEOUT_SECONDS: '30' });
  laptop = await Client.open({ server: server.url, store: new MemoryStateStore() });
  await laptop.register(address, 'integrations pw');
  phone = await enroll(laptop, server.url, address, 'phone');
  const agentDevice = await enroll(laptop, server.url, address, 'agent');
  // The two test servers have their own self-signed certificates: the agent trusts both.
  writeFileSync(caBundle, `${readFileSync(smtp.caFile, 'utf8')}${readFileSync(imap.caFile, 'utf8')}`);
  writeFileSync(
    plugins,
    [
      'plugins:',
      '  calendar: { enabled: false }',
      '  reminders: { enabled: true }',
      '  lists: { enabled: true }',
      '  contacts: { enabled: true }',
      '  caldav:',
      `    config: { url: ${JSON.stringify(radicale.url)}, calendar: Work }`,
      '  email:',
      `    config: { smtp: { host: 127.0.0.1, port: ${smtp.port}, security: starttls }, imap: { host: 127.0.0.1, port: ${imap.port}, security: tls }, from: alice@example.com, caFile: ${JSON.stringify(caBundle)} }`,
      'permissions: {}',
      '',
    ].join('\n'),
  );
  // Secrets go into the vault (encrypted by the device), never into plugins.yaml.
  await savePluginCredentials(laptop.vault, 'caldav', { username: radicale.username, password: radicale.password });
  await savePluginCredentials(laptop.vault, 'email', { username: smtp.username, password: smtp.password });
  await laptop.vault.put('relationships', {
    name: 'John Appleseed',
    relationship: 'colleague',
    email: 'john@example.com',
  });
  agent = await startAgent(agentDevice, await loadPluginHost(plugins, agentDevice.vault), home);
});

after(async () => {
  await agent?.stop();
  await server?.close();
  await radicale?.stop();
  await smtp?.stop();
  await imap?.stop();
  rmSync(home, { recursive: true, force: true });
});

it('"Schedule a meeting with John tomorrow at 3pm": the event in Radicale with John, the invitation at the SMTP server', {
  skip,
  timeout: 120_000,
}, async () => {
  const { decision, task } = await ask('Schedule a meeting with John tomorrow at 3pm');
  assert.deepEqual(
    decision.plan.map((s) => [s.action, s.requiresApproval]),
    [
      ['calendar.find_free_time', false],
      ['calendar.create_event', true],
      ['email.send_invitation', true],
    ],
  );
  const done = await approveUntilDone(task.id);
  assert.equal(done.status, 'completed', JSON.stringify(done.steps.map((s) => [s.id, s.status, s.result])));
  const files = readdirSync(radicale.calendarDir).filter((f) => f.endsWith('.ics'));
  assert.equal(files.length, 1);
  const ics = readFileSync(join(radicale.calendarDir, files[0] as string), 'utf8');
  assert.match(ics, /SUMMARY:Meeting with John Appleseed/);
  assert.match(ics, /ATTENDEE[^:]*:mailto:john@example.com/);
  const invitation = smtp.received.find((m) => m.to.includes('john@example.com'));
  assert.ok(invitation, 'the invitation reached the SMTP server');
  assert.match(invitation.raw.replace(/=\r?\n/g, ''), /method=REQUEST/i);
  const uid = /UID:(.+)/.exec(ics)?.[1]?.trim();
  assert.ok(
    uid && invitation.raw.replace(/=\r?\n|\r?\n /g, '').includes(`UID:${uid}`),
    'the invitation is for that event',
  );
});

it('"what\'s on my calendar friday" reads back from Radicale, without approval', {
  skip,
  timeout: 120_000,
}, async () => {
  const direct = new CalDavPlugin();
  await direct.initialize({ url: radicale.url }, { username: radicale.username, password: radicale.password });
  const { decision, submit } = await plan("what's on my calendar friday");
  const friday = decision.plan[0]?.params.start as string;
  await direct.executeAction(
    'calendar.create_event',
    { title: 'Dentist', start: new Date(Date.parse(friday) + 10 * 3_600_000).toISOString(), durationMinutes: 60 },
    { taskId: 'setup', stepId: 's', idempotencyKey: 'setup/dentist' },
  );
  assert.deepEqual(
    decision.plan.map((s) => [s.action, s.requiresApproval]),
    [['calendar.list_events', false]],
  );
  const done = await approveUntilDone((await submit()).id);
  assert.equal(done.status, 'completed');
  const events = (done.steps[0]?.result?.output as { events: { title: string }[] } | undefined)?.events ?? [];
  assert.ok(
    events.some((e) => e.title === 'Dentist'),
    JSON.stringify(events),
  );
});

it('"email Sarah the notes" and "do I have new mail from John", end to end', { skip, timeout: 120_000 }, async () => {
  await laptop.vault.put('relationships', {
    name: 'Sarah Connor',
    relationship: 'manager',
    email: 'sarah@example.com',
  });
  const mail = await ask('email Sarah the notes');
  assert.deepEqual(
    mail.decision.plan.map((s) => [s.action, s.requiresApproval]),
    [['email.send', true]],
  );
  assert.equal((await approveUntilDone(mail.task.id)).status, 'completed');
  const sent = smtp.received.find((m) => m.to.includes('sarah@example.com'));
  assert.match(sent?.raw ?? '', /Subject: The notes/);

  imap.deliver({ from: 'john@example.com', subject: 'Quarterly numbers', body: 'Numbers attached.' });
  const check = await ask('do I have new mail from John');
  assert.deepEqual(
    check.decision.plan.map((s) => [s.action, s.requiresApproval, s.params.from]),
    [['email.search', false, ['john@example.com']]],
  );
  const done = await approveUntilDone(check.task.id);
  assert.equal(done.status, 'completed');
  const found = (done.steps[0]?.result?.output as { messages: { from: string; subject: string }[] } | undefined)
    ?.messages;
  assert.deepEqual(
    found?.map((m) => [m.from, m.subject]),
    [['john@example.com', 'Quarterly numbers']],
  );
});

it('the SMTP server down: retried per the policy, then the task fails and says which step, with the event kept', {
  skip,
  timeout: 120_000,
}, async () => {
  await smtp.close();
  const { task } = await ask('Schedule a meeting with John on monday at 11am');
  const done = await approveUntilDone(task.id);
  assert.equal(done.status, 'failed', JSON.stringify(done.steps.map((s) => [s.action, s.status, s.result])));
  assert.deepEqual(done.reason, { why: 'step failed', stepId: 's3' });
  assert.equal(done.steps[1]?.status, 'succeeded', 'the event was created and that is reported');
  assert.equal(done.steps[2]?.status, 'failed');
  assert.equal(done.steps[2]?.attempts, 3);
  assert.match(done.steps[2]?.result?.error ?? '', /cannot reach the SMTP server/);
});

it('no credential, event title or mail content in the database, the logs or the metrics', { skip }, async () => {
  const metrics = (await server.app.inject('/metrics')).body;
  const everything = `${await dumpDatabase(server.db.url)}\n${server.logs.join('')}\n${metrics}`;
  for (const secret of [
    radicale.password,
    smtp.password,
    'Meeting with John',
    'Quarterly numbers',
    'Numbers attached',
    'The notes',
    'Dentist',
    'john@example.com',
    'Invitation',
  ])
    for (const form of forms(secret)) assert.ok(!everything.includes(form), `the server holds "${secret}"`);
});
