import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { generateEd25519KeyPair, sign } from '@aura/crypto';
import { leafHash } from '@aura/crypto/merkle';
import { isAuraError } from '@aura/errors';
import { canonicalJson, type DeviceStatement, type VaultStatement } from '@aura/protocol';
import { type ServerAuditLog, serverAuditLog } from '@aura/testing';
import type { AuraClient } from '../src/index.ts';
import { hostileProxy } from './hostile-proxy.ts';
import { email, listeningServer, newClient, rejectsWith } from './support.ts';

/**
 * The signed history (docs/decisions/0008) against a server that holds its own log key: it can
 * append any entry and sign any checkpoint, so everything here rests on the devices' signatures
 * and on each device's copy of the tree.
 */
let server: Awaited<ReturnType<typeof listeningServer>>;
let serverLog: ServerAuditLog['log'];
let signer: ServerAuditLog['signer'];
let proxy: Awaited<ReturnType<typeof hostileProxy>>;
const password = 'history test password';

before(async () => {
  server = await listeningServer();
  ({ log: serverLog, signer } = await serverAuditLog(server));
  proxy = await hostileProxy(server.url);
});
after(async () => {
  await proxy?.close();
  await server?.close();
});

async function account(url = server.url): Promise<{ laptop: AuraClient; phone: AuraClient; userId: string }> {
  const who = email();
  const laptop = await newClient(url);
  await laptop.register(who, password);
  const phone = await newClient(url);
  const ticket = await phone.requestEnrollment(who, 'phone');
  await laptop.approveEnrollment(ticket.code);
  await ticket.wait({ intervalMs: 20 });
  return { laptop, phone, userId: laptop.session?.userId ?? '' };
}

const statement = (s: VaultStatement | DeviceStatement) => canonicalJson(s);

