import assert from 'node:assert/strict';
import { createPrivateKey, sign } from 'node:crypto';
import { after, before, beforeEach, describe, it } from 'node:test';
import { checkpointBody, formatSignedNote, verifyCheckpoint } from '@aura/crypto/merkle';
import { AuditCheckpoint, AuditLogKey, AuditReceipt, canonicalJson } from '@aura/protocol';
import { type AuraClient, MemoryStateStore } from '../src/index.ts';
import { hostileProxy } from './hostile-proxy.ts';
import { email, listeningServer, newClient } from './support.ts';

let server: Awaited<ReturnType<typeof listeningServer>>;
let proxy: Awaited<ReturnType<typeof hostileProxy>>;
let user: AuraClient;
let address: string;

before(async () => {
  server = await listeningServer();
  proxy = await hostileProxy(server.url);
  address = email();
  user = await newClient(proxy.url, new MemoryStateStore());
  await user.register(address, 'audit password 1');
});
after(async () => {
  await proxy?.close();
  await server?.close();
});
beforeEach(() => {
  proxy.tamper = undefined;
});

/** A checkpoint signed with the server's real log key, as a compromised server could make. */
async function forge(size: number, root: Uint8Array): Promise<string> {
  const { rows } = await server.pool.query("SELECT value FROM server_keys WHERE name = 'log-signing'");
  const key = createPrivateKey({ key: Buffer.from(rows[0].value.pkcs8, 'base64'), format: 'der', type: 'pkcs8' });
  const { name, publicKey, origin } = await user.api.get('/api/v1/audit/log-key', AuditLogKey);
  const body = checkpointBody(origin, size, root);
  return formatSignedNote(body, name, Buffer.from(publicKey, 'base64'), sign(null, Buffer.from(body), key));
}

describe('audit log, verified by the client', () => {
  it('shows a verified log of what happened to the account, with sealed details opened', async () => {
    await user.login(address, 'audit password 1');
    await newClient(proxy.url).then((c) => c.login(address, 'wrong password').catch(() => {}));
    await user.vault.put('contexts', { text: 'x' });
    await user.vault.rotate('contexts');
    const { entries, checkpoint } = await user.audit.entries();
    assert.equal(entries.length, checkpoint.size);
    const events = entries.map((e) => `${e.eventType}:${e.action}:${e.result}`);
    assert.equal(events[0], 'registration:register:success');
    assert.ok(events.includes('login:login:success'));
    assert.ok(events.includes('login:login:failure'));
    assert.ok(events.some((e) => e.startsWith('key_rotation:rotate contexts')));
    assert.ok(entries[0]?.details && 'address' in entries[0].details, 'the sealed address opens on the client');
    const report = await user.audit.verify();
    assert.equal(report.valid, true);
    assert.equal(report.entriesChecked, checkpoint.size);
    // The server stores the address only sealed.
    const { rows } = await server.pool.query('SELECT leaf_input FROM audit_entries');
    assert.ok(!rows.some((r) => r.leaf_input.toString().includes('127.0.0.1')));
  });

  it('an append returns a receipt the client can check at once', async () => {
    const receipt = await user.api.post('/api/v1/audit/entries', AuditReceipt, {
      eventType: 'key_rotation',
      action: 'probe',
      result: 'success',
    });
    const pin = (await user.audit.sync()).origin;
    const key = await user.api.get('/api/v1/audit/log-key', AuditLogKey);
    const cp = verifyCheckpoint(receipt.checkpoint, {
      origin: pin,
      name: key.name,
      publicKey: Buffer.from(key.publicKey, 'base64'),
    });
    assert.equal(cp.size, receipt.index + 1);
  });

  it('a rewritten entry is reported as an integrity failure', async () => {
    proxy.tamper = (req, res) => {
      if (req.path.startsWith('/api/v1/audit/entries')) {
        const body = res.body as { entries: { leafInput: string }[] };
        const first = body.entries[0];
        if (first) {
          const entry = JSON.parse(Buffer.from(first.leafInput, 'base64').toString());
          entry.result = 'failure';
          first.leafInput = Buffer.from(canonicalJson(entry)).toString('base64');
        }
      }
      return res;
    };
    const report = await user.audit.verify();
    assert.equal(report.valid, false);
    assert.equal(report.issues[0]?.type, 'rewritten');
  });

  it('a dropped last entry (a smaller checkpoint) and a replayed old checkpoint are detected', async () => {
    const seen = await user.audit.sync();
    const older = await user.api.get(`/api/v1/audit/checkpoint?size=${seen.size - 1}`, AuditCheckpoint);
    proxy.tamper = (req, res) =>
      req.path === '/api/v1/audit/checkpoint' ? { status: 200, body: { size: seen.size - 1, note: older.note } } : res;
    const report = await user.audit.verify();
    assert.equal(report.valid, false);
    assert.equal(report.issues[0]?.type, 'truncated_or_rolled_back');
    await assert.rejects(() => user.audit.sync(), /AURA_AUDIT_INTEGRITY|did not|failed verification/);
  });

  it('a forked checkpoint (another root at the same size) and a rewritten history are detected', async () => {
    const seen = await user.audit.sync();
    const fork = await forge(seen.size, new Uint8Array(32).fill(7));
    proxy.tamper = (req, res) =>
      req.path === '/api/v1/audit/checkpoint' ? { status: 200, body: { size: seen.size, note: fork } } : res;
    assert.equal((await user.audit.verify()).issues[0]?.type, 'forked');
    const longer = await forge(seen.size + 1, new Uint8Array(32).fill(8));
    proxy.tamper = (req, res) =>
      req.path === '/api/v1/audit/checkpoint' ? { status: 200, body: { size: seen.size + 1, note: longer } } : res;
    assert.equal((await user.audit.verify()).issues[0]?.type, 'rewritten');
  });

  it('a substituted log key is detected', async () => {
    proxy.tamper = (req, res) => {
      if (req.path === '/api/v1/audit/log-key')
        (res.body as { publicKey: string }).publicKey = Buffer.alloc(32, 1).toString('base64');
      return res;
    };
    assert.equal((await user.audit.verify()).issues[0]?.type, 'log_key_changed');
  });
});
