import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { AuraError } from '@aura/errors';
import { forms, MEMORY_SET, topicVector } from '@aura/testing';
import { type AuraClient, type IndexCache, Memory, type Vault } from '../src/index.ts';
import { FileIndexCache } from '../src/node.ts';
import { hostileProxy } from './hostile-proxy.ts';
import { email, listeningServer, newClient, rejectsWith } from './support.ts';

// The decrypted index kept sealed on the device between runs (issue 22): a later run still lists
// and checks every record against the signed history, but opens only the vectors it lacks.

const fixedVectors = {
  model: 'test:topics-384',
  embed: async (texts: readonly string[]) => texts.map((t) => topicVector(t)),
};

/** An IndexCache in a Map: what IndexedDB or a file would hold, with every save counted. */
class MapCache implements IndexCache {
  readonly entries = new Map<string, Uint8Array>();
  saves = 0;
  async load(name: string) {
    return this.entries.get(name);
  }
  async save(name: string, bytes: Uint8Array) {
    this.saves++;
    this.entries.set(name, bytes);
  }
}

/** How many vectors the vault opened that a list left sealed (Vault.embeddingOf of a record without one). */
function countOpened(vault: Vault): { count: number } {
  const counter = { count: 0 };
  const embeddingOf = vault.embeddingOf.bind(vault);
  vault.embeddingOf = async (record) => {
    if (!record.embedding && record.embeddingHash !== undefined) counter.count++;
    return embeddingOf(record);
  };
  return counter;
}

let server: Awaited<ReturnType<typeof listeningServer>>;
let proxy: Awaited<ReturnType<typeof hostileProxy>>;
let client: AuraClient;
const ids = new Map<number, string>();

before(async () => {
  server = await listeningServer();
  proxy = await hostileProxy(server.url);
  client = await newClient(proxy.url);
  await client.register(email(), 'cache password 123');
  const memory = new Memory(client.vault, fixedVectors);
  for (const c of MEMORY_SET) ids.set(c.topic, (await memory.remember('contexts', { text: c.note })).id);
});
after(async () => {
  await proxy?.close();
  await server?.close();
});
beforeEach(() => {
  proxy.tamper = undefined;
});

const first = MEMORY_SET[0] as (typeof MEMORY_SET)[number];

