import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { type AuraClient, AuraClient as Client, MemoryStateStore, type TaskDetail } from '@aura/client';
import { blindSearchTokens, deriveBlindIndexKey } from '@aura/crypto';
import {
  DOVECOT,
  type Imap,
  OPENSSL,
  type Smtp,
  skipUnless,
  startDovecot,
  startSmtp,
  type TestServer,
} from '@aura/testing';
import { type Agent, loadPluginHost, savePluginCredentials } from '../src/index.ts';
import { ended, enroll, orchestratedServer, startAgent } from './support/account.ts';

// M14 (ARCHITECTURE.md §7): attacker-controllable content, incoming mail above all, is not
// token-indexed. The email plugin (src/integrations/email.ts) never writes to the vault:
// what it reads goes back as a step's result, sealed, with no search tokens. So this test reads
// mail the way Aura does, through the agent and the plugin against a real IMAP server (Dovecot),
// and shows that the server's whole set of search tokens is the same before and after, and that
// no word of the mail has a token under any of the user's index keys. A control then stores
// the user's own note with the same word, to show the check would have seen it.
let server: TestServer & { url: string };
let smtp: Smtp;
let imap: Imap;
let laptop: AuraClient;
let agent: Agent;
const home = mkdtempSync(join(tmpdir(), 'aura-mail-index-'));
const address = `mail-index-${crypto.randomUUID()}@example.com`;
const plugins = join(home, 'plugins.yaml');
const COLLECTIONS = ['contexts', 'relationships', 'learning-events'] as const;

const skip = skipUnless(DOVECOT, OPENSSL);
before(async () => {
  if (skip) return;
  smtp = await startSmtp();
  imap = await startDovecot({ username: smtp.username, password: smtp.password });
  server = await orchestratedServer({ AURA_STEP_RETRY_INITIAL_MS: '100' });
  laptop = await Client.open({ server: server.url, store: new MemoryStateStore() });
  await laptop.register(address, 'mail index pw');
  const agentDevice = await enroll(laptop, server.url, address, 'agent');
  const ca = join(home, 'ca.pem');
  writeFileSync(ca, `${readFileSync(smtp.caFile, 'utf8')}${readFileSync(imap.caFile, 'utf8')}`);
  writeFileSync(
    plugins,
    [
      'plugins:',
      '  calendar: { enabled: true }',
      '  reminders: { enabled: true }',
      '  lists: { enabled: true }',
      '  contacts: { enabled: true }',
      '  email:',
      `    config: { smtp: { host: 127.0.0.1, port: ${smtp.port}, security: starttls }, imap: { host: 127.0.0.1, port: ${imap.port}, security: tls }, from: me@example.com, caFile: ${JSON.stringify(ca)} }`,
      'permissions: {}',
      '',
    ].join('\n'),
  );
  await savePluginCredentials(laptop.vault, 'email', { username: smtp.username, password: smtp.password });
  agent = await startAgent(agentDevice, await loadPluginHost(plugins, agentDevice.vault), home);
});
after(async () => {
  await agent?.stop();
  await server?.close();
  await smtp?.stop();
  await imap?.stop();
  rmSync(home, { recursive: true, force: true });
});

/** Every search token the server holds, in every table that has them, as sorted base64. */
async function tokenSet(): Promise<string[]> {
  const { rows: tables } = await server.pool.query<{ table_name: string }>(
    "SELECT table_name FROM information_schema.columns WHERE table_schema = 'public' AND column_name = 'search_tokens'",
  );
  assert.ok(tables.length >= 3, 'the vault tables were found');
  const all: string[] = [];
  for (const { table_name } of tables) {
    const { rows } = await server.pool.query<{ search_tokens: Buffer[] }>(`SELECT search_tokens FROM "${table_name}"`);
    for (const row of rows) for (const t of row.search_tokens) all.push(t.toString('base64'));
  }
  return all.sort();
}

async function run(action: string, params: Record<string, unknown>): Promise<TaskDetail> {
  const task = await laptop.tasks.submit({
    request: { text: 'check my mail' },
    steps: [{ id: 's1', action, params, dependsOn: [], requiresApproval: false, why: 'read mail' }],
  });
  return ended(laptop, task.id, () => `for task ${task.id} to end`);
}

it('M14: mail searched and read through the email plugin adds no search token to the vault', {
  skip,
  timeout: 120_000,
}, async () => {
  const subjectWord = `subjectmark${crypto.randomUUID().slice(0, 8)}`;
  const bodyWord = `bodymark${crypto.randomUUID().slice(0, 8)}`;
  const sender = `mallory-${crypto.randomUUID().slice(0, 6)}@example.com`;
  const before = await tokenSet();
  assert.ok(before.length > 0, 'the credentials record is indexed by the plugin name, so the set is not empty');

  imap.deliver({ from: sender, subject: `Invoice ${subjectWord}`, body: `Please pay ${bodyWord} today.` });
  const searched = await run('email.search', { from: [sender] });
  assert.equal(searched.status, 'completed', JSON.stringify(searched.steps.map((s) => s.result)));
  const output = searched.steps[0]?.result?.output as { messages?: { uid: number; subject: string }[] } | undefined;
  const messages = output?.messages ?? [];
  assert.deepEqual(
    messages.map((m) => m.subject),
    [`Invoice ${subjectWord}`],
    'the agent did read the mail',
  );
  const read = await run('email.read', { message: String(messages[0]?.uid) });
  assert.equal(read.status, 'completed', JSON.stringify(read.steps.map((s) => s.result)));
  assert.match((read.steps[0]?.result?.output as { body?: string } | undefined)?.body ?? '', new RegExp(bodyWord));

  // Nothing new in the index, and no word of the mail under any of the user's index keys.
  assert.deepEqual(await tokenSet(), before);
  const index = new Set(before);
  for (const word of [subjectWord, bodyWord, 'Invoice', sender])
    for (const collection of COLLECTIONS) {
      const key = deriveBlindIndexKey(laptop.accountKey(), collection, 'text');
      for (const t of blindSearchTokens(key, word))
        assert.ok(!index.has(Buffer.from(t).toString('base64')), `"${word}" is indexed in ${collection}`);
      assert.deepEqual(await laptop.vault.search(collection, word), [], `"${word}" found in ${collection}`);
    }

  // The control: the user's own note with the same word is indexed, found, and shows in the set.
  const note = await laptop.vault.put('contexts', { text: `pay the ${subjectWord} invoice` });
  assert.deepEqual(
    (await laptop.vault.search('contexts', subjectWord)).map((r) => r.id),
    [note.id],
  );
  assert.ok((await tokenSet()).length > before.length);
});
