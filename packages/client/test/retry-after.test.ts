import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, before, it } from 'node:test';
import { isAuraError } from '@aura/errors';
import { Api, MAX_RETRY_WAIT_SECONDS } from '../src/http.ts';

// A server that says "not now" (429 rate limited, 503 busy) with a Retry-After: the SDK waits it
// out once when it is short, and hands a long one to its caller, who decides.

let script: { status: number; headers: Record<string, string>; code?: string }[] = [];
let received = 0;
const server = createServer(async (req, res) => {
  for await (const _ of req);
  received++;
  const next = script.shift() ?? { status: 200, headers: {} };
  res.writeHead(next.status, { 'content-type': 'application/json', ...next.headers });
  res.end(
    next.status === 200
      ? JSON.stringify({ status: 'ok' })
      : JSON.stringify({ error: { code: next.code ?? 'AURA_RATE_LIMITED', message: 'not now' } }),
  );
});
let api: Api;
before(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  api = new Api(`http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`);
});
after(() => new Promise<void>((resolve) => server.close(() => resolve())));

const call = () => api.request('POST', '/api/v1/context', { any: 'body' }, { auth: false });

it('a 429 or 503 with a short Retry-After is waited out and sent once more', async () => {
  for (const [status, code] of [
    [429, 'AURA_RATE_LIMITED'],
    [503, 'AURA_BUSY'],
  ] as const) {
    script = [{ status, code, headers: { 'retry-after': '1' } }];
    received = 0;
    const started = Date.now();
    assert.deepEqual(await call(), { status: 'ok' });
    assert.equal(received, 2);
    assert.ok(Date.now() - started >= 900, 'it waited the second the server asked for');
  }
});

it('only once: a second refusal reaches the caller, with its Retry-After', async () => {
  script = [
    { status: 429, headers: { 'retry-after': '1' } },
    { status: 429, headers: { 'retry-after': '1' } },
  ];
  received = 0;
  await assert.rejects(
    call(),
    (e) => isAuraError(e, 'AURA_RATE_LIMITED') && (e as { retryAfter?: number }).retryAfter === 1,
  );
  assert.equal(received, 2);
});

it('a long wait, a date, or no Retry-After at all is not waited: the caller gets the error at once', async () => {
  for (const headers of [
    { 'retry-after': String(MAX_RETRY_WAIT_SECONDS + 1) },
    { 'retry-after': 'Wed, 21 Oct 2099 07:28:00 GMT' },
    {} as Record<string, string>,
  ]) {
    script = [{ status: 429, headers }];
    received = 0;
    await assert.rejects(call(), (e) => isAuraError(e, 'AURA_RATE_LIMITED'));
    assert.equal(received, 1, JSON.stringify(headers));
  }
});