describe('the index kept sealed on the device between runs', () => {
  it('a second run opens no vector it holds, and finds the same', async () => {
    const cache = new MapCache();
    const opened = countOpened(client.vault);
    const cold = new Memory(client.vault, fixedVectors, { cache });
    assert.equal((await cold.search('contexts', first.query))[0]?.record.id, ids.get(first.topic));
    assert.equal(opened.count, MEMORY_SET.length, 'the first run opens every vector');
    await cold.flush();
    assert.equal(cache.entries.size, 1);
    await cold.flush();
    assert.equal(cache.saves, 1, 'an index that did not change is not saved again');

    opened.count = 0;
    const warm = new Memory(client.vault, fixedVectors, { cache });
    for (const c of MEMORY_SET) assert.equal((await warm.search('contexts', c.query))[0]?.record.id, ids.get(c.topic));
    assert.equal(opened.count, 0, 'the second run takes every vector from the cache');
    await warm.flush();
    assert.equal(cache.saves, 1);
  });

  it('refresh picks up what another device wrote, opening only its vectors', async () => {
    const memory = new Memory(client.vault, fixedVectors);
    await memory.search('contexts', first.query);
    const text = 'The boiler service is booked for the first of March';
    const added = await new Memory(client.vault, fixedVectors).remember('contexts', { text });
    assert.ok(!(await memory.search('contexts', text, { words: false })).some((h) => h.record.id === added.id));
    const opened = countOpened(client.vault);
    await memory.refresh('contexts');
    assert.equal(opened.count, 1);
    assert.equal((await memory.search('contexts', text, { words: false }))[0]?.record.id, added.id);
    await client.vault.delete('contexts', added.id);
    await memory.refresh('contexts');
    assert.ok(!(await memory.search('contexts', text, { words: false })).some((h) => h.record.id === added.id));
  });

  it('a kept index of a new model with no vector yet does not stop the vectors re-embedding gives it', async () => {
    const cache = new MapCache();
    const next = { model: 'test:next', embed: fixedVectors.embed };
    const before = new Memory(client.vault, next, { cache });
    assert.deepEqual(await before.search('contexts', first.query, { words: false }), []);
    await before.flush();
    assert.equal(cache.entries.size, 1, 'a snapshot with no rows');
    await new Memory(client.vault, next).reembed('contexts');
    const after = new Memory(client.vault, next, { cache });
    assert.equal((await after.search('contexts', first.query, { words: false }))[0]?.record.id, ids.get(first.topic));
    // The rest of this file's tests read the fixed model's vectors: they are put back.
    await new Memory(client.vault, fixedVectors).reembed('contexts');
  });

  it('holds neither the notes, nor the model id, nor the floats in the clear', async () => {
    const cache = new MapCache();
    const memory = new Memory(client.vault, fixedVectors, { cache });
    await memory.search('contexts', first.query);
    await memory.flush();
    const [bytes] = [...cache.entries.values()];
    assert.ok(bytes);
    const text = Buffer.from(bytes).toString('latin1');
    const floats = new Uint8Array(topicVector(first.note).buffer).subarray(0, 32);
    for (const form of [
      ...forms(first.note),
      ...forms(fixedVectors.model),
      ...forms(floats),
      ...forms(ids.get(1) ?? ''),
    ])
      assert.ok(!text.includes(form), `the cache holds ${form}`);
  });

  it('a note added, changed or deleted elsewhere is picked up, opening only the new vectors', async () => {
    const cache = new MapCache();
    const seed = new Memory(client.vault, fixedVectors, { cache });
    await seed.search('contexts', first.query);
    await seed.flush();

    const elsewhere = new Memory(client.vault, fixedVectors);
    const added = await elsewhere.remember('contexts', { text: 'Biscuit the dog needs a new collar' });
    const changedId = ids.get(2) as string;
    const changed = await client.vault.get('contexts', changedId);
    const newText = 'Quarterly tax return due to the accountant';
    await client.vault.update(
      'contexts',
      changed,
      { text: newText },
      {
        embedding: { model: fixedVectors.model, vector: topicVector(newText) },
      },
    );
    const gone = ids.get(3) as string;
    await client.vault.delete('contexts', gone);

    const opened = countOpened(client.vault);
    const later = new Memory(client.vault, fixedVectors, { cache });
    const hits = await later.search('contexts', MEMORY_SET[2]?.query ?? '', { minConfidence: -1, limit: 50 });
    assert.equal(opened.count, 2, 'the added and the changed record');
    assert.ok(!hits.some((h) => h.record.id === gone), 'the deleted note is gone from the index');
    assert.ok(hits.some((h) => h.record.id === added.id));
    await later.flush();
    opened.count = 0;
    await new Memory(client.vault, fixedVectors, { cache }).search('contexts', first.query);
    assert.equal(opened.count, 0, 'the saved index holds the new vectors');
    await client.vault.update('contexts', await client.vault.get('contexts', changedId), changed.data, {
      embedding: { model: fixedVectors.model, vector: topicVector(changed.data.text) },
    });
  });

  it('bytes altered, sealed for another model, or of another account are not used: the index is rebuilt', async () => {
    const cache = new MapCache();
    const memory = new Memory(client.vault, fixedVectors, { cache });
    await memory.search('contexts', first.query);
    await memory.flush();
    const [[name, bytes]] = [...cache.entries] as [[string, Uint8Array]];
    const opened = countOpened(client.vault);

    const altered = bytes.slice();
    altered[altered.length - 20] = (altered[altered.length - 20] ?? 0) ^ 1;
    cache.entries.set(name, altered);
    assert.equal(
      (await new Memory(client.vault, fixedVectors, { cache }).search('contexts', first.query))[0]?.record.id,
      ids.get(first.topic),
    );
    assert.equal(opened.count, MEMORY_SET.length);

    // The same bytes under another model's name (and so slot) do not open either.
    opened.count = 0;
    const other = { model: 'test:other', embed: fixedVectors.embed };
    const otherCache = new MapCache();
    const otherName = name.replace(fixedVectors.model, other.model);
    otherCache.entries.set(otherName, bytes);
    await new Memory(client.vault, other, { cache: otherCache }).search('contexts', first.query);
    assert.ok(opened.count > 0, 'read from the vault again');

    // Another account's device finds this account's bytes under its own name: they do not open.
    const stranger = await newClient(server.url);
    await stranger.register(email(), 'stranger password 123');
    const strangerName = name.replace(client.vault.userId, stranger.vault.userId);
    const strangerCache = new MapCache();
    strangerCache.entries.set(strangerName, bytes);
    assert.deepEqual(
      await new Memory(stranger.vault, fixedVectors, { cache: strangerCache }).search('contexts', first.query),
      [],
    );
  });

  it('every record is still checked against the signed history: one hidden by the server is refused', async () => {
    const cache = new MapCache();
    const memory = new Memory(client.vault, fixedVectors, { cache });
    await memory.search('contexts', first.query);
    await memory.flush();
    const hidden = ids.get(4);
    proxy.tamper = (req, res) => {
      const body = res.body as { records?: { id: string }[] } | undefined;
      if (req.method === 'GET' && body?.records) body.records = body.records.filter((r) => r.id !== hidden);
      return res;
    };
    await rejectsWith(
      () => new Memory(client.vault, fixedVectors, { cache }).search('contexts', first.query),
      'AURA_VAULT_INCONSISTENT',
      /missing from the list/,
    );
  });

  it('a vector the cache lacks is opened and checked: one swapped by the server is refused', async () => {
    const cache = new MapCache();
    const memory = new Memory(client.vault, fixedVectors, { cache });
    await memory.search('contexts', first.query);
    await memory.flush();
    const fresh = await new Memory(client.vault, fixedVectors).remember('contexts', { text: 'Renew the passport' });
    const donor = await client.vault.get('contexts', ids.get(5) as string);
    let donorVector: string | null = null;
    proxy.tamper = (req, res) => {
      const records = (res.body as { records?: { id: string; encryptedEmbedding: string | null }[] }).records ?? [];
      for (const r of records) if (r.id === donor.id) donorVector = r.encryptedEmbedding;
      for (const r of records) if (r.id === fresh.id && donorVector) r.encryptedEmbedding = donorVector;
      return req.method === 'GET' ? res : undefined;
    };
    await rejectsWith(
      () => new Memory(client.vault, fixedVectors, { cache }).search('contexts', first.query, { words: false }),
      'AURA_VAULT_INCONSISTENT',
      /another/,
    );
  });
});

