import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { AuraClient } from '@aura/client';
import { FileStateStore } from '@aura/client/node';
import pg from 'pg';
import { type AuraRun, enrollDevice, runAura, serverForCli } from './support/harness.ts';

/**
 * ARCHITECTURE.md §7 M7 and M10, tried the way a hostile operator would: plain SQL against the
 * running server's PostgreSQL, then the `aura` command on the user's devices. Each attack must
 * end with exit 6 (tampering detected) and a message naming what was tampered with.
 */
const homes = mkdtempSync(join(tmpdir(), 'aura-hostile-db-'));
let cli: Awaited<ReturnType<typeof serverForCli>>;
let sql: pg.Pool;
const email = `hostile-db-${Date.now()}@example.com`;
const password = 'a hostile db test pw\n';

before(async () => {
  cli = await serverForCli({ AURA_RATE_LIMIT_DEFAULT: '100000' });
  sql = new pg.Pool({ connectionString: cli.db.url, max: 2 });
});
after(async () => {
  await sql?.end();
  await cli?.stop();
  rmSync(homes, { recursive: true, force: true });
});

const aura = (device: string, args: string[], stdin = '') =>
  runAura(cli.server.url, join(homes, device), args, { stdin });
const ok = async (device: string, args: string[]) => {
  const run = await aura(device, args);
  assert.equal(run.code, 0, `aura ${args.join(' ')}: ${run.stderr}`);
  return run;
};
const json = async <T>(device: string, args: string[]) =>
  JSON.parse((await ok(device, ['--json', ...args])).stdout) as T;
const tampered = (run: AuraRun, code: string, names: string) => {
  assert.equal(run.code, 6, `exit 6 expected: ${run.stderr}`);
  assert.match(run.stderr, new RegExp(code));
  assert.match(run.stderr, new RegExp(names));
};

/** The phone edits a note through the SDK on its own state (the CLI has no edit command). */
async function phoneUpdates(id: string, text: string) {
  const phone = await AuraClient.open({
    server: cli.server.url,
    store: new FileStateStore(join(homes, 'phone', 'state.json')),
  });
  const record = await phone.vault.get('contexts', id);
  await phone.vault.update('contexts', record, { ...record.data, text });
}

/** Puts the database back after an attack, so the next one starts from an honest state. */
async function undoing(snapshot: string, restore: string, params: unknown[], attack: () => Promise<void>) {
  const { rows } = await sql.query(snapshot, params);
  try {
    await attack();
  } finally {
    await sql.query(restore, [...params, ...Object.values(rows[0] ?? {})]);
  }
}

it('M7: a deleted row, a cross-device rollback, a search that hides or injects: each is exit 6, naming the record', {
  timeout: 240_000,
}, async () => {
  const reg = await aura('laptop', ['register', '--email', email, '--password-stdin'], `${password}${password}`);
  assert.equal(reg.code, 0, reg.stderr);
  await enrollDevice(cli.server.url, join(homes, 'phone'), join(homes, 'laptop'), email, 'phone');
  const note = await json<{ id: string }>('laptop', ['context', 'add', 'Dentist appointment on Friday']);
  const other = await json<{ id: string }>('laptop', ['context', 'add', 'Groceries: apples and pears']);
  await ok('phone', ['context', 'list']);
  await ok('laptop', ['context', 'list']);

  // 1. Deleting a record's row.
  const row = (await sql.query('SELECT * FROM encrypted_user_contexts WHERE id = $1', [note.id])).rows[0];
  await sql.query('DELETE FROM encrypted_user_contexts WHERE id = $1', [note.id]);
  tampered(await aura('laptop', ['context', 'list']), 'AURA_VAULT_INCONSISTENT', note.id);
  tampered(await aura('laptop', ['context', 'get', note.id]), 'AURA_VAULT_INCONSISTENT', note.id);
  tampered(await aura('laptop', ['context', 'search', 'dentist']), 'AURA_VAULT_INCONSISTENT', note.id);
  const columns = Object.keys(row);
  await sql.query(
    `INSERT INTO encrypted_user_contexts (${columns.join(', ')}) VALUES (${columns.map((_, i) => `$${i + 1}`).join(', ')})`,
    columns.map((c) => row[c]),
  );
  await ok('laptop', ['context', 'list']);

  // 2. A rollback on a device that never saw the newer version: the phone updates the note...
  const before = (await sql.query('SELECT * FROM encrypted_user_contexts WHERE id = $1', [other.id])).rows[0];
  await phoneUpdates(other.id, 'Groceries: apples, pears and plums');
  const newer = (await sql.query('SELECT * FROM encrypted_user_contexts WHERE id = $1', [other.id])).rows[0];
  // ...and the server puts the old row back. The laptop never read the new version.
  await sql.query(
    'UPDATE encrypted_user_contexts SET encrypted_data = $2, data_checksum = $3, nonce = $4, version = $5, search_tokens = $6 WHERE id = $1',
    [other.id, before.encrypted_data, before.data_checksum, before.nonce, before.version, before.search_tokens],
  );
  tampered(await aura('laptop', ['context', 'list']), 'AURA_ROLLBACK_DETECTED', other.id);
  tampered(await aura('laptop', ['context', 'get', other.id]), 'AURA_ROLLBACK_DETECTED', other.id);
  await sql.query(
    'UPDATE encrypted_user_contexts SET encrypted_data = $2, data_checksum = $3, nonce = $4, version = $5, search_tokens = $6 WHERE id = $1',
    [other.id, newer.encrypted_data, newer.data_checksum, newer.nonce, newer.version, newer.search_tokens],
  );
  await ok('laptop', ['context', 'list']);

  // 3. Search tokens cleared (hiding the note) and injected (showing an unrelated record).
  await undoing(
    'SELECT search_tokens FROM encrypted_user_contexts WHERE id = $1',
    'UPDATE encrypted_user_contexts SET search_tokens = $2 WHERE id = $1',
    [note.id],
    async () => {
      await sql.query("UPDATE encrypted_user_contexts SET search_tokens = '{}' WHERE id = $1", [note.id]);
      tampered(await aura('phone', ['context', 'search', 'dentist']), 'AURA_VAULT_INCONSISTENT', note.id);
    },
  );
  await undoing(
    'SELECT search_tokens FROM encrypted_user_contexts WHERE id = $1',
    'UPDATE encrypted_user_contexts SET search_tokens = $2 WHERE id = $1',
    [other.id],
    async () => {
      await sql.query(
        `UPDATE encrypted_user_contexts SET search_tokens = (SELECT search_tokens FROM encrypted_user_contexts WHERE id = $2)
          WHERE id = $1`,
        [other.id, note.id],
      );
      const found = await json<{ id: string }[]>('phone', ['context', 'search', 'dentist']);
      assert.deepEqual(
        found.map((r) => r.id),
        [note.id],
        'the injected record does not hold the word: it is dropped',
      );
    },
  );
  await ok('phone', ['context', 'search', 'dentist']);

  // 4. A record the server adds from nowhere (a copy of another's row under a new id).
  await sql.query(
    `INSERT INTO encrypted_user_contexts (id, user_id, encrypted_data, search_tokens, data_checksum, nonce, version)
     SELECT gen_random_uuid(), user_id, encrypted_data, search_tokens, data_checksum, nonce, version
       FROM encrypted_user_contexts WHERE id = $1`,
    [note.id],
  );
  const extra = await aura('laptop', ['context', 'list']);
  assert.equal(extra.code, 6, extra.stderr);
  assert.match(extra.stderr, /AURA_(VAULT_INCONSISTENT|CRYPTO_DECRYPT_FAILED)/);
});

