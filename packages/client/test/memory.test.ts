import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MEMORY_SET, topicVector } from '@aura/testing';
import { type AuraClient, Memory, reciprocalRankFusion, VectorIndex } from '../src/index.ts';
import { email, listeningServer, newClient, rejectsWith } from './support.ts';

/** A provider of the memory set's fixed vectors (the CLI's test gets the same over the OpenAI protocol). */
const fixedVectors = {
  model: 'test:topics-384',
  embed: async (texts: readonly string[]) => texts.map((t) => topicVector(t)),
};

function randomVectors(n: number, dims: number, seed: number): Float32Array[] {
  let s = seed;
  const next = () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s / 0xffffffff - 0.5;
  };
  return Array.from({ length: n }, () => Float32Array.from({ length: dims }, next));
}

function checkIndex(dims: number, simd: boolean) {
  const vectors = randomVectors(500, dims, 7);
  const index = new VectorIndex(dims, 1, { simd });
  assert.equal(index.simd, simd && dims % 4 === 0, 'WebAssembly SIMD runs in Node 20');
  for (const [i, v] of vectors.entries()) index.add(`r${i}`, v);
  index.add('r3', vectors[10] as Float32Array);
  for (let i = 0; i < 500; i += 7) index.remove(`r${i}`);
  index.remove('absent');
  const live = new Map<string, Float32Array>();
  for (const [i, v] of vectors.entries())
    if (i % 7 !== 0) live.set(`r${i}`, i === 3 ? (vectors[10] as Float32Array) : v);
  assert.equal(index.size, live.size);
  const unit = (v: Float32Array) => {
    const n = Math.hypot(...v);
    return v.map((x) => x / n);
  };
  for (const query of randomVectors(20, dims, 99)) {
    const q = unit(query);
    const expected = [...live]
      .map(([id, v]) => ({ id, score: unit(v).reduce((s, x, i) => s + x * (q[i] ?? 0), 0) }))
      .sort((a, b) => b.score - a.score)
      .slice(0, 10);
    const got = index.search(query, 10);
    assert.deepEqual(
      got.map((h) => h.id),
      expected.map((h) => h.id),
    );
    for (const [i, h] of got.entries()) assert.ok(Math.abs(h.score - (expected[i]?.score ?? 0)) < 1e-5);
  }
  assert.deepEqual(new VectorIndex(3).search(new Float32Array([1, 0, 0])), []);
}

describe('the exact vector index', () => {
  for (const [dims, simd] of [
    [48, true],
    [48, false],
    [50, true],
  ] as const)
    it(`returns the same top-k as sorting every cosine, after adds, replacements and removals (${dims} dimensions, ${simd && dims % 4 === 0 ? 'WebAssembly SIMD' : 'JavaScript'})`, () => {
      checkIndex(dims, simd);
    });

  it('restored from its rows in one copy, it finds what it found, and refuses rows that do not fit', () => {
    const vectors = randomVectors(300, 48, 11);
    const index = new VectorIndex(48);
    for (const [i, v] of vectors.entries()) index.add(`r${i}`, v);
    const { ids, rows } = index.rows();
    const restored = VectorIndex.fromUnitRows(48, ids, rows);
    assert.ok(restored);
    for (const q of randomVectors(10, 48, 5)) assert.deepEqual(restored.search(q, 10), index.search(q, 10));
    restored.remove('r3');
    restored.add('new', vectors[0] as Float32Array);
    assert.equal(restored.size, 300);
    assert.equal(VectorIndex.fromUnitRows(48, ids.slice(1), rows), null);
    assert.equal(VectorIndex.fromUnitRows(48, [...ids.slice(1), 'r1'], rows), null, 'an id twice');
  });

  it('refuses a vector of another length or with no direction', () => {
    const index = new VectorIndex(4);
    assert.throws(() => index.add('a', new Float32Array(3)), /AURA_INVALID_INPUT|dimensions/);
    assert.throws(() => index.add('a', new Float32Array(4)), /direction/);
    assert.throws(() => index.search(new Float32Array(5)), /dimensions/);
    assert.throws(() => new VectorIndex(0), /dims/);
  });

  it('fuses ranks as Cormack et al. 2009 do: 1 / (60 + rank)', () => {
    const fused = reciprocalRankFusion([
      ['a', 'b'],
      ['b', 'c'],
    ]);
    assert.equal(fused.get('a'), 1 / 61);
    assert.equal(fused.get('b'), 1 / 62 + 1 / 61);
    assert.equal(fused.get('c'), 1 / 62);
  });
});