describe('Memory keeps its index in step with what it writes', () => {
  it('revise gives the new text its vector, forget takes the record out; where leaves records out of everything', async () => {
    const memory = new Memory(client.vault, fixedVectors);
    const text = 'Water the ferns on the balcony';
    const note = await memory.remember('contexts', { text });
    assert.equal((await memory.search('contexts', text, { words: false }))[0]?.record.id, note.id);
    const revised = await memory.revise('contexts', note, { text: first.note });
    assert.equal(revised.embedding?.model, fixedVectors.model);
    assert.deepEqual(revised.embedding?.vector, topicVector(first.note));
    const hits = await memory.search('contexts', first.query, { minConfidence: -1, limit: 100, words: false });
    assert.ok(
      hits.some((h) => h.record.id === note.id && h.confidence > 0.6),
      'found by its new meaning',
    );
    await memory.forget('contexts', note.id);
    assert.ok(!(await memory.search('contexts', first.query, { limit: 100 })).some((h) => h.record.id === note.id));
    await rejectsWith(() => client.vault.get('contexts', note.id), 'AURA_NOT_FOUND');

    // An app's own records: never found, embedded or counted.
    const own = await client.vault.put('contexts', { text: first.note, type: 'app-settings' });
    const mine = (r: { data: unknown }) => (r.data as { type?: string }).type !== 'app-settings';
    const scoped = new Memory(client.vault, { model: 'test:scoped', embed: fixedVectors.embed }, { where: mine });
    const { stale, total } = await scoped.stale('contexts');
    assert.equal(stale, total, 'no record has a vector of the new model yet');
    const all = await new Memory(client.vault, { model: 'test:scoped', embed: fixedVectors.embed }).stale('contexts');
    assert.equal(all.total, total + 1);
    const result = await scoped.reembed('contexts');
    assert.equal(result.total, total);
    assert.equal((await client.vault.get('contexts', own.id)).embedding, undefined, 'not sent to the provider');
    assert.ok(!(await scoped.search('contexts', first.note)).some((h) => h.record.id === own.id));
    await client.vault.delete('contexts', own.id);
  });

  it('a failure noted in status is over once the endpoint answers again', async () => {
    let down = true;
    const flaky = {
      model: fixedVectors.model,
      embed: async (texts: readonly string[]) => {
        if (down) throw new AuraError('AURA_PROVIDER_UNAVAILABLE', 'the endpoint is down');
        return fixedVectors.embed(texts);
      },
    };
    const memory = new Memory(client.vault, flaky);
    await memory.search('contexts', 'first query');
    assert.equal(memory.status.unavailable, 'the endpoint is down');
    down = false;
    await memory.search('contexts', 'second query');
    assert.equal(memory.status.unavailable, undefined);
  });
});

