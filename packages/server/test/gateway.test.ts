import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer, TestUser } from '@aura/testing';
import { rateLimitClass } from '../src/app.ts';

let server: TestServer;
before(async () => {
  server = await startTestServer(
    {
      AURA_RATE_LIMIT_DEFAULT: '8',
      AURA_RATE_LIMIT_AI: '2',
      AURA_BODY_LIMIT: '4096',
      AURA_ALLOWED_ORIGINS: 'https://app.aura.local',
      AURA_ALLOWED_HOSTS: 'localhost,*.aura.local',
    },
    {
      beforeReady(app, config) {
        // A route of the AI class, as the reasoning issue will add.
        app.post('/api/v1/ai/inference-probe', { config: rateLimitClass(config, 'ai_inference') }, async () => ({
          ok: true,
        }));
      },
    },
  );
});
after(() => server?.close());

const codeOf = (res: { json(): { error?: { code: string } } }) => res.json().error?.code;

describe('gateway', () => {
  it('the default rate-limit class answers 429 with Retry-After and a stable code', async () => {
    const statuses: number[] = [];
    let last: Awaited<ReturnType<typeof server.app.inject>> | undefined;
    for (let i = 0; i < 10; i++) {
      last = await server.app.inject({ method: 'GET', url: '/api/v1/auth/session', remoteAddress: '10.9.9.1' });
      statuses.push(last.statusCode);
    }
    assert.deepEqual(statuses.slice(0, 8), Array(8).fill(401));
    assert.equal(statuses[8], 429);
    assert.ok(last && Number(last.headers['retry-after']) > 0);
    assert.equal(last && codeOf(last), 'AURA_RATE_LIMITED');
  });

  it('the AI-inference class has its own, lower limit', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) {
      statuses.push(
        (await server.app.inject({ method: 'POST', url: '/api/v1/ai/inference-probe', remoteAddress: '10.9.9.2' }))
          .statusCode,
      );
    }
    assert.deepEqual(statuses, [200, 200, 429]);
  });

  it('CORS answers only allowed origins', async () => {
    const preflight = (origin: string) =>
      server.app.inject({
        method: 'OPTIONS',
        url: '/api/v1/context',
        headers: { origin, 'access-control-request-method': 'POST' },
        remoteAddress: '10.9.9.3',
      });
    assert.equal(
      (await preflight('https://app.aura.local')).headers['access-control-allow-origin'],
      'https://app.aura.local',
    );
    assert.equal((await preflight('https://evil.example')).headers['access-control-allow-origin'], undefined);
  });

  it('refuses hosts outside the allowlist; wildcard subdomains match', async () => {
    const host = (h: string) =>
      server.app.inject({ method: 'GET', url: '/health', headers: { host: h }, remoteAddress: '10.9.9.4' });
    const evil = await host('evil.example');
    assert.equal(evil.statusCode, 400);
    assert.equal(codeOf(evil), 'AURA_HOST_NOT_ALLOWED');
    assert.equal((await host('api.aura.local')).statusCode, 200);
    assert.equal((await host('localhost:8787')).statusCode, 200);
  });

  it('sets security headers', async () => {
    const res = await server.app.inject({ method: 'GET', url: '/health', remoteAddress: '10.9.9.5' });
    assert.equal(res.headers['x-content-type-options'], 'nosniff');
    assert.ok(res.headers['strict-transport-security']);
    assert.ok(res.headers['content-security-policy']);
    assert.equal(res.headers['x-frame-options'], 'SAMEORIGIN');
  });

  it('bodies over the limit, non-JSON bodies and unknown routes get 4xx with stable codes', async () => {
    const big = await server.app.inject({
      method: 'POST',
      url: '/api/v1/auth/srp/init',
      payload: { email: `${'a'.repeat(5000)}@x.org` },
      remoteAddress: '10.9.9.6',
    });
    assert.equal(big.statusCode, 413);
    assert.equal(codeOf(big), 'AURA_PAYLOAD_TOO_LARGE');
    const text = await server.app.inject({
      method: 'POST',
      url: '/api/v1/auth/srp/init',
      headers: { 'content-type': 'text/plain' },
      payload: 'hello',
      remoteAddress: '10.9.9.6',
    });
    assert.equal(text.statusCode, 415);
    assert.equal(codeOf(text), 'AURA_UNSUPPORTED_MEDIA_TYPE');
    const missing = await server.app.inject({
      method: 'GET',
      url: `/api/v1/nothing/${randomUUID()}`,
      remoteAddress: '10.9.9.6',
    });
    assert.equal(codeOf(missing), 'AURA_NOT_FOUND');
  });

  it('serves an OpenAPI document generated from the wire schemas, and the docs page', async () => {
    const doc = (await server.app.inject({ method: 'GET', url: '/api/docs/json', remoteAddress: '10.9.9.7' })).json();
    assert.match(doc.openapi, /^3\./);
    for (const path of [
      '/api/v1/auth/register',
      '/api/v1/auth/srp/init',
      '/api/v1/context/{id}',
      '/api/v1/relationships/search',
    ]) {
      assert.ok(doc.paths[path], `${path} documented`);
    }
    const init = doc.paths['/api/v1/auth/srp/init'].post;
    assert.ok(JSON.stringify(init.requestBody).includes('email'));
    const page = await server.app.inject({ method: 'GET', url: '/api/docs', remoteAddress: '10.9.9.7' });
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /swagger/i);
  });

  it('/health, /ready and /metrics with the spec metrics, labelled by route pattern only', async () => {
    const user = await new TestUser((o) =>
      server.app.inject({ ...o, remoteAddress: '10.9.9.8' } as typeof o),
    ).register();
    await user.login();
    const id = randomUUID();
    await server.app.inject({
      method: 'GET',
      url: `/api/v1/context/${id}`,
      headers: user.auth,
      remoteAddress: '10.9.9.8',
    });
    assert.deepEqual((await server.app.inject({ method: 'GET', url: '/health' })).json(), { status: 'ok' });
    assert.deepEqual((await server.app.inject({ method: 'GET', url: '/ready' })).json(), { status: 'ready' });
    const metrics = (await server.app.inject({ method: 'GET', url: '/metrics' })).body;
    for (const name of ['aura_requests_total', 'aura_request_duration_seconds', 'aura_active_users']) {
      assert.ok(metrics.includes(name), name);
    }
    assert.ok(metrics.includes('endpoint="/api/v1/context/:id"'));
    assert.ok(!metrics.includes(id), 'no id in a label');
    assert.match(metrics, /aura_active_users\{[^}]*tier="all"[^}]*\} [1-9]/);
  });
});

it('/ready answers 503 AURA_NOT_READY when the database is gone', async () => {
  const lonely = await startTestServer();
  await lonely.pool.end();
  const res = await lonely.app.inject({ method: 'GET', url: '/ready' });
  assert.equal(res.statusCode, 503);
  assert.equal(res.json().error.code, 'AURA_NOT_READY');
  await lonely.app.close();
  await lonely.db.drop();
});
