import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  deriveMasterKey,
  deriveSrpPrivateKey,
  generateKdfSeed,
  SRP_GROUP_2048_SHA256 as group,
  srpVerifier,
  wipe,
} from '@aura/crypto';
import { isAuraError } from '@aura/errors';
import { AuraClient, MemoryStateStore } from '../src/index.ts';
import { hostileProxy } from './hostile-proxy.ts';
import { listeningServer, email as newEmail, rejectsWith } from './support.ts';

/**
 * M1 end to end: the KDF parameters in the database edited with plain SQL, as an operator
 * or an intruder with database access would, and the real client against the real server.
 * The server never answers 5xx for the row; the client refuses before deriving anything.
 */

let server: Awaited<ReturnType<typeof listeningServer>>;
before(async () => {
  server = await listeningServer();
});
after(async () => {
  await server?.close();
});

const DERIVING = /Deriving/;

/** A client whose progress messages are recorded: "Deriving…" is said just before Argon2id runs. */
async function device(url = server.url) {
  const steps: string[] = [];
  const client = await AuraClient.open({
    server: url,
    store: new MemoryStateStore(),
    onProgress: (s) => steps.push(s),
  });
  return { client, steps, derived: () => steps.some((s) => DERIVING.test(s)) };
}

/** A registered account: `laptop` has logged in (it remembers the account's KDF settings). */
async function account(password = 'correct horse battery') {
  const email = newEmail();
  const laptop = await device();
  await laptop.client.register(email, password);
  laptop.steps.length = 0;
  return { email, password, laptop };
}

const setParams = (email: string, json: string) =>
  server.pool.query('UPDATE users SET kdf_params = $2::jsonb WHERE email = $1', [email, json]);

async function srpInit(email: string) {
  const response = await fetch(`${server.url}/api/v1/auth/srp/init`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email }),
  });
  const text = await response.text();
  return { status: response.status, text, body: JSON.parse(text) };
}

/** What a password change with other parameters would store, made here with the real password (the test knows it). */
async function storeVerifierFor(email: string, password: string, seed: Uint8Array, t: number) {
  const params = { algorithm: 'argon2id', t, m: 65536, p: 1 } as const;
  const master = await deriveMasterKey(password, email, seed, params);
  const v = srpVerifier(group, deriveSrpPrivateKey(master));
  wipe(master.bytes);
  const bytes = Buffer.from(v.toString(16).padStart(group.byteLength * 2, '0'), 'hex');
  await server.pool.query(
    'UPDATE users SET kdf_seed = $2, kdf_params = $3::jsonb, srp_verifier = $4 WHERE email = $1',
    [email, Buffer.from(seed), JSON.stringify(params), bytes],
  );
}

