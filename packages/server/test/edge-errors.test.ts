import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { plainText, Timestamp } from '@aura/protocol';
import { type Inject, startTestServer, type TestServer, TestUser, waitFor } from '@aura/testing';
import fc from 'fast-check';
import WebSocket from 'ws';
import { mapDatabaseError } from '../src/http/database-errors.ts';

let server: TestServer;
let port = 0;
let alice: TestUser;
let bob: TestUser;

before(async () => {
  server = await startTestServer();
  const address = await server.app.listen({ host: '127.0.0.1', port: 0 });
  port = Number(new URL(address).port);
  const inject: Inject = (o) => server.app.inject(o);
  alice = await new TestUser(inject).register();
  await alice.login();
  bob = await new TestUser(inject).register();
  await bob.login();
});
after(() => server?.close());

/** One request as raw bytes on a fresh connection; the whole answer, split at the blank line. */
function raw(request: string | Buffer): Promise<{ status: number; head: string; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(request));
    let out = '';
    socket.on('data', (d) => {
      out += d;
    });
    socket.on('error', reject);
    socket.on('close', () => {
      const [head = '', ...rest] = out.split('\r\n\r\n');
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0), head, body: rest.join('\r\n\r\n') });
    });
  });
}

const get = (path: string, headers = '') =>
  `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${headers}Connection: close\r\n\r\n`;

/** An answer in the registry's form: JSON, an AURA_ code, and nothing of the request echoed. */
function assertRegistry(answer: { head: string; body: string }, code: string, notEchoed?: string) {
  assert.match(answer.head, /content-type: application\/json/i);
  assert.equal(JSON.parse(answer.body).error.code, code);
  if (notEchoed) assert.ok(!answer.body.includes(notEchoed), 'the answer echoes the request');
}

describe('errors before a route runs are in the registry form', () => {
  it('a path segment over the router limit is 414 AURA_URI_TOO_LONG, without the URL', async () => {
    const long = 'x'.repeat(300);
    const answer = await raw(get(`/api/v1/tasks/${long}`));
    assert.equal(answer.status, 414);
    assertRegistry(answer, 'AURA_URI_TOO_LONG', long);
  });

  it('a broken percent-encoding is 400 AURA_INVALID_INPUT, without the URL', async () => {
    const answer = await raw(get('/api/v1/tasks/%zz-marker'));
    assert.equal(answer.status, 400);
    assertRegistry(answer, 'AURA_INVALID_INPUT', 'marker');
  });

  it("Node's parser refusals: 431 for huge headers, 400 for what is not HTTP", async () => {
    const big = await raw(get('/health', `X-Big: ${'a'.repeat(20_000)}\r\n`));
    assert.equal(big.status, 431);
    assertRegistry(big, 'AURA_HEADERS_TOO_LARGE');
    const junk = await raw('NOT HTTP AT ALL\r\n\r\n');
    assert.equal(junk.status, 400);
    assertRegistry(junk, 'AURA_INVALID_INPUT');
  });

  it('an error body stays small: 20,000 unknown keys get 401 before validation, or a capped 400', async () => {
    const payload = JSON.stringify(Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`k${i}`, i])));
    const anonymous = await server.app.inject({
      method: 'POST',
      url: '/api/v1/context',
      headers: { 'content-type': 'application/json' },
      payload,
    });
    assert.equal(anonymous.statusCode, 401);
    assert.equal(anonymous.json().error.code, 'AURA_UNAUTHENTICATED');
    const signedIn = await server.app.inject({
      method: 'POST',
      url: '/api/v1/context',
      headers: { ...alice.auth, 'content-type': 'application/json' },
      payload,
    });
    assert.equal(signedIn.statusCode, 400);
    assert.equal(signedIn.json().error.code, 'AURA_INVALID_INPUT');
    assert.ok(signedIn.body.length < 4096, `an error body of ${signedIn.body.length} bytes`);
    assert.ok(signedIn.json().error.fields.length <= 10);
  });
});

