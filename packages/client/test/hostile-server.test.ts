import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import {
  SRP_GROUP_2048_SHA256 as group,
  normalizeIdentifier,
  srpDecodePublic,
  srpServerEphemeral,
  srpServerSession,
} from '@aura/crypto';
import { isAuraError } from '@aura/errors';
import { StoredRecord } from '@aura/protocol';
import { type AuraClient, MemoryStateStore } from '../src/index.ts';
import { hostileProxy } from './hostile-proxy.ts';
import { email, listeningServer, newClient, rejectsWith } from './support.ts';

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

const isPath = (path: string, prefix: string) => path.split('?')[0]?.startsWith(prefix) ?? false;
const fromB64 = (s: string) => new Uint8Array(Buffer.from(s, 'base64'));
const bigOf = (s: string) => BigInt(`0x${Buffer.from(s, 'base64').toString('hex') || '0'}`);
const b64Of = (n: bigint) => Buffer.from(n.toString(16).padStart(group.byteLength * 2, '0'), 'hex').toString('base64');

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

  it("M2: a server that serves one account's seed to another cannot check the second's password with the first's verifier", async () => {
    // Two accounts with one password. What the server keeps of Alice (her seed and verifier) is
    // its precomputed table; it hands her seed to Bob and runs SRP itself against her verifier.
    // If the salt ignored the identifier, Bob's x would be Alice's x and his proof would verify.
    const shared = 'one password for two accounts';
    const alice = email();
    const bob = email();
    let stored: { seed: string; verifier: bigint } | undefined;
    proxy.tamper = (req, res) => {
      if (req.path === '/api/v1/auth/register') {
        const body = req.body as { email: string; kdf: { seed: string }; srpVerifier: string };
        if (body.email === alice) stored = { seed: body.kdf.seed, verifier: bigOf(body.srpVerifier) };
      }
      return res;
    };
    await (await newClient(proxy.url)).register(alice, shared);
    await (await newClient(server.url)).register(bob, shared);
    assert.ok(stored, "the proxy saw Alice's registration");
    const table = stored;

    /** The hostile server's own SRP for `who`, with Alice's seed and verifier; records whether M1 verified. */
    const impersonate = (who: string) => {
      const ephemeral = srpServerEphemeral(group, table.verifier);
      const outcome: { proofVerified?: boolean } = {};
      proxy.tamper = (req, res) => {
        if (req.path === '/api/v1/auth/srp/init' && res.status === 200) {
          const body = res.body as { kdf: { seed: string }; B: string };
          body.kdf.seed = table.seed;
          body.B = b64Of(ephemeral.public);
        }
        if (req.path === '/api/v1/auth/srp/verify') {
          const { A, M1 } = req.body as { A: string; M1: string };
          try {
            const session = srpServerSession(group, {
              identity: normalizeIdentifier(who),
              salt: fromB64(table.seed),
              v: table.verifier,
              b: ephemeral,
              A: srpDecodePublic(group, fromB64(A), 'A'),
              M1: fromB64(M1),
            });
            outcome.proofVerified = true;
            // The server's proof, so the client goes on; the account key it gets is the real one for Alice only.
            if (res.status === 200) (res.body as { M2: string }).M2 = Buffer.from(session.M2).toString('base64');
          } catch {
            outcome.proofVerified = false;
          }
        }
        return res;
      };
      return outcome;
    };

    // The control: for Alice herself the hostile server's check works (her proof verifies).
    const control = impersonate(alice);
    await rejectsWith(
      () => newClient(proxy.url).then((c) => c.login(alice, shared)),
      'AURA_CRYPTO_SRP_BAD_PROOF', // the real server's challenge was for another B
    );
    assert.equal(control.proofVerified, true, "the harness recognises a proof made from Alice's salt");

    const attack = impersonate(bob);
    const bobClient = await newClient(proxy.url);
    await rejectsWith(() => bobClient.login(bob, shared), 'AURA_CRYPTO_SRP_BAD_PROOF');
    assert.equal(
      attack.proofVerified,
      false,
      "Bob's proof must not verify against Alice's verifier: one seed, two salts",
    );
    assert.equal(bobClient.session, undefined);
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

  it('M4: a relabelled envelope flags byte', async () => {
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

  it('M4: a relabelled format version (or algorithm) byte is refused on get, list and search, and nothing is shown', async () => {
    const marker = `versionmark${crypto.randomUUID().slice(0, 8)}`;
    const r = await victim.vault.put('contexts', { text: `relabel ${marker}` });
    /** Rewrites byte `offset` of this record's envelope wherever the server returns it. */
    const relabel = (offset: number, value: number) => {
      const rewrite = (record: { id?: string; encryptedData?: string }) => {
        if (record.id !== r.id || !record.encryptedData) return;
        const bytes = Buffer.from(record.encryptedData, 'base64');
        assert.equal(bytes[0], 1, 'the envelope the server holds is version 1 (docs/envelope-format.md)');
        bytes[offset] = value;
        record.encryptedData = bytes.toString('base64');
      };
      proxy.tamper = (_req, res) => {
        const body = res.body as { records?: { id?: string }[]; id?: string } | undefined;
        if (body?.records) for (const record of body.records) rewrite(record);
        else if (body) rewrite(body);
        return res;
      };
    };
    // A newer version than this build reads, an older one, and an unknown algorithm: the header
    // check refuses each before any decryption is tried (and the tag covers the header anyway).
    for (const [offset, value] of [
      [0, 2],
      [0, 0],
      [0, 0xff],
      [1, 2],
    ] as const) {
      relabel(offset, value);
      const label = `byte ${offset} = ${value}`;
      await rejectsWith(() => victim.vault.get('contexts', r.id), 'AURA_CRYPTO_UNSUPPORTED_FORMAT').catch((e) => {
        throw new Error(`${label}: ${e}`);
      });
      await rejectsWith(() => victim.vault.list('contexts'), 'AURA_CRYPTO_UNSUPPORTED_FORMAT');
      await rejectsWith(() => victim.vault.search('contexts', marker), 'AURA_CRYPTO_UNSUPPORTED_FORMAT');
    }
    proxy.tamper = undefined;
    assert.equal((await victim.vault.get('contexts', r.id)).data.text, `relabel ${marker}`, 'untouched, it opens');
  });

  it('M4: the keyring record relabelled to another version does not open (one error, no fallback to defaults)', async () => {
    const owner = email();
    const rotated = await newClient(proxy.url);
    await rotated.register(owner, password);
    await rotated.vault.put('contexts', { text: 'under key version 2' });
    await rotated.vault.rotate('contexts'); // the keyring record now exists
    const fresh = await newClient(proxy.url);
    await fresh.login(owner, password);
    let relabelled = 0;
    proxy.tamper = (req, res) => {
      const body = res.body as { id?: string; encryptedData?: string } | undefined;
      // The keyring is the one record fetched by its fixed id before any other is opened.
      if (req.method === 'GET' && body?.encryptedData && /^\/api\/v1\/context\/[0-9a-f-]{36}$/.test(req.path)) {
        const bytes = Buffer.from(body.encryptedData, 'base64');
        bytes[0] = 2;
        body.encryptedData = bytes.toString('base64');
        relabelled++;
      }
      return res;
    };
    await rejectsWith(() => fresh.vault.list('contexts'), 'AURA_CRYPTO_DECRYPT_FAILED');
    assert.ok(relabelled > 0, 'the keyring was fetched and relabelled');
    proxy.tamper = undefined;
    assert.deepEqual(
      (await fresh.vault.list('contexts')).map((x) => x.data.text),
      ['under key version 2'],
    );
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
    const bWire = await victim.api.get(`/api/v1/context/${b.id}`, StoredRecord);
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
    const v1 = await victim.api.get(`/api/v1/context/${r.id}`, StoredRecord);
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

  it('M16: through the SDK, a wrong password and an unknown email fail with the same code and message', async () => {
    const failure = async (address: string) => {
      try {
        await (await newClient(proxy.url)).login(address, 'not the password');
      } catch (e) {
        assert.ok(isAuraError(e), String(e));
        return { code: e.code, message: e.message };
      }
      assert.fail('the login should have failed');
    };
    const known = await failure(victimEmail);
    const unknown = await failure(`ghost-${crypto.randomUUID()}@example.com`);
    assert.equal(known.code, 'AURA_CRYPTO_SRP_BAD_PROOF');
    assert.deepEqual(unknown, known);
  });
});
