import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { type DeviceKeys, generateDeviceKeys, HeSession, layoutFor, SLOTS } from '@aura/he/client';
import { deserializeHeModel, HE_MODEL_URL, modelId, scoreRows } from '@aura/he/model';
import { startTestServer, type TestServer, TestUser } from '@aura/testing';
import { heModel } from '../src/modules/inference/he-model.ts';
import { KeySets } from '../src/modules/inference/key-sets.ts';

// POST /api/v1/ai/inference/he against a real server and PostgreSQL: keys uploaded once per
// device, the model evaluated on ciphertext, and every refusal a 4xx with its stable code.

const KEYS = '/api/v1/ai/inference/he/keys';
const INFER = '/api/v1/ai/inference/he';
const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
const modelBytes = new Uint8Array(readFileSync(HE_MODEL_URL));
const model = scoreRows(deserializeHeModel(modelBytes));
const MODEL_ID = await modelId(modelBytes);

/** A sparse unit vector, like a request's features. */
function features(seed: number): Float64Array {
  const x = new Float64Array(SLOTS);
  let s = seed;
  for (let i = 0; i < 40; i++) {
    s = (s * 16807) % 2147483647;
    x[s % SLOTS] = 1 / Math.sqrt(40);
  }
  return x;
}

describe('homomorphic intent analysis', () => {
  let server: TestServer;
  let alice: TestUser;
  let bob: TestUser;
  let aliceKeys: DeviceKeys;
  let bobKeys: DeviceKeys;
  let aliceHe: HeSession;
  const inject = (user: TestUser, method: 'PUT' | 'POST', url: string, payload: unknown) =>
    server.app.inject({ method, url, headers: user.auth, payload: payload as object });
  const query = (keys: DeviceKeys, ciphertext: Uint8Array, id = MODEL_ID) => ({
    keySetId: keys.keySetId,
    modelId: id,
    ciphertext: b64(ciphertext),
  });

  before(async () => {
    server = await startTestServer({ AURA_RATE_LIMIT_AI: '1000' });
    alice = await new TestUser((o) => server.app.inject(o)).register();
    bob = await new TestUser((o) => server.app.inject(o)).register();
    await alice.login();
    await bob.login();
    const steps = layoutFor(model.rows).steps;
    [aliceKeys, bobKeys] = await Promise.all([generateDeviceKeys(steps), generateDeviceKeys(steps)]);
    aliceHe = await HeSession.open(aliceKeys.secretKey);
  });
  after(() => server?.close());

  it('refuses a query before the device uploaded keys (409 AURA_HE_KEYS_REQUIRED)', async () => {
    const res = await inject(alice, 'POST', INFER, query(aliceKeys, aliceHe.encrypt(features(1))));
    assert.equal(res.statusCode, 409);
    assert.equal(res.json().error.code, 'AURA_HE_KEYS_REQUIRED');
  });

  it('stores each device key set once and scores a ciphertext as the plaintext model does', async () => {
    for (const [user, keys] of [
      [alice, aliceKeys],
      [bob, bobKeys],
    ] as const) {
      const res = await inject(user, 'PUT', KEYS, { galoisKeys: b64(keys.galoisKeys) });
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual(res.json(), { keySetId: keys.keySetId, modelId: MODEL_ID });
    }
    const x = features(2);
    const res = await inject(alice, 'POST', INFER, query(aliceKeys, aliceHe.encrypt(x)));
    assert.equal(res.statusCode, 200, res.body);
    const z = aliceHe.decrypt(new Uint8Array(Buffer.from(res.json().ciphertext, 'base64')), model.rows);
    for (let r = 0; r < model.rows; r++) {
      let expected = model.bias[r] as number;
      for (let c = 0; c < SLOTS; c++) expected += (model.weights[r * SLOTS + c] as number) * (x[c] as number);
      assert.ok(Math.abs(expected - (z[r] as number)) < 1e-4, `row ${r}: ${z[r]} for ${expected}`);
    }
  });

  it("refuses a ciphertext made under another device's keys (403 AURA_HE_FOREIGN_KEY)", async () => {
    const bobHe = await HeSession.open(bobKeys.secretKey);
    const res = await inject(alice, 'POST', INFER, query(bobKeys, bobHe.encrypt(features(3))));
    assert.equal(res.statusCode, 403);
    assert.equal(res.json().error.code, 'AURA_HE_FOREIGN_KEY');
  });

  it('refuses malformed ciphertexts with 400 AURA_HE_INVALID_CIPHERTEXT or AURA_INVALID_INPUT', async () => {
    const good = aliceHe.encrypt(features(4));
    const compressed = Uint8Array.from(good);
    compressed[5] = 2;
    const corrupt = Uint8Array.from(good);
    corrupt.fill(0xff, 64, 4096);
    const cases: [string, unknown, string][] = [
      ['truncated', query(aliceKeys, good.subarray(0, good.length - 1)), 'AURA_HE_INVALID_CIPHERTEXT'],
      ['zstd-compressed header', query(aliceKeys, compressed), 'AURA_HE_INVALID_CIPHERTEXT'],
      ['corrupted data', query(aliceKeys, corrupt), 'AURA_HE_INVALID_CIPHERTEXT'],
      ['zeros', query(aliceKeys, new Uint8Array(good.length)), 'AURA_HE_INVALID_CIPHERTEXT'],
      ['not base64', { ...query(aliceKeys, good), ciphertext: '***' }, 'AURA_INVALID_INPUT'],
      ['too large', query(aliceKeys, new Uint8Array(300_000)), 'AURA_INVALID_INPUT'],
      ['bad key set id', { ...query(aliceKeys, good), keySetId: 'x' }, 'AURA_INVALID_INPUT'],
      ['extra field', { ...query(aliceKeys, good), plaintext: 'hello' }, 'AURA_INVALID_INPUT'],
    ];
    for (const [what, payload, code] of cases) {
      const res = await inject(alice, 'POST', INFER, payload);
      assert.equal(res.statusCode, 400, what);
      assert.equal(res.json().error.code, code, what);
    }
    // The server is still well after all of them.
    const res = await inject(alice, 'POST', INFER, query(aliceKeys, good));
    assert.equal(res.statusCode, 200);
  });

  it('refuses a query for another model (409 AURA_HE_MODEL_MISMATCH) and bad keys (400 AURA_HE_INVALID_KEYS)', async () => {
    const res = await inject(alice, 'POST', INFER, query(aliceKeys, aliceHe.encrypt(features(5)), '0123456789abcdef'));
    assert.equal(res.statusCode, 409);
    assert.equal(res.json().error.code, 'AURA_HE_MODEL_MISMATCH');
    const fewer = await generateDeviceKeys([1, 2, 3, 4, 5, 6, 7]);
    for (const galoisKeys of [fewer.galoisKeys, aliceKeys.galoisKeys.subarray(0, 4096)]) {
      const bad = await inject(alice, 'PUT', KEYS, { galoisKeys: b64(galoisKeys) });
      assert.equal(bad.statusCode, 400);
      assert.equal(bad.json().error.code, 'AURA_HE_INVALID_KEYS');
    }
  });

  it('keeps a key set loaded while an evaluation uses it, even when the cache lets it go', async () => {
    // A cache of one: Bob's keys, loaded while Alice's evaluation runs, evict Alice's.
    const keySets = new KeySets(server.pool, 1);
    const he = await heModel();
    const x = features(6);
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const alices = keySets.use(he, alice.deviceId, aliceKeys.keySetId, async (keys) => {
      await held;
      return he.evaluator.evaluate(keys, aliceHe.encrypt(x));
    });
    await keySets.use(he, bob.deviceId, bobKeys.keySetId, async () => {});
    release();
    const z = aliceHe.decrypt(await alices, model.rows);
    let expected = model.bias[0] as number;
    for (let c = 0; c < SLOTS; c++) expected += (model.weights[c] as number) * (x[c] as number);
    assert.ok(Math.abs(expected - (z[0] as number)) < 1e-4, `${z[0]} for ${expected}`);
    keySets.close();
  });

  it('times the evaluation as aura_ai_inference_duration_seconds{model,operation}', async () => {
    const metrics = await server.app.inject({ method: 'GET', url: '/metrics' });
    const count = (operation: string) =>
      Number(
        metrics.body.match(
          new RegExp(
            `^aura_ai_inference_duration_seconds_count\\{[^}]*model="intent-he",operation="${operation}"\\} (\\d+)$`,
            'm',
          ),
        )?.[1] ?? 0,
      );
    assert.ok(count('evaluate') >= 2, 'every evaluated query');
    assert.equal(count('upload_keys'), 2, 'the two devices uploads');
  });
});

describe('the AI-inference rate limit', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ AURA_RATE_LIMIT_AI: '2' });
  });
  after(() => server?.close());

  it('counts HE queries and key uploads in the ai_inference class (429 past it)', async () => {
    const user = await new TestUser((o) => server.app.inject(o)).register();
    await user.login();
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++)
      statuses.push(
        (
          await server.app.inject({
            method: 'POST',
            url: INFER,
            headers: user.auth,
            payload: { keySetId: 'a'.repeat(64), modelId: MODEL_ID, ciphertext: 'AAAA' },
          })
        ).statusCode,
      );
    assert.deepEqual(statuses, [409, 409, 429]);
  });
});