it('M10: a revocation undone, a replaced key and an inserted device are caught by every device', {
  timeout: 240_000,
}, async () => {
  await enrollDevice(cli.server.url, join(homes, 'tablet'), join(homes, 'laptop'), email, 'tablet');
  const devices = await json<{ id: string; name: string; verification: string }[]>('laptop', ['device', 'list']);
  assert.ok(
    devices.every((d) => d.verification === 'verified'),
    JSON.stringify(devices),
  );
  const tablet = devices.find((d) => d.name === 'tablet');
  assert.ok(tablet);
  await ok('laptop', ['device', 'revoke', tablet.id]);

  // The revocation undone in the database.
  await sql.query('UPDATE devices SET revoked_at = NULL WHERE id = $1', [tablet.id]);
  for (const device of ['laptop', 'phone']) {
    const run = await aura(device, ['device', 'list']);
    tampered(run, 'AURA_DEVICE_LIST_TAMPERED', tablet.id);
    assert.match(run.stdout, /NO: revocation undone/, 'the list shows which device');
  }
  // The revoked device itself reads nothing more, even with its row and its sessions restored:
  // its own client sees the signed revocation in the history.
  await sql.query('UPDATE sessions SET revoked_at = NULL, revoked_reason = NULL WHERE device_id = $1', [tablet.id]);
  const revoked = await aura('tablet', ['context', 'list']);
  assert.notEqual(revoked.code, 0);
  assert.match(revoked.stderr, /this device was revoked \(audit entry \d+\).*AURA_SESSION_REVOKED/);
  await sql.query('UPDATE devices SET revoked_at = now() WHERE id = $1', [tablet.id]);
  await ok('laptop', ['device', 'list']);

  // A device's signing key replaced.
  const phone = devices.find((d) => d.name === 'phone');
  assert.ok(phone);
  await undoing(
    'SELECT signing_public_key FROM devices WHERE id = $1',
    'UPDATE devices SET signing_public_key = $2 WHERE id = $1',
    [phone.id],
    async () => {
      await sql.query('UPDATE devices SET signing_public_key = decode(repeat($2, 32), $3) WHERE id = $1', [
        phone.id,
        '07',
        'hex',
      ]);
      tampered(await aura('laptop', ['device', 'list']), 'AURA_DEVICE_LIST_TAMPERED', phone.id);
    },
  );

  // A device the server inserts.
  const inserted = await sql.query<{ id: string }>(
    `INSERT INTO devices (id, user_id, name, sealing_public_key, signing_public_key)
     SELECT gen_random_uuid(), user_id, 'server device', sealing_public_key, signing_public_key FROM devices WHERE id = $1
     RETURNING id`,
    [phone.id],
  );
  const id = inserted.rows[0]?.id ?? '';
  tampered(await aura('phone', ['device', 'list']), 'AURA_DEVICE_LIST_TAMPERED', id);
  await sql.query('DELETE FROM devices WHERE id = $1', [id]);
  await ok('phone', ['device', 'list']);
});
