import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { SRP_GROUP_2048_SHA256 as group } from '@aura/crypto';
import { isAuraError } from '@aura/errors';
import { type AuraClient, MemoryStateStore } from '../src/index.ts';
import { hostileProxy } from './hostile-proxy.ts';
import { email, listeningServer, newClient } from './support.ts';

let server: Awaited<ReturnType<typeof listeningServer>>;
let proxy: Awaited<ReturnType<typeof hostileProxy>>;
let victim: AuraClient;
let victimEmail: string;
const password = 'victim password 123';

before(async () => {
  server = await listeningServer();
  proxy = await hostileProxy(server.url);
  victimEmail = email();
  victim = await newClient(proxy.url, new MemoryStateStore());
  await victim.register(victimEmail, password);
});
after(async () => {
  await proxy?.close();
  await server?.close();
});
beforeEach(() => {
  proxy.tamper = undefined;
});

const rejectsWith = (fn: () => Promise<unknown>, code: string) =>
  assert.rejects(fn, (e: unknown) => {
    assert.ok(isAuraError(e), String(e));
    assert.equal(e.code, code);
    return true;
  });

const isPath = (path: string, prefix: string) => path.split('?')[0]?.startsWith(prefix) ?? false;

describe('a hostile server (ARCHITECTURE.md §7), refused by the client', () => {
  it('M1: lowered KDF parameters in the login challenge', async () => {
    proxy.tamper = (req, res) => {
      if (req.path === '/api/v1/auth/srp/init') {
        const body = res.body as { kdf: { params: { t: number; m: number } } };
        body.kdf.params.m = 1024;
        body.kdf.params.t = 1;
      }
      return res;
    };
    const fresh = await newClient(proxy.url);
    await rejectsWith(() => fresh.login(victimEmail, password), 'AURA_CRYPTO_KDF_TOO_WEAK');
    assert.equal(fresh.session, undefined, 'no session was stored');
  });

  it('M2: one seed for everyone does not give two accounts one salt (the login then fails its proof)', async () => {
    proxy.tamper = (req, res) => {
      if (req.path === '/api/v1/auth/srp/init')
        (res.body as { kdf: { seed: string } }).kdf.seed = Buffer.alloc(16, 7).toString('base64');
      return res;
    };
    await rejectsWith(
      () => newClient(proxy.url).then((c) => c.login(victimEmail, password)),
      'AURA_CRYPTO_SRP_BAD_PROOF',
    );
  });

  it('M3: B ≡ 0 (mod N), and a server proof M2 that is wrong', async () => {
    proxy.tamper = (req, res) => {
      if (req.path === '/api/v1/auth/srp/init') {
        (res.body as { B: string }).B = Buffer.from(group.N.toString(16), 'hex').toString('base64');
      }
      return res;
    };
    await rejectsWith(
      () => newClient(proxy.url).then((c) => c.login(victimEmail, password)),
      'AURA_CRYPTO_SRP_BAD_PUBLIC_VALUE',
    );
    proxy.tamper = (req, res) => {
      if (req.path === '/api/v1/auth/srp/verify' && res.status === 200) {
        (res.body as { M2: string }).M2 = Buffer.alloc(32, 1).toString('base64');
      }
      return res;
    };
    const fresh = await newClient(proxy.url);
    await rejectsWith(() => fresh.login(victimEmail, password), 'AURA_CRYPTO_SRP_BAD_PROOF');
    assert.equal(fresh.session, undefined, 'nothing from that server was trusted');
  });

  it('M4: a relabelled envelope version', async () => {
    const r = await victim.vault.put('contexts', { text: 'relabel me' });
    proxy.tamper = (req, res) => {
      if (isPath(req.path, `/api/v1/context/${r.id}`)) {
        const body = res.body as { encryptedData: string };
        const bytes = Buffer.from(body.encryptedData, 'base64');
        bytes[2] = 0; // clear the padding flag
        body.encryptedData = bytes.toString('base64');
      }
      return res;
    };
    await rejectsWith(() => victim.vault.get('contexts', r.id), 'AURA_CRYPTO_DECRYPT_FAILED');
  });

  it("M5: another account's wrapped key swapped in at login", async () => {
    const mallory = email();
    const malloryClient = await newClient(server.url);
    await malloryClient.register(mallory, 'mallory password');
    let malloryKey: { wrapped: string; id: string } | undefined;
    proxy.tamper = (req, res) => {
      if (req.path === '/api/v1/auth/srp/verify' && res.status === 200) {
        const body = res.body as { accountKey: { wrapped: string; id: string } };
        if (!malloryKey) malloryKey = body.accountKey;
        else body.accountKey = malloryKey;
      }
      return res;
    };
    await (await newClient(proxy.url)).login(mallory, 'mallory password'); // the proxy records Mallory's key
    await rejectsWith(
      () => newClient(proxy.url).then((c) => c.login(victimEmail, password)),
      'AURA_CRYPTO_DECRYPT_FAILED',
    );
  });

  it('M6: two records with their ciphertexts swapped', async () => {
    const a = await victim.vault.put('contexts', { text: 'record A' });
    const b = await victim.vault.put('contexts', { text: 'record B' });
    const bWire = await victim.api.request<{ encryptedData: string }>('GET', `/api/v1/context/${b.id}`);
    proxy.tamper = (req, res) => {
      if (isPath(req.path, `/api/v1/context/${a.id}`))
        (res.body as { encryptedData: string }).encryptedData = bWire.encryptedData;
      return res;
    };
    await rejectsWith(() => victim.vault.get('contexts', a.id), 'AURA_CRYPTO_DECRYPT_FAILED');
    // And a record served under another id.
    proxy.tamper = (req, res) => {
      if (isPath(req.path, `/api/v1/context/${a.id}`)) (res.body as { id: string }).id = b.id;
      return res;
    };
    await rejectsWith(() => victim.vault.get('contexts', a.id), 'AURA_SERVER_MISBEHAVED');
  });

  it('M7: an old version of a record replayed after the client saw a newer one', async () => {
    const r = await victim.vault.put('contexts', { text: 'version one' });
    const v1 = await victim.api.request<Record<string, unknown>>('GET', `/api/v1/context/${r.id}`);
    await victim.vault.update('contexts', r, { text: 'version two' });
    assert.equal((await victim.vault.get('contexts', r.id)).data.text, 'version two');
    proxy.tamper = (req, res) => (isPath(req.path, `/api/v1/context/${r.id}`) ? { status: 200, body: v1 } : res);
    await rejectsWith(() => victim.vault.get('contexts', r.id), 'AURA_ROLLBACK_DETECTED');
    // The same old ciphertext relabelled as version 2 is caught by the version sealed inside it.
    proxy.tamper = (req, res) =>
      isPath(req.path, `/api/v1/context/${r.id}`) ? { status: 200, body: { ...v1, version: 2 } } : res;
    await rejectsWith(() => victim.vault.get('contexts', r.id), 'AURA_ROLLBACK_DETECTED');
  });

  it('M8 (enrollment): a server that swaps in its own device keys cannot match the code', async () => {
    const phone = await newClient(server.url);
    const ticket = await phone.requestEnrollment(victimEmail, 'phone');
    proxy.tamper = (req, res) => {
      if (req.path === '/api/v1/devices/enrollments' && req.method === 'GET') {
        const body = res.body as { enrollments: { sealingPublicKey: string; signingPublicKey: string }[] };
        // The server's own key in place of the new device's.
        for (const e of body.enrollments) e.sealingPublicKey = Buffer.alloc(32, 9).toString('base64');
      }
      return res;
    };
    await rejectsWith(() => victim.approveEnrollment(ticket.code), 'AURA_ENROLLMENT_INVALID');
  });

  it('M16: an unknown email looks like a known one until the proof', async () => {
    const ghost = await newClient(proxy.url);
    await rejectsWith(
      () => ghost.login(`ghost-${crypto.randomUUID()}@example.com`, 'whatever'),
      'AURA_CRYPTO_SRP_BAD_PROOF',
    );
  });
});
