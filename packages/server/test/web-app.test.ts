import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { brotliCompressSync, brotliDecompressSync, gzipSync } from 'node:zlib';
import { startTestServer, type TestServer, TestUser } from '@aura/testing';
import WebSocket from 'ws';
import { loadConfig } from '../src/config.ts';
import { HE_WORKER_CSP, heWorkerCsp, WEB_CSP, webCsp } from '../src/http/web.ts';

// The dashboard's files at `/` under a policy that allows this origin only, the API beside them
// unchanged, and the notifications WebSocket opened the way a browser must: the token as a
// subprotocol, since a browser cannot set an Authorization header on a WebSocket.

const root = mkdtempSync(join(tmpdir(), 'aura-web-root-'));
let server: TestServer;
let user: TestUser;
let base: string;

before(async () => {
  mkdirSync(join(root, 'assets'));
  writeFileSync(join(root, 'index.html'), '<!doctype html><title>Aura</title>');
  writeFileSync(join(root, 'assets', 'index-abc123.js'), 'console.log(1)');
  const worker = `export const keys = ${JSON.stringify('k'.repeat(4096))};`;
  writeFileSync(join(root, 'assets', 'worker-def456.js'), worker);
  writeFileSync(join(root, 'assets', 'worker-def456.js.br'), brotliCompressSync(worker));
  writeFileSync(join(root, 'assets', 'worker-def456.js.gz'), gzipSync(worker));
  writeFileSync(join(root, 'assets', 'he.worker-ghi789.js'), '// the CKKS worker');
  writeFileSync(join(root, 'sw.js'), '// worker');
  server = await startTestServer({ AURA_WEB_ROOT: root });
  user = await new TestUser((o) => server.app.inject(o)).register();
  await user.login();
  base = (await server.app.listen({ host: '127.0.0.1', port: 0 })).replace('http', 'ws');
});
after(async () => {
  await server?.close();
  rmSync(root, { recursive: true, force: true });
});