describe('the agent WebSocket', () => {
  const url = () => `ws://127.0.0.1:${port}/api/v1/agent/connect`;

  it('a bad handshake or a plain GET is answered in JSON, not HTML', async () => {
    const badKey = await raw(
      get(
        '/api/v1/agent/connect',
        `Authorization: Bearer ${alice.accessToken}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: short\r\n',
      ),
    );
    assert.equal(badKey.status, 400);
    assertRegistry(badKey, 'AURA_INVALID_INPUT');
    const plain = await raw(get('/api/v1/agent/connect', `Authorization: Bearer ${alice.accessToken}\r\n`));
    assert.equal(plain.status, 400);
    assertRegistry(plain, 'AURA_INVALID_INPUT');
    const anonymous = await raw(
      get(
        '/api/v1/agent/connect',
        `Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\n`,
      ),
    );
    assert.equal(anonymous.status, 401);
    assertRegistry(anonymous, 'AURA_UNAUTHENTICATED');
  });

  it('survives a burst of 200 pings, and closes an oversized message with 1009 logged as a warning', async () => {
    const socket = new WebSocket(url(), { headers: { authorization: `Bearer ${alice.accessToken}` } });
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    let pongs = 0;
    socket.on('pong', () => pongs++);
    for (let i = 0; i < 200; i++) socket.ping();
    await waitFor(
      () => pongs === 200,
      10_000,
      () => `${pongs} pongs of 200`,
    );
    assert.equal(socket.readyState, WebSocket.OPEN);
    const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
    const logsBefore = server.logs.length;
    socket.send(Buffer.alloc(2 * 1024 * 1024, 0x61));
    assert.equal(await closed, 1009);
    await waitFor(
      () => server.logs.slice(logsBefore).some((l) => l.includes('WS_ERR_UNSUPPORTED_MESSAGE_LENGTH')),
      10_000,
      () => 'the oversized frame was not logged',
    );
    const lines = server.logs.slice(logsBefore).map((l) => JSON.parse(l) as { level: number; msg: string });
    assert.ok(
      lines.every((l) => l.level < 50),
      'a peer error logged at error level',
    );
  });
});

describe('input is checked before it reaches SQL', () => {
  const enroll = (name: string) =>
    server.app.inject({
      method: 'POST',
      url: '/api/v1/devices/enrollments',
      payload: {
        email: alice.email,
        name,
        sealingPublicKey: randomBytes(32).toString('base64'),
        signingPublicKey: randomBytes(32).toString('base64'),
        claimSecretHash: randomBytes(32).toString('base64'),
      },
    });

  it('a NUL byte or an unpaired surrogate in text is 400, on anonymous and signed-in routes', async () => {
    for (const email of ['a\u0000b@example.com', 'nul@exa\u0000mple.com', '\ud800@example.com']) {
      const init = await server.app.inject({ method: 'POST', url: '/api/v1/auth/srp/init', payload: { email } });
      assert.equal(init.statusCode, 400, JSON.stringify(email));
      assert.equal(init.json().error.code, 'AURA_INVALID_INPUT');
    }
    for (const name of ['phone\u0000', 'lone \udc00 surrogate', 'bell\u0007']) {
      const res = await enroll(name);
      assert.equal(res.statusCode, 400, JSON.stringify(name));
      assert.equal(res.json().error.code, 'AURA_INVALID_INPUT');
    }
    assert.equal((await enroll('Phone 📱, café')).statusCode, 201);
  });

  it('updatedSince outside what PostgreSQL holds is 400; a good one is 200', async () => {
    for (const since of ['0000-01-01T00:00:00Z', '2026-01-01T00:00:00+16:00', '2026-01-01T00:00:00+14:60']) {
      const res = await server.app.inject({
        method: 'GET',
        url: `/api/v1/context?updatedSince=${encodeURIComponent(since)}`,
        headers: alice.auth,
      });
      assert.equal(res.statusCode, 400, since);
      assert.equal(res.json().error.code, 'AURA_INVALID_INPUT');
    }
    const good = await server.app.inject({
      method: 'GET',
      url: `/api/v1/context?updatedSince=${encodeURIComponent('2026-01-01T00:00:00-14:00')}`,
      headers: alice.auth,
    });
    assert.equal(good.statusCode, 200);
  });

  it('a number in a query is digits only: an empty, exponent, hex or padded one is 400, not read as something else', async () => {
    for (const start of ['', '1e3', '0x10', ' 7', '7 ', '-0', '1.0', '99999999999999999']) {
      const res = await server.app.inject({
        method: 'GET',
        url: `/api/v1/audit/entries?start=${encodeURIComponent(start)}`,
        headers: alice.auth,
      });
      assert.equal(res.statusCode, 400, JSON.stringify(start));
      assert.equal(res.json().error.code, 'AURA_INVALID_INPUT');
    }
    const none = await server.app.inject({ method: 'GET', url: '/api/v1/audit/entries?start=0', headers: alice.auth });
    assert.equal(none.statusCode, 200, none.body);
    const cursor = await server.app.inject({ method: 'GET', url: '/api/v1/context?cursor=', headers: alice.auth });
    assert.equal(cursor.statusCode, 400, 'an empty cursor is not "from the start"');
  });

  it("list cursors are the server's: crafted ones, another user's or another list's are refused", async () => {
    for (let i = 0; i < 3; i++) {
      const put = await server.app.inject({
        method: 'POST',
        url: '/api/v1/context',
        headers: alice.auth,
        payload: alice.record('contexts', `page item ${i}`),
      });
      assert.equal(put.statusCode, 201);
    }
    const list = (who: TestUser, path: string, cursor?: string) =>
      server.app.inject({
        method: 'GET',
        url: `${path}?limit=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        headers: who.auth,
      });
    const first = await list(alice, '/api/v1/context');
    const cursor: string = first.json().nextCursor;
    assert.ok(cursor);
    const second = await list(alice, '/api/v1/context', cursor);
    assert.equal(second.statusCode, 200);
    assert.notEqual(second.json().records[0].id, first.json().records[0].id);

    const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const crafted = [
      b64(['0000-13-45 99:99:99+00', randomUUID()]),
      b64(['2026-01-01 00:00:00+00', 'not-a-uuid']),
      `${b64(['2026-01-01 00:00:00+00', randomUUID()])}.${'A'.repeat(22)}`,
      `${cursor.split('.')[0]}.${Buffer.alloc(16).toString('base64url')}`,
      `${cursor}.extra`,
    ];
    for (const bad of crafted) {
      const res = await list(alice, '/api/v1/context', bad);
      assert.equal(res.statusCode, 400, bad);
      assert.equal(res.json().error.code, 'AURA_INVALID_INPUT');
    }
    assert.equal((await list(bob, '/api/v1/context', cursor)).statusCode, 400);
    assert.equal((await list(alice, '/api/v1/relationships', cursor)).statusCode, 400);
  });

  it("PostgreSQL's own refusals map to the registry, never quoting the value", async () => {
    const refusal = async (sql: string, params: unknown[] = []) => {
      try {
        await server.pool.query(sql, params);
      } catch (error) {
        return mapDatabaseError(error);
      }
      assert.fail(`${sql} did not fail`);
    };
    assert.equal((await refusal("SELECT 'secret-value'::uuid"))?.code, 'AURA_INVALID_INPUT');
    assert.equal((await refusal("SELECT '0000-01-01T00:00:00Z'::timestamptz"))?.code, 'AURA_INVALID_INPUT');
    assert.equal((await refusal('SELECT $1::text', ['a\u0000b']))?.code, 'AURA_INVALID_INPUT');
    assert.equal((await refusal('SELECT 1/0'))?.code, 'AURA_INVALID_INPUT');
    const id = randomUUID();
    const client = await server.pool.connect();
    try {
      await client.query('CREATE TEMP TABLE edge_unique (id uuid PRIMARY KEY)');
      await client.query('INSERT INTO edge_unique VALUES ($1)', [id]);
      const duplicate = await client.query('INSERT INTO edge_unique VALUES ($1)', [id]).then(
        () => undefined,
        (error: unknown) => mapDatabaseError(error),
      );
      assert.equal(duplicate?.code, 'AURA_CONFLICT');
      assert.ok(!duplicate?.message.includes(id));
    } finally {
      client.release();
    }
    assert.equal(mapDatabaseError(new Error('not from the database')), undefined);
  });
});

