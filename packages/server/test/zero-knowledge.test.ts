import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, it } from 'node:test';
import { dumpDatabase, forms, startTestServer, type TestServer, TestUser } from '@aura/testing';

let server: TestServer;
before(async () => {
  // At debug: the per-request lines too, which an operator may turn on, must hold no secret.
  server = await startTestServer({ AURA_LOG_LEVEL: 'debug' });
});
after(() => server?.close());

it('zero knowledge: after storing known plaintext, the database, logs and metrics hold none of it', async () => {
  const inject: TestUser['inject'] = (o) => server.app.inject(o);
  const user = await new TestUser(inject).register();
  assert.equal((await user.login()).statusCode, 200);
  const marker = `ZKMARKER${randomUUID().replaceAll('-', '')}`;
  const person = `Quillonbury${randomUUID().slice(0, 8)}`;
  const secrets: string[] = [];
  for (const [collection, base, text] of [
    ['contexts', '/api/v1/context', `${marker} meeting notes with ${person} about the merger`],
    ['relationships', '/api/v1/relationships', `${person} colleague ${marker}@example.org`],
    ['learning-events', '/api/v1/learning-events', `corrected intent for ${marker}`],
  ] as const) {
    const stored = user.record(collection, text);
    const res = await inject({ method: 'POST', url: base, headers: user.auth, payload: stored });
    assert.equal(res.statusCode, 201, res.body);
    const learn = await inject({
      method: 'POST',
      url: `${base}/learn`,
      headers: user.auth,
      payload: {
        record: user.record(collection, `${text} (learned)`),
        replace: { id: stored.id, ...user.deletion(collection, stored.id, 1) },
      },
    });
    assert.equal(learn.statusCode, 200, learn.body);
    const found = await inject({
      method: 'POST',
      url: `${base}/search`,
      headers: user.auth,
      payload: { tokens: user.searchTokens(collection, marker) },
    });
    assert.ok(found.json().records.length >= 1, `the server finds records it cannot read: ${found.body}`);
  }
  // Some failures too, so the error paths are in the logs.
  await user.login('wrong password');
  await inject({ method: 'GET', url: '/api/v1/context', headers: { authorization: `Bearer ${user.accessToken}x` } });

  secrets.push(marker, person, marker.toLowerCase(), person.toLowerCase(), user.password);
  const binarySecrets = [user.accountKey?.bytes ?? new Uint8Array()];
  const tokens = [user.accessToken, user.refreshToken];

  const metrics = (await inject({ method: 'GET', url: '/metrics' })).body;
  const logs = server.logs.join('');
  const dump = await dumpDatabase(server.db.url);
  assert.ok(dump.length > 1000 && dump.includes('encrypted_user_contexts'), 'the dump is real');
  assert.ok(logs.includes('"statusCode":201'), 'the logs are real');
  assert.ok(metrics.includes('aura_requests_total'), 'the metrics are real');

  for (const [where, text] of [
    ['database dump', dump],
    ['logs', logs],
    ['metrics', metrics],
  ] as const) {
    for (const secret of secrets)
      for (const form of forms(secret)) assert.ok(!text.includes(form), `${where} holds plaintext`);
    for (const key of binarySecrets)
      for (const form of forms(key)) assert.ok(!text.includes(form), `${where} holds a key`);
    for (const token of tokens) assert.ok(!text.includes(token), `${where} holds a token`);
  }
});
