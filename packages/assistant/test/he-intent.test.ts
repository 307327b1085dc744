import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AuraClient, MemoryStateStore } from '@aura/client';
import { localEngine } from '@aura/he/client';
import { HE_MODEL_URL, serializeHeModel } from '@aura/he/model';
import { sharedDataDir, startTestServer, type TestServer } from '@aura/testing';
import { decide } from '../src/decide.ts';
import { parseIntentCsv } from '../src/nlu/dataset.ts';
import { buildIntentModel } from '../src/nlu/ensemble.ts';
import { denseFeatures, heIntentModel } from '../src/nlu/he-model.ts';
import { predict, rng, shuffleInPlace } from '../src/nlu/model.ts';
import { HE_INTENT_RECIPE, intentTrainingExamples } from '../src/nlu/training-data.ts';
import { HE_PROVIDER_NAME, type HeKeyStore, heProvider, type StoredHeKeys } from '../src/providers/he.ts';

// The HE path end to end against a real server (through inject): a seeded sample of the
// validation split gets the plaintext HE model's intent (npm run eval:he runs all 1,076), and
// what the device sent is searched for the utterances and their features.

const SAMPLE = 40;
const val = parseIntentCsv(readFileSync(join(sharedDataDir(), 'hwu64/dialoglue/val.csv'), 'utf8'));
const sample = shuffleInPlace([...val], rng(21)).slice(0, SAMPLE);
const EXAMPLE = 'Schedule a meeting with John tomorrow at 3pm';

class MemoryKeyStore implements HeKeyStore {
  keys: StoredHeKeys | undefined;
  async load() {
    return this.keys;
  }
  async save(keys: StoredHeKeys) {
    this.keys = keys;
  }
}

