import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createPrivateKey, generateKeyPairSync, sign } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { formatSignedNote, keyRotationBody } from '@aura/crypto/merkle';
import { AuditLogKey } from '@aura/protocol';
import { databasePool, freePort, freshDatabase, startTestServer, type TestDatabase, waitFor } from '@aura/testing';
import type pg from 'pg';
import { type AuraClient, MemoryStateStore } from '../src/index.ts';
import { email, newClient, rejectsWith } from './support.ts';

// The operator's command, as `aura server-key rotate log` runs it: the server's ops entry point.
const OPS = fileURLToPath(new URL('../../server/src/ops.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

async function ops(db: TestDatabase, ...args: string[]): Promise<{ code: number; output: string }> {
  try {
    const { stderr } = await promisify(execFile)(process.execPath, ['--import', 'tsx', OPS, ...args], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: db.url },
    });
    return { code: 0, output: stderr };
  } catch (error) {
    const failed = error as { code: number; stderr: string };
    return { code: failed.code, output: failed.stderr };
  }
}

let db: TestDatabase;
let pool: pg.Pool;
let port: number;
let server: Awaited<ReturnType<typeof startTestServer>> | undefined;
let alice: AuraClient;
let bob: AuraClient;
const stores = { alice: new MemoryStateStore(), bob: new MemoryStateStore() };

async function serve() {
  server = await startTestServer({}, { database: db });
  await server.app.listen({ host: '127.0.0.1', port });
}

/** Stops the server and waits until PostgreSQL has let go of its connections. */
async function stop() {
  await server?.close();
  server = undefined;
  await waitFor(async () => {
    const { rows } = await pool.query(
      "SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'aura-server'",
    );
    return rows.length === 0;
  });
}

/** The checkpoints a hostile database re-signs with a key of its own choosing. */
async function swapLogKey(): Promise<{
  name: string;
  publicKey: Uint8Array;
  secret: ReturnType<typeof createPrivateKey>;
}> {
  const { privateKey } = generateKeyPairSync('ed25519');
  const pkcs8 = privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64');
  const key = createPrivateKey({ key: Buffer.from(pkcs8, 'base64'), format: 'der', type: 'pkcs8' });
  const publicKey = new Uint8Array(Buffer.from((key.export({ format: 'jwk' }) as { x: string }).x, 'base64url'));
  const name = 'aura-audit-log';
  await pool.query("UPDATE server_keys SET value = $1 WHERE name = 'log-signing'", [JSON.stringify({ pkcs8 })]);
  const { rows } = await pool.query<{ user_id: string; size: string; note: string }>(
    'SELECT DISTINCT ON (user_id) user_id, size, note FROM audit_checkpoints ORDER BY user_id, size DESC',
  );
  for (const row of rows) {
    const body = row.note.slice(0, row.note.indexOf('\n\n') + 1);
    const note = formatSignedNote(body, name, publicKey, sign(null, Buffer.from(body), key));
    await pool.query('UPDATE audit_checkpoints SET note = $3 WHERE user_id = $1 AND size = $2', [
      row.user_id,
      row.size,
      note,
    ]);
  }
  return { name, publicKey, secret: key };
}

before(async () => {
  db = await freshDatabase();
  pool = await databasePool(db.url);
  port = await freePort();
  await serve();
  const url = `http://127.0.0.1:${port}`;
  alice = await newClient(url, stores.alice);
  bob = await newClient(url, stores.bob);
  await alice.register(email(), 'rotation password 1');
  await bob.register(email(), 'rotation password 2');
  await alice.vault.put('contexts', { text: 'written before the rotation' });
  await bob.vault.put('contexts', { text: "bob's note" });
  assert.equal((await alice.audit.verify()).valid, true);
  assert.equal((await bob.audit.verify()).valid, true);
});
after(async () => {
  await server?.close();
  await pool?.end();
  await db?.drop();
});

