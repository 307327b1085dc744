import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '@aura/testing';
import { loadConfig } from '../src/config.ts';

const TOKEN = 'metrics-token-0123456789abcdef';

let guarded: TestServer;
let open: TestServer;
before(async () => {
  [guarded, open] = await Promise.all([
    // At debug, so the per-request lines are among those searched for the token.
    startTestServer({ AURA_METRICS_TOKEN: TOKEN, AURA_LOG_LEVEL: 'debug' }),
    startTestServer(),
  ]);
});
after(async () => {
  await guarded?.close();
  await open?.close();
});

const metrics = (server: TestServer, authorization?: string) =>
  server.app.inject({
    method: 'GET',
    url: '/metrics',
    ...(authorization === undefined ? {} : { headers: { authorization } }),
  });

describe('AURA_METRICS_TOKEN', () => {
  it('with the token set, /metrics answers only "Authorization: Bearer <token>"', async () => {
    const ok = await metrics(guarded, `Bearer ${TOKEN}`);
    assert.equal(ok.statusCode, 200);
    assert.match(String(ok.headers['content-type'] ?? ''), /^text\/plain/);
    assert.ok(ok.body.includes('aura_requests_total'));
    assert.equal((await metrics(guarded, `bearer ${TOKEN}`)).statusCode, 200, 'the scheme is case-insensitive');
  });

  it('with the token set, anything else is 401 with the standard error body and no metric in it', async () => {
    for (const authorization of [
      undefined,
      '',
      'Bearer',
      'Bearer ',
      `Bearer ${TOKEN.slice(0, -1)}`,
      `Bearer ${TOKEN}x`,
      `Bearer ${TOKEN.toUpperCase()}`,
      `Basic ${Buffer.from(`metrics:${TOKEN}`).toString('base64')}`,
      TOKEN,
      `Bearer ${TOKEN} ${TOKEN}`,
    ]) {
      const res = await metrics(guarded, authorization);
      assert.equal(res.statusCode, 401, String(authorization));
      assert.match(String(res.headers['content-type'] ?? ''), /^application\/json/);
      const body = res.json() as { error: { code: string; message: string } };
      assert.deepEqual(Object.keys(body), ['error']);
      assert.equal(body.error.code, 'AURA_UNAUTHENTICATED');
      assert.equal(typeof body.error.message, 'string');
      assert.ok(!res.body.includes('aura_'), 'no metric leaks in the refusal');
      assert.ok(!res.body.includes(TOKEN), 'the refusal does not echo the token');
    }
  });

  it('a user access token is not the metrics token', async () => {
    const res = await metrics(guarded, 'Bearer eyJhbGciOiJFZERTQSJ9.e30.c2lnbmF0dXJl');
    assert.equal(res.statusCode, 401);
  });

  it('the token never reaches a log line', async () => {
    await metrics(guarded, `Bearer ${TOKEN}`);
    await metrics(guarded, `Bearer ${TOKEN}x`);
    assert.ok(guarded.logs.length > 0, 'the logs were captured');
    assert.ok(!guarded.logs.join('\n').includes(TOKEN));
  });

  it('unset, /metrics stays open as before', async () => {
    const res = await metrics(open);
    assert.equal(res.statusCode, 200);
    assert.ok(res.body.includes('aura_requests_total'));
    assert.equal((await metrics(open, 'Bearer whatever-it-is')).statusCode, 200);
  });

  it('each process reports its own process metrics, every series labelled with its AURA_EXECUTOR_ID', async () => {
    const named = await startTestServer({ AURA_EXECUTOR_ID: 'server-b' });
    try {
      await named.app.inject({ method: 'GET', url: '/health' });
      const { body } = await metrics(named);
      for (const metric of [
        'process_cpu_seconds_total',
        'process_resident_memory_bytes',
        'nodejs_eventloop_lag_seconds',
      ])
        assert.match(body, new RegExp(`^${metric}\\{[^}]*aura_instance="server-b"`, 'm'), metric);
      assert.match(body, /^aura_requests_total\{[^}]*aura_instance="server-b"/m);
    } finally {
      await named.close();
    }
  });

  it('config: unset or empty is off; a short or spaced token is refused at startup', () => {
    assert.equal(loadConfig({}).metricsToken, undefined);
    assert.equal(loadConfig({ AURA_METRICS_TOKEN: '' }).metricsToken, undefined);
    assert.equal(loadConfig({ AURA_METRICS_TOKEN: TOKEN }).metricsToken, TOKEN);
    for (const bad of ['short', 'sixteen chars ok but spaced'])
      assert.throws(
        () => loadConfig({ AURA_METRICS_TOKEN: bad }),
        (e: unknown) => (e as { code?: string }).code === 'AURA_INVALID_INPUT',
      );
  });
});
