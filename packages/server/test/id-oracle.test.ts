import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { generateEd25519KeyPair, generateX25519KeyPair, sign } from '@aura/crypto';
import { agentKeyStatement } from '@aura/protocol';
import { startTestServer, type TestServer, TestUser, waitFor } from '@aura/testing';
import type { LightMyRequestResponse } from 'fastify';

/**
 * Ids the client chooses (vault records, tasks, agent requests, support grants) are keys within
 * their account (migration 008). A POST with another account's id must answer exactly as one
 * with an unused id, or the answer tells whether someone has that id; and the two rows that then
 * share an id must stay each its own account's: read, run and revoked apart.
 */
let server: TestServer;
let a: TestUser;
let b: TestUser;
const operator = generateEd25519KeyPair();
const inject: TestUser['inject'] = (o) => server.app.inject(o);

before(async () => {
  server = await startTestServer(
    { AURA_SUPPORT_OPERATOR_KEY: Buffer.from(operator.publicKey).toString('base64') },
    { orchestration: true },
  );
  a = await new TestUser(inject).register();
  b = await new TestUser(inject).register();
  await a.login();
  await b.login();
});
after(() => server?.close());

const bytes = (n: number) => randomBytes(n).toString('base64');
const call = (user: TestUser, method: 'GET' | 'POST' | 'DELETE', url: string, payload?: object) =>
  inject({ method, url, headers: user.auth, ...(payload ? { payload } : {}) });

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** A JSON value with each leaf replaced by its type, length and format: equal shapes differ in values only. */
function shape(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(shape);
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, shape(v)]));
  if (typeof value === 'string') {
    const format = UUID.test(value) ? 'uuid' : ISO.test(value) ? 'iso' : BASE64.test(value) ? 'base64' : 'text';
    return `string/${value.length}/${format}`;
  }
  return typeof value;
}

/** Headers whose value changes from one request to the next whatever the id. */
const VOLATILE = new Set(['date', 'x-ratelimit-remaining', 'x-ratelimit-reset', 'content-length', 'aura-log-size']);

/**
 * B's answer to a POST with A's id and to one with a fresh id: the same status, headers, field
 * names, order, types and lengths, and the same error, if any. `normalize` drops what changes
 * with time alone (a step the workflow moved on between the two).
 */
function assertSameAnswer(
  taken: LightMyRequestResponse,
  fresh: LightMyRequestResponse,
  what: string,
  normalize: (body: Record<string, unknown>) => unknown = (body) => body,
) {
  assert.equal(taken.statusCode, fresh.statusCode, `${what}: status (${taken.body})`);
  assert.deepEqual(Object.keys(taken.headers).sort(), Object.keys(fresh.headers).sort(), `${what}: header names`);
  for (const [name, value] of Object.entries(fresh.headers))
    if (!VOLATILE.has(name)) assert.equal(taken.headers[name], value, `${what}: header ${name}`);
  const t = taken.json();
  const f = fresh.json();
  assert.equal(JSON.stringify(shape(normalize(t))), JSON.stringify(shape(normalize(f))), `${what}: body shape`);
  if (f.error) assert.deepEqual(t.error, f.error, `${what}: error`);
}

