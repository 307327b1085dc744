import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { databasePool, freePort, migratedDatabase, spawnServer } from '@aura/testing';
import { runAura } from './support/harness.ts';

const home = mkdtempSync(join(tmpdir(), 'aura-server-keys-'));
after(() => rmSync(home, { recursive: true, force: true }));

it('a replaced token key (its row deleted, the servers restarted) refuses the old tokens, and devices go on with their refresh tokens', {
  timeout: 120_000,
}, async () => {
  const db = await migratedDatabase();
  const port = String(await freePort());
  let server = await spawnServer({ DATABASE_URL: db.url, PORT: port });
  try {
    const register = await runAura(server.url, home, ['register', '--email', 'keys@example.com', '--password-stdin'], {
      stdin: 'keys pw 1\nkeys pw 1\n',
    });
    assert.equal(register.code, 0, register.stderr);
    assert.equal((await runAura(server.url, home, ['context', 'add', 'kept across the new key'])).code, 0);
    server.child.kill('SIGTERM');
    await server.exited;
    // As docs/operations.md says to replace a leaked token key.
    const pool = await databasePool(db.url);
    const before = await pool.query<{ value: { kid: string } }>(
      "SELECT value FROM server_keys WHERE name = 'jwt-signing'",
    );
    await pool.query("DELETE FROM server_keys WHERE name = 'jwt-signing'");
    server = await spawnServer({ DATABASE_URL: db.url, PORT: port });
    const listed = await runAura(server.url, home, ['context', 'list']);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /kept across the new key/);
    const after = await pool.query<{ value: { kid: string } }>(
      "SELECT value FROM server_keys WHERE name = 'jwt-signing'",
    );
    assert.notEqual(after.rows[0]?.value.kid, before.rows[0]?.value.kid, 'a new key signs the tokens now');
    await pool.end();
  } finally {
    server.child.kill('SIGTERM');
    await server.exited;
    await db.drop();
  }
});