describe('a server with its own log key cannot forge the signed history', () => {
  it('M17: a vault change it signs with a key of its own is refused, naming the record', async () => {
    const { laptop, userId } = await account();
    await laptop.vault.put('contexts', { text: 'honest note' });
    const rogue = generateEd25519KeyPair();
    const text = statement({
      kind: 'vault',
      op: 'delete',
      collection: 'contexts',
      recordId: crypto.randomUUID(),
      version: 1,
      hash: '',
      bloom: '',
      expiresAt: null,
      deviceId: laptop.session?.deviceId ?? '',
    });
    const signature = Buffer.from(sign(rogue.secretKey, 'vault-change', new TextEncoder().encode(text))).toString(
      'base64',
    );
    await serverLog.append(userId, {
      eventType: 'vault',
      actorId: userId,
      actorType: 'system',
      action: 'delete contexts',
      result: 'success',
      signed: { statement: text, signature },
    });
    await rejectsWith(() => laptop.vault.list('contexts'), 'AURA_VAULT_INCONSISTENT', /signature is not/);
  });

  it('M17: a device it adds to the history by itself, or a revocation it signs, is refused', async () => {
    const { laptop, userId } = await account();
    const rogue = generateEd25519KeyPair();
    const rogueId = crypto.randomUUID();
    const add = statement({
      kind: 'device',
      op: 'add',
      deviceId: rogueId,
      signingPublicKey: Buffer.from(rogue.publicKey).toString('base64'),
      sealingPublicKey: Buffer.from(rogue.publicKey).toString('base64'),
      certificate: Buffer.alloc(32, 9).toString('base64'),
      by: rogueId,
    });
    await serverLog.append(userId, {
      eventType: 'device',
      actorId: userId,
      actorType: 'system',
      action: 'add',
      result: 'success',
      signed: {
        statement: add,
        signature: Buffer.from(sign(rogue.secretKey, 'device-change', new TextEncoder().encode(add))).toString(
          'base64',
        ),
      },
    });
    await rejectsWith(() => laptop.listDevices(), 'AURA_DEVICE_LIST_TAMPERED', new RegExp(rogueId));
  });

  it('M11: a signature made for one use (an enrollment approval) relabelled as a device change is refused', async () => {
    const { laptop, userId } = await account();
    const { rows } = await server.pool.query<{ approval_signature: Buffer; device_id: string }>(
      'SELECT approval_signature, device_id FROM device_enrollments WHERE device_id IS NOT NULL ORDER BY created_at DESC LIMIT 1',
    );
    const approval = rows[0];
    assert.ok(approval);
    const devices = await laptop.listDevices();
    const phone = devices.find((d) => d.id === approval.device_id);
    assert.ok(phone);
    const revoke = statement({
      kind: 'device',
      op: 'revoke',
      deviceId: phone.id,
      signingPublicKey: phone.signingPublicKey,
      sealingPublicKey: phone.sealingPublicKey,
      certificate: '',
      by: laptop.session?.deviceId ?? '',
    });
    await serverLog.append(userId, {
      eventType: 'device',
      actorId: userId,
      actorType: 'system',
      action: 'revoke',
      result: 'success',
      signed: { statement: revoke, signature: approval.approval_signature.toString('base64') },
    });
    await rejectsWith(() => laptop.listDevices(), 'AURA_DEVICE_LIST_TAMPERED', /signature is not/);
  });

  it('M7: a deleted record brought back by replaying its own signed statements is refused', async () => {
    const { laptop, userId } = await account();
    const note = await laptop.vault.put('contexts', { text: 'to be deleted' });
    const row = (await server.pool.query('SELECT * FROM encrypted_user_contexts WHERE id = $1', [note.id])).rows[0];
    const { rows } = await server.pool.query<{ leaf_input: Buffer }>(
      "SELECT leaf_input FROM audit_entries WHERE user_id = $1 AND event_type = 'vault' ORDER BY idx",
      [userId],
    );
    const put = rows.map((r) => JSON.parse(r.leaf_input.toString())).find((e) => e.targetId === note.id);
    assert.ok(put?.signed);
    await laptop.vault.delete('contexts', note.id);
    await laptop.vault.list('contexts');
    // The server puts the row back and logs the record's original, genuinely signed "version 1".
    const columns = Object.keys(row);
    await server.pool.query(
      `INSERT INTO encrypted_user_contexts (${columns.join(', ')}) VALUES (${columns.map((_, i) => `$${i + 1}`).join(', ')})`,
      columns.map((c) => row[c]),
    );
    await serverLog.append(userId, {
      eventType: 'vault',
      actorId: put.actorId,
      actorType: 'device',
      targetId: note.id,
      action: 'put contexts',
      result: 'success',
      signed: put.signed,
    });
    await rejectsWith(() => laptop.vault.list('contexts'), 'AURA_VAULT_INCONSISTENT', /was deleted/);
  });

  it('M10: a history the server makes up for a new install, down to its first device, is refused', async () => {
    const { userId } = await account();
    const rogue = generateEd25519KeyPair();
    const rogueId = crypto.randomUUID();
    const keys = Buffer.from(rogue.publicKey).toString('base64');
    const add = statement({
      kind: 'device',
      op: 'add',
      deviceId: rogueId,
      signingPublicKey: keys,
      sealingPublicKey: keys,
      certificate: Buffer.alloc(32, 5).toString('base64'),
      by: rogueId,
    });
    const entry = canonicalJson({
      entryId: crypto.randomUUID(),
      timestamp: Date.now(),
      eventType: 'device',
      actorId: rogueId,
      actorType: 'device',
      targetId: rogueId,
      action: 'add',
      result: 'success',
      sealedMetadata: null,
      previousHash: '',
      signed: {
        statement: add,
        signature: Buffer.from(sign(rogue.secretKey, 'device-change', new TextEncoder().encode(add))).toString(
          'base64',
        ),
      },
    });
    const leaf = new TextEncoder().encode(entry);
    const checkpoint = signer.signCheckpoint(userId, 1, leafHash(leaf));
    proxy.tamper = (req, res) => {
      if (req.path.startsWith('/api/v1/audit/leaves'))
        return {
          status: 200,
          body: { checkpoint, treeSize: 1, leaves: [{ index: 0, leafInput: Buffer.from(leaf).toString('base64') }] },
        };
      if (req.path.startsWith('/api/v1/devices') && req.method === 'GET') {
        const body = res.body as { devices: unknown[] };
        return {
          status: 200,
          body: {
            devices: [{ ...(body.devices[0] as object), id: rogueId, signingPublicKey: keys, sealingPublicKey: keys }],
          },
        };
      }
      return res;
    };
    try {
      const { rows } = await server.pool.query<{ email: string }>('SELECT email FROM users WHERE id = $1', [userId]);
      const fresh = await newClient(proxy.url);
      await fresh.login(rows[0]?.email ?? '', password);
      await rejectsWith(
        () => fresh.listDevices(),
        'AURA_DEVICE_LIST_TAMPERED',
        /without a certificate of your account/,
      );
    } finally {
      proxy.tamper = undefined;
    }
  });

  it('M7: a log cut back below what this device verified is a rollback of the log (exit 6), not bad input', async () => {
    const { laptop, userId } = await account();
    await laptop.vault.put('contexts', { text: 'first' });
    await laptop.vault.put('contexts', { text: 'second' });
    await laptop.vault.list('contexts');
    const { rows } = await server.pool.query<{ size: string }>('SELECT size FROM audit_logs WHERE user_id = $1', [
      userId,
    ]);
    const cut = Number(rows[0]?.size) - 1;
    await server.pool.query('DELETE FROM audit_checkpoints WHERE user_id = $1 AND size > $2', [userId, cut]);
    await server.pool.query('DELETE FROM audit_entries WHERE user_id = $1 AND idx >= $2', [userId, cut]);
    await rejectsWith(() => laptop.vault.list('contexts'), 'AURA_AUDIT_INTEGRITY', /this device verified/);
  });

  it('M7: two devices writing at once both succeed or get a clean conflict, and nobody sees a false alarm', async () => {
    const { laptop, phone } = await account();
    const shared = await laptop.vault.put('contexts', { text: 'shared draft' });
    await phone.vault.get('contexts', shared.id);
    const writes = await Promise.allSettled([
      ...Array.from({ length: 6 }, (_, i) => laptop.vault.put('contexts', { text: `laptop note ${i}` })),
      ...Array.from({ length: 6 }, (_, i) => phone.vault.put('contexts', { text: `phone note ${i}` })),
      laptop.vault.update('contexts', shared, { text: 'laptop edit' }),
      phone.vault.update('contexts', shared, { text: 'phone edit' }),
      laptop.vault.list('contexts'),
      phone.vault.search('contexts', 'note'),
    ]);
    const failures = writes.filter((w) => w.status === 'rejected').map((w) => (w as PromiseRejectedResult).reason);
    assert.ok(failures.length <= 1, `at most the losing edit fails: ${failures.map(String).join('; ')}`);
    for (const f of failures) assert.ok(isAuraError(f, 'AURA_CONFLICT'), String(f));
    const [fromLaptop, fromPhone] = await Promise.all([laptop.vault.list('contexts'), phone.vault.list('contexts')]);
    assert.equal(fromLaptop.length, 13);
    assert.deepEqual(fromLaptop.map((r) => r.id).sort(), fromPhone.map((r) => r.id).sort());
  });

  it('M12 and M15 through the SDK: records of different lengths share a size bucket; no nonce repeats', async () => {
    const { laptop, userId } = await account();
    // Payloads of 34 to 56 bytes: one 64-byte bucket (powers of two up to 4 KiB).
    const ids: string[] = [];
    for (const text of ['Call Sam.', 'Lunch with Sam on Tuesday', 'Dentist on Friday at 10, bring card'])
      ids.push((await laptop.vault.put('contexts', { text })).id);
    for (let i = 0; i < 30; i++) await laptop.vault.put('relationships', { name: `Person ${i}` });
    const sizes = await server.pool.query<{ n: number }>(
      'SELECT DISTINCT octet_length(encrypted_data) AS n FROM encrypted_user_contexts WHERE id = ANY($1::uuid[])',
      [ids],
    );
    assert.equal(sizes.rows.length, 1, 'notes of different lengths are padded to one size');
    const nonces = await server.pool.query<{ all: string; distinct: string }>(
      `SELECT count(*) AS all, count(DISTINCT nonce) AS distinct FROM (
         SELECT nonce FROM encrypted_user_contexts WHERE user_id = $1
         UNION ALL SELECT nonce FROM user_relationships WHERE user_id = $1) n`,
      [userId],
    );
    assert.equal(nonces.rows[0]?.all, nonces.rows[0]?.distinct);
    assert.equal(Number(nonces.rows[0]?.all), 33);
  });
});