describe('intent by homomorphic encryption', () => {
  let server: TestServer;
  let client: AuraClient;
  const sent: { method: string; path: string; body: string }[] = [];
  const store = new MemoryKeyStore();

  before(async () => {
    server = await startTestServer();
    client = await AuraClient.open({
      server: 'http://aura.test',
      store: new MemoryStateStore(),
      // The real app, through inject; every request body recorded as it left the device.
      transport: async (url, init) => {
        const path = url.slice('http://aura.test'.length);
        sent.push({ method: init.method, path, body: init.body ?? '' });
        const res = await server.app.inject({
          method: init.method as 'GET',
          url: path,
          headers: init.headers,
          ...(init.body === undefined ? {} : { payload: init.body }),
        });
        return {
          status: res.statusCode,
          ok: res.statusCode < 400,
          headers: { get: (name: string) => (res.headers[name.toLowerCase()] as string | undefined) ?? null },
          text: async () => res.body,
        };
      },
    });
    await client.register(`he-${Date.now()}@example.com`, 'correct horse battery staple');
  });
  after(() => server?.close());

  it(`agrees with the plaintext HE model on ${SAMPLE} seeded utterances of the validation split`, async () => {
    const provider = heProvider(client.api, store, localEngine());
    const model = heIntentModel();
    const disagreements: string[] = [];
    for (const e of sample) {
      const { intent } = await provider.classify(e.text, model.intents);
      const plain = predict(model, e.text).intent;
      if (intent !== plain) disagreements.push(`${e.text}: ${intent} (plaintext ${plain})`);
    }
    assert.deepEqual(disagreements, []);
  });

  it('uploads the Galois keys once per device: a second provider on the same store sends none', async () => {
    await heProvider(client.api, store, localEngine()).classify(EXAMPLE, []);
    const uploads = sent.filter((r) => r.method === 'PUT' && r.path === '/api/v1/ai/inference/he/keys');
    assert.equal(uploads.length, 1);
  });

  it('sends no utterance and no plaintext feature: only the key set, the model id and a ciphertext', () => {
    const model = heIntentModel();
    const queries = sent.filter((r) => r.path.startsWith('/api/v1/ai/inference/he'));
    // Every non-zero feature value, as the 8 bytes of the float64 a plaintext vector would carry
    // (a float32's 4 bytes turn up in 131 kB of random bytes by chance, about once in 33,000 tries).
    const features = new Set<bigint>();
    for (const e of [...sample, { text: EXAMPLE }])
      for (const v of denseFeatures(model, e.text).filter((v) => v !== 0))
        features.add(new BigUint64Array(Float64Array.of(v).buffer)[0] as bigint);
    assert.ok(queries.length > SAMPLE);
    for (const { body } of queries) {
      const fields = JSON.parse(body) as Record<string, string>;
      const blob = Buffer.from(fields.ciphertext ?? fields.galoisKeys ?? '', 'base64');
      // Besides the ciphertext (or keys), only two hex digests: nothing else can carry a word.
      const { ciphertext: _c, galoisKeys: _g, ...rest } = fields;
      assert.ok(
        Object.keys(rest).every((k) => k === 'keySetId' || k === 'modelId'),
        Object.keys(rest).join(),
      );
      for (const v of Object.values(rest)) assert.match(v, /^[0-9a-f]{16}$|^[0-9a-f]{64}$/);
      const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
      for (let at = 0; at + 8 <= blob.length; at++)
        assert.ok(!features.has(view.getBigUint64(at, true)), `a feature value at byte ${at}`);
      for (const e of [...sample, { text: EXAMPLE }]) {
        assert.ok(!body.toLowerCase().includes(e.text.toLowerCase()), 'the utterance, as text');
        assert.ok(!blob.includes(Buffer.from(e.text)), 'the utterance, as bytes');
      }
    }
  });

  it('gives the README example the plan of the builtin path, and the reasoning says which path answered', async () => {
    const now = new Date('2026-03-02T09:00:00Z');
    const ctx = { now, findPeople: async () => [{ id: 'p1', name: 'John Appleseed' }] };
    const plain = await decide(EXAMPLE, ctx);
    const he = await decide(EXAMPLE, { ...ctx, provider: heProvider(client.api, store, localEngine()) });
    assert.equal(he.intent, plain.intent);
    assert.deepEqual(he.plan, plain.plan);
    assert.ok(he.reasoning.includes(`${HE_PROVIDER_NAME} read the request.`), he.reasoning.join('\n'));
  });

  it('stands in for the builtin model: decide() reads it only when the encrypted path fails', async () => {
    let reads = 0;
    const counted = (provider?: Parameters<typeof decide>[1]['provider']) => ({
      now: new Date('2026-03-02T09:00:00Z'),
      findPeople: async () => [],
      ...(provider ? { provider } : {}),
      get model() {
        reads++;
        return heIntentModel();
      },
    });
    const he = await decide(EXAMPLE, counted(heProvider(client.api, store, localEngine())));
    assert.equal(reads, 0, 'the builtin model was read on the encrypted path');
    assert.equal(he.alternatives.length, 2, 'the alternatives come from the decrypted scores');
    const down = async () => {
      throw new Error('no server');
    };
    const failing = heProvider(
      { baseUrl: client.api.baseUrl, put: down, post: down },
      new MemoryKeyStore(),
      localEngine(),
    );
    const fallback = await decide(EXAMPLE, counted(failing));
    assert.ok(reads > 0, 'the builtin model answered when the encrypted path failed');
    assert.equal(fallback.intent, he.intent);
    assert.ok(fallback.reasoning.some((r) => /failed \(no server\); the builtin model answered instead/.test(r)));
  });
});

it('the committed HE model is exactly what npm run train:intents:he builds from the data', { timeout: 600_000 }, () => {
  const committed = readFileSync(HE_MODEL_URL);
  const rebuilt = serializeHeModel(buildIntentModel(intentTrainingExamples(sharedDataDir()), HE_INTENT_RECIPE));
  assert.ok(Buffer.from(rebuilt).equals(committed), 'run "npm run train:intents:he" and commit the model');
});
