import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { startTestServer, type TestServer, TestUser } from '@aura/testing';

let server: TestServer;
before(async () => {
  server = await startTestServer();
});
after(() => server?.close());

it("isolation: user B cannot read, list, search, update or delete user A's records", async () => {
  const inject: TestUser['inject'] = (o) => server.app.inject(o);
  const a = await new TestUser(inject).register();
  const b = await new TestUser(inject).register();
  await a.login();
  await b.login();
  for (const [collection, base] of [
    ['contexts', '/api/v1/context'],
    ['relationships', '/api/v1/relationships'],
    ['learning-events', '/api/v1/learning-events'],
  ] as const) {
    const record = a.record(collection, 'private note for alice only');
    assert.equal((await inject({ method: 'POST', url: base, headers: a.auth, payload: record })).statusCode, 201);
    const asB = (method: 'GET' | 'PUT' | 'DELETE' | 'POST', url: string, payload?: object) =>
      inject({ method, url, headers: b.auth, ...(payload ? { payload } : {}) });

    assert.equal((await asB('GET', `${base}/${record.id}`)).statusCode, 404);
    const { id: _id, ...fields } = b.record(collection, 'overwrite', {}, record.id, 2);
    assert.equal((await asB('PUT', `${base}/${record.id}`, { ...fields, version: 1 })).statusCode, 404);
    assert.equal((await asB('DELETE', `${base}/${record.id}`, b.deletion(collection, record.id, 1))).statusCode, 404);
    assert.deepEqual((await asB('GET', `${base}?includeExpired=true`)).json().records, []);
    // Even with A's exact tokens, B's search sees only B's rows.
    const search = await asB('POST', `${base}/search`, { tokens: record.searchTokens.slice(0, 3), mode: 'any' });
    assert.deepEqual(search.json().records, []);
    const learn = await asB('POST', `${base}/learn`, {
      record: b.record(collection, 'x'),
      replace: { id: record.id, ...b.deletion(collection, record.id, 1) },
    });
    assert.equal(learn.statusCode, 404, "B's learn cannot replace A's record");
    assert.equal((await asB('POST', `${base}/purge-expired`)).json().purged, 0);

    // A's record is untouched.
    const mine = await inject({ method: 'GET', url: `${base}/${record.id}`, headers: a.auth });
    assert.equal(mine.statusCode, 200);
    assert.equal(mine.json().version, 1);
    assert.equal(a.open(collection, mine.json()), 'private note for alice only');
  }
});