describe('KDF parameters edited in the database (M1)', () => {
  it('(a) below the floor: srp/init relays them with 200, the client refuses with its own code before deriving', async () => {
    const { email, password, laptop } = await account();
    await setParams(email, '{"algorithm":"argon2id","t":1,"m":1024,"p":1}');
    const init = await srpInit(email);
    assert.equal(init.status, 200, init.text);
    assert.deepEqual(init.body.kdf.params, { algorithm: 'argon2id', t: 1, m: 1024, p: 1 }, 'relayed as stored');

    const fresh = await device();
    await rejectsWith(() => fresh.client.login(email, password), 'AURA_CRYPTO_KDF_TOO_WEAK', /t=1, m=1024 KiB/);
    assert.equal(fresh.derived(), false, 'no Argon2id ran');
    assert.equal(fresh.client.session, undefined);
    // The device that logged in before gets the floor's code too: the floor is checked first.
    await rejectsWith(() => laptop.client.login(email, password), 'AURA_CRYPTO_KDF_TOO_WEAK');
    assert.equal(laptop.derived(), false);
    // The wrong password cannot mask it either: nothing is tried.
    await rejectsWith(() => fresh.client.login(email, 'not the password'), 'AURA_CRYPTO_KDF_TOO_WEAK');
  });

  it('(b) rows that are not well-formed: no 5xx anywhere, and a clean refusal before deriving', async () => {
    const { email, password, laptop } = await account();
    const session = laptop.client.session;
    assert.ok(session);
    const cases: [row: string, code: string][] = [
      ['{"t":1,"m":1024,"p":1}', 'AURA_CRYPTO_KDF_TOO_WEAK'], // the row of the report: no algorithm
      ['"argon2id"', 'AURA_CRYPTO_KDF_TOO_WEAK'],
      ['[3, 65536, 1]', 'AURA_CRYPTO_KDF_TOO_WEAK'],
      ['null', 'AURA_CRYPTO_KDF_TOO_WEAK'],
      ['42', 'AURA_CRYPTO_KDF_TOO_WEAK'],
      ['{}', 'AURA_CRYPTO_KDF_TOO_WEAK'],
      ['{"algorithm":"argon2id","t":"3","m":65536,"p":1}', 'AURA_CRYPTO_KDF_TOO_WEAK'],
      ['{"algorithm":"argon2id","t":3.5,"m":65536,"p":1}', 'AURA_CRYPTO_KDF_TOO_WEAK'],
      ['{"algorithm":"argon2id","t":3,"m":65536}', 'AURA_CRYPTO_KDF_TOO_WEAK'],
      ['{"algorithm":"argon2id","t":1e30,"m":65536,"p":1}', 'AURA_CRYPTO_KDF_TOO_WEAK'],
      ['{"algorithm":{"name":"argon2id"},"t":3,"m":65536,"p":1}', 'AURA_CRYPTO_KDF_TOO_WEAK'],
      ['{"algorithm":"argon2id","t":-3,"m":65536,"p":1}', 'AURA_CRYPTO_KDF_TOO_WEAK'],
      ['{"algorithm":"scrypt","t":3,"m":65536,"p":1}', 'AURA_CRYPTO_KDF_TOO_WEAK'],
      ['{"algorithm":"argon2id","t":3,"m":1073741824,"p":1}', 'AURA_CRYPTO_KDF_TOO_COSTLY'],
      ['{"algorithm":"argon2id","t":3,"m":65536,"p":1000}', 'AURA_CRYPTO_KDF_TOO_COSTLY'],
    ];
    for (const [row, code] of cases) {
      await setParams(email, row);
      const init = await srpInit(email);
      assert.equal(init.status, 200, `${row}: ${init.text}`);
      const refresh: Response = await fetch(`${server.url}/api/v1/auth/refresh`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ refreshToken: session.refreshToken }),
      });
      assert.equal(refresh.status, 200, `${row}: the refresh (which copies the parameters into the token)`);
      session.refreshToken = ((await refresh.json()) as { refreshToken: string }).refreshToken;
      const fresh = await device();
      await rejectsWith(() => fresh.client.login(email, password), code);
      assert.equal(fresh.derived(), false, `${row}: no Argon2id ran`);
    }
    assert.ok(
      server.logs.some((line) => line.includes('not well-formed')),
      'the operator is told',
    );
    assert.ok(!server.logs.some((line) => line.includes(email)), 'without the email');
  });

  it('(b) extra fields beside well-formed parameters are dropped, and the login works', async () => {
    const { email, password } = await account();
    await setParams(email, '{"algorithm":"argon2id","t":3,"m":65536,"p":1,"note":"x"}');
    const init = await srpInit(email);
    assert.deepEqual(init.body.kdf.params, { algorithm: 'argon2id', t: 3, m: 65536, p: 1 });
    const fresh = await device();
    await fresh.client.login(email, password);
    assert.ok(fresh.client.session);
  });

  it('(b) an enrollment claim on an account whose row is not well-formed still answers, without 5xx', async () => {
    const { email, laptop } = await account();
    const phone = await device();
    const ticket = await phone.client.requestEnrollment(email, 'phone');
    await laptop.client.approveEnrollment(ticket.code);
    await setParams(email, 'null');
    await ticket.wait({ intervalMs: 50, timeoutMs: 10_000 });
    assert.ok(phone.client.session, 'the claim (which copies the parameters into the token) succeeded');
  });

  it('M16 holds: an unknown email gets the shape, key order and parameters of an untouched account', async () => {
    const { email } = await account();
    const known = await srpInit(email);
    const unknown = await srpInit(`nobody-${crypto.randomUUID()}@example.com`);
    assert.equal(unknown.status, 200);
    assert.deepEqual(Object.keys(unknown.body.kdf.params), Object.keys(known.body.kdf.params));
    assert.deepEqual(unknown.body.kdf.params, known.body.kdf.params);
    const shape = (text: string) => text.replace(/"[A-Za-z0-9+/=-]{16,}"/g, '"…"');
    assert.equal(shape(unknown.text), shape(known.text), 'the raw answers differ only in their values');
  });

  it('(c) above the floor, changed under the same seed: a device that logged in before says tampering', async () => {
    const { email, password, laptop } = await account();
    await laptop.client.logout();
    await server.pool.query(`UPDATE users SET kdf_params = jsonb_set(kdf_params, '{t}', '4') WHERE email = $1`, [
      email,
    ]);
    assert.equal((await srpInit(email)).status, 200);
    await rejectsWith(
      () => laptop.client.login(email, password),
      'AURA_KDF_PARAMS_TAMPERED',
      /offers Argon2id t=4, m=65536 KiB, p=1.*last login used t=3, m=65536 KiB, p=1/,
    );
    assert.equal(laptop.derived(), false, 'refused before deriving with the new parameters');
    // The limit: a device with no memory of the account cannot tell this from a wrong password.
    const fresh = await device();
    await rejectsWith(() => fresh.client.login(email, password), 'AURA_CRYPTO_SRP_BAD_PROOF');
  });

  it('(c) changed parameters with a verifier that matches them: refused, never a generic decrypt error where the device knows', async () => {
    const { email, password, laptop } = await account();
    await laptop.client.logout();
    const { rows } = await server.pool.query<{ kdf_seed: Buffer }>('SELECT kdf_seed FROM users WHERE email = $1', [
      email,
    ]);
    const seed = new Uint8Array(rows[0]?.kdf_seed ?? []);
    // Same seed, t=4, and a verifier for t=4: the SRP proof would pass; the wrapped key is still bound to t=3.
    await storeVerifierFor(email, password, seed, 4);
    await rejectsWith(() => laptop.client.login(email, password), 'AURA_KDF_PARAMS_TAMPERED');
    assert.equal(laptop.derived(), false);
    // A new seed too, so the memory's seed does not match: the proof passes, the unwrap does not.
    await storeVerifierFor(email, password, generateKdfSeed(), 4);
    await rejectsWith(
      () => laptop.client.login(email, password),
      'AURA_KDF_PARAMS_TAMPERED',
      /does not open with the Argon2id parameters the server now offers \(t=4/,
    );
    assert.equal(laptop.client.session, undefined, 'nothing from that login was kept');
    // A fresh device has nothing to compare with: the unwrap's own refusal (still a tampering exit).
    const fresh = await device();
    await rejectsWith(() => fresh.client.login(email, password), 'AURA_CRYPTO_DECRYPT_FAILED');
  });

  it('(d) a real password change from another device: no false alarm, the new password works', async () => {
    const { email, password, laptop } = await account();
    const phone = await device();
    await phone.client.login(email, password);
    await phone.client.changePassword(password, 'a brand new password');
    // The old password on the laptop: a wrong password, and the message says why it may be.
    await rejectsWith(() => laptop.client.login(email, password), 'AURA_CRYPTO_SRP_BAD_PROOF', /seed changed/);
    await laptop.client.login(email, 'a brand new password');
    assert.ok(laptop.client.session);
    await laptop.client.vault.list('contexts');
    // Both devices now remember the new settings, so the next logins are checked against them.
    await laptop.client.login(email, 'a brand new password');
    await phone.client.login(email, 'a brand new password');
  });

  it('(e) a wrong password with untouched parameters is still a wrong password', async () => {
    const { email, laptop } = await account();
    await rejectsWith(() => laptop.client.login(email, 'not the password'), 'AURA_CRYPTO_SRP_BAD_PROOF');
    assert.ok(laptop.derived(), 'the parameters were fine, so the key was derived and the proof failed');
    const error = await laptop.client.login(email, 'not the password').catch((e: unknown) => e);
    assert.ok(isAuraError(error) && !/seed changed/.test(error.message), 'no hint about a seed that did not change');
    const fresh = await device();
    await rejectsWith(() => fresh.client.login(email, 'not the password'), 'AURA_CRYPTO_SRP_BAD_PROOF');
  });

  it('a hostile server that sends parameters no Aura server would: a clear code, nothing derived', async () => {
    const { email, password } = await account();
    const proxy = await hostileProxy(server.url);
    try {
      const offers: [unknown, string][] = [
        [null, 'AURA_SERVER_MISBEHAVED'],
        ['argon2id', 'AURA_SERVER_MISBEHAVED'],
        [{ algorithm: 'argon2id', t: '3', m: 65536, p: 1 }, 'AURA_SERVER_MISBEHAVED'],
        [{ algorithm: 'argon2id', t: 3, m: 65536 }, 'AURA_SERVER_MISBEHAVED'],
        [{ algorithm: 'argon2id', t: 2, m: 65536, p: 1 }, 'AURA_CRYPTO_KDF_TOO_WEAK'],
        [{ algorithm: 'argon2id', t: 65, m: 65536, p: 1 }, 'AURA_CRYPTO_KDF_TOO_COSTLY'],
      ];
      for (const [params, code] of offers) {
        proxy.tamper = (req, res) => {
          if (req.path === '/api/v1/auth/srp/init') (res.body as { kdf: { params: unknown } }).kdf.params = params;
          return res;
        };
        const fresh = await device(proxy.url);
        await rejectsWith(() => fresh.client.login(email, password), code);
        assert.equal(fresh.derived(), false, JSON.stringify(params));
      }
      proxy.tamper = (req, res) => {
        if (req.path === '/api/v1/auth/srp/init') (res.body as { kdf: { seed: string } }).kdf.seed = 'AAAA';
        return res;
      };
      const fresh = await device(proxy.url);
      await rejectsWith(() => fresh.client.login(email, password), 'AURA_SERVER_MISBEHAVED', /seed/);
      assert.equal(fresh.derived(), false);
    } finally {
      await proxy.close();
    }
  });
});