describe('rotating the audit log key (aura server-key rotate log)', () => {
  it('is refused while a server runs on the database, and changes nothing', async () => {
    const before = await alice.api.get('/api/v1/audit/log-key', AuditLogKey);
    const refused = await ops(db, 'server-key', 'rotate', 'log');
    assert.equal(refused.code, 3, refused.output);
    assert.match(refused.output, /a server is running on this database.*stop every server process/);
    assert.deepEqual(await alice.api.get('/api/v1/audit/log-key', AuditLogKey), before);
  });

  it('devices follow the signed rotation: records still open, logs verify, new entries are under the new key', async () => {
    const old = await alice.api.get('/api/v1/audit/log-key', AuditLogKey);
    await stop();
    const done = await ops(db, 'server-key', 'rotate', 'log');
    assert.equal(done.code, 0, done.output);
    assert.match(done.output, /Rotated the audit log key \(rotation 1\).*2 accounts/);
    await serve();

    const served = await alice.api.get('/api/v1/audit/log-key', AuditLogKey);
    assert.notEqual(served.publicKey, old.publicKey);
    assert.equal(served.rotations.length, 1);
    // The vault read replays the ledger, which meets a checkpoint under the new key.
    const [record] = await alice.vault.list('contexts');
    assert.equal(record?.data.text, 'written before the rotation');
    assert.equal((await alice.audit.verify()).valid, true);
    const pins = (await stores.alice.load())?.device?.auditPins ?? {};
    assert.ok(
      Object.values(pins).every((pin) => pin.publicKey === served.publicKey),
      'the device re-pinned',
    );
    await alice.vault.put('contexts', { text: 'written after the rotation' });
    assert.equal((await alice.vault.list('contexts')).length, 2);
    const report = await alice.audit.verify();
    assert.equal(report.valid, true);
    // Bob verifies the log first, then reads: the other path to the same re-pin.
    assert.equal((await bob.audit.verify()).valid, true);
    assert.equal((await bob.vault.list('contexts'))[0]?.data.text, "bob's note");

    // A second rotation: a device that re-pinned follows it, and one that still pinned the
    // first key follows both links.
    await stop();
    assert.equal((await ops(db, 'server-key', 'rotate', 'log')).code, 0);
    await serve();
    assert.equal((await alice.audit.verify()).valid, true);
    assert.equal((await alice.api.get('/api/v1/audit/log-key', AuditLogKey)).rotations.length, 2);
  });

  it('a key swapped without a rotation, or with one the pinned key did not sign, is refused by every device', async () => {
    await stop();
    const hostile = await swapLogKey();
    await serve();
    await rejectsWith(() => alice.vault.list('contexts'), 'AURA_AUDIT_INTEGRITY', /no rotation signed by that key/);
    assert.equal((await bob.audit.verify()).issues[0]?.type, 'log_key_changed');

    // The hostile database adds a "rotation" of its own, signed by the key it chose.
    await stop();
    const forged = formatSignedNote(
      keyRotationBody(2, hostile),
      hostile.name,
      hostile.publicKey,
      sign(null, Buffer.from(keyRotationBody(2, hostile)), hostile.secret),
    );
    await pool.query('INSERT INTO log_key_rotations (seq, note) VALUES (2, $1)', [forged]);
    await serve();
    await rejectsWith(() => alice.vault.list('contexts'), 'AURA_AUDIT_INTEGRITY');
    assert.equal((await bob.audit.verify()).issues[0]?.type, 'log_key_changed');
  });
});

describe('replacing the access-token key (aura server-key rotate token)', () => {
  it('old tokens are refused and devices carry on with their refresh tokens', async () => {
    const store = new MemoryStateStore();
    const carol = await newClient(`http://127.0.0.1:${port}`, store);
    await carol.register(email(), 'rotation password 3');
    const token = (await store.load())?.session?.accessToken;
    assert.ok(token);
    const withOldToken = () =>
      fetch(`http://127.0.0.1:${port}/api/v1/context`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal((await withOldToken()).status, 200);
    const keyBefore = (await pool.query("SELECT value FROM server_keys WHERE name = 'jwt-signing'")).rows[0].value;
    await stop();
    const done = await ops(db, 'server-key', 'rotate', 'token');
    assert.equal(done.code, 0, done.output);
    assert.match(done.output, /Replaced the access-token key/);
    const keyAfter = (await pool.query("SELECT value FROM server_keys WHERE name = 'jwt-signing'")).rows[0].value;
    assert.notDeepEqual(keyAfter, keyBefore);
    await serve();
    assert.equal((await withOldToken()).status, 401);
    // The device itself notices nothing: it refreshes and writes.
    await carol.vault.put('contexts', { text: 'after the token key changed' });
    assert.equal((await carol.vault.list('contexts')).length, 1);
    assert.notEqual((await store.load())?.session?.accessToken, token);
  });

  it('an unknown key name is a usage error', async () => {
    const wrong = await ops(db, 'server-key', 'rotate', 'everything');
    assert.equal(wrong.code, 2);
    assert.match(wrong.output, /usage: .*server-key rotate log\|token/);
  });
});
