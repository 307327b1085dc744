import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { isAuraError } from '@aura/errors';
import { StoredRecord } from '@aura/protocol';
import { waitFor } from '@aura/testing';
import { MemoryStateStore } from '../src/index.ts';
import { email, listeningServer, newClient, rejectsWith } from './support.ts';

let server: Awaited<ReturnType<typeof listeningServer>>;
before(async () => {
  server = await listeningServer();
});
after(() => server?.close());

describe('client SDK', () => {
  it('registers, logs in, keeps and finds typed records, and survives a restart from its stored state', async () => {
    const store = new MemoryStateStore();
    const alice = await newClient(server.url, store);
    const address = email();
    await alice.register(address, 'correct horse battery');
    const john = await alice.vault.put('relationships', {
      name: 'John Appleseed',
      relationship: 'colleague',
      email: 'john@example.com',
    });
    const note = await alice.vault.put('contexts', { text: 'John prefers meetings after 2pm', type: 'preference' });
    assert.equal((await alice.vault.get('relationships', john.id)).data.name, 'John Appleseed');
    assert.deepEqual(
      (await alice.vault.search('contexts', 'meetings')).map((r) => r.id),
      [note.id],
    );
    assert.deepEqual(
      (await alice.vault.search('relationships', 'joh')).map((r) => r.id),
      [john.id],
    );
    assert.deepEqual(await alice.vault.search('contexts', 'nothing'), []);
    assert.equal((await alice.vault.list('contexts')).length, 1, 'the keyring record is not listed');

    // A new process on the same install: the session and account key come back from the store.
    const again = await newClient(server.url, store);
    assert.equal((await again.status()).loggedIn, true);
    assert.equal((await again.vault.get('contexts', note.id)).data.text, 'John prefers meetings after 2pm');
    const stored = JSON.stringify(await store.load());
    assert.ok(!stored.includes('correct horse'), 'the password is not stored');
    assert.ok(
      !stored.includes(Buffer.from(again.accountKey().bytes).toString('base64')),
      'the account key is not stored in the clear',
    );
  });

  it('updates with the row version and reports a conflict; deletes; hides expired records', async () => {
    const c = await newClient(server.url);
    await c.register(email(), 'pw one two three');
    const r = await c.vault.put('contexts', { text: 'draft' });
    const updated = await c.vault.update('contexts', r, { text: 'final' });
    assert.equal(updated.version, 2);
    await rejectsWith(() => c.vault.update('contexts', r, { text: 'stale' }), 'AURA_CONFLICT');
    await c.vault.delete('contexts', r.id);
    await rejectsWith(() => c.vault.get('contexts', r.id), 'AURA_NOT_FOUND');
    await c.vault.put('contexts', { text: 'ephemeral' }, { expiresAt: new Date(Date.now() - 1000) });
    assert.equal((await c.vault.list('contexts')).length, 0);
    assert.equal((await c.vault.list('contexts', { includeExpired: true })).length, 1);
  });

  it('learn: replaces the record holding the same words', async () => {
    const c = await newClient(server.url);
    await c.register(email(), 'pw one two three');
    const first = await c.vault.put('contexts', { text: 'working hours 9 to 5', type: 'preference' });
    const second = await c.vault.put(
      'contexts',
      { text: 'working hours 10 to 6', type: 'preference' },
      { replaceMatching: 'working hours' },
    );
    const all = await c.vault.list('contexts');
    assert.deepEqual(
      all.map((r) => r.id),
      [second.id],
    );
    assert.notEqual(first.id, second.id);
  });

  it('changes the password: the data stays, the old password stops working, other sessions end', async () => {
    const address = email();
    const c = await newClient(server.url);
    await c.register(address, 'old password 1');
    const other = await newClient(server.url);
    await other.login(address, 'old password 1');
    const r = await c.vault.put('contexts', { text: 'kept across password changes' });
    await c.changePassword('old password 1', 'new password 2');
    assert.equal((await c.vault.get('contexts', r.id)).data.text, 'kept across password changes');
    await rejectsWith(() => other.vault.get('contexts', r.id), 'AURA_SESSION_REVOKED');
    const fresh = await newClient(server.url);
    await rejectsWith(() => fresh.login(address, 'old password 1'), 'AURA_CRYPTO_SRP_BAD_PROOF');
    await fresh.login(address, 'new password 2');
    assert.equal((await fresh.vault.get('contexts', r.id)).data.text, 'kept across password changes');
  });

  it('enrolls a second device by code, which reads the same data; a revoked device is locked out', async () => {
    const address = email();
    const laptop = await newClient(server.url);
    await laptop.register(address, 'pw for devices');
    const r = await laptop.vault.put('contexts', { text: 'shared across devices' });
    const phone = await newClient(server.url);
    const ticket = await phone.requestEnrollment(address, 'phone');
    assert.match(ticket.code, /^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/);
    await rejectsWith(() => laptop.approveEnrollment('AAAA-BBBB-CCCC'), 'AURA_ENROLLMENT_INVALID');
    const approved = await laptop.approveEnrollment(ticket.code.toLowerCase());
    assert.equal(approved.fingerprint, ticket.fingerprint);
    await ticket.wait({ intervalMs: 50 });
    assert.equal((await phone.vault.get('contexts', r.id)).data.text, 'shared across devices');
    const devices = await laptop.listDevices();
    assert.equal(devices.length, 2);
    const phoneId = phone.session?.deviceId ?? '';
    await laptop.revokeDevice(phoneId);
    await rejectsWith(() => phone.vault.get('contexts', r.id), 'AURA_SESSION_REVOKED');
    assert.ok((await laptop.listDevices()).find((d) => d.id === phoneId)?.revokedAt);
    // The laptop is now the last device: revoking it would lock the account for good.
    const laptopId = laptop.session?.deviceId ?? '';
    await rejectsWith(() => laptop.revokeDevice(laptopId), 'AURA_LAST_DEVICE', /enroll another device first/);
    const after = await laptop.listDevices();
    assert.equal(after.find((d) => d.id === laptopId)?.revokedAt, null);
    assert.equal((await laptop.vault.get('contexts', r.id)).data.text, 'shared across devices');
  });

  it('rotates a collection key: records re-encrypted, readable, old key retired; an interrupted rotation resumes', async () => {
    const c = await newClient(server.url);
    await c.register(email(), 'pw rotation');
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await c.vault.put('contexts', { text: `note ${i}` })).id);
    const oldEnvelope = (await c.api.get(`/api/v1/context/${ids[0]}`, StoredRecord)).encryptedData;

    // Interrupt after two records: the rotation target is already in the keyring.
    let calls = 0;
    await assert.rejects(() =>
      c.vault.rotate('contexts', () => {
        if (++calls === 2) throw new Error('power cut');
      }),
    );
    const result = await c.vault.rotate('contexts');
    assert.equal(result.version, 2);
    assert.ok(result.reencrypted >= 3 && result.reencrypted <= 4, `resumed: ${result.reencrypted}`);
    for (const [i, id] of ids.entries()) assert.equal((await c.vault.get('contexts', id)).data.text, `note ${i}`);
    assert.notEqual((await c.api.get(`/api/v1/context/${ids[0]}`, StoredRecord)).encryptedData, oldEnvelope);
    // The server replaying the old ciphertext now fails: version 1 keys are retired.
    const keyring = await c.vault.keyring();
    assert.throws(() => keyring.readKey('contexts', Buffer.from(oldEnvelope, 'base64')), /decrypted/);
  });

  it('gives clear errors: not logged in, unreachable server', async () => {
    const c = await newClient(server.url);
    assert.throws(
      () => c.vault,
      (e: unknown) => isAuraError(e, 'AURA_NOT_LOGGED_IN'),
    );
    const nowhere = await newClient('http://127.0.0.1:9');
    await rejectsWith(() => nowhere.login('a@b.c', 'x'), 'AURA_SERVER_UNREACHABLE');
  });
});

it('refreshes an expired access token by itself, and rotates the refresh token it stores', async () => {
  // Two seconds: a token's expiry is in whole seconds, so a one-second token issued late in a second
  // can expire before its first use, and the refreshed one too.
  const shortLived = await listeningServer({ AURA_ACCESS_TOKEN_SECONDS: '2' });
  try {
    const store = new MemoryStateStore();
    const c = await newClient(shortLived.url, store);
    await c.register(email(), 'pw refresh');
    const session = (await store.load()).session;
    const before = session?.refreshToken;
    // Until the server's clock, in the whole seconds a token's expiry is counted in, is past it.
    const { exp } = JSON.parse(Buffer.from(session?.accessToken.split('.')[1] ?? '', 'base64url').toString()) as {
      exp: number;
    };
    await waitFor(
      () => Math.floor(Date.now() / 1000) >= exp,
      5_000,
      () => `for the access token to expire at ${exp}`,
    );
    const r = await c.vault.put('contexts', { text: 'after expiry' });
    assert.equal((await c.vault.get('contexts', r.id)).data.text, 'after expiry');
    const after = (await store.load()).session?.refreshToken;
    assert.ok(after && after !== before, 'the rotated refresh token was stored');
  } finally {
    await shortLived.close();
  }
});
