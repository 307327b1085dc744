import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { dumpDatabase, forms, httpInject, spawnServer, TestUser } from '@aura/testing';

const dataDir = mkdtempSync(join(tmpdir(), 'aura-start-'));
after(() => rmSync(dataDir, { recursive: true, force: true }));

it('npm start on the embedded default: serves, stops cleanly on Ctrl-C, and keeps its data across restarts', {
  timeout: 180_000,
}, async () => {
  const pgPort = String(30000 + Math.floor(Math.random() * 20000));
  const env = { AURA_DATA_DIR: dataDir, AURA_PG_PORT: pgPort, DATABASE_URL: '' };

  const first = await spawnServer(env);
  assert.match(first.output(), new RegExp(`data in ${dataDir.replaceAll('/', '\\/')}`));
  const user = await new TestUser(httpInject(first.url)).register();
  assert.equal((await user.login()).statusCode, 200);
  const record = user.record('contexts', 'Dentist appointment on Tuesday');
  const stored = await httpInject(first.url)({
    method: 'POST',
    url: '/api/v1/context',
    headers: user.auth,
    payload: record,
  });
  assert.equal(stored.statusCode, 201, stored.body);
  // The same zero-knowledge check, on the embedded database.
  const dump = await dumpDatabase(`postgres://aura:aura@127.0.0.1:${pgPort}/aura`);
  assert.ok(dump.includes('encrypted_user_contexts'));
  for (const secret of ['Dentist', 'dentist', user.password]) assert.ok(!dump.includes(secret));
  for (const form of forms(user.accountKey?.bytes ?? new Uint8Array())) assert.ok(!dump.includes(form));

  first.child.kill('SIGINT');
  assert.equal(await first.exited, 0, first.output());
  assert.match(first.output(), /Stopped\./);

  const second = await spawnServer(env);
  try {
    const again = new TestUser(httpInject(second.url), user.email, user.password);
    again.deviceId = user.deviceId;
    again.userId = user.userId;
    assert.equal((await again.login()).statusCode, 200, 'the account survived the restart');
    const res = await httpInject(second.url)({
      method: 'POST',
      url: '/api/v1/context/search',
      headers: again.auth,
      payload: { tokens: again.searchTokens('contexts', 'dentist') },
    });
    assert.equal(res.json().records.length, 1);
    assert.equal(again.open('contexts', res.json().records[0]), 'Dentist appointment on Tuesday');
  } finally {
    second.child.kill('SIGINT');
    assert.equal(await second.exited, 0);
  }
});
