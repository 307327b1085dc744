import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { httpInject, migratedDatabase, spawnServer, type TestDatabase, TestUser, waitFor } from '@aura/testing';

let db: TestDatabase;
before(async () => {
  db = await migratedDatabase();
});
after(() => db?.drop());

it('durability: SIGKILL during a burst of writes loses no acknowledged write', { timeout: 180_000 }, async () => {
  const env = { DATABASE_URL: db.url, AURA_RATE_LIMIT_DEFAULT: '1000000' };
  const first = await spawnServer(env);
  const user = await new TestUser(httpInject(first.url)).register();
  assert.equal((await user.login()).statusCode, 200);

  const acknowledged: { id: string; text: string }[] = [];
  let failed = 0;
  let killed = false;
  const writer = async (worker: number) => {
    for (let i = 0; !killed; i++) {
      const text = `burst write ${worker}-${i}`;
      const record = user.record('contexts', text);
      try {
        const res = await fetch(`${first.url}/api/v1/context`, {
          method: 'POST',
          headers: { ...user.auth, 'content-type': 'application/json' },
          body: JSON.stringify(record),
        });
        if (res.status === 201) acknowledged.push({ id: record.id, text });
        else failed++;
      } catch {
        return; // the server is gone
      }
    }
  };
  const workers = Array.from({ length: 8 }, (_, w) => writer(w));
  await waitFor(
    () => acknowledged.length >= 150,
    120_000,
    () => `for 150 acknowledged writes (${acknowledged.length} so far)`,
    10,
  );
  first.child.kill('SIGKILL');
  killed = true;
  await first.exited;
  await Promise.all(workers);
  assert.equal(failed, 0, 'no write was refused before the kill');

  const second = await spawnServer(env);
  try {
    const inject = httpInject(second.url);
    // The session lives in the database: the old access token still works after the restart.
    for (const { id, text } of acknowledged) {
      const res = await inject({ method: 'GET', url: `/api/v1/context/${id}`, headers: user.auth });
      assert.equal(res.statusCode, 200, `acknowledged write ${id} is missing`);
      assert.equal(user.open('contexts', res.json()), text);
    }
  } finally {
    second.child.kill('SIGTERM');
    await second.exited;
  }
});
