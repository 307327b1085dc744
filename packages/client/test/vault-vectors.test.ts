import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { dumpDatabase, forms } from '@aura/testing';
import type { AuraClient } from '../src/index.ts';
import { hostileProxy } from './hostile-proxy.ts';
import { email, listeningServer, newClient, rejectsWith } from './support.ts';

// The spec's encrypted_embedding: a record's vector is sealed with it on the device, the server
// stores the ciphertext and can compute nothing with it, and a vector the server swapped,
// replayed or stripped is refused.

let server: Awaited<ReturnType<typeof listeningServer>>;
let proxy: Awaited<ReturnType<typeof hostileProxy>>;
let client: AuraClient;

const vectorOf = (seed: number, dims = 384) => {
  const v = new Float32Array(dims);
  for (let i = 0; i < dims; i++) v[i] = Math.sin(seed * 7.1 + i * 0.37);
  return v;
};

before(async () => {
  server = await listeningServer();
  proxy = await hostileProxy(server.url);
  client = await newClient(proxy.url);
  await client.register(email(), 'vector password 123');
});
after(async () => {
  await proxy?.close();
  await server?.close();
});
beforeEach(() => {
  proxy.tamper = undefined;
});

type Wire = { id: string; encryptedEmbedding: string | null };
const recordsOf = (body: unknown): Wire[] =>
  body && typeof body === 'object' && 'records' in body ? (body as { records: Wire[] }).records : [body as Wire];

describe('vectors sealed with their record (encrypted_embedding)', () => {
  it('a vector comes back with its model id, from get, list and search', async () => {
    const vector = vectorOf(1);
    const put = await client.vault.put(
      'contexts',
      { text: 'appointment with Dr. Patel, teeth cleaning' },
      { embedding: { model: 'test:fixed-384', vector } },
    );
    assert.equal(put.embedding?.model, 'test:fixed-384');
    const got = await client.vault.get('contexts', put.id);
    assert.deepEqual(got.embedding?.vector, vector);
    const listed = (await client.vault.list('contexts')).find((r) => r.id === put.id);
    assert.deepEqual(listed?.embedding, { model: 'test:fixed-384', vector });
    const found = await client.vault.search('contexts', 'Patel');
    assert.deepEqual(found[0]?.embedding?.vector, vector);
    const plain = await client.vault.put('contexts', { text: 'a note with no vector' });
    assert.equal((await client.vault.get('contexts', plain.id)).embedding, undefined);
  });

  it('an update keeps no stale vector, and key rotation re-seals the vector', async () => {
    const record = await client.vault.put(
      'relationships',
      { name: 'Dr. Patel', relationship: 'dentist' },
      { embedding: { model: 'test:fixed-384', vector: vectorOf(2) } },
    );
    const updated = await client.vault.update('relationships', record, { name: 'Dr. Patel', notes: 'moved' });
    assert.equal(updated.embedding, undefined);
    const again = await client.vault.update('relationships', updated, updated.data, {
      embedding: { model: 'test:fixed-384', vector: vectorOf(3) },
    });
    await client.vault.rotate('relationships');
    const rotated = await client.vault.get('relationships', again.id);
    assert.equal(rotated.version, again.version + 1);
    assert.deepEqual(rotated.embedding?.vector, vectorOf(3));
  });

  it('the database holds no vector in plaintext: neither its floats nor its model id', async () => {
    const vector = vectorOf(4, 768);
    const model = 'test:model-id-never-in-the-dump';
    await client.vault.put('learning-events', { kind: 'note', text: 'x' }, { embedding: { model, vector } });
    const dump = await dumpDatabase(server.db.url);
    for (const form of [...forms(model), ...forms(new Uint8Array(vector.buffer).subarray(0, 32))]) {
      assert.ok(!dump.includes(form), `the dump holds ${form}`);
    }
    assert.ok(dump.includes('\\x'), 'the dump holds the ciphertexts (bytea)');
  });

  it("a record's vector swapped with another's is refused (sealed to its slot, named by the signed envelope)", async () => {
    const a = await client.vault.put(
      'contexts',
      { text: 'alpha note' },
      { embedding: { model: 'm', vector: vectorOf(5) } },
    );
    const b = await client.vault.put(
      'contexts',
      { text: 'beta note' },
      { embedding: { model: 'm', vector: vectorOf(6) } },
    );
    const wireB = await fetchWire(b.id);
    proxy.tamper = (req, res) => {
      for (const r of recordsOf(res.body)) if (r.id === a.id) r.encryptedEmbedding = wireB.encryptedEmbedding;
      return req.method === 'GET' ? res : undefined;
    };
    await rejectsWith(() => client.vault.get('contexts', a.id), 'AURA_VAULT_INCONSISTENT', /another/);
    await rejectsWith(() => client.vault.list('contexts'), 'AURA_VAULT_INCONSISTENT');
  });

  it('a stripped vector, one added to a record written without one, and an older version are refused', async () => {
    const a = await client.vault.put('contexts', { text: 'gamma' }, { embedding: { model: 'm', vector: vectorOf(7) } });
    const oldWire = await fetchWire(a.id);
    const plain = await client.vault.put('contexts', { text: 'delta' });
    proxy.tamper = (_req, res) => {
      for (const r of recordsOf(res.body)) if (r.id === a.id) r.encryptedEmbedding = null;
      return res;
    };
    await rejectsWith(() => client.vault.get('contexts', a.id), 'AURA_VAULT_INCONSISTENT', /without/);
    proxy.tamper = (_req, res) => {
      for (const r of recordsOf(res.body)) if (r.id === plain.id) r.encryptedEmbedding = oldWire.encryptedEmbedding;
      return res;
    };
    await rejectsWith(() => client.vault.get('contexts', plain.id), 'AURA_VAULT_INCONSISTENT', /not written with/);
    proxy.tamper = undefined;
    const updated = await client.vault.update('contexts', a, a.data, {
      embedding: { model: 'm', vector: vectorOf(8) },
    });
    proxy.tamper = (_req, res) => {
      for (const r of recordsOf(res.body)) if (r.id === a.id) r.encryptedEmbedding = oldWire.encryptedEmbedding;
      return res;
    };
    await rejectsWith(() => client.vault.get('contexts', updated.id), 'AURA_VAULT_INCONSISTENT');
  });

  it('a malformed vector is refused before anything is sent', async () => {
    for (const embedding of [
      { model: '', vector: vectorOf(1) },
      { model: 'm', vector: new Float32Array(0) },
      { model: 'm', vector: new Float32Array([1, Number.NaN]) },
      { model: 'm', vector: new Float32Array(5000) },
    ]) {
      await rejectsWith(() => client.vault.put('contexts', { text: 'x' }, { embedding }), 'AURA_INVALID_INPUT');
    }
  });
});

/** The record as the server stores it, read past the client. */
async function fetchWire(id: string): Promise<Wire> {
  let wire: Wire | undefined;
  proxy.tamper = (req, res) => {
    if (req.method === 'GET' && req.path.endsWith(id)) wire = res.body as Wire;
    return undefined;
  };
  await client.vault.get('contexts', id);
  proxy.tamper = undefined;
  assert.ok(wire?.encryptedEmbedding);
  return wire;
}
