import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { generateEd25519KeyPair } from '@aura/crypto';
import { dumpDatabase, forms, waitFor } from '@aura/testing';
import { type AuraClient, AuraClient as Client, MemoryStateStore, signAgentKeys } from '../src/index.ts';
import { email, listeningServer, rejectsWith } from './support.ts';

const operator = generateEd25519KeyPair();
const operatorKey = Buffer.from(operator.publicKey).toString('base64');
let server: Awaited<ReturnType<typeof listeningServer>>;
let user: AuraClient;
let agent: AuraClient;
let userEmail: string;
let agentId: string;

const open = (options: { operatorKey?: string } = {}) =>
  Client.open({
    server: server.url,
    store: new MemoryStateStore(),
    supportOperatorKey: options.operatorKey ?? operatorKey,
  });
before(async () => {
  server = await listeningServer({ AURA_SUPPORT_OPERATOR_KEY: operatorKey });
  userEmail = email();
  user = await open();
  await user.register(userEmail, 'user password 1');
  await user.vault.put('contexts', { text: 'Quarzeltine subscription renews on the 3rd', type: 'billing' });
  await user.vault.put('relationships', { name: 'Private Person', notes: 'never share' });
  agent = await open();
  await agent.register(email(), 'agent password 1');
  const device = await agent.device();
  const info = await agent.support.registerAsAgent(
    'Dana from support',
    signAgentKeys(operator.secretKey, {
      name: 'Dana from support',
      sealingPublicKey: device.sealing.publicKey,
      signingPublicKey: device.signing.publicKey,
    }),
  );
  agentId = info.id;
});
after(() => server?.close());

it('support access: request, grant by category, audited reads with notifications, revocation', async () => {
  // The user's connected client hears about every audited event.
  const notices: string[] = [];
  const stream = await fetch(`${server.url}/api/v1/notifications`, {
    headers: { authorization: `Bearer ${user.api.tokens?.accessToken}` },
  });
  const reader = stream.body?.getReader();
  void (async () => {
    for (;;) {
      const chunk = await reader?.read().catch(() => undefined);
      if (!chunk || chunk.done) return;
      notices.push(new TextDecoder().decode(chunk.value));
    }
  })();

  const { id: requestId } = await agent.support.requestAccess(userEmail, 'TICKET-42');
  const [request] = await user.support.requests();
  assert.equal(request?.ticket, 'TICKET-42');
  assert.equal(request?.agent.name, 'Dana from support');

  const granted = await user.support.grant(agentId, ['contexts'], { hours: 24, requestId });
  assert.equal(granted.records, 1);
  const read = await agent.support.read(granted.grantId);
  assert.deepEqual(
    read.records.map((r) => r.category),
    ['contexts'],
  );
  assert.equal(
    (read.records[0]?.data as { text?: string } | undefined)?.text,
    'Quarzeltine subscription renews on the 3rd',
  );
  assert.ok(!JSON.stringify(read).includes('Private Person'), 'only the granted category');

  // No plaintext of the granted data in the database.
  const dump = await dumpDatabase(server.db.url);
  for (const form of forms('Quarzeltine')) assert.ok(!dump.includes(form));

  // Only the granting user can revoke; then the copies are gone and reads fail.
  await rejectsWith(() => agent.support.revoke(granted.grantId), 'AURA_NOT_FOUND');
  await user.support.revoke(granted.grantId);
  await rejectsWith(() => agent.support.read(granted.grantId), 'AURA_SUPPORT_GRANT_INACTIVE');
  const { rows } = await server.pool.query('SELECT count(*)::int AS n FROM support_grant_records WHERE grant_id = $1', [
    granted.grantId,
  ]);
  assert.equal(rows[0].n, 0);

  // The user's verified log holds the request, the grant, the access and the revocation.
  const { entries } = await user.audit.entries();
  const events = entries.map((e) => e.eventType);
  for (const e of ['support_access_request', 'access_grant', 'data_access', 'access_revoke'])
    assert.ok(events.includes(e), e);
  const access = entries.find((e) => e.eventType === 'data_access');
  assert.equal(access?.actorType, 'support_agent');
  assert.equal((access?.details as { agent?: string } | null | undefined)?.agent, 'Dana from support');
  await waitFor(
    () => notices.join('').includes('"eventType":"data_access"'),
    5_000,
    () => `the read was notified in real time; notices: ${notices.join('')}`,
  );
  await reader?.cancel();
});

it('an expired grant cannot be read', async () => {
  const granted = await user.support.grant(agentId, ['contexts'], { hours: 1 / 3600 });
  await waitFor(
    () => Date.now() >= Date.parse(granted.validUntil),
    5_000,
    () => `for ${granted.validUntil}`,
  );
  await rejectsWith(() => agent.support.read(granted.grantId), 'AURA_SUPPORT_GRANT_INACTIVE');
});

it('M8: an agent whose keys the pinned operator key did not sign is refused', async () => {
  const wary = await open({ operatorKey: Buffer.from(generateEd25519KeyPair().publicKey).toString('base64') });
  await wary.login(userEmail, 'user password 1');
  await rejectsWith(() => wary.support.grant(agentId, ['contexts']), 'AURA_SUPPORT_AGENT_UNTRUSTED');
});

it('M9: a widened or extended grant is rejected by the agent', async () => {
  const granted = await user.support.grant(agentId, ['contexts'], { hours: 1 });
  const { rows } = await server.pool.query('SELECT grant_object FROM support_grants WHERE id = $1', [granted.grantId]);
  const widened = JSON.parse(rows[0].grant_object);
  widened.categories = ['contexts', 'relationships'];
  widened.validUntil = new Date(Date.now() + 365 * 86_400_000).toISOString();
  await server.pool.query('UPDATE support_grants SET grant_object = $2 WHERE id = $1', [
    granted.grantId,
    JSON.stringify(widened),
  ]);
  await rejectsWith(() => agent.support.read(granted.grantId), 'AURA_SUPPORT_GRANT_INVALID');
  // Records of another category slipped in by the server are refused too.
  await server.pool.query('UPDATE support_grants SET grant_object = $2 WHERE id = $1', [
    granted.grantId,
    rows[0].grant_object,
  ]);
  await server.pool.query(
    `INSERT INTO support_grant_records (user_id, grant_id, category, record_id, encrypted_data)
     SELECT user_id, id, 'relationships', gen_random_uuid(), '\\x00' FROM support_grants WHERE id = $1`,
    [granted.grantId],
  );
  await rejectsWith(() => agent.support.read(granted.grantId), 'AURA_SUPPORT_GRANT_INVALID');
});

it('a user cannot act as an agent, and an agent registration needs the operator signature', async () => {
  await rejectsWith(() => user.support.requestAccess(email(), 'T'), 'AURA_FORBIDDEN');
  await rejectsWith(
    () => user.support.registerAsAgent('Mallory', Buffer.alloc(64).toString('base64')),
    'AURA_SUPPORT_AGENT_UNTRUSTED',
  );
});