describe('the dashboard files', () => {
  it('serves the page at / with the strict policy, fresh each time', async () => {
    const res = await server.app.inject({ method: 'GET', url: '/' });
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /<title>Aura<\/title>/);
    assert.equal(res.headers['content-security-policy'], WEB_CSP);
    assert.equal(res.headers['cache-control'], 'no-cache');
    assert.match(WEB_CSP, /default-src 'none'/);
    assert.doesNotMatch(WEB_CSP, /'unsafe-inline'|'unsafe-eval'|\*|https?:/);
  });

  it("allows eval in the CKKS worker's script alone (node-seal's bindings need it), nowhere else", async () => {
    const he = await server.app.inject({ method: 'GET', url: '/assets/he.worker-ghi789.js' });
    assert.equal(he.statusCode, 200);
    assert.equal(he.headers['content-security-policy'], HE_WORKER_CSP);
    assert.equal(HE_WORKER_CSP, WEB_CSP.replace("'wasm-unsafe-eval'", "'wasm-unsafe-eval' 'unsafe-eval'"));
    for (const url of ['/assets/worker-def456.js', '/assets/index-abc123.js', '/'])
      assert.equal((await server.app.inject({ method: 'GET', url })).headers['content-security-policy'], WEB_CSP, url);
  });

  it('serves hashed assets as immutable, the service worker fresh', async () => {
    const asset = await server.app.inject({ method: 'GET', url: '/assets/index-abc123.js' });
    assert.equal(asset.statusCode, 200);
    assert.match(String(asset.headers['cache-control']), /immutable/);
    const sw = await server.app.inject({ method: 'GET', url: '/sw.js' });
    assert.equal(sw.headers['cache-control'], 'no-cache');
  });

  it('sends the compressed copy the build made when the browser accepts it, the file itself otherwise', async () => {
    const url = '/assets/worker-def456.js';
    const br = await server.app.inject({ method: 'GET', url, headers: { 'accept-encoding': 'gzip, br' } });
    assert.equal(br.statusCode, 200);
    assert.equal(br.headers['content-encoding'], 'br');
    assert.match(String(br.headers['content-type']), /javascript/);
    assert.match(brotliDecompressSync(br.rawPayload).toString(), /^export const keys/);
    assert.ok(br.rawPayload.length < 200, `${br.rawPayload.length} bytes sent for 4 KB`);
    const plain = await server.app.inject({ method: 'GET', url, headers: { 'accept-encoding': 'identity' } });
    assert.equal(plain.headers['content-encoding'], undefined);
    assert.match(plain.body, /^export const keys/);
  });

  it('answers anything else as the API does: a JSON 404 with its code', async () => {
    for (const url of ['/nothing-here', '/assets/missing.js', '/api/v1/nope']) {
      const res = await server.app.inject({ method: 'GET', url });
      assert.equal(res.statusCode, 404, url);
      assert.equal(res.json().error.code, 'AURA_NOT_FOUND', url);
    }
  });

  it('lets the dashboard connect to the origins AURA_WEB_CONNECT_ORIGINS names (an embeddings endpoint), in connect-src only', async () => {
    const origins = 'http://127.0.0.1:11434, https://Embeddings.example.org/';
    const allowed = await startTestServer({ AURA_WEB_ROOT: root, AURA_WEB_CONNECT_ORIGINS: origins });
    try {
      const expected = ['http://127.0.0.1:11434', 'https://embeddings.example.org'];
      const page = await allowed.app.inject({ method: 'GET', url: '/' });
      assert.equal(page.headers['content-security-policy'], webCsp(expected));
      assert.match(
        webCsp(expected),
        /; connect-src 'self' http:\/\/127\.0\.0\.1:11434 https:\/\/embeddings\.example\.org;/,
      );
      assert.equal(webCsp(expected).replace(/ https?:[^ ;]+/g, ''), WEB_CSP, 'nothing else in the policy changes');
      const he = await allowed.app.inject({ method: 'GET', url: '/assets/he.worker-ghi789.js' });
      assert.equal(he.headers['content-security-policy'], heWorkerCsp(expected));
    } finally {
      await allowed.close();
    }
  });

  it('refuses an AURA_WEB_CONNECT_ORIGINS entry that is not a bare http(s) origin, naming it', () => {
    for (const bad of [
      '*',
      'https://*.example.org',
      'https://a.example.org/v1',
      'ftp://a.example.org',
      'a.example.org',
      "'self' https://a.example.org",
      'https://u:p@a.example.org',
      'https://a.example.org?x=1',
    ]) {
      assert.throws(
        () => loadConfig({ AURA_WEB_CONNECT_ORIGINS: bad }),
        (e: Error & { code?: string }) =>
          e.code === 'AURA_INVALID_INPUT' && e.message.includes('AURA_WEB_CONNECT_ORIGINS'),
        bad,
      );
    }
    assert.deepEqual(loadConfig({}).webConnectOrigins, []);
    assert.deepEqual(loadConfig({ AURA_WEB_CONNECT_ORIGINS: '' }).webConnectOrigins, []);
  });

  it('says how to build it when the build is absent', async () => {
    const bare = await startTestServer({ AURA_WEB_ROOT: join(root, 'absent') });
    try {
      const res = await bare.app.inject({ method: 'GET', url: '/' });
      assert.equal(res.statusCode, 404);
      assert.equal(res.json().error.code, 'AURA_NOT_FOUND');
      assert.match(res.json().error.message, /npm run build:web/);
    } finally {
      await bare.close();
    }
  });
});

/** Opens the notifications socket with these subprotocols; resolves with the first frame or the refusal. */
function connect(protocols: string[]) {
  return new Promise<{ protocol?: string; frame?: string; refused?: number }>((resolve) => {
    const ws = new WebSocket(`${base}/api/v1/notifications/connect`, protocols);
    ws.on('message', (data) => {
      resolve({ protocol: ws.protocol, frame: String(data) });
      ws.close();
    });
    ws.on('unexpected-response', (_req, res) => {
      resolve({ refused: res.statusCode ?? 0 });
      ws.terminate();
    });
    ws.on('error', () => {});
  });
}

describe('the notifications WebSocket from a browser', () => {
  it('takes the token as the subprotocol aura.bearer.<token> and answers with aura.v1, never the token', async () => {
    const opened = await connect(['aura.v1', `aura.bearer.${user.accessToken}`]);
    assert.equal(opened.protocol, 'aura.v1');
    assert.equal(JSON.parse(opened.frame ?? '{}').type, 'hello');
  });

  it('refuses a forged or missing token with 401', async () => {
    assert.equal((await connect(['aura.v1', 'aura.bearer.not-a-real-token-at-all'])).refused, 401);
    assert.equal((await connect(['aura.v1'])).refused, 401);
  });

  it('takes the subprotocol token on an upgrade only: a plain request with it is unauthenticated', async () => {
    const res = await server.app.inject({
      method: 'GET',
      url: '/api/v1/notifications/log',
      headers: { 'sec-websocket-protocol': `aura.v1, aura.bearer.${user.accessToken}` },
    });
    assert.equal(res.statusCode, 401);
  });

  it('keeps the subprotocol (the token) out of the logs', async () => {
    await connect(['aura.v1', `aura.bearer.${user.accessToken}`]);
    assert.equal(server.logs.join('\n').includes(user.accessToken), false);
  });
});
