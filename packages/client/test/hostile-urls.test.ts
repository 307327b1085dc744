import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  deriveBlindIndexKey,
  deriveCollectionKey,
  generateEd25519KeyPair,
  type SymmetricKey,
  symmetricKey,
} from '@aura/crypto';
import { startTestServer, type TestServer, waitFor } from '@aura/testing';
import { AuraClient, type Dispatch, MemoryStateStore, signAgentKeys, type TaskDetail } from '../src/index.ts';
import { hostileProxy } from './hostile-proxy.ts';
import { email, newClient } from './support.ts';

/**
 * M13 (ARCHITECTURE.md §7): no secret in any URL the SDK requests, nor in a server log line.
 * A URL is the part of a request that proxies, access logs, browser history and Referer
 * headers keep; the server's own request log writes it too. Every request of a whole session
 * is recorded at a proxy in front of the real server (PostgreSQL and DBOS), and every secret
 * the session handled is then looked for, in every encoding, in every URL and every log line.
 *
 * Covered: the SDK (packages/client). Not covered here: the assistant's agent WebSocket
 * (packages/assistant/src/agent/agent.ts sends its token in a header, to a fixed path), and
 * the web dashboard, which does not exist yet: when it does, its requests need this test too.
 */

const operator = generateEd25519KeyPair();
let server: TestServer & { url: string };
let proxy: Awaited<ReturnType<typeof hostileProxy>>;

interface Exchange {
  method: string;
  path: string;
  status: number;
  requestBody: unknown;
  responseBody: unknown;
}
const exchanges: Exchange[] = [];
/** Answer the next GET /api/v1/auth/session with an "expired token" 401, so the SDK refreshes. */
let expireNextSessionCheck = false;

before(async () => {
  const s = await startTestServer(
    {
      AURA_SUPPORT_OPERATOR_KEY: Buffer.from(operator.publicKey).toString('base64'),
      AURA_STEP_RETRY_INITIAL_MS: '100',
      // The request lines, which this suite searches for secrets, are logged at debug.
      AURA_LOG_LEVEL: 'debug',
    },
    { orchestration: true },
  );
  server = Object.assign(s, { url: await s.app.listen({ host: '127.0.0.1', port: 0 }) });
  proxy = await hostileProxy(server.url);
  proxy.tamper = (req, res) => {
    exchanges.push({
      method: req.method,
      path: req.path,
      status: res.status,
      requestBody: req.body,
      responseBody: res.body,
    });
    if (expireNextSessionCheck && req.method === 'GET' && req.path === '/api/v1/auth/session') {
      expireNextSessionCheck = false;
      return { status: 401, body: { error: { code: 'AURA_UNAUTHENTICATED', message: 'the access token expired' } } };
    }
    return res;
  };
});
after(async () => {
  await proxy?.close();
  await server?.close();
});

/** Every string under a key named like a token (accessToken, refreshToken, claimSecret...) in a JSON value. */
function valuesAt(value: unknown, key: RegExp, out: string[] = []): string[] {
  if (Array.isArray(value)) for (const v of value) valuesAt(v, key, out);
  else if (value && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) {
      if (!key.test(k)) valuesAt(v, key, out);
      else if (typeof v === 'string') out.push(v);
      else if (Array.isArray(v)) out.push(...v.filter((x): x is string => typeof x === 'string'));
    }
  return out;
}

const b64 = (s: string) => new Uint8Array(Buffer.from(s, 'base64'));
const copy = (key: SymmetricKey) => symmetricKey(key.purpose, Uint8Array.from(key.bytes));

/** The ways a secret could be written into a URL or a log line. */
function encodings(secret: string | Uint8Array): string[] {
  const forms = new Set<string>();
  const add = (s: string) => {
    if (s.length < 6) return; // too short to mean anything as a substring
    forms.add(s);
    forms.add(encodeURIComponent(s));
  };
  if (typeof secret === 'string') {
    add(secret);
    add(Buffer.from(secret).toString('hex'));
    add(Buffer.from(secret).toString('base64'));
    add(Buffer.from(secret).toString('base64url'));
  } else {
    const bytes = Buffer.from(secret);
    add(bytes.toString('hex'));
    add(bytes.toString('hex').toUpperCase());
    add(bytes.toString('base64'));
    add(bytes.toString('base64').replace(/=+$/, ''));
    add(bytes.toString('base64url'));
  }
  return [...forms];
}

