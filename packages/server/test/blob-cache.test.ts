import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  REDIS_URL,
  skipUnlessServing,
  startTestServer,
  type TcpProxy,
  type TestServer,
  TestUser,
  tcpProxy,
  waitFor,
} from '@aura/testing';
import { Redis } from 'ioredis';
import { type BlobCache, MemoryBlobCache } from '../src/cache/blob-cache.ts';
import { RedisBlobCache } from '../src/cache/redis-cache.ts';

// The cache of encrypted blobs: both implementations through the one interface (Redis the real
// one at 127.0.0.1:6379), then a vault read through it: a hit answers what the database would,
// a write is never hidden by a stale entry, Redis holds no plaintext, and Redis away is a miss.

const redis = await skipUnlessServing('Redis', REDIS_URL, 6379);
const SECRET = 'Pick up Margarethe from Schiphol at 17:40';

// The Redis cache is given its connection (the server's own, shared with the rate limits).
const connections: Redis[] = [];
after(() => {
  for (const c of connections) c.disconnect();
});
const caches: { name: string; skip: string | false; make: () => BlobCache }[] = [
  { name: 'in process', skip: false, make: () => new MemoryBlobCache(1000) },
  {
    name: 'Redis',
    skip: redis,
    make: () => {
      const connection = new Redis(REDIS_URL, { enableOfflineQueue: false });
      connections.push(connection);
      return new RedisBlobCache(connection);
    },
  },
];

for (const { name, skip, make } of caches) {
  describe(`the blob cache, ${name}`, { skip }, () => {
    let cache: BlobCache;
    before(async () => {
      cache = make();
      // Redis connects in the background: until then every call is a miss.
      await waitFor(async () => {
        await cache.set('test:ready', 'yes', 5);
        return (await cache.get('test:ready')) === 'yes';
      }, 10_000);
    });
    after(() => cache?.close());
    const key = () => `test:${crypto.randomUUID()}`;

    it('keeps, replaces and forgets an entry', async () => {
      const k = key();
      assert.equal(await cache.get(k), undefined);
      await cache.set(k, 'one', 60);
      assert.equal(await cache.get(k), 'one');
      await cache.set(k, 'two', 60);
      assert.equal(await cache.get(k), 'two');
      await cache.delete(k);
      assert.equal(await cache.get(k), undefined);
    });

    it('an entry past its time is a miss', async () => {
      const k = key();
      await cache.set(k, 'brief', 1);
      await waitFor(async () => (await cache.get(k)) === undefined, 5000);
    });
  });
}

it('the in-process cache stays within its budget, the least recently used going first', async () => {
  const cache = new MemoryBlobCache(1000);
  for (const k of ['a', 'b', 'c', 'd']) await cache.set(k, k.repeat(100), 60);
  await cache.get('a'); // used: b is now the oldest
  for (const k of ['e', 'f', 'g', 'h', 'i', 'j', 'k']) await cache.set(k, k.repeat(100), 60);
  assert.equal(await cache.get('b'), undefined, 'the least recently used went first');
  assert.equal(await cache.get('a'), 'a'.repeat(100), 'a recently used one stayed');
  await cache.set('big', 'x'.repeat(900), 60);
  assert.equal(await cache.get('big'), undefined, 'one blob never takes most of the budget');
});

describe('vault reads through Redis (real server)', { skip: redis }, () => {
  let server: TestServer;
  let user: TestUser;
  let proxy: TcpProxy;
  let spy: Redis;

  before(async () => {
    const url = new URL(REDIS_URL);
    proxy = await tcpProxy({ host: url.hostname, port: Number(url.port || 6379) });
    server = await startTestServer({ REDIS_URL: `redis://127.0.0.1:${proxy.port}` });
    user = await new TestUser((o) => server.app.inject(o)).register();
    await user.login();
    spy = new Redis(REDIS_URL);
  });
  after(async () => {
    spy?.disconnect();
    await server?.close();
    await proxy?.close();
  });

  const read = (id: string) => server.app.inject({ method: 'GET', url: `/api/v1/context/${id}`, headers: user.auth });
  const cachedKey = (id: string) => `aura-blob:vault:${user.userId}:contexts:${id}`;

  it('a second read is served from the cache, the same as the first; Redis holds only ciphertext', async () => {
    const record = user.record('contexts', SECRET);
    const stored = await server.app.inject({
      method: 'POST',
      url: '/api/v1/context',
      headers: user.auth,
      payload: record,
    });
    assert.equal(stored.statusCode, 201, stored.body);
    const first = await read(record.id);
    assert.equal(first.statusCode, 200, first.body);
    const entry = await spy.get(cachedKey(record.id));
    assert.ok(entry, 'the first read filled the cache');
    const second = await read(record.id);
    assert.deepEqual(second.json(), first.json());
    assert.equal(second.headers['aura-log-size'], first.headers['aura-log-size']);
    for (const k of await spy.keys('aura-*')) {
      const value = (await spy.type(k)) === 'string' ? ((await spy.get(k)) ?? '') : '';
      for (const word of ['Margarethe', 'Schiphol', '17:40', SECRET])
        assert.ok(!k.includes(word) && !value.includes(word), `${word} in Redis under ${k}`);
    }
  });

  it('a row changed behind the cache (a new version) is read fresh, never the cached one', async () => {
    const record = user.record('contexts', 'first words');
    await server.app.inject({ method: 'POST', url: '/api/v1/context', headers: user.auth, payload: record });
    const before = (await read(record.id)).json();
    // Another server process updates the row: this one's cache entry is now a version behind.
    await server.pool.query(
      `UPDATE encrypted_user_contexts SET version = version + 1, encrypted_data = '\\x00'::bytea
        WHERE user_id = $1 AND id = $2`,
      [user.userId, record.id],
    );
    const after = (await read(record.id)).json();
    assert.equal(after.version, before.version + 1);
    assert.notEqual(after.encryptedData, before.encryptedData);
    // A deleted row is gone, whatever the cache holds.
    await server.pool.query('DELETE FROM encrypted_user_contexts WHERE user_id = $1 AND id = $2', [
      user.userId,
      record.id,
    ]);
    assert.equal((await read(record.id)).statusCode, 404);
  });

  it('Redis away: reads come from PostgreSQL, the server says so once, and the cache is back with Redis', async () => {
    const record = user.record('contexts', 'while Redis is away');
    await server.app.inject({ method: 'POST', url: '/api/v1/context', headers: user.auth, payload: record });
    proxy.cut();
    for (let i = 0; i < 3; i++) assert.equal((await read(record.id)).statusCode, 200);
    await waitFor(() => server.logs.some((l) => l.includes('the blob cache is off')), 10_000);
    assert.equal(server.logs.filter((l) => l.includes('the blob cache is off')).length, 1, 'said once');
    proxy.restore();
    await waitFor(
      async () => {
        await read(record.id);
        return (await spy.get(cachedKey(record.id))) !== null;
      },
      20_000,
      () => server.logs.slice(-3).join(''),
    );
  });
});