describe("another account's id is as free as an unused one", () => {
  for (const [collection, base] of [
    ['contexts', '/api/v1/context'],
    ['relationships', '/api/v1/relationships'],
    ['learning-events', '/api/v1/learning-events'],
  ] as const) {
    it(`vault ${collection}: create and learn with A's id answer as with a fresh one, and the rows stay apart`, async () => {
      const id = randomUUID();
      assert.equal((await call(a, 'POST', base, a.record(collection, 'alice text 1', {}, id))).statusCode, 201);
      const before = (await call(a, 'GET', `${base}/${id}`)).json();

      const taken = await call(b, 'POST', base, b.record(collection, 'bobs text 1', {}, id));
      const fresh = await call(b, 'POST', base, b.record(collection, 'bobs text 2'));
      assertSameAnswer(taken, fresh, `POST ${base}`);
      assert.equal(taken.statusCode, 201);
      assert.equal(taken.json().id, id);

      // learn stores through the same insert: A's id is free for it too.
      const learnedId = randomUUID();
      assert.equal((await call(a, 'POST', base, a.record(collection, 'alice text 2', {}, learnedId))).statusCode, 201);
      const learnTaken = await call(b, 'POST', `${base}/learn`, {
        record: b.record(collection, 'bobs text 3', {}, learnedId),
      });
      const learnFresh = await call(b, 'POST', `${base}/learn`, { record: b.record(collection, 'bobs text 4') });
      assertSameAnswer(learnTaken, learnFresh, `POST ${base}/learn`);
      assert.equal(learnTaken.statusCode, 200);

      // A's rows are as they were; each account reads its own row under the shared id.
      const mine = await call(a, 'GET', `${base}/${id}`);
      assert.deepEqual(mine.json(), before);
      assert.equal(a.open(collection, mine.json()), 'alice text 1');
      assert.equal(a.open(collection, (await call(a, 'GET', `${base}/${learnedId}`)).json()), 'alice text 2');
      assert.equal(b.open(collection, (await call(b, 'GET', `${base}/${id}`)).json()), 'bobs text 1');
      assert.equal(b.open(collection, (await call(b, 'GET', `${base}/${learnedId}`)).json()), 'bobs text 3');
      const listed = (user: TestUser) =>
        call(user, 'GET', base).then((r) => r.json().records.map((x: { id: string }) => x.id) as string[]);
      assert.deepEqual((await listed(a)).sort(), [id, learnedId].sort());
      assert.ok((await listed(b)).includes(id));

      // B's own id is still B's own conflict.
      const again = await call(b, 'POST', base, b.record(collection, 'bobs text 5', {}, id));
      assert.equal(again.statusCode, 409);
      assert.equal(again.json().error.code, 'AURA_CONFLICT');
    });
  }

  it("agent requests: A's id answers as a fresh one; each account's agent gets its own request", async () => {
    const id = randomUUID();
    const mine = { id, ciphertext: bytes(60) };
    assert.equal((await call(a, 'POST', '/api/v1/agent/requests', mine)).statusCode, 201);
    const theirs = { id, ciphertext: bytes(60) };
    const taken = await call(b, 'POST', '/api/v1/agent/requests', theirs);
    const fresh = await call(b, 'POST', '/api/v1/agent/requests', { id: randomUUID(), ciphertext: bytes(60) });
    assertSameAnswer(taken, fresh, 'POST /api/v1/agent/requests');
    assert.equal(taken.statusCode, 201);

    const claimed = async (user: TestUser) => {
      const r = await call(user, 'POST', '/api/v1/agent/claim');
      assert.equal(r.statusCode, 200, r.body);
      return (r.json().requests as { id: string; ciphertext: string }[]).filter((x) => x.id === id);
    };
    assert.deepEqual(
      (await claimed(a)).map((r) => r.ciphertext),
      [mine.ciphertext],
    );
    assert.deepEqual(
      (await claimed(b)).map((r) => r.ciphertext),
      [theirs.ciphertext],
    );
    // B's "done" finishes B's request only.
    assert.equal((await call(b, 'POST', `/api/v1/agent/requests/${id}/done`)).statusCode, 200);
    assert.deepEqual(await claimed(b), []);
    assert.deepEqual(
      (await claimed(a)).map((r) => r.ciphertext),
      [mine.ciphertext],
    );
  });

  it("tasks: A's id answers as a fresh one, and two accounts' tasks with one id each run their own steps", async () => {
    const id = randomUUID();
    const task = (steps: string[]) => ({
      id,
      request: bytes(60),
      steps: steps.map((s) => ({ id: s, requiresApproval: false, ciphertext: bytes(60) })),
    });
    const mine = task(['s1', 's2']);
    assert.equal((await call(a, 'POST', '/api/v1/tasks', mine)).statusCode, 201);
    const theirs = task(['s1']);
    const taken = await call(b, 'POST', '/api/v1/tasks', theirs);
    const fresh = await call(b, 'POST', '/api/v1/tasks', { ...task(['s1']), id: randomUUID() });
    // The workflow may already have dispatched one of the two first steps: status aside, alike.
    const stepless = (t: Record<string, unknown>) => ({
      ...t,
      steps: (t.steps as Record<string, unknown>[]).map((s) => ({ ...s, status: '' })),
    });
    assertSameAnswer(taken, fresh, 'POST /api/v1/tasks', stepless);
    assert.equal(taken.statusCode, 201);
    assert.equal(taken.json().request, theirs.request);

    // Each account's agent device is handed its own step s1, with its own ciphertext, and reports it.
    const results = new Map<TestUser, string>();
    const runFirst = async (user: TestUser, plan: typeof mine, stepId: string) => {
      const dispatch = await waitFor(
        async () => {
          const r = await call(user, 'POST', '/api/v1/agent/claim');
          assert.equal(r.statusCode, 200, r.body);
          return (
            r.json().dispatches as { taskId: string; stepId: string; ciphertext: string; attempt: number }[]
          ).find((d) => d.taskId === id && d.stepId === stepId);
        },
        30_000,
        () => `no dispatch of ${stepId} for ${user.email}`,
      );
      assert.equal(dispatch.ciphertext, plan.steps.find((s) => s.id === stepId)?.ciphertext);
      const result = bytes(60);
      results.set(user, result);
      const reported = await call(user, 'POST', `/api/v1/tasks/${id}/steps/${stepId}/result`, {
        attempt: dispatch.attempt,
        ok: true,
        result,
      });
      assert.equal(reported.statusCode, 200, reported.body);
    };
    await runFirst(b, theirs, 's1');
    await runFirst(a, mine, 's1');
    const show = (user: TestUser) => call(user, 'GET', `/api/v1/tasks/${id}`).then((r) => r.json());
    const bDone = await waitFor(async () => {
      const t = await show(b);
      return t.status === 'completed' ? t : undefined;
    });
    assert.deepEqual(
      bDone.steps.map((s: { id: string; result: string }) => [s.id, s.result]),
      [['s1', results.get(b)]],
    );
    // A's task went on to its own s2, which B's task does not have.
    await runFirst(a, mine, 's2');
    const aDone = await waitFor(async () => {
      const t = await show(a);
      return t.status === 'completed' ? t : undefined;
    });
    assert.equal(aDone.request, mine.request);
    assert.deepEqual(
      aDone.steps.map((s: { id: string; status: string }) => [s.id, s.status]),
      [
        ['s1', 'succeeded'],
        ['s2', 'succeeded'],
      ],
    );
    assert.equal(aDone.steps[1].result, results.get(a));
    assert.notEqual(aDone.steps[0].result, bDone.steps[0].result);
  });

  it('a task from before migration 008 keeps the workflow id it was started under', async () => {
    // As 008 leaves such a task: its row names the old workflow id (task-<id>).
    const id = randomUUID();
    const ciphertext = randomBytes(60);
    await server.pool.query(
      `INSERT INTO tasks (id, user_id, status, request_ciphertext, workflow_id) VALUES ($1, $2, 'running', $3, $4)`,
      [id, a.userId, randomBytes(60), `task-${id}`],
    );
    await server.pool.query(
      `INSERT INTO task_steps (user_id, task_id, step_id, position, requires_approval, ciphertext, ciphertext_hash)
       VALUES ($1, $2, 's1', 0, false, $3, sha256($3))`,
      [a.userId, id, ciphertext],
    );
    // A retried submit (or a restart) runs it, and results reach that same workflow.
    const retried = await call(a, 'POST', '/api/v1/tasks', {
      id,
      request: bytes(60),
      steps: [{ id: 's1', requiresApproval: false, ciphertext: bytes(60) }],
    });
    assert.equal(retried.statusCode, 201, retried.body);
    const dispatch = await waitFor(async () =>
      ((await call(a, 'POST', '/api/v1/agent/claim')).json().dispatches as { taskId: string; attempt: number }[]).find(
        (d) => d.taskId === id,
      ),
    );
    const result = bytes(60);
    const reported = await call(a, 'POST', `/api/v1/tasks/${id}/steps/s1/result`, {
      attempt: dispatch.attempt,
      ok: true,
      result,
    });
    assert.equal(reported.statusCode, 200, reported.body);
    const done = await waitFor(async () => {
      const t = (await call(a, 'GET', `/api/v1/tasks/${id}`)).json();
      return t.status === 'completed' ? t : undefined;
    });
    assert.equal(done.steps[0].result, result);
    const { rows } = await server.pool.query<{ workflow_uuid: string }>(
      `SELECT workflow_uuid FROM dbos.workflow_status WHERE workflow_uuid LIKE 'task-%' || $1`,
      [id],
    );
    assert.deepEqual(
      rows.map((r) => r.workflow_uuid),
      [`task-${id}`],
    );
  });

  it("support grants: A's id answers as a fresh one; the agent names which; revoking one leaves the other", async () => {
    const c = await new TestUser(inject).register();
    await c.login();
    const sealing = generateX25519KeyPair();
    const signing = generateEd25519KeyPair();
    const keys = {
      name: 'Agent C',
      sealingPublicKey: Buffer.from(sealing.publicKey).toString('base64'),
      signingPublicKey: Buffer.from(signing.publicKey).toString('base64'),
    };
    const registered = await call(c, 'POST', '/api/v1/support/agents', {
      ...keys,
      operatorSignature: Buffer.from(
        sign(
          operator.secretKey,
          'support-agent-key',
          agentKeyStatement(keys.name, keys.sealingPublicKey, keys.signingPublicKey),
        ),
      ).toString('base64'),
    });
    assert.equal(registered.statusCode, 201, registered.body);

    const grant = (user: TestUser, id: string, extra: Record<string, unknown> = {}) => {
      const grantObject = JSON.stringify({
        v: 1,
        grantId: id,
        userId: user.userId,
        agentId: c.userId,
        agentSealingKey: keys.sealingPublicKey,
        categories: ['contexts'],
        permissions: ['read'],
        validFrom: new Date(Date.now() - 60_000).toISOString(),
        validUntil: new Date(Date.now() + 3_600_000).toISOString(),
        nonce: bytes(16),
      });
      return {
        id,
        agentId: c.userId,
        grantObject,
        signature: user.sign('support-grant', new TextEncoder().encode(grantObject)),
        sealedKey: bytes(80),
        records: [{ category: 'contexts', recordId: randomUUID(), encryptedData: bytes(40) }],
        ...extra,
      };
    };
    const id = randomUUID();
    const mine = grant(a, id);
    assert.equal((await call(a, 'POST', '/api/v1/support/grants', mine)).statusCode, 201);
    const theirs = grant(b, id);
    const taken = await call(b, 'POST', '/api/v1/support/grants', theirs);
    const fresh = await call(b, 'POST', '/api/v1/support/grants', grant(b, randomUUID()));
    assertSameAnswer(taken, fresh, 'POST /api/v1/support/grants');
    assert.equal(taken.statusCode, 201);

    const objectOf = async (user: TestUser) =>
      ((await call(user, 'GET', '/api/v1/support/grants')).json().grants as { id: string; grantObject: string }[])
        .filter((g) => g.id === id)
        .map((g) => g.grantObject);
    assert.deepEqual(await objectOf(a), [mine.grantObject]);
    assert.deepEqual(await objectOf(b), [theirs.grantObject]);

    // The agent holds two grants with this id: it must say whose, and then gets that one's copies.
    const records = `/api/v1/support/grants/${id}/records`;
    const ambiguous = await call(c, 'GET', records);
    assert.equal(ambiguous.statusCode, 409);
    assert.equal(ambiguous.json().error.code, 'AURA_CONFLICT');
    for (const [user, sent] of [
      [a, mine],
      [b, theirs],
    ] as const) {
      const read = await call(c, 'GET', `${records}?user=${user.userId}`);
      assert.equal(read.statusCode, 200, read.body);
      assert.equal(read.json().grant.grantObject, sent.grantObject);
      assert.deepEqual(read.json().records, sent.records);
    }

    // Revoking A's grant leaves B's, and its copies, as they were.
    assert.equal((await call(a, 'DELETE', `/api/v1/support/grants/${id}`)).statusCode, 200);
    assert.equal(
      (await call(c, 'GET', `${records}?user=${a.userId}`)).json().error.code,
      'AURA_SUPPORT_GRANT_INACTIVE',
    );
    assert.deepEqual((await call(c, 'GET', `${records}?user=${b.userId}`)).json().records, theirs.records);

    // An access request is named by its id too: A's answers B as an unknown one does.
    const asked = await call(c, 'POST', '/api/v1/support/requests', { userEmail: a.email, ticket: 'T-1' });
    assert.equal(asked.statusCode, 201);
    const requestId = asked.json().id;
    const requestTaken = await call(b, 'POST', '/api/v1/support/grants', grant(b, randomUUID(), { requestId }));
    const requestFresh = await call(
      b,
      'POST',
      '/api/v1/support/grants',
      grant(b, randomUUID(), { requestId: randomUUID() }),
    );
    assertSameAnswer(requestTaken, requestFresh, 'POST /api/v1/support/grants with a requestId');
    assert.equal(requestTaken.statusCode, 404);
    assert.equal(
      (await call(a, 'POST', '/api/v1/support/grants', grant(a, randomUUID(), { requestId }))).statusCode,
      201,
    );

    // A client reusing its own grant id, or listing a record twice, is told so, not answered 500.
    const reused = await call(b, 'POST', '/api/v1/support/grants', grant(b, id));
    assert.equal(reused.statusCode, 409, reused.body);
    assert.equal(reused.json().error.code, 'AURA_CONFLICT');
    const twice = grant(b, randomUUID());
    const listedTwice = await call(b, 'POST', '/api/v1/support/grants', {
      ...twice,
      records: [twice.records[0], twice.records[0]],
    });
    assert.equal(listedTwice.json().error.code, 'AURA_SUPPORT_GRANT_INVALID', listedTwice.body);
  });
});