/** Labels of the secrets found in `text` (also after URL-decoding it). */
function leaked(text: string, secrets: Map<string, string[]>): string[] {
  let decoded = text;
  try {
    decoded = decodeURIComponent(text.replaceAll('+', ' '));
  } catch {}
  const found: string[] = [];
  for (const [label, forms] of secrets)
    if (forms.some((f) => text.includes(f) || decoded.includes(f) || text.toLowerCase().includes(f.toLowerCase())))
      found.push(label);
  return found;
}

const marker = (name: string) => `${name}${crypto.randomUUID().replaceAll('-', '').slice(0, 12)}`;

describe('M13: secrets never in a URL or a log line', () => {
  it('M13: a whole SDK session (auth, vault, devices, audit, tasks, support, logout) puts no secret in any URL or log', {
    timeout: 180_000,
  }, async () => {
    const userEmail = email();
    const password = `first password ${marker('pw')}`;
    const newPassword = `second password ${marker('pw')}`;
    const secrets = new Map<string, string[]>();
    const remember = (label: string, secret: string | Uint8Array) => {
      secrets.set(label, [...(secrets.get(label) ?? []), ...encodings(secret)]);
    };
    remember('password', password);
    remember('new password', newPassword);
    remember('email address (personal data)', userEmail);

    // Registration and login.
    const laptopStore = new MemoryStateStore();
    const laptop = await newClient(proxy.url, laptopStore);
    await laptop.register(userEmail, password, 'laptop');
    await laptop.login(userEmail, password);
    const accountKey = copy(laptop.accountKey()); // copied: logout wipes the SDK's own
    remember('account key', accountKey.bytes);
    for (const collection of ['contexts', 'relationships', 'learning-events', 'tasks'])
      remember(`${collection} data key`, deriveCollectionKey(accountKey, collection).bytes);
    remember('contexts index key', deriveBlindIndexKey(accountKey, 'contexts', 'text').bytes);

    // The vault, every verb.
    const words = {
      note: marker('notemark'),
      updated: marker('updatedmark'),
      person: marker('personmark'),
      personNotes: marker('privatenotesmark'),
      learning: marker('learningmark'),
    };
    for (const [label, word] of Object.entries(words)) remember(`plaintext ${label}`, word);
    const note = await laptop.vault.put('contexts', { text: `Dentist appointment ${words.note}`, type: 'note' });
    await laptop.vault.get('contexts', note.id);
    await laptop.vault.list('contexts');
    assert.equal((await laptop.vault.search('contexts', words.note)).length, 1);
    const updated = await laptop.vault.update('contexts', note, { text: `Moved ${words.updated}` });
    assert.equal((await laptop.vault.search('contexts', words.updated))[0]?.id, updated.id);
    const person = await laptop.vault.put('relationships', {
      name: `Pat ${words.person}`,
      notes: words.personNotes,
      email: 'pat@example.com',
    });
    await laptop.vault.search('relationships', words.person);
    await laptop.vault.put('learning-events', { kind: 'feedback', text: words.learning });
    await laptop.vault.put('contexts', { text: `replaced ${words.note}` }, { replaceMatching: words.note });
    await laptop.vault.delete('relationships', person.id);

    // An expired access token: the SDK refreshes (the refresh token travels in a body) and retries.
    const before = laptop.api.tokens?.accessToken;
    expireNextSessionCheck = true;
    assert.equal((await laptop.status()).loggedIn, true);
    assert.notEqual(laptop.api.tokens?.accessToken, before, 'the SDK refreshed its tokens');

    // Devices: two enrolled by approval, one revoked.
    const enroll = async (name: string) => {
      const store = new MemoryStateStore();
      const device = await newClient(proxy.url, store);
      const ticket = await device.requestEnrollment(userEmail, name);
      await laptop.approveEnrollment(ticket.code);
      await ticket.wait({ intervalMs: 50 });
      return { device, store };
    };
    const phone = await enroll('phone');
    const agent = await enroll('agent');
    const spare = await enroll('spare');
    const spareId = (await spare.store.load()).device?.deviceId ?? '';
    await laptop.revokeDevice(spareId);
    assert.equal((await laptop.listDevices()).find((d) => d.id === spareId)?.revokedAt !== null, true);

    // The audit log, checked by the client.
    assert.equal((await laptop.audit.verify()).valid, true);
    await laptop.audit.entries();

    // Tasks: submitted by the laptop, approved on the phone, run and reported by the agent device.
    const taskText = marker('taskrequestmark');
    const itemText = marker('stepitemmark');
    const resultText = marker('stepresultmark');
    const requestText = marker('agentrequestmark');
    for (const [label, word] of Object.entries({ taskText, itemText, resultText, requestText }))
      remember(`plaintext ${label}`, word);
    const task = await laptop.tasks.submit({
      request: { text: `please ${taskText}` },
      steps: [
        {
          id: 's1',
          action: 'lists.add_item',
          params: { list: 'groceries', item: itemText },
          dependsOn: [],
          requiresApproval: true,
          why: 'add it',
        },
      ],
    });
    const show = (status: string[]) => async () => {
      const t = await laptop.tasks.show(task.id);
      return status.includes(t.status) ? t : undefined;
    };
    await waitFor(show(['waiting_approval']), 30_000, () => 'for approval to be asked');
    await phone.device.tasks.decide(task.id, 'approve');
    await agent.device.tasks.certifyThisDevice();
    const dispatch = await waitFor<Dispatch>(
      async () => (await agent.device.tasks.claim()).dispatches[0],
      30_000,
      () => 'for the dispatch',
    );
    const step = await agent.device.tasks.verifyDispatch(dispatch);
    assert.equal(step.params.item, itemText);
    await agent.device.tasks.report(dispatch, { ok: true, output: { added: resultText } });
    const done: TaskDetail = await waitFor(
      show(['completed', 'failed', 'cancelled']),
      30_000,
      () => 'for the task to complete',
    );
    assert.equal(done.status, 'completed');
    await laptop.tasks.list();
    const requestId = await laptop.tasks.postRequest(`remind me ${requestText}`);
    const queued = await waitFor(
      async () => (await agent.device.tasks.claim()).requests[0],
      30_000,
      () => 'for the agent request',
    );
    assert.equal(agent.device.tasks.openRequest(queued).text, `remind me ${requestText}`);
    await agent.device.tasks.requestDone(requestId);

    // Support: an agent registers with the operator's signature, asks, is granted, reads; the user revokes.
    const supportPassword = `support password ${marker('pw')}`;
    remember('support agent password', supportPassword);
    const supportStore = new MemoryStateStore();
    const withOperator = (store: MemoryStateStore) =>
      AuraClient.open({
        server: proxy.url,
        store,
        supportOperatorKey: Buffer.from(operator.publicKey).toString('base64'),
      });
    const supportAgent = await withOperator(supportStore);
    await supportAgent.register(email(), supportPassword);
    const supportDevice = await supportAgent.device();
    const { id: agentId } = await supportAgent.support.registerAsAgent(
      'Dana from support',
      signAgentKeys(operator.secretKey, {
        name: 'Dana from support',
        sealingPublicKey: supportDevice.sealing.publicKey,
        signingPublicKey: supportDevice.signing.publicKey,
      }),
    );
    const ticket = marker('ticketmark');
    const { id: supportRequest } = await supportAgent.support.requestAccess(userEmail, ticket);
    const user = await withOperator(laptopStore); // the laptop's saved session, reopened with the operator key
    await user.support.requests();
    const grant = await user.support.grant(agentId, ['contexts'], { hours: 1, requestId: supportRequest });
    const read = await supportAgent.support.read(grant.grantId);
    assert.ok(JSON.stringify(read).includes(words.updated), 'the agent read the granted note');
    await user.support.grants();
    await user.support.revoke(grant.grantId);

    // A password change, a login with the new one, and logout everywhere.
    await laptop.changePassword(password, newPassword);
    await laptop.login(userEmail, newPassword);
    const finalTokens = { ...laptop.api.tokens };
    await laptop.logout();
    await supportAgent.logout();

    // What the session handled that must stay out of URLs: every token and claim secret any
    // request or answer carried, the verifiers, the devices' secret keys, the search tokens.
    for (const t of valuesAt(
      exchanges.map((e) => [e.requestBody, e.responseBody]),
      /^(accessToken|refreshToken|claimSecret)$/,
    ))
      remember('token or claim secret', t);
    for (const t of [finalTokens.accessToken, finalTokens.refreshToken]) if (t) remember('token', t);
    for (const v of valuesAt(
      exchanges.map((e) => e.requestBody),
      /^srpVerifier$/,
    ))
      remember('SRP verifier', b64(v));
    for (const t of valuesAt(
      exchanges.map((e) => e.requestBody),
      /^(searchTokens|tokens|matchTokens)$/,
    ))
      remember('blind-index token', b64(t));
    for (const store of [laptopStore, phone.store, agent.store, spare.store, supportStore]) {
      const device = (await store.load()).device;
      assert.ok(device, 'each install has device keys');
      remember('device sealing secret key', b64(device.sealing.secretKey));
      remember('device signing secret key', b64(device.signing.secretKey));
    }
    assert.ok((secrets.get('token or claim secret')?.length ?? 0) >= 5 * 4, 'tokens and claim secrets were seen');
    assert.ok(secrets.has('blind-index token') && secrets.has('SRP verifier'));

    // The recording covers the whole API the SDK uses.
    const routes = new Set(
      exchanges.map((e) => `${e.method} ${e.path.split('?')[0]?.replace(/[0-9a-f-]{36}/g, ':id')}`),
    );
    for (const route of [
      'POST /api/v1/auth/register',
      'POST /api/v1/auth/srp/init',
      'POST /api/v1/auth/srp/verify',
      'POST /api/v1/auth/refresh',
      'GET /api/v1/auth/session',
      'PUT /api/v1/auth/password',
      'POST /api/v1/auth/logout',
      'POST /api/v1/context',
      'GET /api/v1/context/:id',
      'GET /api/v1/context',
      'PUT /api/v1/context/:id',
      'POST /api/v1/context/search',
      'POST /api/v1/context/learn',
      'DELETE /api/v1/relationships/:id',
      'POST /api/v1/devices/enrollments',
      'GET /api/v1/devices/enrollments',
      'POST /api/v1/devices/enrollments/:id/approve',
      'POST /api/v1/devices/enrollments/:id/claim',
      'DELETE /api/v1/devices/:id',
      'POST /api/v1/tasks',
      'GET /api/v1/tasks/:id',
      'POST /api/v1/tasks/:id/steps/s1/decision',
      'POST /api/v1/tasks/:id/steps/s1/result',
      'POST /api/v1/agent/claim',
      'POST /api/v1/agent/requests',
      'POST /api/v1/support/agents',
      'POST /api/v1/support/requests',
      'POST /api/v1/support/grants',
      'DELETE /api/v1/support/grants/:id',
    ])
      assert.ok(routes.has(route), `${route} was exercised (seen: ${[...routes].sort().join(', ')})`);
    assert.ok(
      [...routes].some((r) => r.startsWith('GET /api/v1/audit/')),
      'the audit log was read',
    );

    // No URL holds any of it.
    const urlLeaks = exchanges.flatMap((e) =>
      leaked(e.path, secrets).map((label) => `${label} in ${e.method} ${e.path}`),
    );
    assert.deepEqual(urlLeaks, []);
    // Nor does any log line the server wrote during the session.
    assert.ok(server.logs.length > exchanges.length / 2, 'the request log was captured');
    const logLeaks = server.logs.flatMap((line) =>
      leaked(line, secrets).map((label) => `${label} in log: ${line.slice(0, 300)}`),
    );
    assert.deepEqual(logLeaks, []);
  });

  it('M13: the detector finds a secret in a URL in each encoding it checks (it is not vacuous)', () => {
    const key = crypto.getRandomValues(new Uint8Array(32));
    const secrets = new Map([['key', encodings(key)]]);
    for (const form of [
      Buffer.from(key).toString('hex'),
      Buffer.from(key).toString('base64'),
      encodeURIComponent(Buffer.from(key).toString('base64')),
      Buffer.from(key).toString('base64url'),
    ])
      assert.deepEqual(leaked(`/api/v1/context?cursor=${form}`, secrets), ['key'], form);
    const token = 'eyJhbGciOiJFZERTQSJ9.eyJzaWQiOiJ4In0.c2ln';
    assert.deepEqual(leaked(`/x?access_token=${token}`, new Map([['token', encodings(token)]])), ['token']);
    assert.deepEqual(leaked('/api/v1/context/1234', secrets), []);
  });
});