describe('FileIndexCache (the CLI keeps its index in AURA_HOME/memory)', () => {
  it('writes files readable by their owner alone, named by a hash of the name', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aura-index-'));
    try {
      const cache = new FileIndexCache(join(dir, 'memory'));
      const name = `memory-index/${client.vault.userId}/contexts/${fixedVectors.model}`;
      assert.equal(await cache.load(name), undefined);
      await cache.save(name, new Uint8Array([1, 2, 3]));
      await cache.save(name, new Uint8Array([4, 5]));
      assert.deepEqual(await cache.load(name), new Uint8Array([4, 5]));
      const files = readdirSync(join(dir, 'memory'));
      assert.equal(files.length, 1, 'the temporary file was renamed into place');
      assert.match(files[0] ?? '', /^[0-9a-f]{64}\.bin$/);
      assert.equal(statSync(join(dir, 'memory', files[0] ?? '')).mode & 0o777, 0o600);
      assert.equal(statSync(join(dir, 'memory')).mode & 0o777, 0o700);
      assert.ok(!readFileSync(join(dir, 'memory', files[0] ?? '')).includes(client.vault.userId));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the sealed vector is padded like its record', () => {
  it('its length does not tell 256 dimensions from 384', async () => {
    const lengths: number[] = [];
    for (const dims of [256, 384]) {
      const vector = Float32Array.from({ length: dims }, (_, i) => Math.cos(i));
      const record = await client.vault.put(
        'learning-events',
        { kind: 'note', text: `pad ${dims}` },
        {
          embedding: { model: 'test:pad', vector },
        },
      );
      let length = 0;
      proxy.tamper = (_req, res) => {
        for (const r of (res.body as { records?: { id: string; encryptedEmbedding: string | null }[] }).records ?? [])
          if (r.id === record.id) length = Buffer.from(r.encryptedEmbedding ?? '', 'base64').length;
        return res;
      };
      await client.vault.list('learning-events');
      proxy.tamper = undefined;
      lengths.push(length);
    }
    assert.ok((lengths[0] ?? 0) > 0);
    assert.equal(lengths[0], lengths[1]);
  });
});
