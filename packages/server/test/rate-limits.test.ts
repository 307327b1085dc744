import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  REDIS_URL,
  type ServerPair,
  skipUnlessServing,
  startServerPair,
  startTestServer,
  type TestServer,
  TestUser,
  tcpProxy,
  waitFor,
} from '@aura/testing';
import { Redis } from 'ioredis';

// Rate limits count per account on authenticated requests and per address otherwise; with
// REDIS_URL every server process shares the counters (the real Redis at 127.0.0.1:6379), and
// Redis going away never takes the API down.

const redis = await skipUnlessServing('Redis', REDIS_URL, 6379);
const LIMIT = 6;

const session = (server: TestServer, user: TestUser, address: string) =>
  server.app.inject({ method: 'GET', url: '/api/v1/auth/session', headers: user.auth, remoteAddress: address });

describe('rate limits per account, in process', () => {
  let server: TestServer;
  let user: TestUser;
  before(async () => {
    server = await startTestServer({ AURA_RATE_LIMIT_DEFAULT: String(LIMIT) });
    user = await new TestUser((o) => server.app.inject(o)).register();
    await user.login();
  });
  after(() => server?.close());

  it("a person's devices on several addresses share one allowance; a forged token spends its address's", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < LIMIT + 1; i++) statuses.push((await session(server, user, `10.1.0.${i}`)).statusCode);
    assert.deepEqual(statuses, [...Array(LIMIT).fill(200), 429], 'counted by account, whatever the address');
    // A token the server never signed names no account: it cannot spend this user's allowance,
    // nor escape its own address's.
    const claims = Buffer.from(JSON.stringify({ sub: user.userId, exp: 4102444800 })).toString('base64url');
    const forged = { authorization: `Bearer eyJhbGciOiJFZERTQSJ9.${claims}.${'A'.repeat(86)}` };
    const other = await server.app.inject({
      method: 'GET',
      url: '/api/v1/auth/session',
      headers: forged,
      remoteAddress: '10.2.0.1',
    });
    assert.equal(other.statusCode, 401, 'refused as forged (401), not limited (429) as the account it names');
  });
});

describe('behind a proxy (AURA_TRUST_PROXY)', () => {
  const anonymous = (server: TestServer, forwardedFor: string) =>
    server.app.inject({
      method: 'GET',
      url: '/api/v1/auth/session',
      remoteAddress: '10.9.0.1',
      headers: { 'x-forwarded-for': forwardedFor },
    });
  const statuses = async (server: TestServer, clients: string[]) => {
    const out: number[] = [];
    for (const client of clients) out.push((await anonymous(server, client)).statusCode);
    return out;
  };

  it('the proxy named in AURA_TRUST_PROXY forwards each client as its own address; unnamed, every client is the proxy', async () => {
    const clients = [...Array(LIMIT).fill('203.0.113.7'), '203.0.113.8'];
    const trusting = await startTestServer({ AURA_RATE_LIMIT_DEFAULT: String(LIMIT), AURA_TRUST_PROXY: '10.9.0.0/16' });
    try {
      // The first client spends its own allowance; the second is not limited by it.
      assert.deepEqual(await statuses(trusting, clients), [...Array(LIMIT).fill(401), 401]);
      assert.equal((await anonymous(trusting, '203.0.113.7')).statusCode, 429, 'the first client is limited');
    } finally {
      await trusting.close();
    }
    const plain = await startTestServer({ AURA_RATE_LIMIT_DEFAULT: String(LIMIT) });
    try {
      // Without it the header is not believed (anyone could send it): all are the proxy's address.
      assert.deepEqual(await statuses(plain, clients), [...Array(LIMIT).fill(401), 429]);
    } finally {
      await plain.close();
    }
  });

  it('AURA_TRUST_PROXY that is not addresses or CIDRs stops the server with the variable named', async () => {
    const { loadConfig } = await import('../src/config.ts');
    for (const bad of ['*', 'true', '10.0.0.0/33', 'proxy.local', '10.0.0.1/8/1'])
      assert.throws(
        () => loadConfig({ AURA_TRUST_PROXY: bad }),
        /AURA_TRUST_PROXY must be the proxies' addresses or CIDRs/,
        bad,
      );
    assert.deepEqual(loadConfig({ AURA_TRUST_PROXY: '10.0.0.0/8, ::1' }).trustProxy, ['10.0.0.0/8', '::1']);
    assert.equal(loadConfig({}).trustProxy, false);
  });
});

describe('rate limits shared through Redis (real server)', { skip: redis }, () => {
  let pair: ServerPair;
  let a: TestServer;
  let b: TestServer;
  let user: TestUser;
  const env = { AURA_RATE_LIMIT_DEFAULT: String(LIMIT), REDIS_URL };
  before(async () => {
    pair = await startServerPair(env);
    ({ a, b } = pair);
    // Its own address: other suites on the same Redis spend 127.0.0.1's allowance meanwhile.
    const address = `10.5.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`;
    user = await new TestUser((o) => a.app.inject({ ...o, remoteAddress: address })).register();
    await user.login();
  });
  after(() => pair?.close());

  it('requests spread over two server processes spend one allowance; the counters hold no plaintext', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < LIMIT + 1; i++) statuses.push((await session(i % 2 ? a : b, user, '10.3.0.1')).statusCode);
    assert.deepEqual(statuses, [...Array(LIMIT).fill(200), 429]);
    const client = new Redis(REDIS_URL);
    try {
      const keys = await client.keys(`aura-rate-limit:*${user.userId}*`);
      assert.ok(keys.length > 0, 'the counter is in Redis');
      for (const key of keys) {
        assert.ok(!key.includes(user.email) && !key.includes('Bearer'), key);
        await client.del(key);
      }
    } finally {
      client.disconnect();
    }
  });

  it('Redis away: requests are served unlimited and the server says so once; back, limits hold again', async () => {
    const target = new URL(REDIS_URL);
    const proxy = await tcpProxy({ host: target.hostname, port: Number(target.port || 6379) });
    const server = await startTestServer(
      { ...env, REDIS_URL: `redis://127.0.0.1:${proxy.port}` },
      { database: pair.db },
    );
    const address = `10.4.0.${Math.floor(Math.random() * 200)}`;
    const anonymous = () => server.app.inject({ method: 'GET', url: '/api/v1/auth/session', remoteAddress: address });
    try {
      await waitFor(async () => (await anonymous()).statusCode === 401, 10_000);
      proxy.cut();
      const during: number[] = [];
      for (let i = 0; i < LIMIT * 2; i++) during.push((await anonymous()).statusCode);
      assert.deepEqual(during, Array(LIMIT * 2).fill(401), 'answered, never a 5xx, while Redis is away');
      await waitFor(() => server.logs.some((l) => l.includes('rate limits are not enforced')), 10_000);
      proxy.restore();
      await waitFor(
        async () => (await anonymous()).statusCode === 429,
        20_000,
        () => 'limits back after Redis returned',
      );
    } finally {
      await server.close();
      await proxy.close();
      const client = new Redis(REDIS_URL);
      for (const key of await client.keys(`aura-rate-limit:*${address}*`)) await client.del(key);
      client.disconnect();
    }
  });
});