describe('the text and time schemas, as properties', () => {
  const text = plainText({ max: 1000 });
  const control = fc.constantFrom(...[...Array(32).keys(), ...Array.from({ length: 33 }, (_, i) => 0x7f + i)]);
  const misleading = fc.constantFrom(0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069, 0xfffd);

  it('text with a control character, a line break, a bidi override, U+FFFD or an unpaired surrogate is refused; any other text is kept as it is', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 50 }), (s) => {
        // biome-ignore lint/suspicious/noControlCharactersInRegex: the property is about them
        const expected = !/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\ufffd]/.test(s);
        const parsed = text.safeParse(s);
        assert.equal(parsed.success, expected);
        if (parsed.success) assert.equal(parsed.data, s);
      }),
    );
    fc.assert(
      fc.property(
        fc.string({ maxLength: 20 }),
        fc.oneof(control, misleading),
        fc.string({ maxLength: 20 }),
        (a, c, b) => {
          assert.equal(text.safeParse(`${a}${String.fromCharCode(c)}${b}`).success, false);
        },
      ),
    );
    // A name must say something: white space alone is refused where one is required.
    const name = plainText({ min: 1, max: 100 });
    fc.assert(
      fc.property(fc.stringMatching(/^[ \u00a0\u2003\u3000]{1,20}$/), (blank) => {
        assert.equal(name.safeParse(blank).success, false);
      }),
    );
    fc.assert(
      fc.property(fc.string({ maxLength: 20 }), fc.integer({ min: 0xd800, max: 0xdfff }), (a, unit) => {
        // A lone surrogate at the end cannot pair with anything.
        assert.equal(text.safeParse(`${a.replace(/[\ud800-\udfff]/g, '')}${String.fromCharCode(unit)}`).success, false);
      }),
    );
  });

  it('every instant it accepts is one PostgreSQL stores', async () => {
    const stamp = fc
      .record({
        year: fc.integer({ min: 0, max: 9999 }),
        month: fc.integer({ min: 1, max: 12 }),
        day: fc.integer({ min: 1, max: 28 }),
        sign: fc.constantFrom('+', '-'),
        hours: fc.integer({ min: 0, max: 23 }),
        minutes: fc.integer({ min: 0, max: 59 }),
      })
      .map(
        (t) =>
          `${String(t.year).padStart(4, '0')}-${String(t.month).padStart(2, '0')}-${String(t.day).padStart(2, '0')}` +
          `T12:00:00${t.sign}${String(t.hours).padStart(2, '0')}:${String(t.minutes).padStart(2, '0')}`,
      );
    await fc.assert(
      fc.asyncProperty(stamp, async (s) => {
        if (!Timestamp.safeParse(s).success) return;
        await server.pool.query('SELECT $1::timestamptz', [s]);
      }),
      { numRuns: 200 },
    );
  });
});
