import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, it } from 'node:test';
import { junk, junkJson, junkStrings, startTestServer, type TestServer, TestUser } from '@aura/testing';
import fc from 'fast-check';

let server: TestServer;
let user: TestUser;
let existingId = '';

before(async () => {
  server = await startTestServer();
  user = await new TestUser((o) => server.app.inject(o)).register();
  await user.login();
  const record = user.record('contexts', 'something worth keeping');
  existingId = record.id;
  const res = await server.app.inject({ method: 'POST', url: '/api/v1/context', headers: user.auth, payload: record });
  assert.equal(res.statusCode, 201);
});
after(() => server?.close());

/** Everything stored, as one string, to compare before and after the barrage. */
async function snapshot(): Promise<string> {
  const parts: unknown[] = [];
  for (const table of ['users', 'devices', 'encrypted_user_contexts', 'user_relationships', 'learning_events']) {
    parts.push((await server.pool.query(`SELECT * FROM ${table} ORDER BY id`)).rows);
  }
  parts.push((await server.pool.query('SELECT id, revoked_at FROM sessions ORDER BY id')).rows);
  return JSON.stringify(parts);
}

const routes: { method: 'POST' | 'PUT' | 'GET' | 'DELETE'; url: () => string; auth: boolean }[] = [
  { method: 'POST', url: () => '/api/v1/auth/register', auth: false },
  { method: 'POST', url: () => '/api/v1/auth/srp/init', auth: false },
  { method: 'POST', url: () => '/api/v1/auth/srp/verify', auth: false },
  { method: 'POST', url: () => '/api/v1/auth/refresh', auth: false },
  ...['/api/v1/context', '/api/v1/relationships', '/api/v1/learning-events'].flatMap((base) => [
    { method: 'POST' as const, url: () => base, auth: true },
    { method: 'POST' as const, url: () => `${base}/learn`, auth: true },
    { method: 'POST' as const, url: () => `${base}/search`, auth: true },
    { method: 'PUT' as const, url: () => `${base}/${existingId}`, auth: true },
  ]),
];

// Bodies that are almost right: real field names with wrong types, bad base64, unknown fields.
const nearMiss = fc.record(
  {
    email: fc.oneof(fc.string(), fc.integer(), fc.constant('a@b.c'), junk.string()),
    id: fc.oneof(fc.uuid(), fc.string(), fc.constant(null), junk.string()),
    encryptedData: fc.oneof(fc.string(), fc.constant('!!notbase64!!'), fc.constant('AAA'), fc.base64String()),
    checksum: fc.oneof(fc.base64String(), fc.integer()),
    nonce: fc.base64String(),
    searchTokens: fc.oneof(fc.array(fc.string()), fc.string(), fc.array(fc.base64String(), { maxLength: 3 })),
    tokens: fc.oneof(fc.array(fc.string()), fc.constant([])),
    version: fc.oneof(fc.integer(), fc.string(), fc.double()),
    challengeId: fc.oneof(fc.uuid(), fc.string()),
    A: fc.oneof(fc.base64String(), fc.string()),
    M1: fc.base64String(),
    refreshToken: fc.oneof(fc.string(), fc.integer()),
    record: fc.anything(),
    extra: fc.anything(),
  },
  { requiredKeys: [] },
);
const body = fc.oneof(
  fc.anything().map((value) => ({ json: value })),
  nearMiss.map((value) => ({ json: value })),
  fc.string().map((raw) => ({ raw })),
  fc.constantFrom('{', '{"email":', '[1,2', 'null', '"x"', '{"a":1}}').map((raw) => ({ raw })),
  junk.json().map((raw) => ({ raw })),
);

type Route = (typeof routes)[number];
type Seen = Map<number, number>;

/** Sends `payload` as a JSON body; the answer must be a 4xx with one of the server's error codes. */
async function refused(route: Route, payload: string, withAuth: boolean, seen: Seen) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (route.auth && withAuth) Object.assign(headers, user.auth);
  const res = await server.app.inject({ method: route.method, url: route.url(), headers, payload });
  seen.set(res.statusCode, (seen.get(res.statusCode) ?? 0) + 1);
  assert.ok(
    res.statusCode >= 400 && res.statusCode < 500,
    `${route.method} ${route.url()} -> ${res.statusCode} ${res.body}`,
  );
  assert.match(res.json().error.code, /^AURA_[A-Z_]+$/);
}

it('property: malformed bodies at every route get a 4xx with a stable code, and nothing stored changes', async () => {
  const before = await snapshot();
  const seen: Seen = new Map();
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...routes), body, fc.boolean(), async (route, input, withAuth) => {
      const payload = 'raw' in input ? input.raw : JSON.stringify(input.json === undefined ? null : input.json);
      await refused(route, payload, withAuth, seen);
    }),
    { numRuns: 600 },
  );
  // Every case of the shared junk table at every route, signed in or not: each as the whole
  // body, and each junk string in the field every route reads.
  for (const route of routes) {
    for (const withAuth of [true, false]) {
      for (const { name, value } of junkJson) {
        await refused(route, value, withAuth, seen).catch((e: Error) => assert.fail(`${name}: ${e.message}`));
      }
      for (const { name, value } of junkStrings) {
        const payload = JSON.stringify({ email: value, id: value, encryptedData: value, challengeId: value });
        await refused(route, payload, withAuth, seen).catch((e: Error) => assert.fail(`${name}: ${e.message}`));
      }
    }
  }
  // Bad ids and queries in the URL, too.
  for (const url of [
    '/api/v1/context/not-a-uuid',
    `/api/v1/context?limit=${'9'.repeat(30)}`,
    '/api/v1/context?limit=-1',
    '/api/v1/context?includeExpired=maybe',
    '/api/v1/context?updatedSince=yesterday',
    '/api/v1/context?cursor=%00%01',
    `/api/v1/context?unknown=${randomUUID()}`,
  ]) {
    const res = await server.app.inject({ method: 'GET', url, headers: user.auth });
    assert.equal(res.statusCode, 400, `${url}: ${res.body}`);
  }
  assert.equal(await snapshot(), before, 'stored data is unchanged');
  assert.ok((seen.get(400) ?? 0) > 100, `mostly validation failures: ${JSON.stringify([...seen])}`);
});