describe('hybrid retrieval over the vault (words and meaning, fused)', () => {
  let server: Awaited<ReturnType<typeof listeningServer>>;
  let client: AuraClient;
  const ids = new Map<number, string>();
  before(async () => {
    server = await listeningServer();
    client = await newClient(server.url);
    await client.register(email(), 'memory password 123');
    const memory = new Memory(client.vault, fixedVectors);
    for (const c of MEMORY_SET) {
      const type = c.topic % 2 === 0 ? 'errand' : 'note';
      ids.set(c.topic, (await memory.remember('contexts', { text: c.note, type })).id);
    }
  });
  after(() => server?.close());

  it('keyword search misses every query of the set; retrieval by meaning finds each note first', async () => {
    const memory = new Memory(client.vault, fixedVectors);
    for (const c of MEMORY_SET) {
      assert.deepEqual(await client.vault.search('contexts', c.query), [], `words alone find "${c.query}"`);
      const hits = await memory.search('contexts', c.query);
      assert.equal(hits[0]?.record.id, ids.get(c.topic), c.query);
      assert.deepEqual(hits[0]?.via, ['meaning']);
      assert.ok((hits[0]?.confidence ?? 0) > 0.6);
      // Every other note is below the threshold: nothing else is shown.
      assert.equal(hits.length, 1, c.query);
    }
  });

  it('a record found by words and by meaning ranks first, with confidence 1', async () => {
    const memory = new Memory(client.vault, fixedVectors);
    const hits = await memory.search('contexts', 'Patel');
    assert.equal(hits[0]?.record.id, ids.get(1));
    assert.deepEqual(hits[0]?.via, ['words']);
    assert.equal(hits[0]?.confidence, 1);
    const both = await memory.search('contexts', MEMORY_SET[0]?.note ?? '');
    assert.deepEqual(both[0]?.via, ['words', 'meaning']);
    // By meaning only (the reasoning engine's retrieval: no blind token of the request is sent).
    assert.deepEqual(await memory.search('contexts', 'Patel', { words: false }), []);
    const meaningOnly = await memory.search('contexts', MEMORY_SET[0]?.note ?? '', { words: false });
    assert.deepEqual(meaningOnly[0]?.via, ['meaning']);
  });

  it('the context_types filter applies to both lists; without a provider, words still find', async () => {
    const memory = new Memory(client.vault, fixedVectors);
    assert.equal((await memory.search('contexts', 'dentist', { types: ['note'] }))[0]?.record.id, ids.get(1));
    assert.deepEqual(await memory.search('contexts', 'dentist', { types: ['errand'] }), []);
    assert.deepEqual(await memory.search('contexts', 'Patel', { types: ['errand'] }), []);
    const words = new Memory(client.vault, null);
    assert.deepEqual(await words.search('contexts', 'dentist'), []);
    assert.equal((await words.search('contexts', 'teeth'))[0]?.record.id, ids.get(1));
    assert.equal(words.status.model, null);
  });

  it('a note remembered after the index was read is found at once; vectors of another model are not compared', async () => {
    const memory = new Memory(client.vault, fixedVectors);
    await memory.search('contexts', 'dentist');
    const late = await memory.remember('contexts', { text: 'Biscuit needs a new collar' });
    assert.ok(late.embedding);
    const other = new Memory(client.vault, { model: 'test:other', embed: fixedVectors.embed });
    assert.deepEqual(await other.search('contexts', 'dentist'), []);
    await rejectsWith(() => memory.search('contexts', 'x', { limit: 0 }), 'AURA_INVALID_INPUT');
  });
});

describe('re-embedding after a change of model', () => {
  let server: Awaited<ReturnType<typeof listeningServer>>;
  let client: AuraClient;
  before(async () => {
    server = await listeningServer();
    client = await newClient(server.url);
    await client.register(email(), 'reembed password 123');
  });
  after(() => server?.close());

  it('gives every record a vector of the new model, with progress, and resumes where a failed run stopped', async () => {
    const old = new Memory(client.vault, fixedVectors);
    for (const c of MEMORY_SET.slice(0, 6)) await old.remember('contexts', { text: c.note });
    await client.vault.put('contexts', { text: MEMORY_SET[6]?.note ?? '' }); // written while the endpoint was down
    // The new model's endpoint answers two batches of two, then goes away.
    let calls = 0;
    const failing = {
      model: 'test:v2',
      embed: async (texts: readonly string[]) => {
        if (++calls > 2) throw new Error('the endpoint went away');
        return fixedVectors.embed(texts);
      },
    };
    const progress: [number, number][] = [];
    await assert.rejects(
      new Memory(client.vault, failing).reembed('contexts', (d, t) => progress.push([d, t]), { batch: 2 }),
      /went away/,
    );
    assert.deepEqual(progress, [
      [0, 7],
      [1, 7],
      [2, 7],
      [3, 7],
      [4, 7],
    ]);
    // Run again: it starts where the first stopped.
    progress.length = 0;
    const v2 = new Memory(client.vault, { model: 'test:v2', embed: fixedVectors.embed });
    assert.deepEqual(await v2.reembed('contexts', (d, t) => progress.push([d, t])), { reembedded: 3, total: 7 });
    assert.deepEqual(progress.at(0), [4, 7]);
    assert.deepEqual(progress.at(-1), [7, 7]);
    assert.deepEqual(await v2.reembed('contexts'), { reembedded: 0, total: 7 });
    for (const record of await client.vault.list('contexts')) assert.equal(record.embedding?.model, 'test:v2');
    assert.equal((await v2.search('contexts', MEMORY_SET[6]?.query ?? ''))[0]?.record.data.text, MEMORY_SET[6]?.note);
  });
});
